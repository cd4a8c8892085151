import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';

import { runCall } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The official reference server from npm, started on an ephemeral loopback port in each HTTP mode.
const EVERYTHING = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function startEverything(mode: 'sse' | 'streamableHttp'): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, [EVERYTHING, mode], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
      if (/running on port|listening on port/i.test(err)) resolve();
    });
    child.once('exit', () => reject(new Error(`server-everything exited: ${err}`)));
  });
  return { child, port };
}

describe.each([
  ['sse', '/sse'],
  ['streamableHttp', '/mcp'],
] as const)('mcp-call against @modelcontextprotocol/server-everything (%s)', (mode, path) => {
  let server: { child: ChildProcess; port: number };
  let url: string;
  beforeAll(async () => {
    server = await startEverything(mode);
    url = `http://127.0.0.1:${server.port}${path}`;
  });
  afterAll(() => {
    server.child.kill();
  });

  it('calls echo with a string flag', async () => {
    const result = await runCall(['--url', url, 'echo', '--message', 'hello everything']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('Echo: hello everything\n');
    expect(result.code).toBe(0);
  });

  it('converts number flags for get-sum', async () => {
    const result = await runCall(['--url', url, 'get-sum', '--a', '2', '--b', '40']);
    expect(result.stdout).toMatch(/42/);
  });

  it('lists its tools and reports its identity', async () => {
    const tools = await runCall(['--url', url, 'tools']);
    expect(tools.stdout).toMatch(/^echo\s/m);
    const info = JSON.parse((await runCall(['--url', url, 'info', '--json'])).stdout) as { transport: string; capabilities: object; title: string };
    expect(info.transport).toBe(mode === 'sse' ? 'sse' : 'http');
    expect(info.capabilities).toHaveProperty('tools');
    expect(info.title).toBe('Everything Reference Server');
  });

  it('shows the titles the server gives: tools, prompts and the server itself', async () => {
    expect((await runCall(['--url', url, 'tools'])).stdout).toMatch(/^echo +Echo Tool — Echoes back the input string$/m);
    expect((await runCall(['--url', url, 'prompts'])).stdout).toMatch(/^args-prompt --city \[--state\] +Arguments Prompt — A prompt with two arguments/m);
    expect((await runCall(['--url', url, 'info'])).stdout).toMatch(/^title: +Everything Reference Server$/m);
    expect((await runCall(['--url', url, 'echo', '--help'])).stdout).toMatch(/^Echo Tool$/m);
  });

  it('summarises the tiny image', async () => {
    const result = await runCall(['--url', url, 'get-tiny-image']);
    expect(result.stdout).toMatch(/\[image, image\/png, \d+ bytes\]/);
  });

  it('shows progress-reporting tools finishing, and enforces required arguments', async () => {
    const result = await runCall(['--url', url, 'trigger-long-running-operation', '--duration', '0.3', '--steps', '3']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/completed/i);
    const missing = await runCall(['--url', url, 'echo']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Missing required argument --message/);
  });

  it('runs a batch', async () => {
    const input = '{"tool":"echo","args":{"message":"a"}}\n{"tool":"echo","args":{"message":"b"}}\n';
    const result = await runCall(['--url', url, 'batch'], { input });
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { result: { content: { text: string }[] } });
    expect(lines.map((l) => l.result.content[0]!.text)).toEqual(['Echo: a', 'Echo: b']);
  });
});
