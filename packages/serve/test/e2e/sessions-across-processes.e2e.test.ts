import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { NGINX_BIN, REDIS_BIN, runCall, startRedis, startRoundRobin, startServe, writeTempFiles, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectSdkClient, type TransportName } from './sdk-client.ts';

// Three mcp-serve processes share their sessions through a real Redis (Debian's redis-server;
// .ci/run installs it) behind a plain round-robin nginx: no ip_hash, no sticky cookie. The SDK's
// own clients (Streamable HTTP 2025-11-25 and legacy SSE) and mcp-call each run a whole session
// whose requests land on every process.
const required = process.env.CI !== undefined;

const MODULES = {
  'mcp-serve.config.mjs': `export default { name: 'shared', tools: './tools/*.mjs', resources: './resources.mjs', prompts: './prompts.mjs' };`,
  'tools/echo.mjs': `export default { kind: 'tool', name: 'echo', description: 'v1', input: { type: 'object', properties: { text: { type: 'string' } } }, handler: ({ text }) => 'echo ' + text };`,
  'tools/context.mjs': `
import { appendFileSync } from 'node:fs';
const wait = (ms, signal) => new Promise((resolve, reject) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason); }, { once: true });
});
// Paced: the SDK client handles a progress notification a tick after it reads it, so one read in
// the same chunk as the result would find its call already answered.
export const progress = { kind: 'tool', name: 'progress', description: 'reports progress', handler: async (_a, ctx) => {
  for (let i = 1; i <= 3; i++) {
    await ctx.progress(i, 3);
    await wait(20, ctx.signal);
  }
  return 'progressed';
} };
export const log = { kind: 'tool', name: 'log', description: 'logs at two levels', handler: async (_a, ctx) => {
  await ctx.log('info', 'an info line');
  await ctx.log('error', 'an error line');
  return 'logged';
} };
export const sample = { kind: 'tool', name: 'sample', description: 'asks for a completion', handler: async (_a, ctx) => {
  const reply = await ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 10 });
  return 'sampled ' + reply.content.text;
} };
export const elicit = { kind: 'tool', name: 'elicit', description: 'asks the user', handler: async (_a, ctx) => {
  const answer = await ctx.elicit('Your name?', { type: 'object', properties: { name: { type: 'string', default: 'Ada' } } });
  return 'elicited ' + answer.action + ' ' + (answer.content?.name ?? '');
} };
export const slow = { kind: 'tool', name: 'slow', description: 'waits to be cancelled', input: { type: 'object', properties: { tag: { type: 'string' } } }, handler: async ({ tag }, ctx) => {
  ctx.signal.addEventListener('abort', () => appendFileSync(new URL('../cancelled.log', import.meta.url), tag + '\\n'));
  await wait(30_000, ctx.signal);
  return 'not cancelled';
} };
export const announce = { kind: 'tool', name: 'announce', description: 'says the tool list changed', handler: (_a, ctx) => { ctx.listChanged('tools'); return 'announced'; } };
`,
  'resources.mjs': `
export const ticking = { kind: 'resource', uri: 'test://ticking', name: 'ticking', text: 'tick',
  subscribe: (notify) => { const t = setInterval(notify, 200); return () => clearInterval(t); } };
`,
  'prompts.mjs': `export const hello = { kind: 'prompt', name: 'hello', description: 'says hello', arguments: [{ name: 'who', required: true }], get: ({ who }) => 'Hello ' + who };`,
};

/** Headers of a raw 2025-11-25 POST, in the session `sessionId` when one is given. */
function sessionHeaders(sessionId?: string): Record<string, string> {
  return { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'MCP-Protocol-Version': '2025-11-25', ...(sessionId ? { 'Mcp-Session-Id': sessionId } : {}) };
}

/** Runs `test` with a fresh Redis and one mcp-serve (serving MODULES) per entry of `flags(redisUrl)`; stops them all after. */
async function withProcesses(flags: (redisUrl: string) => string[][], test: (servers: ServeProcess[]) => Promise<void>): Promise<void> {
  const dir = await writeTempFiles(MODULES);
  const redis = await startRedis();
  const servers = await Promise.all(flags(redis.url).map((args) => startServe(args, { cwd: dir })));
  try {
    await test(servers);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await redis.stop();
  }
}

