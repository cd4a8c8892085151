import { join } from 'node:path';

import { type CollectedSpan, type OtlpCollector, runCall, SERVE_BIN, startOtlpCollector, startServe, writeTempFiles, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectSdkClient } from './sdk-client.ts';

// One trace from a CI job through mcp-call, the gateway, and its upstreams (one over stdio, one
// over HTTP), each process exporting its spans over OTLP/HTTP to a collector of the test's own.
const TOOLS = `
export const echo = { kind: 'tool', name: 'echo', description: 'echoes', input: { type: 'object', properties: { text: { type: 'string' } } }, handler: ({ text }) => text };
export const broken = { kind: 'tool', name: 'broken', description: 'fails', handler: () => { throw new Error('it broke'); } };
`;
// JSON, which the test's collector reads; the HTTP upstream sends OTLP's default, protobuf.
const FAST_EXPORT = { OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' };
const JOB_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const JOB_SPAN = '00f067aa0ba902b7';

describe('OpenTelemetry traces', () => {
  let collector: OtlpCollector;
  let upstream: ServeProcess;
  let gateway: ServeProcess;
  const otelEnv = (service: string) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: service, ...FAST_EXPORT });
  const inTrace = (traceId: string) => (spans: CollectedSpan[]) => spans.filter((span) => span.traceId === traceId);
  const one = (spans: CollectedSpan[], match: Partial<CollectedSpan>): CollectedSpan => {
    const found = spans.filter((span) => Object.entries(match).every(([key, value]) => span[key as keyof CollectedSpan] === value));
    expect(found, `one span matching ${JSON.stringify(match)} among ${spans.map((s) => `${s.service}:${s.name}`).join(', ')}`).toHaveLength(1);
    return found[0]!;
  };

  // Spans of different processes are placed by each one's clock, to the millisecond.
  const expectWithin = (inner: CollectedSpan, outer: CollectedSpan) => {
    const slack = 2_000_000n;
    expect(inner.startNanos, `${inner.name} starts within ${outer.name}`).toBeGreaterThanOrEqual(outer.startNanos - slack);
    expect(inner.endNanos, `${inner.name} ends within ${outer.name}`).toBeLessThanOrEqual(outer.endNanos + slack);
    expect(inner.endNanos).toBeGreaterThan(inner.startNanos);
  };

  beforeAll(async () => {
    collector = await startOtlpCollector();
    const upstreamDir = await writeTempFiles({ 'mcp-serve.config.mjs': `export default { name: 'upstream', tools: './tools.mjs' };`, 'tools.mjs': TOOLS });
    // An HTTP upstream traced by --otel; the stdio one by the standard environment.
    upstream = await startServe(['--otel', collector.url], { cwd: upstreamDir, env: { OTEL_SERVICE_NAME: 'upstream-http', OTEL_BSP_SCHEDULE_DELAY: '100' } });
    const stdioEnv = JSON.stringify(otelEnv('upstream-stdio'));
    const gatewayDir = await writeTempFiles({
      'mcp-serve.config.mjs': `export default { name: 'gateway', servers: {
        local: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(SERVE_BIN)}, '--stdio', '--config', ${JSON.stringify(join(upstreamDir, 'mcp-serve.config.mjs'))}], env: ${stdioEnv} },
        remote: { url: ${JSON.stringify(`${upstream.url}/mcp`)} },
      } };`,
    });
    gateway = await startServe([], { cwd: gatewayDir, env: otelEnv('gateway') });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
    await collector?.close();
  });

  // The HTTP upstream's spans come as protobuf: found by their bytes (trace id, parent id, names).
  const inProtobuf = (...parts: Buffer[]) => collector.protobufBodies.some((body) => parts.every((part) => body.includes(part)));

  it.each([
    ['stdio', 'local_echo', 'upstream-stdio', 'pipe'],
    ['HTTP', 'remote_echo', 'upstream-http', 'tcp'],
  ])('holds the job, mcp-call, the gateway and a %s upstream in one trace', async (_kind, tool, upstreamService, transport) => {
    const traceId = tool === 'local_echo' ? JOB_TRACE : JOB_TRACE.replace(/^4/, '5');
    const result = await runCall(['--url', `${gateway.url}/mcp`, tool, '--text', 'hi'], { env: { ...otelEnv('mcp-call'), TRACEPARENT: `00-${traceId}-${JOB_SPAN}-01` } });
    expect(result.stdout).toBe('hi\n');
    const viaHttp = upstreamService === 'upstream-http';
    const spans = inTrace(traceId)(await collector.waitFor((all) => inTrace(traceId)(all).some((span) => (viaHttp ? span.service === 'gateway' && span.kind === 3 : span.service === upstreamService))));
    const client = one(spans, { service: 'mcp-call', name: `tools/call ${tool}` });
    expect(client).toMatchObject({ kind: 3, parentSpanId: JOB_SPAN });
    const served = one(spans, { service: 'gateway', name: `tools/call ${tool}` });
    expect(served).toMatchObject({ kind: 2, parentSpanId: client.spanId, statusCode: 0 });
    // mcp-call speaks 2026-07-28 to a server that does: no session.
    expect(served.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': tool, 'mcp.protocol.version': '2026-07-28', 'network.transport': 'tcp' });
    const forwarded = one(spans, { service: 'gateway', name: 'tools/call echo' });
    expect(forwarded).toMatchObject({ kind: 3, parentSpanId: served.spanId });
    expect(forwarded.attributes['mcp_serve.upstream']).toBe(tool.split('_')[0]);
    if (viaHttp) {
      const bytes = (hex: string) => Buffer.from(hex, 'hex');
      await expect.poll(() => inProtobuf(bytes(traceId), bytes(forwarded.spanId), Buffer.from('tools/call echo'), Buffer.from(upstreamService)), { timeout: 20_000 }).toBe(true);
      return;
    }
    const upstreamSpan = one(spans, { service: upstreamService, name: 'tools/call echo' });
    expect(upstreamSpan).toMatchObject({ kind: 2, parentSpanId: forwarded.spanId });
    // A server span is made after its request ends, as it was: within the call that caused it.
    expectWithin(upstreamSpan, forwarded);
    expectWithin(served, client);
    expect(upstreamSpan.attributes['network.transport']).toBe(transport);
  });

  it('says in the banner where traces go', () => {
    expect(gateway.stderr()).toContain('traces           OpenTelemetry, to OTEL_EXPORTER_OTLP_ENDPOINT');
    expect(upstream.stderr()).toContain(`traces           OpenTelemetry, to ${collector.url}`);
  });

  it('continues a traceparent sent as an HTTP header, and marks a failed call', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const client = await connectSdkClient(gateway.url, 'http', {}, { traceparent: `00-${traceId}-b7ad6b7169203331-01` });
    const result = await client.callTool({ name: 'local_broken', arguments: {} });
    expect(result.isError).toBe(true);
    await client.close();
    const spans = inTrace(traceId)(await collector.waitFor((all) => inTrace(traceId)(all).some((span) => span.service === 'upstream-stdio' && span.name === 'tools/call broken')));
    const served = one(spans, { service: 'gateway', name: 'tools/call local_broken' });
    expect(served).toMatchObject({ parentSpanId: 'b7ad6b7169203331', statusCode: 2 });
    expect(served.attributes).toMatchObject({ 'error.type': 'tool_error', 'mcp.protocol.version': '2025-11-25', 'mcp.session.id': expect.any(String) });
    expect(one(spans, { service: 'upstream-stdio', name: 'tools/call broken' }).statusCode).toBe(2);
  });

  it('passes a --traceparent on as it is when mcp-call has no collector, and refuses a malformed one', async () => {
    const traceId = 'a'.repeat(32);
    const given = `00-${traceId}-${'b'.repeat(16)}-01`;
    expect((await runCall(['--url', `${gateway.url}/mcp`, '--traceparent', given, 'remote_echo', '--text', 'x'])).stdout).toBe('x\n');
    const spans = inTrace(traceId)(await collector.waitFor((all) => inTrace(traceId)(all).some((span) => span.service === 'gateway' && span.kind === 3)));
    expect(spans.some((span) => span.service === 'mcp-call')).toBe(false);
    expect(one(spans, { service: 'gateway', name: 'tools/call remote_echo' }).parentSpanId).toBe('b'.repeat(16));

    const refused = await runCall(['--url', `${gateway.url}/mcp`, '--traceparent', 'not-a-trace', 'remote_echo', '--text', 'x']);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toEqual([expect.stringContaining('Invalid --traceparent "not-a-trace"')]);
  });
});
