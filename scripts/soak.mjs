// Soak test (run by hand, not in CI): hundreds of concurrent sessions over both transports call
// tools for a while, then close. Checks that every response arrived exactly once and matches its
// request, and that the server's open sessions, file handles and RSS return to their baseline.
//
//   node scripts/soak.mjs [--seconds 60] [--sessions 200]
//
// Needs a build (pnpm build). The server is the built mcp-serve with the hello example.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { destroyAgents } from '../packages/call/dist/index.js';
import { processStats, runWellBehavedClients, startServer } from './load-clients.mjs';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, sessions: { type: 'string', default: '200' } } });
const SECONDS = Number(values.seconds);
const SESSIONS = Number(values.sessions);
const root = new URL('../', import.meta.url).pathname;

const { server, url, sessionsOpen } = await startServer(['--config', `${root}examples/hello/mcp-serve.config.ts`, '--max-connections-per-client', '1024']);
const proc = () => processStats(server.pid);

async function round(seconds, sessions) {
  const stats = await runWellBehavedClients({
    url, count: sessions, deadline: Date.now() + seconds * 1000, timeoutMs: (seconds + 60) * 1000,
    tool: 'greet', argsFor: (name) => ({ name }), expected: (name) => `Hello Hello, ${name}!`,
  });
  destroyAgents(); // close the client's keep-alive sockets, so the server's handle count can drop
  return stats;
}

await round(2, 20); // warm-up: JIT, lazy imports, pools
for (let i = 0; i < 50 && (await sessionsOpen()) > 0; i++) await sleep(100);
const baseline = proc();
console.log(`baseline: rss ${baseline.rssMb.toFixed(1)} MB, fds ${baseline.fds}`);
const started = Date.now();
const stats = await round(SECONDS, SESSIONS);
const elapsed = (Date.now() - started) / 1000;
const peak = proc();
let open = await sessionsOpen();
for (let i = 0; i < 100 && open > 0; i++) {
  await sleep(100);
  open = await sessionsOpen();
}
await sleep(2000);
const after = proc();
stats.latencies.sort((a, b) => a - b);
const pct = (p) => stats.latencies[Math.floor((stats.latencies.length - 1) * p)]?.toFixed(2);
console.log(`${SESSIONS} sessions (half SSE, half Streamable HTTP) for ${elapsed.toFixed(0)} s: ${stats.calls} calls, ${(stats.calls / elapsed).toFixed(0)} calls/s, p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms`);
console.log(`errors: ${stats.failed} failed, ${stats.mismatched} mismatched, ${stats.duplicates} duplicate responses`);
console.log(`server during load: rss ${peak.rssMb.toFixed(1)} MB, fds ${peak.fds}`);
console.log(`server after close: sessions ${open}, rss ${after.rssMb.toFixed(1)} MB (baseline ${baseline.rssMb.toFixed(1)}), fds ${after.fds} (baseline ${baseline.fds})`);
server.kill('SIGTERM');
const ok = stats.failed === 0 && stats.mismatched === 0 && stats.duplicates === 0 && open === 0 && after.fds <= baseline.fds;
console.log(ok ? 'soak: OK' : 'soak: FAILED');
process.exitCode = ok ? 0 : 1;
