// Sessions shared through Redis (--store): server CPU per call of one SDK 1.x client session, in
// four places, for Streamable HTTP (2025-11-25) and legacy SSE:
//   alone     one process, no store (the baseline);
//   holder    one process with the store, holding the session's stream;
//   elsewhere two processes with the store: the stream on the first, every POST sent to the second
//             (CPU of both processes counted; for SSE the answer travels to the first through Redis).
// Redis's own CPU per call is shown beside it. Then the memory an idle session takes in Redis.
//
//   node scripts/bench/shared-sessions.mjs [--calls 3000] [--sessions 2000]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setMaxListeners } from 'node:events';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { cpuMs, pinSelf, postJson, ROOT, startMcpServe } from './lib.mjs';

const REDIS = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
// ioredis as mcp-serve depends on it.
const { Redis } = createRequire(`${ROOT}packages/serve/package.json`)('ioredis');

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  const port = await freePort();
  const child = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { url: `redis://127.0.0.1:${port}`, port, pid: child.pid, stop: () => child.kill('SIGTERM') };
}

async function redisCommand(port, ...args) {
  const redis = new Redis(port);
  try {
    return await redis.call(...args);
  } finally {
    redis.disconnect();
  }
}

/** A session of the SDK client on `streamUrl` whose POSTs go to `postUrl`. */
async function connectSdk(transport, streamUrl, postUrl) {
  const redirect = (input, init) => {
    const url = new URL(input instanceof URL ? input.href : typeof input === 'string' ? input : input.url);
    if ((init?.method ?? 'GET') === 'POST') url.host = new URL(postUrl).host;
    return fetch(url, init);
  };
  const client = new Client({ name: 'bench', version: '1.0.0' });
  const t = transport === 'sse' ? new SSEClientTransport(new URL(`${streamUrl}/sse`), { fetch: redirect }) : new StreamableHTTPClientTransport(new URL(`${streamUrl}/mcp`), { fetch: redirect });
  await client.connect(t);
  return client;
}

async function measure(transport, servers, calls, redisPid) {
  const [streamServer, postServer = streamServer] = servers;
  const client = await connectSdk(transport, streamServer.url, postServer.url);
  const call = () => client.callTool({ name: 'greet', arguments: { name: 'x' } });
  for (let i = 0; i < 300; i++) await call(); // warm the JIT
  const cpu = () => Promise.all(servers.map((s) => s.cpuMicros()));
  const before = await cpu();
  const redisBefore = redisPid ? cpuMs(redisPid) : 0;
  for (let i = 0; i < calls; i++) await call();
  const after = await cpu();
  const each = after.map((micros, i) => (micros - before[i]) / calls);
  if (process.env.BENCH_VERBOSE) console.log(transport, servers.length, each.map((us) => us.toFixed(0)).join(' + '));
  const serverUs = each.reduce((a, b) => a + b, 0);
  const redisUs = redisPid ? ((cpuMs(redisPid) - redisBefore) * 1000) / calls : 0;
  await client.close();
  return { serverUs, redisUs };
}

// The SDK's SSE client adds an abort listener per POST to one signal: thousands of calls are expected here.
setMaxListeners(0);

if (!pinSelf()) {
  const { values } = parseArgs({ options: { calls: { type: 'string', default: '3000' }, sessions: { type: 'string', default: '2000' } } });
  const calls = Number(values.calls);
  const redis = await startRedis();
  const rows = [];
  for (const transport of ['http', 'sse']) {
    const alone = await startMcpServe();
    const baseline = await measure(transport, [alone], calls);
    await alone.stop();
    const holder = await startMcpServe(['--store', redis.url]);
    const held = await measure(transport, [holder], calls, redis.pid);
    const second = await startMcpServe(['--store', redis.url]);
    const elsewhere = await measure(transport, [holder, second], calls, redis.pid);
    await Promise.all([holder.stop(), second.stop()]);
    rows.push([transport, baseline, held, elsewhere]);
  }
  console.log('| transport | alone (µs/call) | holder | elsewhere (both processes) | Redis CPU, holder / elsewhere |');
  console.log('|---|---|---|---|---|');
  for (const [transport, baseline, held, elsewhere] of rows) {
    const ratio = (r) => `${r.serverUs.toFixed(0)} (${(r.serverUs / baseline.serverUs).toFixed(2)}×)`;
    console.log(`| ${transport === 'http' ? 'Streamable HTTP' : 'legacy SSE'} | ${baseline.serverUs.toFixed(0)} | ${ratio(held)} | ${ratio(elsewhere)} | ${held.redisUs.toFixed(0)} / ${elsewhere.redisUs.toFixed(0)} µs |`);
  }

  // Memory per idle session: sessions opened with initialize and left alone.
  const server = await startMcpServe(['--store', redis.url]);
  const sessions = Number(values.sessions);
  const usedBefore = Number(/used_memory:(\d+)/.exec(await redisCommand(redis.port, 'INFO', 'memory'))[1]);
  const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { sampling: {}, elicitation: {} }, clientInfo: { name: 'bench', version: '1' } } };
  const body = JSON.stringify(init);
  for (let i = 0; i < sessions; i++) await postJson(`${server.url}/mcp`, body);
  const usedAfter = Number(/used_memory:(\d+)/.exec(await redisCommand(redis.port, 'INFO', 'memory'))[1]);
  console.log(`\nRedis memory per idle session: ${((usedAfter - usedBefore) / sessions).toFixed(0)} bytes (${sessions} sessions opened with initialize)`);
  await server.stop();
  redis.stop();
}