describe.skipIf((!NGINX_BIN || !REDIS_BIN) && !required)('sessions served by any of several processes through Redis', () => {
  let dir: string;
  let redis: { url: string; stop(): Promise<void> };
  let backends: ServeProcess[] = [];
  let proxy: { url: string; stop(): void };

  beforeAll(async () => {
    expect(REDIS_BIN, 'redis-server is not installed (apt-get install redis-server)').toBeDefined();
    expect(NGINX_BIN, 'nginx is not installed (apt-get install nginx-light)').toBeDefined();
    dir = await writeTempFiles(MODULES);
    redis = await startRedis();
    // Only the first process watches its modules: a change there must still reach every client.
    const start = (watch: boolean) => startServe([...(watch ? ['--watch'] : []), '--store', redis.url, '--allowed-host', 'backends'], { cwd: dir });
    backends = await Promise.all([start(true), start(false), start(false)]);
    proxy = await startRoundRobin(
      backends.map((b) => b.url),
      { httpLines: "log_format spread '$request_method $uri $upstream_addr $http_mcp_session_id $arg_sessionId';", serverLines: `access_log ${dir}/access.log spread;` },
    );
  });
  afterAll(async () => {
    proxy?.stop();
    await Promise.all(backends.map((b) => b.stop()));
    await redis?.stop();
  });

  /** The processes (upstream addresses) each session's POSTs reached, from nginx's log. */
  async function spreadOf(sessionId: string): Promise<Set<string>> {
    const lines = (await readFile(join(dir, 'access.log'), 'utf8')).split('\n');
    return new Set(lines.filter((line) => line.startsWith('POST ') && line.includes(sessionId)).map((line) => line.split(' ')[2]!));
  }

  /** The Streamable HTTP sessions nginx's log names. */
  async function sessionsInLog(): Promise<Set<string>> {
    const log = await readFile(join(dir, 'access.log'), 'utf8').catch(() => '');
    return new Set([...log.matchAll(/^POST \/mcp \S+ ([0-9a-f-]{36}) /gm)].map((m) => m[1]!));
  }

  /** Connects the SDK client through the balancer, answering sampling and elicitation, counting notifications. */
  async function connect(transport: TransportName) {
    const client = await connectSdkClient(proxy.url, transport, { sampling: {}, elicitation: {} });
    const heard = { listChanged: 0, updated: 0, logs: [] as string[] };
    client.setRequestHandler(CreateMessageRequestSchema, () => ({ role: 'assistant', content: { type: 'text', text: 'from the client' }, model: 'test' }));
    client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { name: 'Grace' } }));
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void heard.listChanged++);
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, () => void heard.updated++);
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void heard.logs.push(`${n.params.level} ${String(n.params.data)}`));
    return { client, heard };
  }

  /** Fifty requests of every kind; returns how many were answered. */
  async function runSession(client: Client, heard: { listChanged: number; updated: number; logs: string[] }, tag: string): Promise<number> {
    let answered = 0;
    const expectText = async (name: string, args: Record<string, unknown>, text: string, extra?: Parameters<Client['callTool']>[2]) => {
      const result = await client.callTool({ name, arguments: args }, undefined, extra);
      expect(result.content, name).toEqual([{ type: 'text', text }]);
      answered++;
    };
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('echo');
    answered++;
    expect((await client.listPrompts()).prompts[0]?.name).toBe('hello');
    answered++;
    const prompt = await client.getPrompt({ name: 'hello', arguments: { who: 'Ada' } });
    expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'Hello Ada' });
    answered++;
    expect((await client.listResources()).resources[0]?.uri).toBe('test://ticking');
    answered++;
    expect((await client.readResource({ uri: 'test://ticking' })).contents[0]).toMatchObject({ text: 'tick' });
    answered++;
    await client.subscribeResource({ uri: 'test://ticking' });
    answered++;
    // A level set on one process holds on the others: only the error line comes.
    await client.setLoggingLevel('error');
    answered++;
    await expectText('log', {}, 'logged');
    const progress: number[] = [];
    await expectText('progress', {}, 'progressed', { onprogress: (p) => void progress.push(p.progress) });
    expect(progress).toEqual([1, 2, 3]);
    await expectText('sample', {}, 'sampled from the client');
    await expectText('elicit', {}, 'elicited accept Grace');
    // A cancelled call: the cancellation reaches the process running it, wherever that is.
    const abort = new AbortController();
    const cancelled = client.callTool({ name: 'slow', arguments: { tag } }, undefined, { signal: abort.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    abort.abort('enough');
    await expect(cancelled).rejects.toThrow();
    answered++;
    for (let i = 0; answered < 48; i++) {
      if (i % 4 === 0) await expectText('sample', {}, 'sampled from the client');
      else if (i % 4 === 1) await expectText('elicit', {}, 'elicited accept Grace');
      else await expectText('echo', { text: `${tag} ${i}` }, `echo ${tag} ${i}`);
    }
    await client.ping();
    answered++;
    await client.unsubscribeResource({ uri: 'test://ticking' });
    answered++;
    await expect.poll(async () => (await readFile(join(dir, 'cancelled.log'), 'utf8').catch(() => '')).split('\n')).toContain(tag);
    expect(heard.logs).toContain('error an error line');
    expect(heard.logs).not.toContain('info an info line');
    expect(heard.updated).toBeGreaterThan(0);
    return answered;
  }

  it.each(['http', 'sse'] as const)('serves an SDK client session over %s from all three processes: calls, sampling, elicitation, progress, logging, subscriptions, cancellation, list changes', async (transport) => {
    const { client, heard } = await connect(transport);
    expect(await runSession(client, heard, `sdk-${transport}`)).toBe(50);
    // Another session's list change, made on a process this client's stream may not be on.
    const before = heard.listChanged;
    const other = await connect('http');
    await other.client.callTool({ name: 'announce', arguments: {} });
    await expect.poll(() => heard.listChanged).toBeGreaterThan(before);
    await other.client.close();
    const sessionId = transport === 'http' ? (client.transport as { sessionId?: string }).sessionId! : new URL((client.transport as unknown as { _endpoint: URL })._endpoint).searchParams.get('sessionId')!;
    expect(await spreadOf(sessionId)).toHaveLength(3);
    await client.close();
  });

  it('tells every session that the tools changed when one process reloads its modules (--watch)', async () => {
    const http = await connect('http');
    const sse = await connect('sse');
    await http.client.listTools();
    await sse.client.listTools();
    await writeFile(join(dir, 'tools/echo.mjs'), MODULES['tools/echo.mjs'].replace("'v1'", "'v2'"));
    await backends[0]!.waitForStderr(/modules reloaded \(echo\.mjs changed\)/);
    await expect.poll(() => http.heard.listChanged).toBeGreaterThan(0);
    await expect.poll(() => sse.heard.listChanged).toBeGreaterThan(0);
    await Promise.all([http.client.close(), sse.client.close()]);
  });

  it('runs a whole mcp-call session through the balancer: fifty calls in one batch, answered by every process', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify(i % 10 === 0 ? { tool: 'elicit' } : i % 10 === 5 ? { tool: 'progress' } : { tool: 'echo', args: { text: `call ${i}` } }));
    const before = await sessionsInLog();
    const run = await runCall(['--url', `${proxy.url}/mcp`, '--protocol-version', '2025-11-25', '--elicit', 'defaults', '--json', 'batch'], { input: `${lines.join('\n')}\n` });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const results = run.stdout.trim().split('\n');
    expect(results).toHaveLength(50);
    expect(results[0]).toContain('elicited accept Ada');
    expect(results[1]).toContain('echo call 1');
    expect(results[5]).toContain('progressed');
    const started = [...(await sessionsInLog())].filter((id) => !before.has(id));
    expect(started).toHaveLength(1);
    expect(await spreadOf(started[0]!)).toHaveLength(3);
  });

  it('refuses a session to another credential on every process, and ends it everywhere on DELETE', async () => {
    const { client } = await connect('http');
    const transport = client.transport as { sessionId?: string };
    const sessionId = transport.sessionId!;
    const headers = sessionHeaders(sessionId);
    const ping = (url: string, extra: Record<string, string> = {}) => fetch(`${url}/mcp`, { method: 'POST', headers: { ...headers, ...extra }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
    for (const backend of backends) {
      expect((await ping(backend.url)).status).toBe(200);
      expect((await ping(backend.url, { Authorization: 'Bearer someone-else' })).status).toBe(404);
    }
    expect((await fetch(`${backends[1]!.url}/mcp`, { method: 'DELETE', headers })).status).toBe(200);
    for (const backend of backends) expect((await ping(backend.url)).status).toBe(404);
    await client.close();
  });

  it('takes the answer to a server request only from the session it was asked in, wherever it arrives', async () => {
    const headers = sessionHeaders;
    const open = async (url: string) => {
      const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { sampling: {} }, clientInfo: { name: 't', version: '1' } } };
      return (await fetch(`${url}/mcp`, { method: 'POST', headers: headers(), body: JSON.stringify(init) })).headers.get('mcp-session-id')!;
    };
    const [asked, other] = await Promise.all([open(backends[0]!.url), open(backends[1]!.url)]);
    const call = await fetch(`${backends[0]!.url}/mcp`, { method: 'POST', headers: headers(asked), body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'sample', arguments: {} } }) });
    const reader = call.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!/"method":"sampling\/createMessage"/.test(text)) text += (await reader.read()).value ?? '';
    const requestId = /"id":("[^"]+")/.exec(text)![1]!;
    const answer = (sessionId: string, reply: string) => fetch(`${backends[1]!.url}/mcp`, { method: 'POST', headers: headers(sessionId), body: `{"jsonrpc":"2.0","id":${requestId},"result":{"role":"assistant","content":{"type":"text","text":"${reply}"},"model":"m"}}` });
    // Another session sends an answer with the same id, on another process: it is not taken.
    expect((await answer(other, 'forged')).status).toBe(202);
    expect((await answer(asked, 'genuine')).status).toBe(202);
    for (;;) {
      const { value, done } = await reader.read();
      text += value ?? '';
      if (done || /"id":2,"result"/.test(text)) break;
    }
    expect(text).toContain('sampled genuine');
    expect(text).not.toContain('forged');
  });

  // Last: it kills one of the three processes.
  it('loses no event when the process holding a stream is killed: the client resumes with Last-Event-ID on another, its subscription follows, and it goes on', async () => {
    const { client, heard } = await connect('http');
    const sessionId = (client.transport as { sessionId?: string }).sessionId!;
    const { Redis } = await import('ioredis');
    const store = new Redis(redis.url);
    try {
      // The process holding the client's GET stream, as the store names it and /health says it.
      await expect.poll(() => store.hget(`mcp-serve:session:${sessionId}`, 'holder')).toMatch(/^[0-9a-f]{12}$/);
      const holder = await store.hget(`mcp-serve:session:${sessionId}`, 'holder');
      const tags = await Promise.all(backends.map(async (b) => ((await (await fetch(`${b.url}/health`)).json()) as { process: string }).process));
      const victim = backends[tags.indexOf(holder!)]!;
      expect(victim).toBeDefined();
      await client.subscribeResource({ uri: 'test://ticking' });
      await expect.poll(() => heard.updated).toBeGreaterThan(0);
      const other = await connect('http');
      await other.client.callTool({ name: 'announce', arguments: {} });
      await expect.poll(() => heard.listChanged).toBe(1);
      victim.child.kill('SIGKILL');
      await new Promise((resolve) => victim.child.once('exit', resolve));
      // Sent while the stream is down: logged in Redis, replayed where the client reconnects.
      for (let i = 0; i < 3; i++) expect((await other.client.callTool({ name: 'announce', arguments: {} })).content).toEqual([{ type: 'text', text: 'announced' }]);
      await expect.poll(() => heard.listChanged, { timeout: 15_000 }).toBe(4);
      // The subscription followed the stream to its new process: updates come again.
      const updatesAfterResume = heard.updated;
      await expect.poll(() => heard.updated).toBeGreaterThan(updatesAfterResume + 1);
      for (let i = 0; i < 6; i++) expect((await client.callTool({ name: 'echo', arguments: { text: `after ${i}` } })).content).toEqual([{ type: 'text', text: `echo after ${i}` }]);
      expect(await store.hget(`mcp-serve:session:${sessionId}`, 'holder')).not.toBe(holder);
      // Nothing was replayed twice.
      expect(heard.listChanged).toBe(4);
      await Promise.all([client.close(), other.client.close()]);
    } finally {
      store.disconnect();
    }
  });
});

