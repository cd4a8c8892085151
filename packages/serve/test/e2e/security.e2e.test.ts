import { connect, type Socket } from 'node:net';

import { INITIALIZE_BODY, initializeRaw, MCP_POST_HEADERS, rawRequest, runServe, sendAndStopReading, startServe, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('mcp-serve security: Host, Origin, tokens, CORS', () => {
  let server: ServeProcess;
  let port: string;
  beforeAll(async () => {
    server = await startServe(['--token', 'first-token', '--token', 'second-token', '--allowed-host', 'mcp.internal', '--cors-origin', 'https://app.example.com']);
    port = new URL(server.url).port;
  });
  afterAll(async () => {
    await server.stop();
  });

  const post = (headers: Record<string, string>) =>
    rawRequest(`${server.url}/mcp`, { method: 'POST', headers: { ...MCP_POST_HEADERS, authorization: 'Bearer first-token', ...headers }, body: INITIALIZE_BODY });

  it('accepts localhost, 127.0.0.1 and [::1] on any port, and configured hosts', async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, '[::1]:1234', 'localhost', 'mcp.internal:443']) {
      expect((await post({ host })).status, host).toBe(200);
    }
  });

  it('refuses a foreign Host with 421 and says which setting to change', async () => {
    const response = await post({ host: 'evil.example.com' });
    expect(response.status).toBe(421);
    expect(JSON.parse(response.text).error.message).toMatch(/Host "evil\.example\.com" is not allowed.*--allowed-host/);
  });

  it('refuses a foreign Origin with 403, and allows same-origin and CORS origins', async () => {
    const refused = await post({ origin: 'http://evil.example.com' });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).error.message).toMatch(/--allowed-origin/);
    expect((await post({ origin: `http://localhost:${port}` })).status).toBe(200);
    expect((await post({ origin: 'https://app.example.com' })).status).toBe(200);
  });

  it('answers CORS preflight for allowed origins and exposes the MCP headers', async () => {
    const preflight = await rawRequest(`${server.url}/mcp`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Mcp-Session-Id/);
    const response = await post({ origin: 'https://app.example.com' });
    expect(response.headers['access-control-expose-headers']).toMatch(/Mcp-Session-Id, Mcp-Protocol-Version/);
    const other = await rawRequest(`${server.url}/mcp`, { method: 'OPTIONS', headers: { origin: 'https://other.example.com' } });
    expect(other.status).toBe(403);
  });

  it('requires a bearer token on every MCP endpoint, not on /health', async () => {
    for (const token of ['', 'Bearer wrong', 'Basic Zmlyc3QtdG9rZW4=']) {
      const response = await rawRequest(`${server.url}/mcp`, { method: 'POST', headers: { ...MCP_POST_HEADERS, authorization: token }, body: INITIALIZE_BODY });
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    expect((await rawRequest(`${server.url}/sse`, { maxMs: 200 })).status).toBe(401);
    expect((await rawRequest(`${server.url}/messages?sessionId=x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    expect((await post({ authorization: 'Bearer second-token' })).status).toBe(200);
    expect((await rawRequest(`${server.url}/health`)).status).toBe(200);
  });

  it('refuses a malformed Host, however it tries to smuggle a name', async () => {
    for (const host of ['127.0.0.1:80@evil.com', 'localhost:evil.com', 'localhost:99999', 'a b', '[::1', '[evil.com]:80', 'localhost/x']) {
      const response = await post({ host });
      expect(response.status, host).toBe(400);
      expect(JSON.parse(response.text).error.message).toMatch(/malformed Host header/);
    }
  });

  it('binds a session to the token that made it: another token gets 404 and cannot delete it', async () => {
    const session = await initializeRaw(`${server.url}/mcp`, { headers: { authorization: 'Bearer first-token' } });
    const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    const other = await session.post(list, { authorization: 'Bearer second-token' });
    expect(other.status).toBe(404);
    const deleted = await rawRequest(`${server.url}/mcp`, { method: 'DELETE', headers: { authorization: 'Bearer second-token', 'mcp-session-id': session.sessionId } });
    expect(deleted.status).toBe(404);
    expect((await session.post(list)).status).toBe(200);
    // The legacy transport too: the messages endpoint takes only the stream's own token.
    const stream = await sendAndStopReading(`${server.url}/sse`, { headers: { Accept: 'text/event-stream', Authorization: 'Bearer first-token' }, readUntil: /data: \S+\n/ });
    const endpoint = /data: (\S+)/.exec(stream.early)![1]!;
    const message = (token: string) => rawRequest(`${server.url}${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
    expect((await message('second-token')).status).toBe(404);
    expect((await message('first-token')).status).toBe(202);
    stream.socket.destroy();
  });

  it('never prints the tokens', () => {
    expect(server.stderr()).not.toContain('first-token');
    expect(server.stderr()).toContain('bearer token required (2 accepted)');
  });
});

describe('mcp-serve on a non-loopback address', () => {
  it('warns loudly without a token, and does not check Host', async () => {
    const server = await startServe(['--host', '0.0.0.0']);
    expect(server.stderr()).toMatch(/warn listening on 0\.0\.0\.0 without a token: anyone who can reach this port can call every tool/);
    // The banner names addresses a client can use, not only 0.0.0.0.
    expect(server.stderr()).toMatch(/reach it at +http:\/\/127\.0\.0\.1:\d+\/mcp, /);
    const url = server.url.replace('0.0.0.0', '127.0.0.1');
    const response = await rawRequest(`${url}/mcp`, { method: 'POST', headers: { ...MCP_POST_HEADERS, host: 'mcp.example.com' }, body: INITIALIZE_BODY });
    expect(response.status).toBe(200);
    await server.stop();
  });
});

describe('mcp-serve on loopback spelled any way', () => {
  for (const host of ['::ffff:127.0.0.1', '0:0:0:0:0:0:0:1', '127.0.0.2']) {
    it(`treats --host ${host} as loopback: no warning, Host checked`, async () => {
      const server = await startServe(['--host', host]);
      expect(server.stderr()).not.toMatch(/without a token/);
      const response = await rawRequest(`${server.url}/mcp`, { method: 'POST', headers: { ...MCP_POST_HEADERS, host: 'evil.example.com' }, body: INITIALIZE_BODY });
      expect(response.status).toBe(421);
      await server.stop();
    });
  }
});

describe('mcp-serve connection caps', () => {
  it('answers 503 with Retry-After past the per-client cap, while other clients still get in', async () => {
    const server = await startServe(['--max-connections-per-client', '4', '--max-connections', '50']);
    const held = await Promise.all(Array.from({ length: 4 }, () => sendAndStopReading(`${server.url}/sse`, { headers: { Accept: 'text/event-stream' }, readUntil: /data: \S+\n/ })));
    const refused = await rawRequest(`${server.url}/health`);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(JSON.parse(refused.text).error.message).toMatch(/limits.maxConnectionsPerClient/);
    // Another address on loopback is another client.
    const other = await sendAndStopReading(`${server.url}/health`, { localAddress: '127.0.0.2' });
    expect(other.head).toMatch(/^HTTP\/1.1 200/);
    other.socket.destroy();
    for (const { socket } of held) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await rawRequest(`${server.url}/health`)).status).toBe(200);
    expect(server.stderr()).toMatch(/refusing connections over the cap/);
    await server.stop();
  });
});

describe('mcp-serve at its connection cap', () => {
  it('closes the idlest idle connection to let a new client in, and refuses only when every one is busy', async () => {
    const server = await startServe(['--max-connections', '4']);
    const { port } = new URL(server.url);
    // Four connections that hold a socket and send nothing: idle, the way a slow or stuck client is.
    const idle = await Promise.all(
      Array.from({ length: 4 }, () => new Promise<Socket>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () => resolve(socket));
        socket.on('error', () => undefined);
      })),
    );
    const closed = idle.map((socket) => new Promise<boolean>((resolve) => socket.once('close', () => resolve(true))));
    // A well-behaved client still gets in: the idlest connection made room.
    expect((await rawRequest(`${server.url}/health`)).status).toBe(200);
    expect(await Promise.race([closed[0]!, new Promise((resolve) => setTimeout(() => resolve(false), 2000))])).toBe(true);
    for (const socket of idle) socket.destroy();
    await server.stop();
    // Four open event streams are four busy connections: then a fifth is refused. A server of its
    // own: the idle sockets above may not have been seen closing yet, and would count.
    const busy = await startServe(['--max-connections', '4']);
    const streams = await Promise.all(Array.from({ length: 4 }, () => sendAndStopReading(`${busy.url}/sse`, { headers: { Accept: 'text/event-stream' }, readUntil: /data: \S+\n/ })));
    const refused = await rawRequest(`${busy.url}/health`);
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.text).error.message).toMatch(/limits\.maxConnections\), every one busy/);
    for (const { socket } of streams) socket.destroy();
    await busy.stop();
  });

  it('has no per-client cap unless one is set, and a total from the open-files limit', async () => {
    const help = (await runServe(['--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('--max-connections <n> most open connections in total (default: the open-files limit less 256');
    expect(help).toContain('--max-connections-per-client <n> most open connections per client address (default: none)');
    expect(help).toContain('--max-sessions-per-client <n> most open sessions per client address (default: none)');
  });
});

describe('mcp-serve behind a proxy path prefix', () => {
  it('names the public messages path in the endpoint event', async () => {
    const server = await startServe(['--public-base-path', '/tools/v1']);
    const response = await rawRequest(`${server.url}/sse`, { maxMs: 300 });
    expect(response.text).toMatch(/event: endpoint\ndata: \/tools\/v1\/messages\?sessionId=/);
    await server.stop();
  });
});
