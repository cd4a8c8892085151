import { connect } from 'node:net';

import { initializeRaw, MCP_POST_HEADERS, rawRequest, REPO_ROOT, rssOf, sendAndStopReading, startServe, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectSdkClient } from './sdk-client.ts';

const FIXTURE = `${REPO_ROOT}packages/serve/test/fixtures/hostile/mcp-serve.config.mjs`;
const call = (id: number | string, name: string, args: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

async function health(server: ServeProcess): Promise<{ sessions: number }> {
  return JSON.parse((await rawRequest(`${server.url}/health`)).text) as { sessions: number };
}

async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Answers in a JSON body or an event stream, as JSON-RPC messages. */
function messagesOf(text: string): { id?: unknown; result?: Record<string, unknown>; error?: { code: number; message: string }; method?: string }[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return ([] as unknown[]).concat(JSON.parse(trimmed)) as never;
  return trimmed
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice(6)) as never);
}

describe('mcp-serve against hostile clients', () => {
  let server: ServeProcess;
  beforeAll(async () => {
    server = await startServe(['--config', FIXTURE, '--log-level', 'debug', '--max-stream-buffer', '262144', '--body-timeout', '800', '--handshake-timeout', '1000']);
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('closes an SSE stream whose client never reads, aborts its calls, and keeps memory bounded', async () => {
    const stream = await sendAndStopReading(`${server.url}/sse`, { headers: { Accept: 'text/event-stream' }, readUntil: /data: \S+\n/ });
    const endpoint = /data: (\S+)/.exec(stream.early)![1]!;
    const before = rssOf(server.child.pid!);
    // A batch flood (2024-11-05 has batches) and a tool that logs without waiting, all into a stream nobody reads.
    await rawRequest(`${server.url}${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }) });
    const batch = JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ jsonrpc: '2.0', id: i + 1, method: 'tools/list' })));
    for (let i = 0; i < 20; i++) await rawRequest(`${server.url}${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: batch });
    await rawRequest(`${server.url}${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(call(9999, 'flood', { count: 200_000, size: 1024 })) });
    await server.waitForStderr(/closed a stream whose client does not read .*limit=262144/);
    await waitFor(async () => (await health(server)).sessions === 0, 'the session to close');
    expect(rssOf(server.child.pid!) - before).toBeLessThan(150 * 1024 * 1024);
    stream.socket.destroy();
  });

  it('closes a POST event stream and a GET stream that are never read, and keeps the session', async () => {
    const session = await initializeRaw(`${server.url}/mcp`);
    const post = await sendAndStopReading(`${server.url}/mcp`, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, 'mcp-session-id': session.sessionId, 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify(call(5, 'flood', { count: 200_000, size: 1024 })),
    });
    expect(post.head).toMatch(/200 OK[\s\S]*text\/event-stream/);
    const logged = server.stderr().match(/closed a stream whose client does not read/g)?.length ?? 0;
    await waitFor(() => (server.stderr().match(/closed a stream whose client does not read/g)?.length ?? 0) > logged, 'the POST stream to be closed');
    await server.waitForStderr(/call cancelled tool=flood .*reason=the client stopped reading its stream/);
    post.socket.destroy();
    // The session itself lives on and answers.
    const listed = await session.post({ jsonrpc: '2.0', id: 6, method: 'tools/list' });
    expect(messagesOf(listed.text)[0]!.id).toBe(6);
    // The session's own GET stream, unread, takes what a JSON-only POST cannot: it is closed too.
    const get = await sendAndStopReading(`${server.url}/mcp`, { headers: { Accept: 'text/event-stream', 'mcp-session-id': session.sessionId, 'mcp-protocol-version': '2025-06-18' } });
    expect(get.head).toMatch(/200 OK/);
    const before = server.stderr().match(/closed a stream whose client does not read/g)?.length ?? 0;
    const jsonOnly = session.post(call(8, 'flood', { count: 200_000, size: 1024 }), { accept: 'application/json' }, 3000);
    await waitFor(() => (server.stderr().match(/closed a stream whose client does not read .*stream=get/g)?.length ?? 0) > 0 && (server.stderr().match(/closed a stream whose client does not read/g)?.length ?? 0) > before, 'the GET stream to be closed');
    get.socket.destroy();
    // Cancelled, the JSON-only call's response ends with no answer.
    await session.post({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 8 } });
    expect((await jsonOnly).status).toBe(202);
  });

  it('paces a tool that awaits its logs to a client that reads slowly, with bounded memory', async () => {
    const session = await initializeRaw(`${server.url}/mcp`);
    const before = rssOf(server.child.pid!);
    const post = await sendAndStopReading(`${server.url}/mcp`, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, 'mcp-session-id': session.sessionId, 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify(call(7, 'chatty')),
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // Without pacing, a million 1 KB lines would be buffered here within the second.
    expect(rssOf(server.child.pid!) - before).toBeLessThan(100 * 1024 * 1024);
    post.socket.destroy();
  });

  it('answers a BigInt or a cycle in a result with -32603 naming the tool, on both transports', async () => {
    for (const transport of ['http', 'sse'] as const) {
      const client = await connectSdkClient(server.url, transport);
      for (const name of ['bigint', 'cycle']) {
        const error = await client.callTool({ name, arguments: {} }).then(() => undefined, (e: { code: number; message: string }) => e);
        expect(error?.code).toBe(-32603);
        expect(error?.message).toMatch(new RegExp(`Tool "${name}" returned a result that cannot be sent as JSON \\(id \\w+\\)`));
      }
      await client.close();
    }
    await server.waitForStderr(/Tool "cycle" returned a result that cannot be serialised as JSON errorId=\w+/);
  });

  it('gives every request exactly one answer, whatever its handler does', async () => {
    const hows = ['string', 'undefined', 'null', 'number', 'bigint', 'symbol', 'function', 'throw-error', 'throw-string', 'throw-null', 'throw-object', 'reject', 'toJSON-throws', 'getter-throws', 'cycle-in-content', 'bad-parts', 'huge-string', 'log-bigint', 'progress-then-throw', 'system-error', 'throw-null-prototype', 'reject-tostring-throws', 'throw-message-getter', 'throw-proxy'];
    const session = await initializeRaw(`${server.url}/mcp`, { version: '2025-03-26' });
    // One batch with every behaviour, and each again alone: every id answered once, in both shapes.
    const batch = await session.post(hows.map((how, i) => ({ ...call(i, 'behave', { how }), params: { name: 'behave', arguments: { how }, _meta: { progressToken: i } } })));
    expect(batch.status, batch.text.slice(0, 300)).toBe(200);
    const answers = messagesOf(batch.text).filter((m) => m.method === undefined);
    expect(answers.map((m) => m.id).sort((a, b) => Number(a) - Number(b))).toEqual(hows.map((_, i) => i));
    for (const [i, how] of hows.entries()) {
      const alone = messagesOf((await session.post(call(100 + i, 'behave', { how }))).text).filter((m) => m.method === undefined);
      expect(alone, how).toHaveLength(1);
      expect(alone[0]!.id).toBe(100 + i);
      expect(alone[0]!.result ?? alone[0]!.error, how).toBeDefined();
      // A system error names no server path.
      expect(JSON.stringify(alone[0])).not.toContain('/nonexistent/secret');
    }
    // The same for a prompt, whose failure is a JSON-RPC error: answered once, -32603, and the id is free again.
    for (const how of ['null-prototype', 'tostring-throws', 'null-prototype']) {
      const answers = messagesOf((await session.post({ jsonrpc: '2.0', id: 'p', method: 'prompts/get', params: { name: 'unreadable', arguments: { how } } })).text);
      expect(answers, how).toHaveLength(1);
      expect(answers[0]!.error?.code).toBe(-32603);
      expect(answers[0]!.error?.message).toMatch(/^Internal error \(id \w+\)$/);
    }
  });

  it('refuses a duplicate in-flight id and still answers the original', async () => {
    for (const transport of ['http', 'sse'] as const) {
      if (transport === 'http') {
        const session = await initializeRaw(`${server.url}/mcp`);
        const original = session.post(call(1, 'slow', { ms: 300 }));
        await new Promise((resolve) => setTimeout(resolve, 50));
        const duplicate = await session.post(call(1, 'echo', { text: 'dup' }));
        expect(duplicate.status).toBe(400);
        expect(JSON.parse(duplicate.text)).toMatchObject({ id: 1, error: { code: -32600, message: expect.stringMatching(/id 1 is already in use/) } });
        const answer = messagesOf((await original).text);
        expect(answer).toEqual([{ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'done' }] } }]);
      } else {
        const client = await connectSdkClient(server.url, 'sse');
        // The SDK numbers its own ids; a raw duplicate goes to the same session endpoint.
        const stream = await sendAndStopReading(`${server.url}/sse`, { headers: { Accept: 'text/event-stream' }, readUntil: /data: \S+\n/ });
        const endpoint = /data: (\S+)/.exec(stream.early)![1]!;
        const post = (body: unknown) => rawRequest(`${server.url}${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        expect((await post(call(1, 'slow', { ms: 500 }))).status).toBe(202);
        const duplicate = await post(call(1, 'echo', { text: 'dup' }));
        expect(duplicate.status).toBe(400);
        expect(duplicate.text).toMatch(/id 1 is already in use/);
        stream.socket.destroy();
        await client.close();
      }
    }
  });

  it('does not let a resume take over a stream that is still open', async () => {
    const session = await initializeRaw(`${server.url}/mcp`);
    const body = JSON.stringify({ ...call(3, 'behave', { how: 'string' }), params: { name: 'slow', arguments: { ms: 600 } } });
    // A POST answered as a stream: a progress token makes the tool stream first.
    const pending = rawRequest(`${server.url}/mcp`, { method: 'POST', headers: { ...MCP_POST_HEADERS, 'mcp-session-id': session.sessionId, 'mcp-protocol-version': '2025-06-18' }, body });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const takeover = await rawRequest(`${server.url}/mcp`, { headers: { accept: 'text/event-stream', 'mcp-session-id': session.sessionId, 'last-event-id': 'p2_1' } });
    expect(takeover.status).toBe(409);
    const answer = messagesOf((await pending).text);
    expect(answer.at(-1)).toMatchObject({ id: 3, result: { content: [{ type: 'text', text: 'done' }] } });
  });

  it('issues a session only for an initialize request that succeeded, and expires unfinished handshakes', async () => {
    const asNotification = await rawRequest(`${server.url}/mcp`, { method: 'POST', headers: MCP_POST_HEADERS, body: JSON.stringify({ jsonrpc: '2.0', method: 'initialize', params: {} }) });
    expect(asNotification.status).toBe(400);
    expect(asNotification.headers['mcp-session-id']).toBeUndefined();
    const base = (await health(server)).sessions;
    for (let i = 0; i < 5; i++) {
      await rawRequest(`${server.url}/mcp`, { method: 'POST', headers: MCP_POST_HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'flood', version: '1' } } }) });
    }
    expect((await health(server)).sessions).toBe(base + 5);
    await waitFor(async () => (await health(server)).sessions === base, 'unfinished handshakes to expire', 5000);
  });

  it('cuts off a body that trickles in with 408, and never holds it past the deadline', async () => {
    const started = Date.now();
    const answer = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: Number(new URL(server.url).port) });
      let text = '';
      socket.setEncoding('utf8').on('data', (c: string) => (text += c));
      socket.on('close', () => resolve(text));
      socket.write('POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 1000\r\n\r\n{');
      const trickle = setInterval(() => (socket.writable ? socket.write(' ') : clearInterval(trickle)), 100);
      socket.on('close', () => clearInterval(trickle));
    });
    expect(answer).toMatch(/^HTTP\/1.1 408/);
    expect(answer).toContain('limits.bodyTimeoutMs');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses JSON-RPC batches on 2025-06-18 and later, and caps them where they exist', async () => {
    const modern = await initializeRaw(`${server.url}/mcp`, { version: '2025-06-18' });
    const refused = await modern.post([{ jsonrpc: '2.0', id: 1, method: 'tools/list' }]);
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/batches are not part of protocol version 2025-06-18/);
    const legacy = await initializeRaw(`${server.url}/mcp`, { version: '2025-03-26' });
    const tooMany = await legacy.post(Array.from({ length: 101 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' })));
    expect(tooMany.status).toBe(400);
    expect(tooMany.text).toMatch(/a batch of 101 messages exceeds the limit of 100 \(limits.maxBatchSize\)/);
    const fine = await legacy.post(Array.from({ length: 100 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' })));
    expect(JSON.parse(fine.text)).toHaveLength(100);
  });

  it('refuses ids it cannot echo exactly, and echoes the rest unchanged', async () => {
    const session = await initializeRaw(`${server.url}/mcp`);
    for (const id of ['1e400', '18446744073709551617', '0.5']) {
      const answer = await session.post(`{"jsonrpc":"2.0","id":${id},"method":"ping"}`);
      expect(answer.status, id).toBe(400);
      expect(answer.text).toMatch(/id\\" must be a string or an integer/);
    }
    for (const id of ['9007199254740991', '-3', '"18446744073709551617"', '"é\\u0000x"']) {
      const answer = await session.post(`{"jsonrpc":"2.0","id":${id},"method":"ping"}`);
      expect(answer.text).toBe(`{"jsonrpc":"2.0","id":${id},"result":{}}`);
    }
  });

  it('refuses a body nested deeper than 64 levels, or with too many elements, before parsing it', async () => {
    const session = await initializeRaw(`${server.url}/mcp`);
    const deep = `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":${'['.repeat(2_000_000)}${']'.repeat(2_000_000)}}}`;
    const answer = await session.post(deep);
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/nested deeper than 64 levels/);
    // Keys and containers cost JSON.parse more than their bytes: their number is bounded too.
    const wide = await session.post(`{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":[${'{},'.repeat(200_000)}{}]}}`);
    expect(wide.status).toBe(400);
    expect(wide.text).toMatch(/more than 100000 keys, values and containers/);
    const fine = await session.post(`{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":[${'{"a":1},'.repeat(1000)}{}]}}`);
    expect(fine.text).toBe('{"jsonrpc":"2.0","id":1,"result":{}}');
    // A small body is checked too: 64 levels pass, 65 do not.
    const nested = (levels: number): string => `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":${'['.repeat(levels - 2)}${']'.repeat(levels - 2)}}}`;
    expect((await session.post(nested(64))).text).toBe('{"jsonrpc":"2.0","id":1,"result":{}}');
    const tooDeep = await session.post(nested(65));
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.text).toMatch(/nested deeper than 64 levels/);
    expect((await session.post(`{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":${'{"a":'.repeat(63)}1${'}'.repeat(63)}}}`)).status).toBe(400);
  });

  it('answers a missing file resource without the server path, and logs the detail', async () => {
    const session = await initializeRaw(`${server.url}/mcp`);
    const answer = messagesOf((await session.post({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'test://missing' } })).text)[0]!;
    expect(answer.error?.message).toMatch(/^Internal error \(id (\w+)\)$/);
    expect(JSON.stringify(answer)).not.toMatch(/does-not-exist|hostile/);
    const errorId = /id (\w+)/.exec(answer.error!.message)![1]!;
    await server.waitForStderr(new RegExp(`errorId=${errorId} error=Error: ENOENT.*does-not-exist`));
  });
});

