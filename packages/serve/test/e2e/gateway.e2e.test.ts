import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CallToolResultSchema,
  CancelTaskResultSchema,
  CreateMessageRequestSchema,
  CreateTaskResultSchema,
  ElicitRequestSchema,
  GetTaskResultSchema,
  ListRootsRequestSchema,
  ListTasksResultSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { pidFile, rawRequest, REPO_ROOT, runCall, runNode, runServe, startServe, writeTempFiles } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectSdkClient, TRANSPORTS } from './sdk-client.ts';

// The servers from the npm registry are installed for mcp-call's tests; their bins are there.
const env = { PATH: `${REPO_ROOT}packages/call/node_modules/.bin:${process.env.PATH}` };
const SDK_SERVER = `${REPO_ROOT}packages/call/test/fixtures/stdio/sdk-server.mjs`;

// The Inspector's CLI: 1.0.3 is the last release that runs on Node 20 (2.x needs Node 22.19).
const INSPECTOR_CLI = `${REPO_ROOT}packages/serve/node_modules/@modelcontextprotocol/inspector/cli/build/cli.js`;

function inspector(args: string[]): ReturnType<typeof runNode> {
  return runNode(INSPECTOR_CLI, ['--cli', ...args], { env, timeoutMs: 30_000 });
}

