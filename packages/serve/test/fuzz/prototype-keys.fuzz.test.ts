import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { resolveConfig } from '../../src/config/resolve-config.ts';
import { loadRegistry } from '../../src/load-registry.ts';
import { type ServerHandle, startServer } from '../../src/start-server.ts';

// Every lookup keyed by client input must use own properties: names that exist on
// Object.prototype must be treated like any other unknown name, by every method.
const PROTO_KEYS = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__', 'propertyIsEnumerable', 'toLocaleString'];
const FIXTURE_DIR = new URL('../fixtures/hostile/', import.meta.url).pathname;

type Answer = { result?: Record<string, unknown>; error?: { code: number; message: string } };

describe('keys from client input that name Object.prototype members', () => {
  let handle: ServerHandle;
  let sessionId = '';
  let nextId = 1;
  const rpc = async (method: string, params: unknown): Promise<Answer> => {
    const res = await fetch(handle.urls.mcp, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
      // Built as text so "__proto__" is a real key of the JSON, not a prototype.
      body: `{"jsonrpc":"2.0","id":${nextId++},"method":${JSON.stringify(method)},"params":${JSON.stringify(params).replaceAll('"PROTO_KEY"', '"__proto__"')}}`,
    });
    return (await res.json()) as Answer;
  };

  beforeAll(async () => {
    const config = await resolveConfig([{ config: { port: 0, tools: './tools.mjs', prompts: './prompts.mjs', resources: './resources.mjs' }, baseDir: FIXTURE_DIR }]);
    handle = await startServer({ config, registry: await loadRegistry(config) });
    const init = await fetch(handle.urls.mcp, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'p', version: '1' } } }),
    });
    sessionId = init.headers.get('mcp-session-id') ?? '';
  });
  afterAll(async () => {
    await handle.close();
  });

  it('answers every method with a well-formed result or a clear error', { timeout: 60_000 }, async () => {
    const key = fc.constantFrom(...PROTO_KEYS.map((k) => (k === '__proto__' ? 'PROTO_KEY' : k)));
    const request = fc.oneof(
      key.map((k) => ['tools/call', { name: k, arguments: {} }] as const),
      key.map((k) => ['tools/call', { name: 'echo', arguments: { [k]: 'x' } }] as const),
      key.map((k) => ['prompts/get', { name: k, arguments: {} }] as const),
      key.map((k) => ['prompts/get', { name: 'pick', arguments: { [k]: 'red' } }] as const),
      key.map((k) => ['completion/complete', { ref: { type: 'ref/prompt', name: 'pick' }, argument: { name: k, value: '' } }] as const),
      key.map((k) => ['completion/complete', { ref: { type: 'ref/prompt', name: k }, argument: { name: 'colour', value: '' } }] as const),
      key.map((k) => ['completion/complete', { ref: { type: 'ref/prompt', name: 'pick' }, argument: { name: 'colour', value: 'r' }, context: { arguments: { [k]: 'x' } } }] as const),
      key.map((k) => ['completion/complete', { ref: { type: 'ref/resource', uri: k }, argument: { name: k, value: '' } }] as const),
      key.map((k) => ['resources/read', { uri: k }] as const),
      key.map((k) => ['resources/subscribe', { uri: k }] as const),
      key.map((k) => ['logging/setLevel', { level: k }] as const),
      key.map((k) => [k, {}] as const),
    );
    await fc.assert(
      fc.asyncProperty(request, async ([method, params]) => {
        const answer = await rpc(method, params);
        const text = JSON.stringify(answer);
        // Nothing from Object.prototype leaks: no function sources, no "[object Object]".
        expect(text).not.toMatch(/native code|\[object |is not a function|Cannot read prop/);
        if (answer.error) {
          expect([-32601, -32602, -32002, -32600]).toContain(answer.error.code);
          return;
        }
        if (method === 'completion/complete') {
          const values = (answer.result!.completion as { values: unknown }).values;
          expect(Array.isArray(values)).toBe(true);
          expect((values as unknown[]).every((v) => typeof v === 'string')).toBe(true);
        }
        if (method === 'prompts/get') expect(Array.isArray(answer.result!.messages)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
