import { INITIALIZE_BODY, MCP_POST_HEADERS, rawRequest, startServe, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectSdkClient } from './sdk-client.ts';

// Every kind of bad input gets the right status and JSON-RPC error, and the server keeps serving.
describe('mcp-serve bad input', () => {
  let server: ServeProcess;
  let sessionId: string;
  beforeAll(async () => {
    server = await startServe(['--max-body-bytes', '100000']);
    const init = await rawRequest(`${server.url}/mcp`, { method: 'POST', headers: MCP_POST_HEADERS, body: INITIALIZE_BODY });
    sessionId = String(init.headers['mcp-session-id']);
    await rawRequest(`${server.url}/mcp`, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
      body: '{"jsonrpc":"2.0","method":"notifications/initialized"}',
    });
  });
  afterAll(async () => {
    // After all of it, a fresh client still works.
    const client = await connectSdkClient(server.url, 'http');
    expect((await client.callTool({ name: 'greet', arguments: { name: 'still here' } })).content).toEqual([
      { type: 'text', text: 'Hello Hello, still here!' },
    ]);
    await client.close();
    expect(await server.stop()).toBe(0);
  });

  const inSession = () => ({ ...MCP_POST_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' });
  const rpcError = (text: string) => (JSON.parse(text) as { error: { code: number; message: string } }).error;

  it.each([
    ['malformed JSON', 400, -32700, '{"jsonrpc": "2.0", ', /^Parse error/],
    ['JSON that is not JSON-RPC', 400, -32600, '{"hello": "world"}', /"jsonrpc" must be "2\.0"/],
    ['a JSON-RPC id of the wrong type', 400, -32600, '{"jsonrpc":"2.0","id":{},"method":"ping"}', /"id" must be a string or a number/],
    ['an empty batch', 400, -32600, '[]', /empty batch/],
    ['deeply nested JSON', 400, -32600, `${'['.repeat(5000)}${']'.repeat(5000)}`, /nested deeper than 64/],
  ])('%s → HTTP %i, JSON-RPC %i', async (_name, status, code, body, message) => {
    for (const path of ['/mcp', `/messages?sessionId=none`]) {
      const response = await rawRequest(`${server.url}${path}`, { method: 'POST', headers: inSession(), body });
      expect(response.status, path).toBe(status);
      expect(rpcError(response.text)).toMatchObject({ code });
      expect(rpcError(response.text).message).toMatch(message);
    }
  });

  it('invalid UTF-8 → 400 parse error', async () => {
    const body = Buffer.concat([Buffer.from('{"jsonrpc":"2.0","method":"x","params":{"s":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}}')]);
    const response = await rawRequest(`${server.url}/mcp`, { method: 'POST', headers: inSession(), body });
    expect(response.status).toBe(400);
    expect(rpcError(response.text)).toEqual({ code: -32700, message: 'Parse error: body is not valid UTF-8' });
  });

  it('a body over the limit → 413', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(200_000) } });
    const response = await rawRequest(`${server.url}/mcp`, { method: 'POST', headers: inSession(), body });
    expect(response.status).toBe(413);
    expect(rpcError(response.text).message).toMatch(/exceeds 100000 bytes \(limits\.maxBodyBytes\)/);
  });

  it('a wrong Content-Type → 415', async () => {
    const response = await rawRequest(`${server.url}/mcp`, { method: 'POST', headers: { ...inSession(), 'content-type': 'text/plain' }, body: INITIALIZE_BODY });
    expect(response.status).toBe(415);
    expect(rpcError(response.text).message).toMatch(/send application\/json/);
  });

  it('an unknown or ended session → 404; no session on a non-initialize request → 400', async () => {
    const unknown = await rawRequest(`${server.url}/mcp`, { method: 'POST', headers: { ...inSession(), 'mcp-session-id': 'nope' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
    expect(unknown.status).toBe(404);
    const none = await rawRequest(`${server.url}/mcp`, { method: 'POST', headers: MCP_POST_HEADERS, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
    expect(none.status).toBe(400);
    const init = await rawRequest(`${server.url}/mcp`, { method: 'POST', headers: MCP_POST_HEADERS, body: INITIALIZE_BODY });
    const id = String(init.headers['mcp-session-id']);
    expect((await rawRequest(`${server.url}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': id } })).status).toBe(200);
    const ended = await rawRequest(`${server.url}/mcp`, { method: 'POST', headers: { ...MCP_POST_HEADERS, 'mcp-session-id': id }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
    expect(ended.status).toBe(404);
  });

  it('a POST to /messages before any GET /sse → 400, with an unknown session → 404', async () => {
    const before = await rawRequest(`${server.url}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
    expect(before.status).toBe(400);
    expect(rpcError(before.text).message).toMatch(/open GET \/sse first/);
    const unknown = await rawRequest(`${server.url}/messages?sessionId=abc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
    expect(unknown.status).toBe(404);
  });

  it('unknown methods, unknown tools and wrong argument types get JSON-RPC errors or isError', async () => {
    const call = async (body: object) => {
      const response = await rawRequest(`${server.url}/mcp`, { method: 'POST', headers: { ...inSession(), accept: 'application/json, text/event-stream' }, body: JSON.stringify(body) });
      // A plain answer comes as one JSON body; an event stream carries it as a data line.
      const text = response.headers['content-type']?.includes('event-stream') ? /data: (.*)/.exec(response.text)![1]! : response.text;
      return JSON.parse(text) as { error?: { code: number; message: string }; result?: { isError?: boolean } };
    };
    expect((await call({ jsonrpc: '2.0', id: 2, method: 'no/such/method' })).error?.code).toBe(-32601);
    expect((await call({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'nope', arguments: {} } })).error).toMatchObject({ code: -32602 });
    expect((await call({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'greet', arguments: { name: [1] } } })).result?.isError).toBe(true);
    expect((await call({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: {} })).error?.code).toBe(-32602);
  });

  it('a batch in an open session is answered', async () => {
    const response = await rawRequest(`${server.url}/mcp`, {
      method: 'POST',
      headers: inSession(),
      body: JSON.stringify([{ jsonrpc: '2.0', id: 10, method: 'ping' }, { jsonrpc: '2.0', id: 11, method: 'tools/list' }]),
    });
    expect(response.status).toBeLessThan(500);
  });

  it('wrong methods and paths → 405 and 404', async () => {
    expect((await rawRequest(`${server.url}/sse`, { method: 'POST', body: '{}' })).status).toBe(405);
    expect((await rawRequest(`${server.url}/messages`)).status).toBe(405);
    expect((await rawRequest(`${server.url}/mcp`, { method: 'PUT' })).status).toBe(405);
    expect((await rawRequest(`${server.url}/nowhere`)).status).toBe(404);
    expect((await rawRequest(`${server.url}/mcp`)).status).toBe(400);
  });
});
