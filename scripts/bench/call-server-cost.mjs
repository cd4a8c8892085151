// Server CPU per `mcp-call greet` process: everything one command costs mcp-serve, from its
// first request to its last (a 2025 session's initialize, stream and DELETE included), for the
// default protocol (2026-07-28), a 2025-11-25 session and legacy SSE. Runs are interleaved; the
// CPU of asking the server for its CPU is measured alone and taken off.
//
//   node scripts/bench/call-server-cost.mjs [--runs 40]
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

import { MCP_CALL_BIN, mcpCallCommands, median, pinSelf, startMcpServe } from './lib.mjs';

export async function measureCallServerCost(runs = 40) {
  const server = await startMcpServe();
  const commands = mcpCallCommands(server.url);
  const costs = Object.fromEntries([['(asking for the CPU alone)', []], ...Object.keys(commands).map((k) => [k, []])]);
  for (let i = 0; i < runs + 3; i++) {
    const before = await server.cpuMicros();
    const after = await server.cpuMicros();
    if (i >= 3) costs['(asking for the CPU alone)'].push(after - before);
    for (const [name, args] of Object.entries(commands)) {
      const start = await server.cpuMicros();
      const result = spawnSync(process.execPath, [MCP_CALL_BIN, ...args], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`${name} failed: ${result.stderr}`);
      // A session's DELETE or a closed stream may still be in flight when the process ends.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const end = await server.cpuMicros();
      if (i >= 3) costs[name].push(end - start); // the first runs warm the server's JIT
    }
  }
  await server.stop();
  const ipc = median(costs['(asking for the CPU alone)']);
  return Object.entries(costs)
    .filter(([name]) => name in commands)
    .map(([name, list]) => ({ name, serverCpuMs: (median(list) - ipc) / 1000 }));
}

if (import.meta.url === `file://${process.argv[1]}` && !pinSelf()) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '40' } } });
  const rows = await measureCallServerCost(Number(values.runs));
  console.log('| one mcp-call process | server CPU (median) |');
  console.log('| --- | --- |');
  for (const row of rows) console.log(`| ${row.name} | ${row.serverCpuMs.toFixed(3)} ms |`);
}
