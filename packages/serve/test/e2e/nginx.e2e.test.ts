import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { rawRequest, REPO_ROOT, startServe, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectSdkClient } from './sdk-client.ts';

// Behind a real nginx (Debian's package; .ci/run installs it): a path prefix, no proxy_buffering
// directive (the X-Accel-Buffering header must do it), and a read timeout shorter than the idle
// time, so only keep-alive comments keep a quiet stream open.
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
const READ_TIMEOUT_S = 1;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function startNginx(upstreamPort: number): Promise<{ child: ChildProcess; url: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'nginx-'));
  const port = await freePort();
  const conf = `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream mcp { server 127.0.0.1:${upstreamPort}; keepalive 8; }
  server {
    listen 127.0.0.1:${port};
    location /api/ {
      proxy_pass http://mcp/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_read_timeout ${READ_TIMEOUT_S}s;
    }
  }
}`;
  await writeFile(join(dir, 'nginx.conf'), conf);
  const child = spawn(NGINX!, ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = `http://127.0.0.1:${port}/api`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await rawRequest(`${url}/health`).then((r) => r.status === 200, () => false);
    if (up) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('nginx did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, url };
}

const requireNginx = process.env.CI !== undefined;
describe.skipIf(!NGINX && !requireNginx)('behind nginx', () => {
  let server: ServeProcess;
  let nginx: { child: ChildProcess; url: string };
  beforeAll(async () => {
    expect(NGINX, 'nginx is not installed (apt-get install nginx-light)').toBeDefined();
    server = await startServe([
      '--config', `${REPO_ROOT}packages/call/test/fixtures/kitchen-sink/mcp-serve.config.mjs`,
      '--public-base-path', '/api',
      '--keep-alive', '300',
      '--allowed-host', 'mcp', // nginx sends the upstream name as Host
    ]);
    nginx = await startNginx(Number(new URL(server.url).port));
  });
  afterAll(async () => {
    nginx?.child.kill('SIGQUIT');
    await server?.stop();
  });

  it('streams the SSE endpoint event through unbuffered, with the public path', async () => {
    const started = Date.now();
    const response = await rawRequest(`${nginx.url}/sse`, { maxMs: 500 });
    expect(response.status).toBe(200);
    expect(response.text).toMatch(/event: endpoint\ndata: \/api\/messages\?sessionId=[0-9a-f-]+\n\n/);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('serves calls over both transports through the proxy', async () => {
    for (const transport of ['sse', 'http'] as const) {
      const client = await connectSdkClient(nginx.url, transport);
      expect((await client.callTool({ name: 'types', arguments: { text: transport } })).content).toEqual([
        { type: 'text', text: `{"text":"${transport}","maxItems":10}` },
      ]);
      await client.close();
    }
  });

  it('keeps an idle SSE stream open past the proxy read timeout with keep-alives', async () => {
    const client = await connectSdkClient(nginx.url, 'sse');
    await new Promise((resolve) => setTimeout(resolve, (READ_TIMEOUT_S * 2 + 0.5) * 1000));
    expect((await client.callTool({ name: 'types', arguments: { text: 'later' } })).isError).toBeUndefined();
    await client.close();
  });

  it('delivers progress on a Streamable HTTP call stream as it happens', async () => {
    const client = await connectSdkClient(nginx.url, 'http');
    const seen: number[] = [];
    await client.callTool({ name: 'progress', arguments: {} }, undefined, { onprogress: (p) => void seen.push(p.progress) });
    expect(seen.length).toBeGreaterThanOrEqual(2);
    await client.close();
  });
});
