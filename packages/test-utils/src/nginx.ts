import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { rawRequest } from './http-request.ts';

/** Path of Debian's nginx, when installed (.ci/run installs it). */
export const NGINX_BIN = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));

/** A free TCP port on 127.0.0.1 (for programs that cannot take port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts nginx in the foreground on a free loopback port with `httpBlock` inside `http { … }`
 * (`{{PORT}}` is replaced by the port); resolves once `healthPath` answers 200.
 */
export async function startNginx(httpBlock: string, healthPath: string): Promise<{ child: ChildProcess; url: string; stop(): void }> {
  if (!NGINX_BIN) throw new Error('nginx is not installed (apt-get install nginx-light)');
  const dir = await mkdtemp(join(tmpdir(), 'nginx-'));
  const port = await freePort();
  const conf = `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  ${httpBlock.replaceAll('{{PORT}}', String(port))}
}`;
  await writeFile(join(dir, 'nginx.conf'), conf);
  const child = spawn(NGINX_BIN, ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await rawRequest(`${url}${healthPath}`).then((r) => r.status === 200, () => false);
    if (up) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('nginx did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, url, stop: () => child.kill('SIGQUIT') };
}

/**
 * A plain round-robin nginx in front of `backendUrls` (no `ip_hash`, no sticky cookie), as a
 * deployment of several mcp-serve processes has one; `httpLines` go in its `http` block and
 * `serverLines` in its `server` block (an access log, say). The backends see `backends` as the
 * Host: start them with `--allowed-host backends`.
 */
export function startRoundRobin(backendUrls: string[], { httpLines = '', serverLines = '' } = {}): ReturnType<typeof startNginx> {
  const servers = backendUrls.map((url) => `server 127.0.0.1:${new URL(url).port} max_fails=0;`).join(' ');
  return startNginx(
    `
  ${httpLines}
  upstream backends { ${servers} keepalive 16; }
  server {
    listen 127.0.0.1:{{PORT}};
    ${serverLines}
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_read_timeout 1h;
    location / { proxy_pass http://backends; }
  }`,
    '/health',
  );
}
