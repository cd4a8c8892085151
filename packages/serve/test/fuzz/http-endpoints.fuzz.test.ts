import { Agent, request } from 'node:http';

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { builtinHello } from '../../src/builtin/hello.ts';
import { resolveConfig } from '../../src/config/resolve-config.ts';
import { buildRegistry } from '../../src/server/registry.ts';
import { type ServerHandle, startServer } from '../../src/start-server.ts';

// Thousands of generated requests against every endpoint: no 5xx, no hang, and the server still
// answers a real call afterwards.
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);

interface Sent {
  status: number;
  ms: number;
}

function send(url: string, method: string, headers: Record<string, string>, body: Buffer | undefined): Promise<Sent> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      // Streams stay open by design: the headers are the answer.
      if (String(res.headers['content-type']).includes('text/event-stream')) res.destroy();
      else res.resume();
      resolve({ status: res.statusCode ?? 0, ms: Date.now() - started });
    });
    req.setTimeout(3000, () => req.destroy(new Error(`no answer to ${method} ${url} within 3 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

const jsonRpcish = fc.oneof(
  fc.record({
    jsonrpc: fc.constantFrom('2.0', '1.0', 2),
    id: fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.object()),
    method: fc.oneof(
      fc.constantFrom('initialize', 'ping', 'tools/list', 'tools/call', 'resources/read', 'prompts/get', 'logging/setLevel', 'completion/complete', 'notifications/initialized', 'notifications/cancelled'),
      fc.string(),
    ),
    params: fc.oneof(fc.constant(undefined), fc.jsonValue(), fc.record({ name: fc.oneof(fc.constant('greet'), fc.string()), arguments: fc.jsonValue() })),
  }, { requiredKeys: [] }),
  fc.jsonValue(),
);

const body = fc.oneof(
  jsonRpcish.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.array(jsonRpcish, { maxLength: 4 }).map((v) => Buffer.from(JSON.stringify(v))),
  fc.string().map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
);

describe('HTTP endpoint fuzzing', () => {
  let handle: ServerHandle;
  let sessionId = '';
  beforeAll(async () => {
    const config = await resolveConfig([{ config: { port: 0, limits: { maxBodyBytes: 4096 } }, baseDir: process.cwd() }]);
    handle = await startServer({ config, registry: buildRegistry(builtinHello()) });
    const init = await fetch(handle.urls.mcp, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'f', version: '1' } } }),
    });
    sessionId = init.headers.get('mcp-session-id') ?? '';
    await init.text();
  });
  afterAll(async () => {
    await handle.close();
  });

  it(`answers ${RUNS} generated requests without a 5xx or a hang`, { timeout: 300_000 }, async () => {
    let slowest = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'POST', 'POST', 'DELETE', 'PUT', 'OPTIONS'),
        fc.constantFrom('/mcp', '/mcp', '/messages', '/messages?sessionId=', '/health', '/sse', '/x', '/mcp?x=%ff'),
        fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', ''),
        fc.constantFrom('valid', 'random', 'none'),
        fc.option(fc.string({ maxLength: 20 })),
        body,
        async (method, path, contentType, session, origin, payload) => {
          const headers: Record<string, string> = { accept: 'application/json, text/event-stream' };
          if (contentType) headers['content-type'] = contentType;
          if (session === 'valid') headers['mcp-session-id'] = sessionId;
          if (session === 'random') headers['mcp-session-id'] = 'x'.repeat(5);
          if (origin !== null) headers.origin = origin;
          const url = `${handle.url}${path === '/messages?sessionId=' ? `${path}${session === 'valid' ? 'bogus' : ''}` : path}`;
          // Node's client frames GET/DELETE/OPTIONS bodies only with an explicit length.
          if (method !== 'GET') headers['content-length'] = String(payload.length);
          const result = await send(url, method, headers, method === 'GET' ? undefined : payload);
          slowest = Math.max(slowest, result.ms);
          expect(result.status).toBeGreaterThanOrEqual(200);
          expect(result.status).toBeLessThan(500);
        },
      ),
      { numRuns: RUNS },
    );
    const health = await fetch(`${handle.url}/health`);
    expect(health.status).toBe(200);
    expect(slowest).toBeLessThan(3000);
  });
});
