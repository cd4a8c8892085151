// Hostile clients (run by hand, not in CI): for a while, attackers on other loopback addresses
// keep event streams they never read while tools flood them, trickle request bodies, flood
// sessions that never finish initializing, and post batch floods into unread SSE sessions. Beside
// them, well-behaved clients on 127.0.0.1 call tools over both transports. Checks that every
// well-behaved call is answered exactly once and correctly, that the server's RSS stays bounded,
// and that its sessions and file handles return to their baseline.
//
//   node scripts/hostile-clients.mjs [--seconds 60] [--clients 20]
//
// Needs a build (pnpm build). The server is the built mcp-serve with the hostile test fixture.
import { request } from 'node:http';
import { connect as tcp } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { destroyAgents } from '../packages/call/dist/index.js';
import { processStats, runWellBehavedClients, startServer } from './load-clients.mjs';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, clients: { type: 'string', default: '20' } } });
const SECONDS = Number(values.seconds);
const CLIENTS = Number(values.clients);
const root = new URL('../', import.meta.url).pathname;
const fixture = `${root}packages/serve/test/fixtures/hostile/mcp-serve.config.mjs`;

const { server, url, sessionsOpen: health } = await startServer(['--config', fixture, '--handshake-timeout', '2000']);
const { port } = new URL(url);
const proc = () => processStats(server.pid);

/** Sends a raw request from `localAddress` and never reads past the headers. */
function unread(localAddress, method, path, headers, body = '') {
  return new Promise((resolve) => {
    const socket = tcp({ host: '127.0.0.1', port: Number(port), localAddress });
    socket.on('error', () => resolve(undefined));
    socket.on('connect', () => {
      const lines = Object.entries({ Host: `127.0.0.1:${port}`, ...headers, ...(body ? { 'Content-Length': Buffer.byteLength(body) } : {}) }).map(([k, v]) => `${k}: ${v}`);
      socket.write(`${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n${body}`);
    });
    let head = '';
    const onData = (chunk) => {
      head += chunk;
      if (!head.includes('\r\n\r\n') || (path === '/sse' && !/data: \S+\n/.test(head))) return;
      socket.off('data', onData);
      socket.pause();
      resolve({ socket, head });
    };
    socket.setEncoding('utf8').on('data', onData);
    setTimeout(() => resolve(undefined), 5000).unref();
  });
}

function post(localAddress, path, body, headers = {}) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', localAddress, agent: false, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res));
      res.on('error', () => resolve(res));
    });
    req.on('error', () => resolve(undefined));
    req.setTimeout(10_000, () => req.destroy());
    req.end(body);
  });
}

const INIT = (v) => JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: v, capabilities: {}, clientInfo: { name: 'attacker', version: '1' } } });
const attacks = { unreadFloods: 0, trickles: 0, sessionFloods: 0, batchFloods: 0 };

/** Streams never read while a tool floods them: SSE sessions and POST streams. */
async function unreadStreams(deadline) {
  while (Date.now() < deadline) {
    const sse = await unread('127.0.0.2', 'GET', '/sse', { Accept: 'text/event-stream' });
    const endpoint = sse && /data: (\S+)/.exec(sse.head)?.[1];
    if (endpoint) {
      await post('127.0.0.2', endpoint, INIT('2024-11-05'));
      await post('127.0.0.2', endpoint, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'flood', arguments: { count: 20_000, size: 1024 } } }));
      attacks.unreadFloods++;
    }
    await sleep(200);
    sse?.socket.destroy();
  }
}

/** Bodies sent a byte at a time, from many connections. */
async function trickles(deadline) {
  const sockets = new Set();
  while (Date.now() < deadline) {
    for (let i = 0; i < 50; i++) {
      const socket = tcp({ host: '127.0.0.1', port: Number(port), localAddress: '127.0.0.3' });
      socket.on('error', () => undefined);
      socket.on('connect', () => socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`));
      const drip = setInterval(() => (socket.writable ? socket.write(' ') : clearInterval(drip)), 500);
      socket.on('close', () => (clearInterval(drip), sockets.delete(socket)));
      sockets.add(socket);
      attacks.trickles++;
    }
    await sleep(1000);
  }
  for (const socket of sockets) socket.destroy();
}

/** Initialize and never come back, as fast as the server answers. */
async function sessionFloods(deadline) {
  while (Date.now() < deadline) {
    await Promise.all(Array.from({ length: 20 }, () => post('127.0.0.4', '/mcp', INIT('2025-06-18'))));
    attacks.sessionFloods += 20;
  }
}

/** Full batches of tools/list into SSE sessions whose stream is never read. */
async function batchFloods(deadline) {
  const batch = JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ jsonrpc: '2.0', id: i + 10, method: 'tools/list' })));
  while (Date.now() < deadline) {
    const sse = await unread('127.0.0.5', 'GET', '/sse', { Accept: 'text/event-stream' });
    const endpoint = sse && /data: (\S+)/.exec(sse.head)?.[1];
    if (endpoint) {
      await post('127.0.0.5', endpoint, INIT('2024-11-05'));
      for (let i = 0; i < 50; i++) {
        const res = await post('127.0.0.5', endpoint, batch);
        attacks.batchFloods++;
        if (res?.statusCode !== 202) break; // the server closed the session for not reading
      }
    }
    sse?.socket.destroy();
  }
}

/** Well-behaved clients: every call answered once, with its own text. */
function goodClients(deadline) {
  return runWellBehavedClients({
    url, count: CLIENTS, deadline, timeoutMs: (SECONDS + 60) * 1000,
    tool: 'echo', argsFor: (text) => ({ text }), expected: (text) => text,
  });
}

await sleep(500);
const baseline = proc();
console.log(`baseline: rss ${baseline.rssMb.toFixed(1)} MB, fds ${baseline.fds}, sessions ${await health()}`);
let peakRss = baseline.rssMb;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, proc().rssMb)), 250);
const deadline = Date.now() + SECONDS * 1000;
const [good] = await Promise.all([goodClients(deadline), unreadStreams(deadline), trickles(deadline), sessionFloods(deadline), batchFloods(deadline)]);
clearInterval(sampler);
destroyAgents();
let open = await health();
for (let i = 0; i < 100 && open > 0; i++) {
  await sleep(100);
  open = await health();
}
await sleep(2000);
const after = proc();
console.log(`attacks: ${attacks.unreadFloods} unread streams flooded by a tool, ${attacks.trickles} trickled bodies, ${attacks.sessionFloods} abandoned handshakes, ${attacks.batchFloods} batches of 100 into unread SSE sessions`);
console.log(`well-behaved: ${CLIENTS} clients (half SSE, half Streamable HTTP), ${good.calls} calls, ${good.failed} failed, ${good.mismatched} mismatched, ${good.duplicates} duplicate answers`);
console.log(`server: peak rss ${peakRss.toFixed(1)} MB (baseline ${baseline.rssMb.toFixed(1)}); after: sessions ${open}, rss ${after.rssMb.toFixed(1)} MB, fds ${after.fds} (baseline ${baseline.fds})`);
server.kill('SIGTERM');
const ok = good.failed === 0 && good.mismatched === 0 && good.duplicates === 0 && good.calls > 0 && open === 0 && after.fds <= baseline.fds + 2 && peakRss < baseline.rssMb + 512;
console.log(ok ? 'hostile clients: OK' : 'hostile clients: FAILED');
process.exitCode = ok ? 0 : 1;
