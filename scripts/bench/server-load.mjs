// Server cost per call, throughput and latency, mcp-serve against a minimal server written on
// the SDK's transports, over legacy SSE and Streamable HTTP, at 1 client × 1 in flight and at
// 16 clients × 8 in flight. Rounds are interleaved; the medians are reported.
//
//   node scripts/bench/server-load.mjs [--seconds 3] [--rounds 3] [--only mcp-serve]
import { parseArgs } from 'node:util';

import { callTool, connect, destroyAgents } from '../../packages/call/dist/index.js';
import { cpuMs, median, percentile, pinSelf, startMcpServe, startSdk2Server, startSdkServer } from './lib.mjs';

const SERVERS = { 'mcp-serve': startMcpServe, 'SDK server': startSdkServer, 'SDK 2.x': startSdk2Server };
/**
 * `http-2026`: Streamable HTTP with protocol 2026-07-28 (no session), which the SDK 1.x server
 * does not speak; the SDK 2.x serves 2025 clients statelessly and has no legacy SSE.
 */
const TRANSPORTS = { 'mcp-serve': ['sse', 'http', 'http-2026'], 'SDK server': ['sse', 'http'], 'SDK 2.x': ['http', 'http-2026'] };
const LOADS = [
  { name: '1×1', clients: 1, inFlight: 1 },
  { name: '16×8', clients: 16, inFlight: 8 },
];

async function openClient(url, transport, headers = {}) {
  return connect({
    url: `${url}/${transport === 'sse' ? 'sse' : 'mcp'}`,
    transport: transport === 'sse' ? 'sse' : 'http',
    protocolVersion: transport === 'http-2026' ? '2026-07-28' : undefined,
    headers,
    signal: AbortSignal.timeout(600_000),
    waitMs: 0,
    capabilities: {},
    clientInfo: { name: 'bench', version: '1' },
  });
}

/**
 * Runs one load for `seconds` after `warmUpSeconds` of the same load; returns server CPU per call
 * and latencies. `headers` go with every request (an Authorization header, say).
 */
export async function measureLoad(server, transport, load, seconds, warmUpSeconds = 0.5, headers = {}) {
  const clients = await Promise.all(Array.from({ length: load.clients }, () => openClient(server.url, transport, headers)));
  let stopAt = Date.now() + warmUpSeconds * 1000;
  let calls = 0;
  let errors = 0;
  let latencies = [];
  const loop = async (client) => {
    while (Date.now() < stopAt) {
      const started = performance.now();
      try {
        const result = await callTool(client, 'greet', { name: 'bench' }, { signal: AbortSignal.timeout(30_000) });
        if (result.content[0]?.text !== 'Hello Hello, bench!') errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - started);
      calls++;
    }
  };
  const runAll = () => Promise.all(clients.flatMap((c) => Array.from({ length: load.inFlight }, () => loop(c))));
  await runAll(); // warm-up
  calls = 0;
  errors = 0;
  latencies = [];
  // A server may count more than its own process (a gateway and its upstream).
  const cpuNow = () => (server.cpu ? server.cpu() : cpuMs(server.child.pid));
  const cpuBefore = cpuNow();
  const started = performance.now();
  stopAt = Date.now() + seconds * 1000;
  await runAll();
  const elapsed = (performance.now() - started) / 1000;
  const cpu = cpuNow() - cpuBefore;
  await Promise.all(clients.map((c) => c.close()));
  destroyAgents();
  latencies.sort((a, b) => a - b);
  return { cpuPerCallMs: cpu / calls, callsPerSecond: calls / elapsed, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), errors };
}

export async function runLoadBenchmark({ seconds = 3, rounds = 3, only = undefined } = {}) {
  const results = new Map();
  for (let round = 0; round < rounds; round++) {
    for (const [serverName, start] of Object.entries(SERVERS)) {
      if (only && serverName !== only) continue;
      const server = await start();
      for (const transport of TRANSPORTS[serverName]) {
        for (const load of LOADS) {
          const key = `${serverName}|${transport}|${load.name}`;
          const list = results.get(key) ?? [];
          list.push(await measureLoad(server, transport, load, seconds));
          results.set(key, list);
        }
      }
      await server.stop();
    }
  }
  return [...results].map(([key, list]) => {
    const [server, transport, load] = key.split('|');
    const pick = (field) => median(list.map((r) => r[field]));
    return { server, transport, load, cpuPerCallMs: pick('cpuPerCallMs'), callsPerSecond: pick('callsPerSecond'), p50: pick('p50'), p99: pick('p99'), errors: list.reduce((n, r) => n + r.errors, 0) };
  });
}

if (import.meta.url === `file://${process.argv[1]}` && !pinSelf()) {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' }, rounds: { type: 'string', default: '3' }, only: { type: 'string' } } });
  if (values.only && !(values.only in SERVERS)) throw new Error(`--only takes one of: ${Object.keys(SERVERS).join(', ')}`);
  const rows = await runLoadBenchmark({ seconds: Number(values.seconds), rounds: Number(values.rounds), only: values.only });
  console.log('server      transport load  cpu/call  calls/s   p50 ms  p99 ms  errors');
  for (const r of rows) {
    console.log(`${r.server.padEnd(11)} ${r.transport.padEnd(9)} ${r.load.padEnd(5)} ${r.cpuPerCallMs.toFixed(3).padStart(7)}ms ${r.callsPerSecond.toFixed(0).padStart(8)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(7)} ${String(r.errors).padStart(6)}`);
  }
}
