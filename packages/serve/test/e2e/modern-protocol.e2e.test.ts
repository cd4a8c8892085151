import { REPO_ROOT, startServe, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectSdkClient } from './sdk-client.ts';

const VERSION = '2026-07-28';
const META = {
  'io.modelcontextprotocol/protocolVersion': VERSION,
  'io.modelcontextprotocol/clientInfo': { name: 'e2e', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

interface Reply {
  status: number;
  contentType: string;
  /** Every JSON-RPC message of the body: one for JSON, each event's data for an event stream. */
  messages: { id?: unknown; method?: string; params?: Record<string, unknown>; result?: Record<string, unknown>; error?: { code: number; message: string; data?: Record<string, unknown> } }[];
}

// Protocol 2026-07-28 on /mcp, through the built mcp-serve with raw requests: no initialize, the
// client described in every request's _meta, the headers that mirror the body, and its errors.
describe('protocol 2026-07-28 on /mcp', () => {
  let server: ServeProcess;
  beforeAll(async () => {
    server = await startServe(['--config', `${REPO_ROOT}examples/conformance/mcp-serve.config.ts`]);
  });
  afterAll(async () => {
    await server.stop();
  });

  const post = async (method: string, params: Record<string, unknown>, headers: Record<string, string> = {}, id: number | string = 1): Promise<Reply> => {
    const name = typeof params.name === 'string' ? params.name : typeof params.uri === 'string' ? params.uri : undefined;
    const response = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': VERSION,
        'mcp-method': method,
        ...(name === undefined ? {} : { 'mcp-name': name }),
        ...headers,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
    });
    const contentType = response.headers.get('content-type') ?? '';
    const text = await response.text();
    const messages = contentType.includes('text/event-stream')
      ? text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => JSON.parse(line.slice(6)))
      : [JSON.parse(text)];
    return { status: response.status, contentType, messages };
  };

  it('answers server/discover with its versions, capabilities and identity, and no session', async () => {
    const reply = await post('server/discover', { _meta: META });
    expect(reply.status).toBe(200);
    const result = reply.messages[0]!.result!;
    expect(result.resultType).toBe('complete');
    expect(result.supportedVersions).toEqual(expect.arrayContaining([VERSION, '2025-11-25']));
    expect(result.capabilities).toMatchObject({ tools: {}, prompts: {}, resources: {} });
    expect((result._meta as Record<string, { name: string }>)['io.modelcontextprotocol/serverInfo']!.name).toBe('mcp-serve-conformance');
    expect(result).toMatchObject({ ttlMs: 0, cacheScope: 'public' });
  });

  it('calls a tool and lists with caching hints, each request on its own', async () => {
    const call = await post('tools/call', { name: 'test_simple_text', arguments: {}, _meta: META });
    expect(call.status).toBe(200);
    // Exactly: the handler's fields, then the type and the server's identity (spliced into its JSON).
    expect(call.messages[0]!.result).toEqual({
      content: [{ type: 'text', text: 'This is a simple text response for testing.' }],
      resultType: 'complete',
      _meta: { 'io.modelcontextprotocol/serverInfo': expect.objectContaining({ name: 'mcp-serve-conformance' }) },
    });
    expect(Object.keys(call.messages[0]!.result!)).toEqual(['content', 'resultType', '_meta']);
    const list = await post('tools/list', { _meta: META }, {}, 'list-1');
    expect(list.messages[0]).toMatchObject({ id: 'list-1', result: { resultType: 'complete', ttlMs: 0, cacheScope: 'public' } });
    expect((list.messages[0]!.result!.tools as unknown[]).length).toBeGreaterThan(5);
    expect(Object.keys(list.messages[0]!.result!)).toEqual(['ttlMs', 'cacheScope', 'tools', 'resultType', '_meta']);
  });

  it('refuses missing metadata with -32602, and a header that does not mirror the body with -32020, both HTTP 400', async () => {
    const missing = await post('tools/list', {}, {}, 7);
    expect(missing.status).toBe(400);
    expect(missing.messages[0]).toMatchObject({ id: 7, error: { code: -32602 } });
    expect(missing.messages[0]!.error!.message).toContain('_meta');
    const wrongName = await post('tools/call', { name: 'test_simple_text', arguments: {}, _meta: META }, { 'mcp-name': 'test_error_handling' }, 8);
    expect(wrongName.status).toBe(400);
    expect(wrongName.messages[0]).toMatchObject({ id: 8, error: { code: -32020 } });
    const encoded = await post('tools/call', { name: 'test_simple_text', arguments: {}, _meta: META }, { 'mcp-name': `=?base64?${Buffer.from('test_simple_text').toString('base64')}?=` });
    expect(encoded.status).toBe(200);
    const wrongMethod = await post('tools/list', { _meta: META }, { 'mcp-method': 'prompts/list' });
    expect(wrongMethod.messages[0]!.error!.code).toBe(-32020);
  });

  it('checks the Mcp-Param headers a tool declares with x-mcp-header against its arguments', async () => {
    const params = { name: 'test_header_params', arguments: { region: 'us-west1', query: 'select 1' }, _meta: META };
    expect((await post('tools/call', params, { 'mcp-param-region': 'us-west1' })).messages[0]!.result).toMatchObject({ content: [{ text: 'Ran select 1 in us-west1' }] });
    const encoded = `=?base64?${Buffer.from('us-west1').toString('base64')}?=`;
    expect((await post('tools/call', params, { 'mcp-param-region': encoded })).status).toBe(200);
    const missing = await post('tools/call', params);
    expect(missing.status).toBe(400);
    expect(missing.messages[0]!.error).toMatchObject({ code: -32020 });
    expect(missing.messages[0]!.error!.message).toContain('Mcp-Param-Region');
    const different = await post('tools/call', params, { 'mcp-param-region': 'eu-north1' });
    expect(different.messages[0]!.error!.code).toBe(-32020);
    const badBase64 = await post('tools/call', params, { 'mcp-param-region': '=?base64?SGVs!!!bG8=?=' });
    expect(badBase64.messages[0]!.error!.code).toBe(-32020);
  });

  it('names its versions when a request asks for one it does not speak', async () => {
    const reply = await post('tools/list', { _meta: { ...META, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } }, { 'mcp-protocol-version': '2099-01-01' }, 9);
    expect(reply.status).toBe(400);
    expect(reply.messages[0]).toMatchObject({ id: 9, error: { code: -32022, data: { requested: '2099-01-01' } } });
    expect(reply.messages[0]!.error!.data!.supported).toEqual(expect.arrayContaining([VERSION, '2025-11-25']));
  });

  it('answers the methods 2026-07-28 removed, and unknown ones, with 404 and -32601', async () => {
    for (const method of ['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'no/such/method']) {
      const reply = await post(method, { _meta: META });
      expect(reply.status, method).toBe(404);
      expect(reply.messages[0]!.error!.code, method).toBe(-32601);
    }
  });

  it('sends log messages only to a request whose _meta sets a log level', async () => {
    const silent = await post('tools/call', { name: 'test_logging_tool', arguments: {}, _meta: META });
    expect(silent.messages.filter((m) => m.method === 'notifications/message')).toEqual([]);
    const chatty = await post('tools/call', { name: 'test_logging_tool', arguments: {}, _meta: { ...META, 'io.modelcontextprotocol/logLevel': 'warning' } });
    expect(chatty.contentType).toContain('text/event-stream');
    expect(chatty.messages.filter((m) => m.method === 'notifications/message').map((m) => m.params!.data)).toEqual(['second log message', 'third log message']);
    expect(chatty.messages.at(-1)!.result!.resultType).toBe('complete');
  });

  it('asks the client through input-required results, round after round, and completes with the answers', async () => {
    const caps = { ...META, 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };
    const params = { name: 'test_input_required_result_multi_round', arguments: {} };
    const first = (await post('tools/call', { ...params, _meta: caps })).messages[0]!.result!;
    expect(first).toMatchObject({ resultType: 'input_required', inputRequests: { step1: { method: 'elicitation/create' } } });
    expect(typeof first.requestState).toBe('string');
    const second = (await post('tools/call', { ...params, _meta: caps, inputResponses: { step1: { action: 'accept', content: { name: 'Ada' } } }, requestState: first.requestState })).messages[0]!.result!;
    expect(second).toMatchObject({ resultType: 'input_required', inputRequests: { step2: { method: 'elicitation/create' } } });
    expect(Object.keys(second.inputRequests as object)).toEqual(['step2']);
    const last = (await post('tools/call', { ...params, _meta: caps, inputResponses: { step2: { action: 'accept', content: { color: 'green' } } }, requestState: second.requestState })).messages[0]!.result!;
    expect(last).toMatchObject({ resultType: 'complete', content: [{ type: 'text', text: 'Ada likes green' }] });
  });

  it('refuses a request state that was changed, or presented for another request or by another client', async () => {
    const caps = { ...META, 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };
    const params = { name: 'test_input_required_result_elicitation', arguments: {} };
    const state = String((await post('tools/call', { ...params, _meta: caps })).messages[0]!.result!.requestState);
    const answer = { user_name: { action: 'accept', content: { name: 'Ada' } } };
    const tampered = `${state.slice(0, 10)}${state[10] === 'A' ? 'B' : 'A'}${state.slice(11)}`;
    const changed = await post('tools/call', { ...params, _meta: caps, inputResponses: answer, requestState: tampered });
    expect(changed.messages[0]!.error).toMatchObject({ code: -32602 });
    expect(changed.messages[0]!.error!.message).toContain('integrity');
    const otherRequest = await post('tools/call', { name: 'test_input_required_result_tampered_state', arguments: {}, _meta: caps, inputResponses: answer, requestState: state });
    expect(otherRequest.messages[0]!.error!.message).toContain('another request');
    const otherClient = await post('tools/call', { ...params, _meta: caps, inputResponses: answer, requestState: state }, { authorization: 'Bearer someone-else' });
    expect(otherClient.messages[0]!.error!.message).toContain('another client');
    const honest = await post('tools/call', { ...params, _meta: caps, inputResponses: answer, requestState: state });
    expect(honest.messages[0]!.result).toMatchObject({ resultType: 'complete', content: [{ text: 'Hello, Ada!' }] });
  });

  it('asks several questions in one round, and only those the client declared', async () => {
    const all = { ...META, 'io.modelcontextprotocol/clientCapabilities': { elicitation: {}, sampling: {}, roots: {} } };
    const several = (await post('tools/call', { name: 'test_input_required_result_multiple_inputs', arguments: {}, _meta: all })).messages[0]!.result!;
    expect(Object.keys(several.inputRequests as object).sort()).toEqual(['client_roots', 'greeting', 'user_name']);
    const onlySampling = { ...META, 'io.modelcontextprotocol/clientCapabilities': { sampling: {} } };
    const asked = (await post('tools/call', { name: 'test_input_required_result_capabilities', arguments: {}, _meta: onlySampling })).messages[0]!.result!;
    expect(Object.values(asked.inputRequests as Record<string, { method: string }>).map((r) => r.method)).toEqual(['sampling/createMessage']);
  });

  it('runs a task tool as a task for a client that declares the extension, polled to its result, and hidden from other clients', async () => {
    const tasksMeta = { ...META, 'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } } };
    const created = (await post('tools/call', { name: 'slow_compute', arguments: { seconds: 0.2 }, _meta: tasksMeta })).messages[0]!.result!;
    expect(created).toMatchObject({ resultType: 'task', status: 'working', ttlMs: 3_600_000, pollIntervalMs: 500 });
    const taskId = String(created.taskId);
    const get = (meta: Record<string, unknown> = tasksMeta, headers: Record<string, string> = {}) => post('tasks/get', { taskId, _meta: meta }, { 'mcp-name': taskId, ...headers });
    expect((await get()).messages[0]!.result).toMatchObject({ resultType: 'complete', taskId, status: 'working' });
    // Another credential, or a client without the extension, cannot read it.
    expect((await get(tasksMeta, { authorization: 'Bearer another-client' })).messages[0]!.error).toMatchObject({ code: -32602 });
    const undeclared = await get(META);
    expect(undeclared.status).toBe(400);
    expect(undeclared.messages[0]!.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } } });
    let detailed: Record<string, unknown> = {};
    for (let i = 0; i < 50 && detailed.status !== 'completed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      detailed = (await get()).messages[0]!.result!;
    }
    expect(detailed).toMatchObject({ status: 'completed', result: { content: [{ type: 'text', text: 'Computed after 0.2 s' }] } });
    // Without the extension the same tool answers at once; a tool that requires a task is refused.
    expect((await post('tools/call', { name: 'slow_compute', arguments: { seconds: 0.05 }, _meta: META })).messages[0]!.result).toMatchObject({ resultType: 'complete' });
    const required = await post('tools/call', { name: 'failing_job', arguments: {}, _meta: META });
    expect(required.status).toBe(400);
    expect(required.messages[0]!.error!.code).toBe(-32021);
  });

  it('asks the questions of a task through tasks/get and takes the answers with tasks/update; cancels with tasks/cancel', async () => {
    const tasksMeta = { ...META, 'io.modelcontextprotocol/clientCapabilities': { elicitation: {}, extensions: { 'io.modelcontextprotocol/tasks': {} } } };
    const taskId = String((await post('tools/call', { name: 'confirm_delete', arguments: {}, _meta: tasksMeta })).messages[0]!.result!.taskId);
    const get = async () => (await post('tasks/get', { taskId, _meta: tasksMeta }, { 'mcp-name': taskId })).messages[0]!.result!;
    let task = await get();
    for (let i = 0; i < 50 && task.status !== 'input_required'; i++) task = await get();
    expect(task).toMatchObject({ status: 'input_required', inputRequests: { confirm: { method: 'elicitation/create' } } });
    const ack = await post('tasks/update', { taskId, inputResponses: { confirm: { action: 'accept', content: { confirm: true } } }, _meta: tasksMeta }, { 'mcp-name': taskId });
    expect(ack.messages[0]!.result).toMatchObject({ resultType: 'complete' });
    for (let i = 0; i < 50 && task.status !== 'completed'; i++) task = await get();
    expect(task).toMatchObject({ status: 'completed', result: { content: [{ text: 'Deletion confirmed' }] } });

    const slowId = String((await post('tools/call', { name: 'slow_compute', arguments: { seconds: 30 }, _meta: tasksMeta })).messages[0]!.result!.taskId);
    expect((await post('tasks/cancel', { taskId: slowId, _meta: tasksMeta }, { 'mcp-name': slowId })).messages[0]!.result).toMatchObject({ resultType: 'complete' });
    expect((await post('tasks/get', { taskId: slowId, _meta: tasksMeta }, { 'mcp-name': slowId })).messages[0]!.result).toMatchObject({ status: 'cancelled' });
  });

  it('delivers the list changes a subscriptions/listen asked for, tagged with its id, and no others', async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': VERSION, 'mcp-method': 'subscriptions/listen' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'listen-1', method: 'subscriptions/listen', params: { _meta: META, notifications: { toolsListChanged: true, resourceSubscriptions: ['test://watched-resource', 'test://nowhere'] } } }),
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const seen: { method: string; params: Record<string, unknown> }[] = [];
    let buffered = '';
    const readUntil = async (count: number) => {
      while (seen.length < count) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += new TextDecoder().decode(value);
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) if (line.startsWith('data: ')) seen.push(JSON.parse(line.slice(6)));
      }
    };
    await readUntil(1);
    expect(seen[0]).toMatchObject({ method: 'notifications/subscriptions/acknowledged', params: { _meta: { 'io.modelcontextprotocol/subscriptionId': 'listen-1' }, notifications: { toolsListChanged: true, resourceSubscriptions: ['test://watched-resource'] } } });
    // A prompts change was not asked for; the tools change was.
    await post('tools/call', { name: 'test_trigger_prompt_change', arguments: {}, _meta: META });
    await post('tools/call', { name: 'test_trigger_tool_change', arguments: {}, _meta: META });
    await readUntil(2);
    expect(seen[1]).toEqual({ jsonrpc: '2.0', method: 'notifications/tools/list_changed', params: { _meta: { 'io.modelcontextprotocol/subscriptionId': 'listen-1' } } });
    controller.abort();
  });

  it('refuses a tool that needs a capability the request did not declare with -32021, HTTP 400', async () => {
    const reply = await post('tools/call', { name: 'test_missing_capability', arguments: {}, _meta: META }, {}, 11);
    expect(reply.status).toBe(400);
    expect(reply.messages[0]).toMatchObject({ id: 11, error: { code: -32021, data: { requiredCapabilities: { sampling: {} } } } });
  });

  it('gives a resource read the caching hints its definition sets, and ttlMs 0 otherwise', async () => {
    expect((await post('resources/read', { uri: 'test://static-text', _meta: META })).messages[0]!.result).toMatchObject({ ttlMs: 60_000, cacheScope: 'public' });
    expect((await post('resources/read', { uri: 'test://static-binary', _meta: META })).messages[0]!.result).toMatchObject({ ttlMs: 0, cacheScope: 'public' });
  });

  it('answers an unknown resource with -32602 naming the URI', async () => {
    const reply = await post('resources/read', { uri: 'test://no-such-resource', _meta: META });
    expect(reply.messages[0]!.error).toMatchObject({ code: -32602, data: { uri: 'test://no-such-resource' } });
  });

  it('still serves 2025-11-25 sessions on the same endpoint, with -32002 for an unknown resource', async () => {
    const client = await connectSdkClient(server.url, 'http');
    const tools = await client.listTools();
    expect(tools.tools.length).toBeGreaterThan(5);
    await expect(client.readResource({ uri: 'test://no-such-resource' })).rejects.toMatchObject({ code: -32002 });
    await client.close();
  });

  it('lets another process take the retry when both share MCP_SERVE_STATE_SECRET, and not otherwise', async () => {
    const config = ['--config', `${REPO_ROOT}examples/conformance/mcp-serve.config.ts`];
    const env = { MCP_SERVE_STATE_SECRET: 'a shared secret for the e2e test' };
    const [a, b, stranger] = await Promise.all([startServe(config, { env }), startServe(config, { env }), startServe(config)]);
    try {
      const caps = { ...META, 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };
      const params = { name: 'test_input_required_result_elicitation', arguments: {}, _meta: caps };
      const call = (url: string, body: Record<string, unknown>) =>
        fetch(`${url}/mcp`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', 'mcp-protocol-version': VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'test_input_required_result_elicitation' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: body }),
        }).then((r) => r.json() as Promise<{ result?: Record<string, unknown>; error?: { message: string } }>);
      const { result } = await call(a.url, params);
      const retry = { ...params, inputResponses: { user_name: { action: 'accept', content: { name: 'Grace' } } }, requestState: result!.requestState };
      expect((await call(b.url, retry)).result).toMatchObject({ resultType: 'complete', content: [{ text: 'Hello, Grace!' }] });
      expect((await call(stranger.url, retry)).error!.message).toContain('integrity');
    } finally {
      await Promise.all([a.stop(), b.stop(), stranger.stop()]);
    }
  });
});
