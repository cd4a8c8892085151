import { REPO_ROOT, startServe, type ServeProcess } from '@mcp-cli/test-utils';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  ProgressNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectSdkClient, TRANSPORTS } from './sdk-client.ts';

// Handler context features and content types, through the built mcp-serve and the SDK's client.
describe.each(TRANSPORTS)('handler context and content over %s', (transport) => {
  let server: ServeProcess;
  beforeAll(async () => {
    server = await startServe(['--config', `${REPO_ROOT}examples/conformance/mcp-serve.config.ts`]);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('sends log messages during the call, filtered by logging/setLevel', async () => {
    const client = await connectSdkClient(server.url, transport);
    const seen: string[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void seen.push(String(n.params.data)));
    await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
    expect(seen).toEqual(['Tool execution started', 'Tool processing data', 'Tool execution completed']);
    await client.setLoggingLevel('error');
    seen.length = 0;
    await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
    expect(seen).toEqual([]);
    await client.close();
  });

  it('asks the user to visit a URL and says when the step is done (URL-mode elicitation)', async () => {
    const client = await connectSdkClient(server.url, transport, { elicitation: { url: {} } });
    const asked: Record<string, unknown>[] = [];
    const completed: unknown[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params);
      return { action: 'accept' };
    });
    client.fallbackNotificationHandler = async (notification) => {
      if (notification.method === 'notifications/elicitation/complete') completed.push(notification.params?.elicitationId);
    };
    const result = await client.callTool({ name: 'test_url_elicitation', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'URL step accept' }]);
    expect(asked[0]).toMatchObject({ mode: 'url', message: 'Sign in to continue', url: 'https://example.com/login' });
    expect(completed).toEqual([asked[0]!.elicitationId]);
    // A client that takes only form elicitation is not asked; the tool reports why.
    const formOnly = await connectSdkClient(server.url, transport, { elicitation: {} });
    const refused = await formOnly.callTool({ name: 'test_url_elicitation', arguments: {} });
    expect(refused).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('URL-mode elicitation') }] });
    await Promise.all([client.close(), formOnly.close()]);
  });

  it('checks prompt arguments against a zod input, and lists them from it', async () => {
    const client = await connectSdkClient(server.url, transport);
    const listed = (await client.listPrompts()).prompts.find((p) => p.name === 'test_prompt_with_checked_arguments');
    expect(listed?.arguments).toEqual([
      { name: 'topic', description: 'What to write about', required: true },
      { name: 'words', description: 'Length of the text', required: false },
    ]);
    const got = await client.getPrompt({ name: 'test_prompt_with_checked_arguments', arguments: { topic: 'tides', words: '50' } });
    expect(got.messages[0]!.content).toEqual({ type: 'text', text: 'Write 50 words about tides.' });
    const defaulted = await client.getPrompt({ name: 'test_prompt_with_checked_arguments', arguments: { topic: 'tides' } });
    expect(defaulted.messages[0]!.content).toEqual({ type: 'text', text: 'Write 100 words about tides.' });
    await expect(client.getPrompt({ name: 'test_prompt_with_checked_arguments', arguments: { topic: 'tides', words: 'many' } })).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('words') });
    await client.close();
  });

  it('sends tools with a sampling request only to a client that declares sampling.tools', async () => {
    const withTools = await connectSdkClient(server.url, transport, { sampling: { tools: {} } });
    const asked: Record<string, unknown>[] = [];
    withTools.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      asked.push(request.params);
      return { role: 'assistant', model: 'fake', content: { type: 'text', text: 'Sunny' } };
    });
    expect((await withTools.callTool({ name: 'test_sampling_with_tools', arguments: {} })).content).toEqual([{ type: 'text', text: 'Model fake answered' }]);
    expect(asked[0]).toMatchObject({ tools: [{ name: 'get_weather' }], toolChoice: { mode: 'auto' } });
    const plain = await connectSdkClient(server.url, transport, { sampling: {} });
    plain.setRequestHandler(CreateMessageRequestSchema, async () => ({ role: 'assistant', model: 'fake', content: { type: 'text', text: 'x' } }));
    const refused = await plain.callTool({ name: 'test_sampling_with_tools', arguments: {} });
    expect(refused).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('sampling.tools') }] });
    await Promise.all([withTools.close(), plain.close()]);
  });

  it('reports progress against the request progress token', async () => {
    const client = await connectSdkClient(server.url, transport);
    const progress: number[] = [];
    // Collect at the notification level: the SDK client drops a progress notification that
    // arrives in the same chunk as the result (its notification handlers run a microtask later).
    client.setNotificationHandler(ProgressNotificationSchema, (n) => void progress.push(n.params.progress));
    const result = await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, {
      onprogress: () => undefined,
    });
    expect(progress).toEqual([0, 50, 100]);
    expect(result.content).toEqual([{ type: 'text', text: 'Tool with progress executed successfully' }]);
    await client.close();
  });

  it('awaits sampling and elicitation answers from the client', async () => {
    const client = await connectSdkClient(server.url, transport, { sampling: {}, elicitation: {} });
    client.setRequestHandler(CreateMessageRequestSchema, () => ({ role: 'assistant', model: 'm', content: { type: 'text', text: '42' } }));
    client.setRequestHandler(ElicitRequestSchema, (request) => ({
      action: 'accept',
      content: { username: String(request.params.message), email: 'a@b.c' },
    }));
    expect((await client.callTool({ name: 'test_sampling', arguments: { prompt: 'q' } })).content).toEqual([
      { type: 'text', text: 'LLM response: 42' },
    ]);
    expect((await client.callTool({ name: 'test_elicitation', arguments: { message: 'who' } })).content).toEqual([
      { type: 'text', text: 'User response: action=accept, content={"username":"who","email":"a@b.c"}' },
    ]);
    await client.close();
  });

  it('returns image, audio, embedded resource and mixed content', async () => {
    const client = await connectSdkClient(server.url, transport);
    expect((await client.callTool({ name: 'test_image_content', arguments: {} })).content).toMatchObject([{ type: 'image', mimeType: 'image/png' }]);
    expect((await client.callTool({ name: 'test_audio_content', arguments: {} })).content).toMatchObject([{ type: 'audio', mimeType: 'audio/wav' }]);
    expect((await client.callTool({ name: 'test_embedded_resource', arguments: {} })).content).toMatchObject([
      { type: 'resource', resource: { uri: 'test://embedded-resource', text: 'This is an embedded resource content.' } },
    ]);
    const mixed = (await client.callTool({ name: 'test_multiple_content_types', arguments: {} })).content as { type: string }[];
    expect(mixed.map((p) => p.type)).toEqual(['text', 'image', 'resource']);
    await client.close();
  });

  it('lists a raw draft 2020-12 input schema verbatim and validates against it', async () => {
    const client = await connectSdkClient(server.url, transport);
    const tool = (await client.listTools()).tools.find((t) => t.name === 'json_schema_2020_12_tool');
    expect(tool?.inputSchema).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: { address: { $anchor: 'address', type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } },
      properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
      additionalProperties: false,
      allOf: [{ anyOf: [{ required: ['name'] }, { required: ['address'] }, { maxProperties: 0 }] }],
      if: { properties: { name: { const: 'with address' } }, required: ['name'] },
      then: { required: ['address'] },
      else: true,
    });
    const rejected = await client.callTool({ name: 'json_schema_2020_12_tool', arguments: { name: 'x', extra: 1 } });
    expect(rejected).toMatchObject({ isError: true, content: [{ text: 'Invalid arguments for tool "json_schema_2020_12_tool": unknown argument "extra"' }] });
    // The conditional keywords are enforced, not only listed.
    const conditional = await client.callTool({ name: 'json_schema_2020_12_tool', arguments: { name: 'with address' } });
    expect(conditional).toMatchObject({ isError: true });
    expect((conditional.content as { text: string }[])[0]!.text).toContain('address');
    const accepted = await client.callTool({ name: 'json_schema_2020_12_tool', arguments: { name: 'with address', address: { city: 'Oslo' } } });
    expect(accepted.isError).toBeFalsy();
    await client.close();
  });

  it('reads templates, completes their variables and prompt arguments', async () => {
    const client = await connectSdkClient(server.url, transport);
    expect((await client.readResource({ uri: 'test://template/123/data' })).contents[0]).toMatchObject({
      text: '{"id":"123","templateTest":true,"data":"Data for ID: 123"}',
    });
    const templateCompletion = await client.complete({
      ref: { type: 'ref/resource', uri: 'test://template/{id}/data' },
      argument: { name: 'id', value: '1' },
    });
    expect(templateCompletion.completion.values).toEqual(['1', '123']);
    await expect(client.readResource({ uri: 'test://nope' })).rejects.toThrow(/Resource not found/);
    await client.close();
  });
});

describe('resource subscriptions', () => {
  it('sends notifications/resources/updated from the module to subscribers only', async () => {
    const server = await startServe(['--config', `${REPO_ROOT}packages/call/test/fixtures/kitchen-sink/mcp-serve.config.mjs`]);
    const client = await connectSdkClient(server.url, 'http');
    const updated = new Promise<string>((resolve) => {
      client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => resolve(n.params.uri));
    });
    await client.subscribeResource({ uri: 'test://counter' });
    expect(await updated).toBe('test://counter');
    await client.unsubscribeResource({ uri: 'test://counter' });
    await client.close();
    await server.stop();
  });
});
