// Batch mode throughput: one `mcp-call batch` process makes N greet calls over one connection.
//
//   node scripts/bench/batch.mjs [--calls 10000]
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

import { MCP_CALL_BIN, pinSelf, startMcpServe } from './lib.mjs';

export async function measureBatch(calls = 10_000) {
  const server = await startMcpServe();
  const input = Array.from({ length: calls }, (_, i) => JSON.stringify({ tool: 'greet', args: { name: `n${i}` } })).join('\n');
  const rows = [];
  for (const path of ['/mcp', '/sse']) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [MCP_CALL_BIN, '--url', `${server.url}${path}`, 'batch'], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const lines = result.stdout.trim().split('\n');
    const ok = lines.filter((l) => l.includes('"ok":true')).length;
    rows.push({ transport: path === '/mcp' ? 'Streamable HTTP' : 'SSE', calls, ok, seconds, callsPerSecond: calls / seconds, exit: result.status });
  }
  await server.stop();
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}` && !pinSelf()) {
  const { values } = parseArgs({ options: { calls: { type: 'string', default: '10000' } } });
  for (const r of await measureBatch(Number(values.calls))) {
    console.log(`${r.transport.padEnd(16)} ${r.calls} calls (${r.ok} ok, exit ${r.exit}) in ${r.seconds.toFixed(2)} s: ${r.callsPerSecond.toFixed(0)} calls/s (whole process)`);
  }
}