async function health(url: string): Promise<{ status: string; upstreams: Record<string, { state: string; error?: string; sessions?: number }> }> {
  return JSON.parse((await rawRequest(`${url}/health`)).text) as never;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The direct children of a process we started (Linux: its main thread's children list). */
async function childrenOf(pid: number): Promise<string[]> {
  return (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).split(' ').filter(Boolean);
}

describe('mcp-serve -- CMD: one stdio server on the network (server-everything)', () => {
  let server: Awaited<ReturnType<typeof startServe>>;
  beforeAll(async () => {
    server = await startServe(['--', 'mcp-server-everything', 'stdio'], { env });
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  for (const transport of TRANSPORTS) {
    it(`forwards calls, progress, elicitation and sampling over ${transport}`, async () => {
      const client = await connectSdkClient(server.url, transport, { elicitation: {}, sampling: {} });
      client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Ada', check: true, color: 'red', email: 'ada@example.com' } }));
      client.setRequestHandler(CreateMessageRequestSchema, async () => ({ role: 'assistant', model: 'test', content: { type: 'text', text: 'forty-two' } }));
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toContain('echo');
      expect(tools).toContain('trigger-sampling-request'); // listed because the gateway declares sampling upstream
      expect(await client.callTool({ name: 'echo', arguments: { message: 'via gateway ✓' } })).toEqual({ content: [{ type: 'text', text: 'Echo: via gateway ✓' }] });
      const progress: number[] = [];
      await client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, undefined, { onprogress: (p) => void progress.push(p.progress) });
      expect(progress.length).toBeGreaterThanOrEqual(2);
      const elicited = await client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
      expect(JSON.stringify(elicited)).toContain('Ada');
      const sampled = await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'What is six times seven?' } });
      expect(JSON.stringify(sampled)).toContain('forty-two');
      expect((await client.readResource({ uri: 'demo://resource/static/document/features.md' })).contents.length).toBe(1);
      await client.close();
    });
  }

  for (const transport of TRANSPORTS) {
    it(`forwards tasks over ${transport}: a task-required tool, tasks/get, list, result and cancel, each client seeing only its own`, async () => {
      const client = await connectSdkClient(server.url, transport);
      const other = await connectSdkClient(server.url, transport);
      const statuses: { taskId: string; status: string }[] = [];
      client.fallbackNotificationHandler = async (n) => void (n.method === 'notifications/tasks/status' && statuses.push(n.params as never));
      expect(client.getServerCapabilities()?.tasks).toEqual({ list: {}, cancel: {}, requests: { tools: { call: {} } } });
      const listed = (await client.listTools()).tools.find((t) => t.name === 'simulate-research-query');
      expect(listed?.execution).toEqual({ taskSupport: 'required' });
      // Without a task the gateway answers as the spec says, naming the fix.
      await expect(client.request({ method: 'tools/call', params: { name: 'simulate-research-query', arguments: { topic: 'python' } } }, CallToolResultSchema)).rejects.toThrow(/-32601.*runs only as a task/);

      const call = { method: 'tools/call' as const, params: { name: 'simulate-research-query', arguments: { topic: 'python' }, task: { ttl: 60_000 } } };
      const created = await client.request(call, CreateTaskResultSchema);
      const taskId = created.task.taskId;
      expect(taskId).toMatch(/^[0-9a-f-]{36}$/);
      expect(created.task.status).toBe('working');
      expect((await client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema)).taskId).toBe(taskId);
      expect((await client.request({ method: 'tasks/list', params: {} }, ListTasksResultSchema)).tasks.map((t) => t.taskId)).toEqual([taskId]);
      // Another client sees none of it.
      expect((await other.request({ method: 'tasks/list', params: {} }, ListTasksResultSchema)).tasks).toEqual([]);
      await expect(other.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema)).rejects.toThrow(/-32602.*Unknown task/);
      await expect(other.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema)).rejects.toThrow(/-32602.*Unknown task/);

      // tasks/result waits for the end, and names the task by the gateway's id.
      const result = await client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema, { timeout: 30_000 });
      expect(JSON.stringify(result.content)).toContain('Research Report: python');
      expect(result._meta?.['io.modelcontextprotocol/related-task']).toEqual({ taskId });
      expect((await client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema)).status).toBe('completed');
      // The upstream's status notifications reach the client that owns the task, under its id.
      await waitFor(async () => statuses.some((s) => s.status === 'completed'), 'the completed status notification', 5000);
      expect(new Set(statuses.map((s) => s.taskId))).toEqual(new Set([taskId]));

      const second = (await client.request(call, CreateTaskResultSchema)).task.taskId;
      const cancelled = await client.request({ method: 'tasks/cancel', params: { taskId: second } }, CancelTaskResultSchema);
      expect(cancelled).toMatchObject({ taskId: second, status: 'cancelled' });
      // A finished task cannot be cancelled: the upstream's -32602 comes through.
      await expect(client.request({ method: 'tasks/cancel', params: { taskId } }, CancelTaskResultSchema)).rejects.toThrow(/-32602/);
      await Promise.all([client.close(), other.close()]);
    });
  }

  for (const transport of TRANSPORTS) {
    it(`is reached by the Inspector CLI over ${transport}`, async () => {
      const endpoint = `${server.url}/${transport === 'sse' ? 'sse' : 'mcp'}`;
      const listed = await inspector([endpoint, '--transport', transport, '--method', 'tools/list']);
      expect(listed.code, listed.stderr).toBe(0);
      expect((JSON.parse(listed.stdout) as { tools: { name: string }[] }).tools.map((t) => t.name)).toContain('get-sum');
      const summed = await inspector([endpoint, '--transport', transport, '--method', 'tools/call', '--tool-name', 'get-sum', '--tool-arg', 'a=19', 'b=23']);
      expect(summed.code, summed.stderr).toBe(0);
      expect(JSON.stringify(JSON.parse(summed.stdout))).toContain('42');
      const read = await inspector([endpoint, '--transport', transport, '--method', 'resources/read', '--uri', 'demo://resource/static/document/features.md']);
      expect(read.code, read.stderr).toBe(0);
      expect((JSON.parse(read.stdout) as { contents: unknown[] }).contents).toHaveLength(1);
    });
  }

  it('subscribes to a URI made from an upstream\'s resource template, as the upstream would take it', async () => {
    for (const transport of TRANSPORTS) {
      const client = await connectSdkClient(server.url, transport);
      await client.subscribeResource({ uri: 'demo://resource/dynamic/text/1' });
      await client.unsubscribeResource({ uri: 'demo://resource/dynamic/text/1' });
      // A URI that matches no resource and no template is still refused.
      await expect(client.subscribeResource({ uri: 'nowhere://at/all' })).rejects.toThrow(/-32602|Unknown resource/);
      await client.close();
    }
  });

  it('is reached by mcp-call, and /health reports the upstream', async () => {
    expect((await runCall(['--url', server.url, 'echo', '--message', 'hi'])).stdout).toBe('Echo: hi\n');
    expect(await health(server.url)).toMatchObject({ status: 'ok', upstreams: { 'mcp-server-everything': { state: 'ready' } } });
  });
});

