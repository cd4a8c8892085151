import { NGINX_BIN, REPO_ROOT, runCall, startNginx, startServe, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectSdkClient } from './sdk-client.ts';

// Several mcp-serve processes behind one endpoint (nginx from Debian's packages):
// Streamable HTTP in stateless mode behind a plain round-robin balancer, and legacy SSE kept
// sticky by giving each process its own public path for the messages endpoint.
const HELLO = `${REPO_ROOT}examples/hello/mcp-serve.config.ts`;

describe.skipIf(!NGINX_BIN && process.env.CI === undefined)('scaling past one process', () => {
  let backends: ServeProcess[] = [];
  let proxy: { url: string; stop(): void };
  beforeAll(async () => {
    backends = await Promise.all(
      ['one', 'two'].map((name) =>
        startServe(['--config', HELLO, '--stateless', '--public-base-path', `/b-${name}`, '--allowed-host', 'backends', '--allowed-host', `b-${name}`]),
      ),
    );
    const [one, two] = backends.map((b) => new URL(b.url).port);
    proxy = await startNginx(
      `
  upstream backends { server 127.0.0.1:${one}; server 127.0.0.1:${two}; keepalive 16; }
  upstream b-one { server 127.0.0.1:${one}; }
  upstream b-two { server 127.0.0.1:${two}; }
  server {
    listen 127.0.0.1:{{PORT}};
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    location / { proxy_pass http://backends; }
    location /b-one/ { proxy_pass http://b-one/; }
    location /b-two/ { proxy_pass http://b-two/; }
  }`,
      '/health',
    );
  });
  afterAll(async () => {
    proxy?.stop();
    await Promise.all(backends.map((b) => b.stop()));
  });

  it('spreads stateless Streamable HTTP calls over every process, and each call succeeds', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => runCall(['--url', `${proxy.url}/mcp`, 'greet', '--name', `n${i}`])));
    results.forEach((r, i) => {
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`Hello Hello, n${i}!\n`);
    });
    const served = await Promise.all(backends.map(async (b) => (await fetch(`${b.url}/health`)).json() as Promise<{ requests?: number }>));
    expect(served.every((s) => (s.requests ?? 0) > 0)).toBe(true);
  });

  it('keeps each legacy SSE session on the process that holds its stream', async () => {
    const clients = await Promise.all(Array.from({ length: 6 }, () => connectSdkClient(proxy.url, 'sse')));
    const answers = await Promise.all(clients.map((c, i) => c.callTool({ name: 'greet', arguments: { name: `s${i}` } })));
    answers.forEach((a, i) => expect(a.content).toEqual([{ type: 'text', text: `Hello Hello, s${i}!` }]));
    await Promise.all(clients.map((c) => c.close()));
  });
});
