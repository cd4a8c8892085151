import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  CreateTaskResultSchema,
  ElicitRequestSchema,
  GetTaskResultSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { CALL_BIN, REPO_ROOT, runCall, SERVE_BIN, writeTempFiles } from '@mcp-cli/test-utils';
import { describe, expect, it } from 'vitest';

const HELLO = `${REPO_ROOT}examples/hello/mcp-serve.config.ts`;
const KITCHEN_SINK = `${REPO_ROOT}packages/call/test/fixtures/kitchen-sink/mcp-serve.config.mjs`;

async function sdkClient(args: string[], capabilities: Record<string, unknown> = {}): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [SERVE_BIN, '--stdio', ...args], stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'stdio-e2e', version: '1.0.0' }, { capabilities });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

describe('mcp-serve --stdio with the SDK stdio client', () => {
  it('serves the hello example: tools, resources, templates, prompts and completions', async () => {
    const { client, stderr } = await sdkClient(['--config', HELLO]);
    expect(client.getServerVersion()).toMatchObject({ name: 'Hello Server', version: '1.0.0' });
    expect(await client.callTool({ name: 'greet', arguments: { name: 'Azure OpenAI' } })).toEqual({ content: [{ type: 'text', text: 'Hello Hello, Azure OpenAI!' }] });
    expect((await client.readResource({ uri: 'hello://greeting/Ada' })).contents[0]).toMatchObject({ text: 'Hello Hello, Ada!' });
    expect((await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate)).toEqual(['hello://greeting/{name}']);
    expect((await client.getPrompt({ name: 'greeting', arguments: { name: 'Ada' } })).messages).toHaveLength(1);
    expect((await client.complete({ ref: { type: 'ref/prompt', name: 'greeting' }, argument: { name: 'tone', value: 'f' } })).completion.values).toEqual(['formal']);
    await client.close();
    // Logs go to stderr only: stdout is the protocol.
    expect(stderr()).toMatch(/info serving Hello Server 1\.0\.0 over stdio/);
  });

  it('carries logs, progress, elicitation, sampling and resource updates both ways', async () => {
    const { client } = await sdkClient(['--config', KITCHEN_SINK], { elicitation: {}, sampling: {} });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Grace', age: 40 } }));
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({ role: 'assistant', model: 'test', content: { type: 'text', text: '4' } }));
    const logs: string[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(String(n.params.data)));
    const progress: number[] = [];
    expect((await client.callTool({ name: 'progress', arguments: {} }, undefined, { onprogress: (p) => void progress.push(p.progress) })).content).toEqual([{ type: 'text', text: 'finished' }]);
    expect(progress).toEqual([1, 2, 3]);
    expect(logs).toContain('step 3 done');
    expect((await client.callTool({ name: 'ask', arguments: {} })).content).toEqual([{ type: 'text', text: 'accept {"name":"Grace","age":40}' }]);
    expect((await client.callTool({ name: 'think', arguments: {} })).content).toEqual([{ type: 'text', text: 'LLM said: 4' }]);
    const updated = new Promise<string>((resolve) => client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => resolve(n.params.uri)));
    await client.subscribeResource({ uri: 'test://counter' });
    expect(await updated).toBe('test://counter');
    await client.close();
  });

  it('tells the client when --watch reloads a module', async () => {
    const dir = await writeTempFiles({
      'mcp-serve.config.mjs': `export default { tools: './tools/*.mjs' };`,
      'tools/echo.mjs': `export default { kind: 'tool', name: 'echo', description: 'v1', handler: () => 'one' };`,
    });
    const { client } = await sdkClient(['--config', `${dir}/mcp-serve.config.mjs`, '--watch']);
    const changed = new Promise<void>((resolve) => client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()));
    await writeFile(`${dir}/tools/echo.mjs`, `export default { kind: 'tool', name: 'echo', description: 'v2', handler: () => 'two' };`);
    await changed;
    expect((await client.callTool({ name: 'echo', arguments: {} })).content).toEqual([{ type: 'text', text: 'two' }]);
    await client.close();
  });
});

