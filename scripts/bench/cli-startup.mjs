// Whole-process wall time of one `mcp-call greet` against a local mcp-serve, next to `node -e 0`
// and a minimal script on the SDK client; runs are interleaved so drift hits all alike.
//
//   node scripts/bench/cli-startup.mjs [--runs 40]
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

import { MCP_CALL_BIN, mcpCallCommands, median, pinSelf, ROOT, startMcpServe } from './lib.mjs';

export async function measureCliStartup(runs = 40) {
  const server = await startMcpServe();
  const calls = Object.entries(mcpCallCommands(server.url)).map(([name, args]) => [name, [MCP_CALL_BIN, ...args]]);
  const commands = {
    'node -e 0': ['-e', '0'],
    ...Object.fromEntries(calls),
    'SDK client script (Streamable HTTP)': [`${ROOT}scripts/bench/sdk-client-call.mjs`, `${server.url}/mcp`],
  };
  const times = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let i = 0; i < runs + 3; i++) {
    for (const [name, args] of Object.entries(commands)) {
      const started = process.hrtime.bigint();
      const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (result.status !== 0) throw new Error(`${name} failed: ${result.stderr}`);
      if (i >= 3) times[name].push(ms); // the first runs warm the page cache
    }
  }
  server.stop();
  const base = median(times['node -e 0']);
  const baseMin = Math.min(...times['node -e 0']);
  return Object.entries(times).map(([name, list]) => ({
    name,
    medianMs: median(list),
    ratio: median(list) / base,
    minMs: Math.min(...list),
    minRatio: Math.min(...list) / baseMin,
  }));
}

if (import.meta.url === `file://${process.argv[1]}` && !pinSelf()) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '40' } } });
  const rows = await measureCliStartup(Number(values.runs));
  console.log(`${'command'.padEnd(38)} ${'median'.padStart(9)}  ratio  ${'fastest'.padStart(9)}  ratio`);
  for (const row of rows) {
    console.log(`${row.name.padEnd(38)} ${row.medianMs.toFixed(1).padStart(6)} ms  ${row.ratio.toFixed(2)}×  ${row.minMs.toFixed(1).padStart(6)} ms  ${row.minRatio.toFixed(2)}×`);
  }
}
