import { PROMETHEUS_BIN, runCall, startPrometheus, startServe, writeTempFiles, type PrometheusHandle, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectSdkClient } from './sdk-client.ts';

// A real Prometheus (Debian's; .ci/run installs it) scrapes mcp-serve --metrics every second; the
// counters are read back through its HTTP API, as a dashboard would.
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
