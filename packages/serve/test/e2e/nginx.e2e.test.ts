import { NGINX_BIN, rawRequest, REPO_ROOT, startNginx, startServe, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectSdkClient } from './sdk-client.ts';

// Behind a real nginx (Debian's package; .ci/run installs it): a path prefix, no proxy_buffering
// directive (the X-Accel-Buffering header must do it), and a read timeout shorter than the idle
// time, so only keep-alive comments keep a quiet stream open.
const READ_TIMEOUT_S = 1;

function proxyConfig(upstreamPort: number): string {
  return `
  upstream mcp { server 127.0.0.1:${upstreamPort}; keepalive 8; }
  server {
    listen 127.0.0.1:{{PORT}};
    location /api/ {
      proxy_pass http://mcp/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_read_timeout ${READ_TIMEOUT_S}s;
    }
  }`;
}

const requireNginx = process.env.CI !== undefined;
describe.skipIf(!NGINX_BIN && !requireNginx)('behind nginx', () => {
  let server: ServeProcess;
  let nginx: { url: string; stop(): void };
  beforeAll(async () => {
    expect(NGINX_BIN, 'nginx is not installed (apt-get install nginx-light)').toBeDefined();
    server = await startServe([
      '--config', `${REPO_ROOT}packages/call/test/fixtures/kitchen-sink/mcp-serve.config.mjs`,
      '--public-base-path', '/api',
      '--keep-alive', '300',
      '--allowed-host', 'mcp', // nginx sends the upstream name as Host
    ]);
    const proxy = await startNginx(proxyConfig(Number(new URL(server.url).port)), '/api/health');
    nginx = { url: `${proxy.url}/api`, stop: proxy.stop };
  });
  afterAll(async () => {
    nginx?.stop();
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
