import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import { PROMETHEUS_BIN, REDIS_BIN, runCall, runServe, SERVE_BIN, startPrometheus, startRedis, startServe, writeTempFiles, type PrometheusHandle, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectSdkClient } from './sdk-client.ts';

// Running mcp-serve for a team: a real Prometheus (Debian's; .ci/run installs it) scrapes
// mcp-serve --metrics every second, the counters read back through its HTTP API as a dashboard
// would; and the audit log, read back from its file.
const required = process.env.CI !== undefined;
const TOKEN = 'team-token-0123456789';
const METRICS_TOKEN = 'scraper-token-0123456789';

const MODULES = {
  'mcp-serve.config.mjs': `export default { tools: './tools.mjs', resources: './resources.mjs' };`,
  'tools.mjs': `
export const echo = { kind: 'tool', name: 'echo', description: 'echoes', input: { type: 'object', properties: { text: { type: 'string' } } }, handler: ({ text }) => text };
export const broken = { kind: 'tool', name: 'broken', description: 'fails', handler: () => { throw new Error('it broke'); } };
export const slow = { kind: 'tool', name: 'slow', description: 'waits', handler: (_a, ctx) => new Promise((resolve) => { const t = setTimeout(resolve, 30_000, 'done'); ctx.signal.addEventListener('abort', () => clearTimeout(t)); }) };
`,
  'resources.mjs': `export const user = { kind: 'resourceTemplate', uriTemplate: 'users://{id}', name: 'user', read: (_uri, { id }) => 'user ' + id };`,
};

