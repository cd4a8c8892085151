// Per-user upstreams (scope: "user"), with the hello example as the stdio server and one static
// token per user:
//  1. time to a user's first call through the gateway, its upstream started cold, against
//     `mcp-call --stdio` of the same server (both whole mcp-call processes, medians);
//  2. memory (RSS) per idle user upstream;
//  3. calls per second of `--users` users through a gateway capped at `--cap` upstreams (the
//     first `--cap` users' started beforehand), from `--workers` concurrent 2026-07-28 callers
//     each picking a user at random: failed calls, and the most upstream processes seen at once.
//
//   node scripts/bench/user-upstreams.mjs [--cold 10] [--users 100] [--cap 20] [--workers 20] [--seconds 10]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { MCP_CALL_BIN, median, postJson, REQUEST_KINDS, ROOT, startProcess } from './lib.mjs';

const { values } = parseArgs({
  options: { cold: { type: 'string', default: '10' }, users: { type: 'string', default: '100' }, cap: { type: 'string', default: '20' }, workers: { type: 'string', default: '20' }, seconds: { type: 'string', default: '10' } },
});
const SERVE_BIN = `${ROOT}packages/serve/bin/mcp-serve.js`;
const HELLO = `${ROOT}examples/hello/mcp-serve.config.ts`;
const users = Number(values.users);
const tokens = Array.from({ length: users }, (_, i) => `bench-user-token-${String(i).padStart(4, '0')}`);

function startGateway(cap) {
  const dir = mkdtempSync(join(tmpdir(), 'user-upstreams-'));
  const config = join(dir, 'mcp-serve.config.mjs');
  writeFileSync(config, `export default { servers: { hello: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(SERVE_BIN)}, '--stdio', '--config', ${JSON.stringify(HELLO)}], scope: 'user', maxUpstreams: ${cap}, prefix: '' } }, limits: { maxUpstreams: ${cap} } };`);
  const flags = tokens.flatMap((token) => ['--token', token]);
  return startProcess([`${ROOT}scripts/bench/serve-ipc.mjs`, '--config', config, '--port', '0', '--quiet', ...flags], /ready (http:\/\/\S+)/, {}, false);
}

/** The gateway's child processes (its users' upstreams), with their RSS in KiB. */
function children(pid) {
  const out = spawnSync('ps', ['--ppid', String(pid), '-o', 'pid=,rss='], { encoding: 'utf8' }).stdout.trim();
  return out ? out.split('\n').map((line) => line.trim().split(/\s+/).map(Number)) : [];
}

function timed(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [MCP_CALL_BIN, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`mcp-call ${args.join(' ')} failed: ${result.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

// 1 and 2: cold first calls, then what each idle upstream holds.
if (Number(values.cold) > 0) {
  const gateway = await startGateway(Number(values.cap));
  const cold = Number(values.cold);
  const direct = [];
  const through = [];
  for (let i = 0; i < cold; i++) {
    direct.push(timed(['--stdio', `${process.execPath} ${SERVE_BIN} --stdio --config ${HELLO}`, 'greet', '--name', 'x']));
    through.push(timed(['--url', `${gateway.url}/mcp`, '--token', tokens[i], 'greet', '--name', 'x']));
  }
  const rss = children(gateway.child.pid).map(([, kib]) => kib);
  console.log(`\n| first call of a user (mcp-call process, median of ${cold}) | ms |`);
  console.log('|---|---|');
  console.log(`| mcp-call --stdio, the server started by mcp-call | ${median(direct).toFixed(0)} |`);
  console.log(`| through the gateway, the user's upstream started cold | ${median(through).toFixed(0)} (${(median(through) / median(direct)).toFixed(2)}×) |`);
  console.log(`\nIdle user upstreams: ${rss.length}, RSS ${(median(rss) / 1024).toFixed(1)} MiB each (median)`);
  await gateway.stop();
}

// 3: many users, few upstreams.
{
  const cap = Number(values.cap);
  const gateway = await startGateway(cap);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number(values.workers) });
  const kind = REQUEST_KINDS['2026-07-28 tools/call'];
  let ok = 0;
  let failed = 0;
  let most = 0;
  // Warmed: the first `cap` users' upstreams are started before the clock starts.
  await Promise.all(tokens.slice(0, cap).map((token, i) => postJson(`${gateway.url}/mcp`, JSON.stringify({ jsonrpc: '2.0', id: i, method: kind.method, params: kind.params }), { ...kind.headers, authorization: `Bearer ${token}` }, agent)));
  const until = Date.now() + Number(values.seconds) * 1000;
  const watch = setInterval(() => (most = Math.max(most, children(gateway.child.pid).length)), 100);
  const worker = async () => {
    for (let id = 1; Date.now() < until; id++) {
      const token = tokens[Math.floor(Math.random() * users)];
      const body = JSON.stringify({ jsonrpc: '2.0', id, method: kind.method, params: kind.params });
      const answer = await postJson(`${gateway.url}/mcp`, body, { ...kind.headers, authorization: `Bearer ${token}` }, agent);
      const parsed = JSON.parse(answer.text);
      if (parsed.result && !parsed.result.isError) ok++;
      else failed++;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: Number(values.workers) }, worker));
  clearInterval(watch);
  const seconds = (Date.now() - started) / 1000;
  console.log(`\n${users} users, cap ${cap}, ${values.workers} concurrent callers, ${values.seconds} s: ${(ok / seconds).toFixed(0)} calls/s, ${failed} failed, at most ${most} upstream processes at once`);
  agent.destroy();
  await gateway.stop();
}