describe('mcp-serve gateway from a config file', () => {
  it('serves several upstreams next to a module, namespaced, with allow and deny lists', async () => {
    const files = await mkdtemp(join(tmpdir(), 'gw-fs-'));
    await writeFile(join(files, 'note.txt'), 'hello from the filesystem server ✓');
    const dir = await writeTempFiles({
      'mcp-serve.config.mjs': `export default {
        tools: './tools.mjs',
        servers: {
          fs: { command: 'mcp-server-filesystem', args: [${JSON.stringify(files)}], allow: ['read_text_file', 'list_directory'] },
          memory: { command: 'mcp-server-memory', env: { MEMORY_FILE_PATH: ${JSON.stringify(join(files, 'memory.jsonl'))} }, deny: ['delete_entities'] },
        },
      };`,
      'tools.mjs': `export const local = { kind: 'tool', name: 'local', description: 'a module tool', handler: () => 'from a module' };`,
    });
    const server = await startServe([], { cwd: dir, env });
    const client = await connectSdkClient(server.url, 'http');
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('local');
    expect(names.filter((n) => n.startsWith('fs_')).sort()).toEqual(['fs_list_directory', 'fs_read_text_file']);
    expect(names).toContain('memory_read_graph');
    expect(names).not.toContain('memory_delete_entities');
    expect((await client.callTool({ name: 'fs_read_text_file', arguments: { path: join(files, 'note.txt') } })).content).toEqual([{ type: 'text', text: 'hello from the filesystem server ✓' }]);
    expect((await client.callTool({ name: 'local', arguments: {} })).content).toEqual([{ type: 'text', text: 'from a module' }]);
    const created = await runCall(['--url', server.url, 'memory_create_entities', '--entities', '[{"name":"Ada","entityType":"person","observations":["ünïcode"]}]']);
    expect(created.code, created.stderr).toBe(0);
    // The Inspector CLI reaches both upstreams through the gateway, over /sse.
    const graph = await inspector([`${server.url}/sse`, '--transport', 'sse', '--method', 'tools/call', '--tool-name', 'memory_read_graph']);
    expect(graph.code, graph.stderr).toBe(0);
    expect(graph.stdout).toContain('ünïcode');
    const listing = await inspector([`${server.url}/sse`, '--transport', 'sse', '--method', 'tools/call', '--tool-name', 'fs_list_directory', '--tool-arg', `path=${files}`]);
    expect(listing.code, listing.stderr).toBe(0);
    expect(listing.stdout).toContain('note.txt');
    await client.close();
    expect(await server.stop()).toBe(0);
  });

  it('fails at start-up, in one line, for names that collide and for an upstream that cannot start or be reached', async () => {
    const dir = await writeTempFiles({
      'collide/mcp-serve.config.mjs': `export default { servers: { a: { command: 'mcp-server-memory', prefix: '' }, b: { command: 'mcp-server-memory', prefix: '' } } };`,
      'broken/mcp-serve.config.mjs': `export default { servers: { broken: { command: 'node', args: ['-e', 'console.error("bad token for the API"); process.exit(4)'] } } };`,
      'down/mcp-serve.config.mjs': `export default { servers: { down: { url: 'http://127.0.0.1:9/mcp' } } };`,
    });
    const collide = await runServe(['--port', '0'], { cwd: `${dir}/collide`, env });
    expect(collide.code).toBe(2);
    expect(collide.stderr.trim().split('\n').at(-1)).toMatch(/^mcp-serve: Duplicate tool name "\w+" in upstream server "b" \(already defined in upstream server "a"\): give one of the servers a "prefix"/);
    const broken = await runServe(['--port', '0'], { cwd: `${dir}/broken`, env });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^mcp-serve: Cannot start upstream server "broken": The server "node -e .*" exited with code 4; its last stderr lines: bad token for the API \(mark it "optional": true to start without it\)\n$/m);
    // mcp-call's --wait is no flag of mcp-serve's: the message does not offer it.
    const down = await runServe(['--port', '0'], { cwd: `${dir}/down`, env });
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/^mcp-serve: Cannot start upstream server "down": Cannot reach http:\/\/127\.0\.0\.1:9: connection refused: is the server running\? \(mark it "optional": true to start without it\)\n$/m);
    // An upstream that wants a token is told about in the config's terms, not mcp-call's flags.
    const guarded = await startServe(['--token', 'upstream-secret']);
    const locked = await writeTempFiles({ 'mcp-serve.config.mjs': `export default { servers: { locked: { url: '${guarded.url}/mcp' } } };` });
    const refused = await runServe(['--port', '0'], { cwd: locked, env });
    await guarded.stop();
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^mcp-serve: Cannot start upstream server "locked": http:\S+ refused the request \(HTTP 401 .*\): give server "locked" a "token" or "headers" in the config \(mark it "optional": true to start without it\)\n$/m);
    expect(refused.stderr).not.toContain('MCP_TOKEN');
  });

  it('starts without an optional upstream that fails, and reports it on /health', async () => {
    const dir = await writeTempFiles({ 'mcp-serve.config.mjs': `export default { servers: { flaky: { command: 'no-such-server-command', optional: true }, memory: { command: 'mcp-server-memory' } } };` });
    const server = await startServe([], { cwd: dir, env });
    const state = await health(server.url);
    expect(state.status).toBe('ok');
    expect(state.upstreams.memory!.state).toBe('ready');
    expect(state.upstreams.flaky).toMatchObject({ state: 'restarting', error: expect.stringMatching(/command not found/) });
    // Only the upstream that is ready is logged as ready.
    expect(server.stderr()).toMatch(/upstream memory ready/);
    expect(server.stderr()).not.toMatch(/upstream flaky ready/);
    expect(await server.stop()).toBe(0);
  });

  it('names an npx upstream by its package, refuses a URL after --, and reports a fatal error as JSON with --log-format json', async () => {
    const { upstreamName } = await import('../../src/cli/assemble-serving.ts');
    expect(upstreamName('npx', ['-y', '@modelcontextprotocol/server-memory@2025.1.0'])).toBe('server-memory');
    expect(upstreamName('pnpm', ['dlx', 'mcp-server-time'])).toBe('mcp-server-time');
    expect(upstreamName('/usr/bin/node', ['server.mjs'])).toBe('node');
    const url = await runServe(['--', 'https://mcp.example.com/mcp'], { env, timeoutMs: 20_000 });
    expect(url.code).toBe(2);
    expect(url.stderr).toMatch(/^mcp-serve: mcp-serve -- takes a command that starts a stdio server, not a URL: put https:\/\/mcp\.example\.com\/mcp in the config's "servers"/);
    const json = await runServe(['--log-format', 'json', '--port', '1', '--host', '203.0.113.1'], { env, timeoutMs: 20_000 });
    expect(json.code).toBe(2);
    const lines = json.stderr.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({ level: 'fatal', code: 'E_BIND', msg: expect.stringMatching(/Cannot bind host "203\.0\.113\.1"/) });
  });

  it('restarts an upstream that dies mid-call: the call fails, the tools come back with list_changed, the metrics count the restart', async () => {
    const dir = await writeTempFiles({ 'mcp-serve.config.mjs': `export default { servers: { sdk: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(SDK_SERVER)}] } } };` });
    const server = await startServe(['--log-level', 'debug', '--metrics'], { cwd: dir, env });
    const client = await connectSdkClient(server.url, 'http');
    const changes: number[] = [];
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changes.push(Date.now()));
    const died = await client.callTool({ name: 'sdk_die', arguments: {} }).then((r) => JSON.stringify(r), (e: Error) => e.message);
    expect(died).toMatch(/sdk|exited|closed/i);
    await server.waitForStderr(/upstream sdk was lost; restarting/);
    await waitFor(async () => (await health(server.url)).upstreams.sdk!.state === 'ready', 'the upstream to restart');
    await waitFor(async () => changes.length >= 2, 'list_changed on loss and on return');
    expect((await client.callTool({ name: 'sdk_echo', arguments: { text: 'back' } })).content).toEqual([{ type: 'text', text: '{"text":"back"}' }]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('mcp_upstream_restarts{server="sdk"} 1');
    expect(metrics).toContain('mcp_upstream_state{server="sdk",state="ready"} 1');
    expect(metrics).toContain('mcp_upstream_state{server="sdk",state="restarting"} 0');
    await client.close();
    expect(await server.stop()).toBe(0);
  });

  it('exits 2 at once when its port is taken, leaving no upstream started', async () => {
    const { createServer } = await import('node:net');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = String((taken.address() as { port: number }).port);
    const started = await pidFile();
    try {
      const viaCommand = await runServe(['--port', port, '--', process.execPath, SDK_SERVER, '--pid-file', started.path], { env, timeoutMs: 20_000 });
      expect(viaCommand.code).toBe(2);
      expect(viaCommand.stderr).toMatch(new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use`));
      const dir = await writeTempFiles({ 'mcp-serve.config.mjs': `export default { servers: { sdk: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(SDK_SERVER)}, '--pid-file', ${JSON.stringify(started.path)}] } } };` });
      const viaConfig = await runServe(['--port', port], { cwd: dir, env, timeoutMs: 20_000 });
      expect(viaConfig.code).toBe(2);
      expect(await started.pids()).toEqual([]);
    } finally {
      taken.close();
    }
  });

  it('backs off more and more from an upstream that crashes soon after each good start', async () => {
    const dir = await writeTempFiles({ 'mcp-serve.config.mjs': `export default { servers: { sdk: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(SDK_SERVER)}], env: { EXIT_AFTER_MS: '300' } } } };` });
    const server = await startServe([], { cwd: dir, env });
    await new Promise((resolve) => setTimeout(resolve, 8000));
    const losses = server.stderr().match(/upstream sdk was lost; restarting/g)?.length ?? 0;
    // 0.5, 1, 2 and 4 s apart (plus each run's 300 ms): four or five losses in 8 s, not one every 800 ms.
    expect(losses).toBeGreaterThanOrEqual(3);
    expect(losses).toBeLessThanOrEqual(5);
    expect(await server.stop()).toBe(0);
  });

  it('passes roots both ways to a client\'s own upstream (perSession): it asks the client, and hears when they change', async () => {
    const dir = await writeTempFiles({ 'mcp-serve.config.mjs': `export default { servers: { sdk: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(SDK_SERVER)}], prefix: '', perSession: true } } };` });
    const server = await startServe([], { cwd: dir, env });
    const client = await connectSdkClient(server.url, 'sse', { roots: { listChanged: true } });
    client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///srv/project', name: 'project' }] }));
    expect((await client.callTool({ name: 'roots', arguments: {} })).content).toEqual([{ type: 'text', text: '[{"uri":"file:///srv/project","name":"project"}]' }]);
    await client.sendRootsListChanged();
    await waitFor(async () => JSON.stringify((await client.callTool({ name: 'root-changes', arguments: {} })).content) === '[{"type":"text","text":"1"}]', 'the upstream to hear of the change');
    await client.close();
    expect(await server.stop()).toBe(0);
  });

  it('gives each client session its own process with perSession, ended with the session', async () => {
    const dir = await writeTempFiles({ 'mcp-serve.config.mjs': `export default { servers: { sdk: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(SDK_SERVER)}], perSession: true, prefix: '' } } };` });
    const server = await startServe([], { cwd: dir, env });
    const pidOf = async (client: Awaited<ReturnType<typeof connectSdkClient>>) => Number(((await client.callTool({ name: 'pid', arguments: {} })).content as { text: string }[])[0]!.text);
    // Closing an SSE client ends its session at once (an HTTP client's waits for DELETE or the idle sweep).
    const first = await connectSdkClient(server.url, 'sse');
    const second = await connectSdkClient(server.url, 'http');
    const a = await pidOf(first);
    expect(await pidOf(first)).toBe(a);
    const b = await pidOf(second);
    expect(b).not.toBe(a);
    expect((await health(server.url)).upstreams.sdk).toMatchObject({ state: 'ready', sessions: 2 });
    await first.close();
    await waitFor(async () => (await health(server.url)).upstreams.sdk!.sessions === 1, 'the first session\'s process to end');
    await waitFor(async () => !(await readFile(`/proc/${a}/cmdline`, 'utf8').then(() => true, () => false)), 'process a to exit');
    await second.close();
    expect(await server.stop()).toBe(0);
  });

  it('passes a client\'s cancellation, and the call timeout, to a stdio upstream', async () => {
    const dir = await writeTempFiles({ 'mcp-serve.config.mjs': `export default { servers: { sdk: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(SDK_SERVER)}], prefix: '' } } };` });
    const server = await startServe(['--call-timeout', '1000'], { cwd: dir, env });
    const cancellations = async (client: Awaited<ReturnType<typeof connectSdkClient>>) => (await client.callTool({ name: 'cancellations', arguments: {} })).content;
    for (const transport of TRANSPORTS) {
      const client = await connectSdkClient(server.url, transport);
      const before = Number((await cancellations(client) as { text: string }[])[0]!.text);
      await expect(client.callTool({ name: 'slow', arguments: {} }, undefined, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
      await waitFor(async () => JSON.stringify(await cancellations(client)).includes(String(before + 1)), `the upstream to hear the cancellation over ${transport}`, 5000);
      // --call-timeout 1000: the gateway gives up after a second, and tells the upstream.
      const timedOut = await client.callTool({ name: 'slow', arguments: {} });
      expect(timedOut).toMatchObject({ isError: true, content: [{ type: 'text', text: expect.stringMatching(/timed out/) }] });
      await waitFor(async () => JSON.stringify(await cancellations(client)).includes(String(before + 2)), `the upstream to hear of the timeout over ${transport}`, 5000);
      await client.close();
    }
    expect(await server.stop()).toBe(0);
  });

  it('holds at most 100 tasks per client, refusing the next one, and lists them in pages', async () => {
    const taskServer = `${REPO_ROOT}packages/call/test/fixtures/stdio/task-server.mjs`;
    const dir = await writeTempFiles({ 'mcp-serve.config.mjs': `export default { servers: { t: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(taskServer)}], prefix: '' } } };` });
    const server = await startServe([], { cwd: dir, env });
    const client = await connectSdkClient(server.url, 'http');
    const start = () => client.request({ method: 'tools/call', params: { name: 'count', arguments: { to: 100 }, task: {} } }, CreateTaskResultSchema);
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push((await start()).task.taskId);
    await expect(start()).rejects.toThrow(/-32600.*Too many tasks \(at most 100 per client, each kept until its ttl ends\)/);
    // Another client has its own allowance.
    const other = await connectSdkClient(server.url, 'http');
    expect((await other.request({ method: 'tools/call', params: { name: 'count', arguments: { to: 1 }, task: {} } }, CreateTaskResultSchema)).task.status).toBe('working');
    expect((await client.request({ method: 'tasks/list', params: {} }, ListTasksResultSchema)).nextCursor).toBeDefined(); // 100 tasks: two pages of 50
    await Promise.all([client.close(), other.close()]);
    expect(await server.stop()).toBe(0);
  });

  it('ends every upstream process on shutdown, grandchildren included', async () => {
    const started = await pidFile();
    const dir = await writeTempFiles({ 'mcp-serve.config.mjs': `export default { servers: { sdk: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(SDK_SERVER)}, '--pid-file', ${JSON.stringify(started.path)}] } } };` });
    const server = await startServe([], { cwd: dir, env });
    expect((await runCall(['--url', server.url, 'sdk_spawn-child', '--marker', 'child'])).stdout).toBe('started\n');
    expect((await runCall(['--url', server.url, 'sdk_spawn-escapee'])).stdout).toBe('started\n');
    // The upstream is mcp-serve's child; it started a child in its group and one that left it (setsid).
    const [upstream] = await started.pids();
    expect(await childrenOf(server.child.pid!)).toEqual([String(upstream)]);
    expect(await started.alive()).toHaveLength(3);
    expect(await server.stop()).toBe(0);
    await waitFor(async () => (await started.alive()).length === 0, 'no process left', 5000);
  });
});

describe('a gateway never lets one client reach another client\'s data', () => {
  it('binds a forwarded task to the token that made it, on a stateless server (no session to bind it to)', async () => {
    const server = await startServe(['--stateless', '--token', 'alpha-token-0001', '--token', 'beta-token-0002', '--', 'mcp-server-everything', 'stdio'], { env });
    const withToken = async (token: string) => {
      const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
      const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
      const client = new Client({ name: token, version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      return client;
    };
    const alpha = await withToken('alpha-token-0001');
    const beta = await withToken('beta-token-0002');
    const call = { method: 'tools/call' as const, params: { name: 'simulate-research-query', arguments: { topic: 'go' }, task: { ttl: 60_000 } } };
    const taskId = (await alpha.request(call, CreateTaskResultSchema)).task.taskId;
    expect((await alpha.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema)).taskId).toBe(taskId);
    // The id alone is not enough: another token gets no answer about it.
    await expect(beta.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema)).rejects.toThrow(/-32602.*Unknown task/);
    await expect(beta.request({ method: 'tasks/cancel', params: { taskId } }, CancelTaskResultSchema)).rejects.toThrow(/-32602.*Unknown task/);
    await alpha.request({ method: 'tasks/cancel', params: { taskId } }, CancelTaskResultSchema);
    await Promise.all([alpha.close(), beta.close()]);
    expect(await server.stop()).toBe(0);
  });

  it("tells each client of updates on its own upstream (perSession) alone, over both transports", async () => {
    const dir = await writeTempFiles({ 'mcp-serve.config.mjs': `export default { servers: { everything: { command: 'mcp-server-everything', args: ['stdio'], prefix: '', perSession: true } } };` });
    const server = await startServe([], { cwd: dir, env });
    const uri = 'demo://resource/static/document/features.md';
    const listen = async (transport: 'sse' | 'http') => {
      const client = await connectSdkClient(server.url, transport);
      const heard: string[] = [];
      client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => void heard.push(notification.params.uri));
      await client.subscribeResource({ uri });
      return { client, heard };
    };
    const a = await listen('http');
    const b = await listen('sse');
    // server-everything sends an update at once, to its own subscribers, when told to.
    await a.client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
    await waitFor(async () => a.heard.length > 0, "A's update");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(b.heard).toEqual([]);
    await b.client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
    await waitFor(async () => b.heard.length > 0, "B's update");
    expect(b.heard[0]).toBe(uri);
    await Promise.all([a.client.close(), b.client.close()]);
    expect(await server.stop()).toBe(0);
  });

  const sdkConfig = (extra = '') => `export default { servers: { sdk: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(SDK_SERVER)}], prefix: ''${extra} } } };`;
  /** A client whose sampling handler records what it was asked, and answers with its own name. */
  const samplingClient = async (url: string, transport: 'sse' | 'http', name: string) => {
    const client = await connectSdkClient(url, transport, { sampling: {}, roots: { listChanged: true } });
    const asked: string[] = [];
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      asked.push(JSON.stringify(request.params.messages));
      return { role: 'assistant', model: 'test', content: { type: 'text', text: `answer of ${name}` } };
    });
    client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: `file:///home/${name}`, name }] }));
    return { client, asked };
  };
  const text = (result: unknown): string => ((result as { content: { text: string }[] }).content[0]?.text ?? '');

  it('sends a shared stdio upstream\'s sampling request to no other client: with several clients in flight it is refused', async () => {
    const dir = await writeTempFiles({ 'mcp-serve.config.mjs': sdkConfig() });
    const server = await startServe([], { cwd: dir, env });
    const a = await samplingClient(server.url, 'http', 'A');
    const b = await samplingClient(server.url, 'sse', 'B');
    // A's call samples 400 ms later; B starts a call meanwhile, and is the latest caller then.
    const aCall = a.client.callTool({ name: 'think-later', arguments: { secret: 'secret of A' } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const bCall = b.client.callTool({ name: 'slow', arguments: {} }, undefined, { signal: AbortSignal.timeout(1500) }).catch(() => undefined);
    const aResult = await aCall;
    await bCall;
    expect(b.asked).toEqual([]);
    expect(text(aResult)).toMatch(/Cannot tell which client's call sampling\/createMessage belongs to.*"perSession": true/);
    // Alone, A is asked and A answers.
    expect(text(await a.client.callTool({ name: 'think-later', arguments: { secret: 'secret of A' } }))).toBe('LLM said: answer of A');
    expect(a.asked).toEqual([JSON.stringify([{ role: 'user', content: { type: 'text', text: 'secret of A' } }])]);
    expect(b.asked).toEqual([]);
    // A shared upstream is never told a client's roots.
    expect(text(await a.client.callTool({ name: 'roots', arguments: {} }))).toBe('[]');
    await Promise.all([a.client.close(), b.client.close()]);
    expect(await server.stop()).toBe(0);
  });

  it('relays a client\'s JSON-RPC error to the upstream unchanged', async () => {
    const dir = await writeTempFiles({ 'mcp-serve.config.mjs': sdkConfig() });
    const server = await startServe([], { cwd: dir, env });
    // Sampling declared, no handler: the SDK client answers -32601 Method not found.
    const client = await connectSdkClient(server.url, 'http', { sampling: {} });
    const answer = text(await client.callTool({ name: 'think', arguments: {} }));
    expect(answer).toMatch(/-32601/);
    expect(answer).not.toMatch(/-32603|MCP error .*MCP error/);
    await client.close();
    expect(await server.stop()).toBe(0);
  });

  it('routes an HTTP upstream\'s sampling request to the client of the call it came in, whoever called last', async () => {
    const upstreamDir = await writeTempFiles({
      'tools.mjs': `export const thinkLater = { kind: 'tool', name: 'think-later', description: 'Samples later', input: { type: 'object', properties: { secret: { type: 'string' } } }, handler: async ({ secret }, ctx) => {
        await new Promise((resolve) => setTimeout(resolve, 400));
        const reply = await ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: secret } }], maxTokens: 5 });
        return 'LLM said: ' + reply.content.text;
      } };
      export const wait = { kind: 'tool', name: 'wait', description: 'Waits', handler: async () => { await new Promise((resolve) => setTimeout(resolve, 800)); return 'waited'; } };`,
      'mcp-serve.config.mjs': `export default { tools: ['./tools.mjs'] };`,
    });
    const upstream = await startServe([], { cwd: upstreamDir });
    const dir = await writeTempFiles({ 'mcp-serve.config.mjs': `export default { servers: { up: { url: ${JSON.stringify(`${upstream.url}/mcp`)}, prefix: '' } } };` });
    const server = await startServe([], { cwd: dir, env });
    const a = await samplingClient(server.url, 'http', 'A');
    const b = await samplingClient(server.url, 'sse', 'B');
    const aCall = a.client.callTool({ name: 'think-later', arguments: { secret: 'secret of A' } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const bCall = b.client.callTool({ name: 'wait', arguments: {} });
    expect(text(await aCall)).toBe('LLM said: answer of A');
    expect(text(await bCall)).toBe('waited');
    expect(a.asked).toHaveLength(1);
    expect(b.asked).toEqual([]);
    await Promise.all([a.client.close(), b.client.close()]);
    expect(await server.stop()).toBe(0);
    expect(await upstream.stop()).toBe(0);
  });

  it('gives each principal its own perSession upstream over 2026-07-28, where there is no session', async () => {
    const dir = await writeTempFiles({ 'mcp-serve.config.mjs': sdkConfig(', perSession: true') });
    const server = await startServe(['--token', 'token-a', '--token', 'token-b'], { cwd: dir, env });
    const pid = async (token: string) => {
      const result = await runCall(['--url', server.url, '--protocol-version', '2026-07-28', '--token', token, 'pid']);
      expect(result.code, result.stderr).toBe(0);
      return Number(result.stdout.trim());
    };
    const a = await pid('token-a');
    expect(await pid('token-a')).toBe(a);
    const b = await pid('token-b');
    expect(b).not.toBe(a);
    expect(await server.stop()).toBe(0);
  });
});
