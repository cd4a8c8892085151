// Why a fresh mcp-call process cannot get much closer to `node -e 0`: in a new process, Node's own
// HTTP client is slow on its first requests (code not yet compiled), whatever the client does.
// Runs a plain node:http script (two sequential POSTs, nothing of mcp-call) several times against
// mcp-serve and prints how long each request took.
//
//   node scripts/bench/cold-http.mjs
import { spawnSync } from 'node:child_process';

import { median, startMcpServe } from './lib.mjs';

const SCRIPT = `
import { request } from 'node:http';
const url = process.argv[1];
const post = (body, headers = {}) => new Promise((resolve) => {
  const started = performance.now();
  const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, (res) => {
    res.resume();
    res.on('end', () => resolve({ ms: performance.now() - started, session: res.headers['mcp-session-id'] }));
  });
  req.end(body);
});
const first = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'cold', version: '1' } } }));
const second = await post(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), { 'mcp-session-id': first.session });
const third = await post(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'greet', arguments: {} } }), { 'mcp-session-id': first.session });
console.log(JSON.stringify([first.ms, second.ms, third.ms]));
`;

const server = await startMcpServe();
const runs = Array.from({ length: 15 }, () => JSON.parse(spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT, `${server.url}/mcp`], { encoding: 'utf8' }).stdout));
await server.stop();
for (const [i, label] of ['first request (initialize)', 'second (tools/list)', 'third (tools/call)'].entries()) {
  console.log(`${label.padEnd(28)} median ${median(runs.map((r) => r[i])).toFixed(1)} ms`);
}
