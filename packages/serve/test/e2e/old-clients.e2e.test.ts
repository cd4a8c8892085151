import { initializeRaw, MCP_POST_HEADERS, rawRequest, REPO_ROOT, startServe, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The result of a call in a raw session, from a JSON or an event-stream body. */
function resultOf(text: string): Record<string, unknown> {
  const json = text.trimStart().startsWith('{') ? text : text.split('\n').filter((l) => l.startsWith('data: ')).at(-1)!.slice(6);
  return (JSON.parse(json) as { result: Record<string, unknown> }).result;
}

// Old clients reject a whole result that holds a content type their version lacks (the SDK 1.0.x
// client rejects audio and resource_link, 1.10.x resource_link): mcp-serve gives them types they have.
describe('content for clients of earlier protocol versions', () => {
  let server: ServeProcess;
  beforeAll(async () => {
    server = await startServe(['--config', `${REPO_ROOT}examples/conformance/mcp-serve.config.ts`]);
  });
  afterAll(async () => {
    await server.stop();
  });

  const call = async (version: string, name: string) => {
    const session = await initializeRaw(`${server.url}/mcp`, { version });
    return resultOf((await session.post({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } })).text);
  };

  it('turns a resource link into text before 2025-06-18, and keeps it from 2025-06-18 on', async () => {
    expect((await call('2025-03-26', 'test_resource_link')).content).toEqual([{ type: 'text', text: 'Resource readme at test://static-text: The static text resource' }]);
    expect((await call('2025-06-18', 'test_resource_link')).content).toEqual([{ type: 'resource_link', uri: 'test://static-text', name: 'readme', description: 'The static text resource' }]);
  });

  it('turns audio into an embedded resource with the same bytes under 2024-11-05, and keeps it from 2025-03-26 on', async () => {
    const [legacy] = (await call('2024-11-05', 'test_audio_content')).content as { type: string; resource: { mimeType: string; blob: string } }[];
    expect(legacy).toMatchObject({ type: 'resource', resource: { uri: 'audio:attachment-1', mimeType: 'audio/wav' } });
    const [current] = (await call('2025-03-26', 'test_audio_content')).content as { type: string; data: string }[];
    expect(current!.type).toBe('audio');
    expect(legacy!.resource.blob).toBe(current!.data);
  });

  it('shapes results for the version a request names in its header under --stateless, where there is no session', async () => {
    const stateless = await startServe(['--config', `${REPO_ROOT}examples/conformance/mcp-serve.config.ts`, '--stateless']);
    try {
      const post = async (version: string | undefined) =>
        resultOf(
          (
            await rawRequest(`${stateless.url}/mcp`, {
              method: 'POST',
              headers: { ...MCP_POST_HEADERS, ...(version ? { 'mcp-protocol-version': version } : {}) },
              body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'test_resource_link', arguments: {} } }),
            })
          ).text,
        );
      expect((await post('2025-03-26')).content).toEqual([{ type: 'text', text: 'Resource readme at test://static-text: The static text resource' }]);
      expect((await post(undefined)).content).toEqual([{ type: 'text', text: 'Resource readme at test://static-text: The static text resource' }]);
      expect((await post('2025-06-18')).content).toEqual([{ type: 'resource_link', uri: 'test://static-text', name: 'readme', description: 'The static text resource' }]);
    } finally {
      await stateless.stop();
    }
  });
});
