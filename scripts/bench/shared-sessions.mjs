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
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';

import { measureSdkCalls, pinSelf, postJson, ROOT, startMcpServe } from './lib.mjs';

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

if (!pinSelf()) {
  const { values } = parseArgs({ options: { calls: { type: 'string', default: '3000' }, sessions: { type: 'string', default: '2000' } } });
  const calls = Number(values.calls);
  const redis = await startRedis();
  const rows = [];
  for (const transport of ['http', 'sse']) {
    const alone = await startMcpServe();
    const baseline = await measureSdkCalls(transport, [alone], calls);
    await alone.stop();
    const holder = await startMcpServe(['--store', redis.url]);
    const held = await measureSdkCalls(transport, [holder], calls, redis.pid);
    const second = await startMcpServe(['--store', redis.url]);
    const elsewhere = await measureSdkCalls(transport, [holder, second], calls, redis.pid);
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