describe.skipIf(!PROMETHEUS_BIN && !required)('Prometheus metrics', () => {
  let server: ServeProcess;
  let prometheus: PrometheusHandle;
  const call = (args: string[]) => runCall(['--url', `${server.url}/mcp`, '--header', `Authorization: Bearer ${TOKEN}`, ...args]);

  beforeAll(async () => {
    expect(PROMETHEUS_BIN, 'prometheus is not installed (apt-get install prometheus)').toBeDefined();
    const dir = await writeTempFiles(MODULES);
    server = await startServe(['--token', TOKEN, '--metrics-token', METRICS_TOKEN, '--call-timeout', '500'], { cwd: dir });
    prometheus = await startPrometheus(server.url, METRICS_TOKEN);
  });
  afterAll(async () => {
    await prometheus?.stop();
    await server?.stop();
  });

  it('counts calls by tool and outcome, times them, and bounds every label', async () => {
    for (let i = 0; i < 3; i++) expect((await call(['echo', '--text', `hi ${i}`])).stdout).toBe(`hi ${i}\n`);
    expect((await call(['broken'])).code).toBe(1);
    expect((await call(['slow'])).code).toBe(1); // timed out after 500 ms
    expect((await call(['--tool', 'no-such-tool-8f2e'])).code).not.toBe(0);
    expect((await call(['read', 'users://42'])).stdout).toContain('user 42');
    // A call the client cancels.
    const client = await connectSdkClient(server.url, 'http', {}, { Authorization: `Bearer ${TOKEN}` });
    const abort = new AbortController();
    const cancelled = client.callTool({ name: 'slow', arguments: {} }, undefined, { signal: abort.signal });
    await new Promise((resolve) => setTimeout(resolve, 200));
    abort.abort('enough');
    await expect(cancelled).rejects.toThrow();

    const value = (promql: string) => expect.poll(() => prometheus.query(promql), { timeout: 20_000 });
    await value('sum(mcp_requests_total{method="tools/call",name="echo",outcome="ok"})').toBe(3);
    await value('sum(mcp_requests_total{name="broken",outcome="tool_error"})').toBe(1);
    await value('sum(mcp_requests_total{name="slow",outcome="timed_out"})').toBe(1);
    await value('sum(mcp_requests_total{name="slow",outcome="cancelled"})').toBe(1);
    await value('sum(mcp_requests_total{method="tools/call",name="(unknown)",outcome="protocol_error"})').toBe(1);
    // A resource is named by its name, never by the URI a client sent.
    await value('sum(mcp_requests_total{method="resources/read",name="user"})').toBe(1);
    await value('sum(mcp_request_duration_seconds_count{name="echo"})').toBe(3);
    await value('sum(mcp_sessions{transport="http",protocol_version="2025-11-25"})').toBeGreaterThanOrEqual(1);
    await value('max(process_resident_memory_bytes)').toBeGreaterThan(0);
    await value('max(nodejs_eventloop_lag_seconds)').toBeGreaterThanOrEqual(0);
    await value('count(mcp_requests_total{name=~".*no-such.*|users://.*"})').toBeUndefined();
    // The cancelled call left flight when it was cancelled, though its handler never returns.
    await value('max(mcp_requests_in_flight)').toBe(0);
    await client.close();
  });

  it('serves /metrics to its own token only, and counts the refusals', async () => {
    const scrape = (token?: string) => fetch(`${server.url}/metrics`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    expect((await scrape()).status).toBe(401);
    expect((await scrape(TOKEN)).status).toBe(401);
    const ok = await scrape(METRICS_TOKEN);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toContain('text/plain');
    // An MCP request without the token is refused, and counted.
    expect((await fetch(`${server.url}/mcp`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status).toBe(401);
    await expect.poll(() => prometheus.query('sum(mcp_refused_total{reason="auth"})'), { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
  });
});

describe('audit log', () => {
  it('writes one JSON line per call and read: who, what, a hash of the arguments (never their values), outcome and duration', async () => {
    const dir = await writeTempFiles(MODULES);
    const log = `${dir}/audit.jsonl`;
    const server = await startServe(['--token', TOKEN, '--audit-log', log], { cwd: dir });
    const call = (args: string[]) => runCall(['--url', `${server.url}/mcp`, '--header', `Authorization: Bearer ${TOKEN}`, ...args]);
    try {
      expect((await call(['echo', '--text', 'a secret value'])).code).toBe(0);
      expect((await call(['broken'])).code).toBe(1);
      expect((await call(['read', 'users://42'])).code).toBe(0);
      expect((await call(['--tool', 'no-such-tool'])).code).not.toBe(0);
      expect((await call(['tools'])).code).toBe(0); // a listing is not audited
    } finally {
      await server.stop();
    }
    const text = await readFile(log, 'utf8');
    expect(text).not.toContain('a secret value');
    expect(text).not.toContain(TOKEN);
    const lines = text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((l) => [l.method, l.name, l.outcome])).toEqual([
      ['tools/call', 'echo', 'ok'],
      ['tools/call', 'broken', 'tool_error'],
      ['resources/read', 'user', 'ok'],
      ['tools/call', '(unknown)', 'protocol_error'],
    ]);
    const [echo, , read] = lines;
    expect(echo!.argumentsHash).toBe(`sha256:${createHash('sha256').update('{"text":"a secret value"}').digest('hex')}`);
    expect(read!.argumentsHash).toBe(`sha256:${createHash('sha256').update('"users://42"').digest('hex')}`);
    expect(echo!.identity).toEqual({ token: expect.stringMatching(/^\S{12}$/), address: '127.0.0.1' });
    expect(echo!.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(typeof echo!.durationMs).toBe('number');
  });

  it('works over stdio to a file, and refuses standard output there in one line', async () => {
    const dir = await writeTempFiles(MODULES);
    const refused = await runServe(['--stdio', '--audit-log', '-'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('--audit-log - writes to standard output, which --stdio keeps for the protocol: name a file');
    const run = await runCall(['--stdio', `node ${SERVE_BIN} --stdio --audit-log ${dir}/audit.jsonl`, 'echo', '--text', 'over stdio'], { cwd: dir });
    expect(run.stdout).toBe('over stdio\n');
    const [line] = (await readFile(`${dir}/audit.jsonl`, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(line).toMatchObject({ method: 'tools/call', name: 'echo', outcome: 'ok', identity: { address: 'stdio' } });
  });

  it('fails at start-up with one line when the audit log cannot be written', async () => {
    const run = await runServe(['--audit-log', '/nonexistent-dir/audit.jsonl', '--port', '0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Cannot open the audit log \/nonexistent-dir\/audit\.jsonl: ENOENT.*Name a file in a directory that exists/);
  });
});

describe('rate limits', () => {
  const OTHER = 'other-team-token-98765';
  const post = (url: string, token: string, id: number, name = 'echo') =>
    fetch(`${url}/mcp`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${token}`, 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call', 'Mcp-Name': name },
      body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: { text: 'hi' }, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' } } } }),
    });

  it('limits each identity on its own, per server and per tool: 429 with Retry-After, or an error with the delay inside a session', async () => {
    const dir = await writeTempFiles({ ...MODULES, 'mcp-serve.config.mjs': `export default { tools: './tools.mjs', resources: './resources.mjs', limits: { toolRates: { broken: '1/h' } } };` });
    const server = await startServe(['--token', TOKEN, '--token', OTHER, '--rate-limit', '3/m'], { cwd: dir });
    try {
      for (let id = 1; id <= 3; id++) expect((await post(server.url, TOKEN, id)).status).toBe(200);
      const refused = await post(server.url, TOKEN, 4);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await refused.json()) as { error: { code: number; message: string; data: { retryAfterMs: number } } }).error).toMatchObject({ code: -32029, message: expect.stringMatching(/^Rate limit exceeded for this client: try again in \d+ s$/), data: { retryAfterMs: expect.any(Number) } });
      // Another identity is not affected; a tool's own rate holds beside the server's.
      expect((await post(server.url, OTHER, 1)).status).toBe(200);
      expect((await post(server.url, OTHER, 2, 'broken')).status).toBe(200);
      const tool = await post(server.url, OTHER, 3, 'broken');
      expect(tool.status).toBe(429);
      expect(((await tool.json()) as { error: { message: string } }).error.message).toMatch(/^Rate limit exceeded for tool "broken"/);
      // Inside a legacy SSE session the refusal is the call's JSON-RPC error, with the delay.
      const client = await connectSdkClient(server.url, 'sse', {}, { Authorization: `Bearer ${OTHER}` });
      await expect(client.callTool({ name: 'echo', arguments: { text: 'x' } })).rejects.toMatchObject({ code: -32029, data: { retryAfterMs: expect.any(Number) } });
      await client.close();
    } finally {
      await server.stop();
    }
  });

  it.skipIf(!REDIS_BIN && !required)('holds a limit in total across three processes sharing a Redis store', async () => {
    const dir = await writeTempFiles(MODULES);
    const redis = await startRedis();
    const servers = await Promise.all([1, 2, 3].map(() => startServe(['--token', TOKEN, '--rate-limit', '5/m', '--store', redis.url], { cwd: dir })));
    try {
      const statuses: number[] = [];
      for (let id = 1; id <= 7; id++) statuses.push((await post(servers[id % 3]!.url, TOKEN, id)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await redis.stop();
    }
  });
});

describe('tools selected by URL', () => {
  it('lists and calls only the tools a client selects with ?tools=, over Streamable HTTP, legacy SSE and with mcp-call', async () => {
    const dir = await writeTempFiles(MODULES);
    const server = await startServe([], { cwd: dir });
    try {
      for (const transport of ['http', 'sse'] as const) {
        const client = await connectSdkClient(`${server.url}`, transport, {}, {}, 'tools=echo,slow,not-a-tool');
        expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['echo', 'slow']);
        expect((await client.callTool({ name: 'echo', arguments: { text: 'selected' } })).content).toEqual([{ type: 'text', text: 'selected' }]);
        // A tool outside the selection does not exist for this client, though the server has it.
        await expect(client.callTool({ name: 'broken', arguments: {} })).rejects.toThrow('Unknown tool "broken" (tools: echo, slow)');
        await client.close();
      }
      const all = await connectSdkClient(server.url, 'http');
      expect((await all.listTools()).tools).toHaveLength(3);
      await all.close();
      const listed = await runCall(['--url', `${server.url}/mcp?tools=broken`, 'tools']);
      expect(listed.stdout.trim().split('\n').map((line) => line.split(/\s+/)[0])).toEqual(['broken']);
      const refused = await runCall(['--url', `${server.url}/mcp?tools=broken`, '--protocol-version', '2025-11-25', '--tool', 'echo', '--args', '{}']);
      expect(refused.code).not.toBe(0);
    } finally {
      await server.stop();
    }
  });
});
