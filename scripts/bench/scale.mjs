// Scaling past one process: stateless mcp-serve processes behind nginx (round robin), measured
// with 16 clients × 8 calls in flight over Streamable HTTP, for 1 and 2 processes. Nothing is
// pinned: on a 2-core machine the load generator and nginx take as much CPU as the servers.
//
//   node scripts/bench/scale.mjs [--seconds 5]
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { callTool, connect, destroyAgents } from '../../packages/call/dist/index.js';
import { percentile, startMcpServe } from './lib.mjs';

async function startNginx(ports) {
  const dir = mkdtempSync(join(tmpdir(), 'nginx-bench-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  writeFileSync(join(dir, 'nginx.conf'), `daemon off; worker_processes 1; pid ${dir}/pid; error_log ${dir}/error.log;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path ${dir}/b; proxy_temp_path ${dir}/p; fastcgi_temp_path ${dir}/f; uwsgi_temp_path ${dir}/u; scgi_temp_path ${dir}/s;
  upstream backends { ${ports.map((p) => `server 127.0.0.1:${p};`).join(' ')} keepalive 64; }
  server { listen 127.0.0.1:${port}; location / { proxy_pass http://backends; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host localhost; } } }`);
  const child = spawn('/usr/sbin/nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 500));
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGQUIT') };
}

async function load(url, seconds) {
  const clients = await Promise.all(Array.from({ length: 16 }, () => connect({ url: `${url}/mcp`, transport: 'http', headers: {}, signal: AbortSignal.timeout(600_000), waitMs: 0, capabilities: {}, clientInfo: { name: 'scale', version: '1' } })));
  let stopAt = Date.now() + 1000;
  let latencies = [];
  let errors = 0;
  const loop = async (c) => {
    while (Date.now() < stopAt) {
      const t = performance.now();
      try {
        await callTool(c, 'greet', { name: 'x' }, { signal: AbortSignal.timeout(30_000) });
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t);
    }
  };
  const all = () => Promise.all(clients.flatMap((c) => Array.from({ length: 8 }, () => loop(c))));
  await all();
  latencies = [];
  stopAt = Date.now() + seconds * 1000;
  const started = performance.now();
  await all();
  const elapsed = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.close()));
  destroyAgents();
  latencies.sort((a, b) => a - b);
  return { callsPerSecond: latencies.length / elapsed, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), errors };
}

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' } } });
for (const count of [1, 2]) {
  const servers = await Promise.all(Array.from({ length: count }, () => startMcpServe(['--stateless'], { pin: false })));
  const nginx = await startNginx(servers.map((s) => new URL(s.url).port));
  const r = await load(nginx.url, Number(values.seconds));
  console.log(`${count} process${count > 1 ? 'es' : ''} behind nginx: ${r.callsPerSecond.toFixed(0)} calls/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.errors} errors`);
  nginx.stop();
  await Promise.all(servers.map((s) => s.stop()));
}