describe('mcp-serve --stdio as a gateway', () => {
  it('serves an upstream\'s tasks over stdio: a task-required tool, tasks/get and tasks/result', async () => {
    const everything = `${REPO_ROOT}packages/call/node_modules/@modelcontextprotocol/server-everything/dist/index.js`;
    const dir = await writeTempFiles({ 'mcp-serve.config.mjs': `export default { servers: { ev: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(everything)}, 'stdio'] } } };` });
    const { client } = await sdkClient(['--config', `${dir}/mcp-serve.config.mjs`]);
    expect(client.getServerCapabilities()?.tasks).toMatchObject({ requests: { tools: { call: {} } } });
    const created = await client.request({ method: 'tools/call', params: { name: 'ev_simulate-research-query', arguments: { topic: 'stdio' }, task: {} } }, CreateTaskResultSchema);
    const { taskId } = created.task;
    expect((await client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema)).taskId).toBe(taskId);
    const result = await client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema, { timeout: 30_000 });
    expect(JSON.stringify(result.content)).toContain('Research Report: stdio');
    await client.close();
  });
});

describe('mcp-serve --stdio as a process', () => {
  it('writes only JSON-RPC on stdout, answers bad lines with errors, and exits 0 when stdin closes', async () => {
    const child = spawn(process.execPath, [SERVE_BIN, '--stdio', '--config', HELLO, '--log-level', 'debug'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const lines = [
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
      'this is not json',
      JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'greet', arguments: { name: 'ünï ✓' } } }),
      JSON.stringify([{ jsonrpc: '2.0', id: 3, method: 'ping' }]),
      `{"jsonrpc":"2.0","id":1e400,"method":"ping"}`,
    ];
    child.stdin.write(`${lines.join('\n')}\n`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = Date.now();
    child.stdin.end();
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
    const answers = stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: unknown; result?: { content?: { text: string }[] }; error?: { code: number; message: string } });
    expect(answers.find((a) => a.id === 1)?.result).toBeDefined();
    expect(answers.find((a) => a.id === 2)?.result?.content?.[0]?.text).toBe('Hello Hello, ünï ✓!');
    expect(answers.filter((a) => a.id === null).map((a) => a.error?.code)).toEqual([-32700, -32600, -32600]);
    expect(answers.find((a) => a.id === null && a.error?.code === -32600)?.error?.message).toMatch(/batches are not part of protocol version 2025-06-18/);
    expect(stderr).toMatch(/stdin closed: shutting down/);
  });

  it('holds bounded output for a client that never reads stdout, and ends when the client closes stdout', async () => {
    const fixture = `${REPO_ROOT}packages/serve/test/fixtures/hostile/mcp-serve.config.mjs`;
    const init = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    const child = spawn(process.execPath, [SERVE_BIN, '--stdio', '--config', fixture], { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.stdout.pause(); // never read: 2,000 answers of 100 KB each are asked for
    child.stdin.on('error', () => undefined);
    child.stdin.write(`${init}\n`);
    for (let id = 1; id <= 2000; id++) child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'behave', arguments: { how: 'huge-string' } } })}\n`);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(await (await import('node:fs/promises')).readFile(`/proc/${child.pid}/status`, 'utf8'))?.[1]);
    expect(rssKb).toBeLessThan(150 * 1024);
    // The client closes its end of stdout: the server ends instead of running on.
    child.stdout.destroy();
    expect(await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 5000))])).toBe(0);
  });

  it('is reached by mcp-call --stdio: tools, prompts and calls', async () => {
    const server = `${process.execPath} ${SERVE_BIN} --stdio --config ${HELLO}`;
    expect((await runCall(['--stdio', server, 'greet', '--name', 'stdio'])).stdout).toBe('Hello Hello, stdio!\n');
    expect((await runCall(['--stdio', server, 'prompt', 'greeting', '--name', 'Ada'])).stdout).toBe('user: Write a short, casual greeting for Ada.\n');
    const info = await runCall(['--stdio', server, 'info']);
    expect(info.stdout).toMatch(/transport: {4}stdio /);
    expect(CALL_BIN).toBeTruthy();
  });
});
