// mcp-call in CI: a warm call (--keep-alive) against server-everything over stdio and against
// mcp-serve over HTTP, next to `node -e 0` and the same calls cold; then 50 calls as one
// `mcp-call test` file against 50 separate cold `mcp-call --stdio` runs.
//
//   node scripts/bench/ci-workflow.mjs [--runs 30]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { MCP_CALL_BIN, median, ROOT, startMcpServe } from './lib.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' } } });
const runs = Number(values.runs);
const everything = createRequire(`${ROOT}packages/call/package.json`).resolve('@modelcontextprotocol/server-everything/dist/index.js');
const stdio = `${process.execPath} ${everything} stdio`;
// A private runtime folder: the benchmark's daemons are its own, and stopped at the end.
const runtime = mkdtempSync(join(tmpdir(), 'bench-ci-'));
const env = { ...process.env, XDG_RUNTIME_DIR: runtime };
const run = (args) => {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', env });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
};

const server = await startMcpServe();
const commands = {
  'node -e 0': ['-e', '0'],
  'warm, stdio server-everything': [MCP_CALL_BIN, '--stdio', stdio, '--keep-alive', '300', 'echo', '--message', 'hi'],
  'warm, HTTP mcp-serve': [MCP_CALL_BIN, '--url', `${server.url}/mcp`, '--keep-alive', '300', 'greet'],
  'cold, HTTP mcp-serve': [MCP_CALL_BIN, '--url', `${server.url}/mcp`, 'greet'],
  'cold, stdio server-everything': [MCP_CALL_BIN, '--stdio', stdio, 'echo', '--message', 'hi'],
};
const times = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
for (let i = 0; i < runs + 2; i++) {
  for (const [name, args] of Object.entries(commands)) {
    // The cold stdio run costs seconds: a third as many runs tell its median well enough.
    if (name.startsWith('cold, stdio') && i % 3 !== 0) continue;
    const ms = run(args);
    if (i >= 2) times[name].push(ms); // the first runs start the daemons and warm the page cache
  }
}
const base = median(times['node -e 0']);
console.log('command                              median    × node -e 0');
for (const [name, list] of Object.entries(times)) console.log(`${name.padEnd(36)} ${median(list).toFixed(1).padStart(7)} ms  ${(median(list) / base).toFixed(2)}×`);

// 50 calls: one test file (one server start) against 50 cold runs.
const dir = mkdtempSync(join(tmpdir(), 'bench-ci-cases-'));
const file = join(dir, 'cases.jsonl');
writeFileSync(file, Array.from({ length: 50 }, (_, i) => JSON.stringify({ tool: 'echo', args: { message: `m${i}` }, expect: [`text~/m${i}$/`] })).join('\n'));
const suite = run([MCP_CALL_BIN, 'test', file, '--stdio', stdio, '--quiet']);
let separate = 0;
for (let i = 0; i < 50; i++) separate += run([MCP_CALL_BIN, '--stdio', stdio, 'echo', '--message', `m${i}`]);
console.log(`\n50 calls as one mcp-call test file: ${suite.toFixed(0)} ms; as 50 cold --stdio runs: ${separate.toFixed(0)} ms (${(separate / suite).toFixed(1)}× faster)`);

spawnSync(process.execPath, [MCP_CALL_BIN, 'stop'], { env });
await server.stop();