describe.skipIf(!REDIS_BIN && !required)('sessions across processes while Redis is away', () => {
  it('fails what needs the store with one clear line, keeps serving the sessions each process holds, and reconnects by itself', async () => {
    const dir = await writeTempFiles(MODULES);
    let redis = await startRedis();
    const port = Number(new URL(redis.url).port);
    const [one, two] = await Promise.all([1, 2].map(() => startServe(['--store', redis.url], { cwd: dir })));
    try {
      const post = (url: string, body: unknown, sessionId?: string) =>
        fetch(`${url}/mcp`, {
          method: 'POST',
          headers: sessionHeaders(sessionId),
          body: JSON.stringify(body),
        });
      const reply = async (response: Response | Promise<Response>) => (await (await response).json()) as { result?: { content: unknown }; error?: { message: string } };
      const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
      const echo = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: `call ${id}` } } });
      const opened = await post(one!.url, initialize);
      const held = opened.headers.get('mcp-session-id')!;
      const elsewhere = (await post(two!.url, initialize)).headers.get('mcp-session-id')!;
      // The first process serves the second's session too, from a copy it makes now.
      expect((await reply(post(one!.url, echo(2), elsewhere))).result?.content).toEqual([{ type: 'text', text: 'echo call 2' }]);

      await redis.stop();
      // Sessions a process holds a copy of go on.
      for (const sessionId of [held, elsewhere]) expect((await reply(post(one!.url, echo(3), sessionId))).result?.content).toEqual([{ type: 'text', text: 'echo call 3' }]);
      // One it has no copy of needs the store: 503, one line naming the store, a hint to retry.
      const refused = await post(two!.url, echo(4), held);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect((await reply(refused)).error?.message).toBe(`Service unavailable: the session store ${redis.url} is unreachable (not connected); try again shortly`);
      // A new session cannot be kept where the others would find it: its initialize says so, with no session id.
      const unkept = await post(two!.url, initialize);
      expect(unkept.headers.get('mcp-session-id')).toBeNull();
      expect((await reply(unkept)).error?.message).toBe(`Service unavailable: the session store ${redis.url} is unreachable (not connected); try again shortly`);
      expect((await fetch(`${two!.url}/health`)).status).toBe(200);

      // Back (empty, as a Redis without persistence restarts): new sessions work on both, unaided.
      redis = await startRedis({ port });
      let fresh: string | null = null;
      await expect
        .poll(async () => {
          const reply = await post(two!.url, initialize);
          fresh = reply.headers.get('mcp-session-id');
          return fresh;
        }, { timeout: 15_000 })
        .toMatch(/^[0-9a-f-]{36}$/);
      // The other process reconnects on its own schedule (ioredis backs off up to 2 s).
      await expect.poll(async () => (await reply(post(one!.url, echo(5), fresh!))).result?.content, { timeout: 15_000 }).toEqual([{ type: 'text', text: 'echo call 5' }]);
    } finally {
      await Promise.all([one?.stop(), two?.stop()]);
      await redis.stop();
    }
  });
});

