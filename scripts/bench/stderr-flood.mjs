// What an upstream that floods stderr costs mcp-serve's gateway: mcp-serve's CPU while its one
// stdio upstream writes 50 MB/s of 100-byte lines to stderr, against a bare reader of the same
// pipe (a process that only reads it), each over the same seconds.
//
//   node scripts/bench/stderr-flood.mjs [--seconds 5] [--mbps 50]
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

import { cpuMs, pinSelf, ROOT, startProcess } from './lib.mjs';

const FLOOD = `${ROOT}scripts/bench/fixtures/stderr-flood-server.mjs`;
const BARE_READER = `
  const child = require('node:child_process').spawn(process.execPath, [${JSON.stringify(FLOOD)}], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr.on('data', () => {});
  console.log('ready');
  process.on('SIGTERM', () => { child.kill(); process.exit(); });
`;

/** CPU percent of a core that `pid` used over `seconds`, after a second of warm-up. */
async function cpuPercent(pid, seconds) {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const before = cpuMs(pid);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return ((cpuMs(pid) - before) / (seconds * 1000)) * 100;
}

export async function measureStderrFlood({ seconds = 5, mbps = 50 } = {}) {
  const env = { STDERR_MBPS: String(mbps) };
  const serve = await startProcess([`${ROOT}packages/serve/bin/mcp-serve.js`, '--port', '0', '--quiet', '--', process.execPath, FLOOD], /ready (http:\/\/\S+)/, env);
  const gateway = await cpuPercent(serve.child.pid, seconds);
  await serve.stop();
  const bare = spawn(process.execPath, ['-e', BARE_READER], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  await new Promise((resolve) => bare.stdout.once('data', resolve));
  const reader = await cpuPercent(bare.pid, seconds);
  bare.kill('SIGTERM');
  return { mbps, gateway, reader };
}

if (!pinSelf() && import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, mbps: { type: 'string', default: '50' } } });
  const { mbps, gateway, reader } = await measureStderrFlood({ seconds: Number(values.seconds), mbps: Number(values.mbps) });
  console.log(`| upstream stderr | mcp-serve (gateway) CPU | bare reader CPU |`);
  console.log(`| --- | --- | --- |`);
  console.log(`| ${mbps} MB/s of 100-byte lines | ${gateway.toFixed(0)}% of a core | ${reader.toFixed(0)}% of a core |`);
}