describe('mcp-serve --stateless cancellation', () => {
  it('cancels a request running in this process when notifications/cancelled arrives on another POST', async () => {
    const server = await startServe(['--config', FIXTURE, '--stateless', '--log-level', 'debug']);
    const headers = { ...MCP_POST_HEADERS, 'mcp-protocol-version': '2025-06-18' };
    const started = Date.now();
    const running = rawRequest(`${server.url}/mcp`, { method: 'POST', headers, body: JSON.stringify(call(42, 'slow', { ms: 20_000 })) });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const cancel = await rawRequest(`${server.url}/mcp`, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 42, reason: 'user pressed Ctrl-C' } }) });
    expect(cancel.status).toBe(202);
    const answer = await running;
    // The cancelled request's response ends promptly, with no answer in it.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(answer.text).not.toContain('"result"');
    await server.waitForStderr(/call cancelled tool=slow .*requestId=42 reason=user pressed Ctrl-C/);
    // Another credential cannot cancel it: the key includes the Authorization digest.
    const other = rawRequest(`${server.url}/mcp`, { method: 'POST', headers, body: JSON.stringify(call(43, 'slow', { ms: 300 })) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await rawRequest(`${server.url}/mcp`, { method: 'POST', headers: { ...headers, authorization: 'Bearer someone-else' }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 43 } }) });
    expect(messagesOf((await other).text)[0]).toMatchObject({ id: 43, result: { content: [{ text: 'done' }] } });
    expect(await server.stop()).toBe(0);
  });

  it('cancels a 2026-07-28 request when notifications/cancelled names it, from its own credential only', async () => {
    const server = await startServe(['--config', FIXTURE, '--log-level', 'debug']);
    const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 'proxy', version: '1' } };
    const headers = { ...MCP_POST_HEADERS, 'mcp-protocol-version': '2026-07-28' };
    const slow = (id: number, ms: number) =>
      rawRequest(`${server.url}/mcp`, { method: 'POST', headers: { ...headers, 'mcp-method': 'tools/call', 'mcp-name': 'slow' }, body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'slow', arguments: { ms }, _meta: meta } }) });
    const cancel = (id: number, extra: Record<string, string> = {}) =>
      rawRequest(`${server.url}/mcp`, { method: 'POST', headers: { ...headers, 'mcp-method': 'notifications/cancelled', ...extra }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'the user gave up', _meta: meta } }) });
    const started = Date.now();
    const running = slow(7, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await cancel(7)).status).toBe(202);
    const answer = await running;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(answer.text).not.toContain('"result"');
    await server.waitForStderr(/call cancelled tool=slow .*requestId=7 reason=the user gave up/);
    // Another credential's cancellation of the same id reaches nothing.
    const other = slow(8, 300);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await cancel(8, { authorization: 'Bearer someone-else' });
    expect((await other).text).toContain('"result"');
    expect(await server.stop()).toBe(0);
  });

  it('escapes peer text in text logs: no forged lines, no escape sequences for the operator\'s terminal', async () => {
    const server = await startServe(['--config', FIXTURE, '--stateless', '--log-level', 'debug']);
    const headers = { ...MCP_POST_HEADERS, 'mcp-protocol-version': '2025-06-18' };
    const id = 'x\nerror forged line from the id';
    const running = rawRequest(`${server.url}/mcp`, { method: 'POST', headers, body: JSON.stringify(call(id, 'slow', { ms: 20_000 })) });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const reason = 'bye\r\nerror forged line from the reason\u001b]0;pwned\u0007\u009b31m';
    await rawRequest(`${server.url}/mcp`, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason } }) });
    await running;
    await server.waitForStderr(/call cancelled tool=slow/);
    const lines = server.stderr().split('\n');
    expect(lines.filter((line) => line.startsWith('error forged'))).toEqual([]);
    expect(server.stderr()).not.toMatch(/[\u001b\u0007\u009b\r]/);
    expect(server.stderr()).toContain('reason=bye\\u000d\\u000aerror forged line from the reason\\u001b]0;pwned\\u0007\\u009b31m');
    expect(await server.stop()).toBe(0);
  });
});