describe.skipIf(!REDIS_BIN && !required)('stateless processes with a store', () => {
  it('says in the tool error why a request without a session id cannot ask the client, with a store and without', async () => {
    await withProcesses((store) => [['--stateless', '--store', store], ['--stateless']], async ([withStore, without]) => {
      const sample = async (url: string) => {
        const reply = await fetch(`${url}/mcp`, {
          method: 'POST',
          headers: sessionHeaders(),
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'sample', arguments: {} } }),
        });
        return ((await reply.json()) as { result: { content: { text: string }[] } }).result.content[0]!.text;
      };
      expect(await sample(withStore!.url)).toBe('Client does not support sampling (required for sampling/createMessage): the request carried no Mcp-Session-Id, so the capabilities the client declared in initialize are unknown here; send the session id initialize returned');
      expect(await sample(without!.url)).toMatch(/: this server is stateless \(--stateless\) and keeps no session, .* run it with --store redis:\/\/… to keep them, or without --stateless$/);
    });
  });
});

describe.skipIf(!REDIS_BIN && !required)('a session whose handshake ends on another process', () => {
  it('keeps the stream open on the process that took initialize, past the handshake timeout', async () => {
    const flags = (store: string) => ['--store', store, '--handshake-timeout', '300'];
    await withProcesses((store) => [flags(store), flags(store)], async ([one, two]) => {
      const headers = sessionHeaders;
      const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
      const sessionId = (await fetch(`${one!.url}/mcp`, { method: 'POST', headers: headers(), body: JSON.stringify(init) })).headers.get('mcp-session-id')!;
      const stream = await fetch(`${one!.url}/mcp`, { headers: { ...headers(sessionId), Accept: 'text/event-stream' } });
      expect(stream.status).toBe(200);
      // The rest of the handshake, and every call, go to the other process.
      expect((await fetch(`${two!.url}/mcp`, { method: 'POST', headers: headers(sessionId), body: '{"jsonrpc":"2.0","method":"notifications/initialized"}' })).status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 800));
      await fetch(`${two!.url}/mcp`, { method: 'POST', headers: headers(sessionId), body: '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"announce","arguments":{}}}' });
      const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      while (!text.includes('list_changed')) {
        const { value, done } = await reader.read();
        expect(done, `the stream ended early: ${text}`).toBe(false);
        text += value ?? '';
      }
      await reader.cancel();
    });
  });
});
