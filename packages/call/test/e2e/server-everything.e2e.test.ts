import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

// Every tool server-everything lists, called from mcp-call over stdio as a user would type it:
// flags from each schema, the task-required tool as a task, elicitations answered by options.
describe('every tool of @modelcontextprotocol/server-everything from mcp-call', () => {
  const stdio = ['--stdio', `node ${EVERYTHING} stdio`];
  // No tool may reach the network: gzip-file-as-resource gets a data: URI instead of its default URL.
  const CALLS: Record<string, { args: string[]; stdout: RegExp }> = {
    echo: { args: ['--message', 'https://example.com/not-the-server'], stdout: /^Echo: https:\/\/example\.com\/not-the-server$/m },
    'get-annotated-message': { args: ['--message-type', 'success', '--include-image'], stdout: /Operation completed successfully[\s\S]*\[image, image\/png/ },
    'get-env': { args: [], stdout: /"PATH"/ },
    'get-resource-links': { args: ['--count', '2'], stdout: /\[resource link\] .*<demo:\/\/resource\/dynamic\/text\/2>/ },
    'get-resource-reference': { args: ['--resource-type', 'Blob', '--resource-id', '2'], stdout: /demo:\/\/resource\/dynamic\/blob\/2/ },
    'get-structured-content': { args: ['--location', 'Chicago'], stdout: /"temperature"/ },
    'get-sum': { args: ['--a', '2', '--b', '40'], stdout: /42/ },
    'get-tiny-image': { args: [], stdout: /\[image, image\/png, \d+ bytes\]/ },
    'gzip-file-as-resource': { args: ['--data', 'data:text/plain;base64,aGVsbG8gd29ybGQ=', '--output-type', 'resource'], stdout: /\[resource demo:\/\/resource\/session\/README\.md\.gz, application\/gzip, \d+ bytes\]/ },
    'toggle-simulated-logging': { args: [], stdout: /Started simulated, random-leveled logging/ },
    'toggle-subscriber-updates': { args: [], stdout: /Started simulated resource updated notifications/ },
    'trigger-long-running-operation': { args: ['--duration', '0.2', '--steps', '2'], stdout: /completed/i },
    'trigger-elicitation-request': { args: ['--elicit', 'decline'], stdout: /declined/ },
    // Its `url` flag clashes with mcp-call's own --url: after `--` it is the tool's.
    'trigger-url-elicitation': { args: ['--elicit', 'decline', '--', '--url', 'https://example.com/login'], stdout: /declined to open the URL/ },
    'simulate-research-query': { args: ['--topic', 'python'], stdout: /^# Research Report: python$/m },
  };

  it('calls each listed tool and gets its result', { timeout: 120_000 }, async () => {
    const listed = (await runCall([...stdio, 'tools', '--names'])).stdout.trim().split('\n');
    expect(listed.sort()).toEqual(Object.keys(CALLS).sort());
    const results = await Promise.all(Object.entries(CALLS).map(async ([tool, { args }]) => [tool, await runCall([...stdio, tool, ...args], { timeoutMs: 60_000 })] as const));
    for (const [tool, result] of results) {
      expect(result.code, `${tool}: ${result.stderr}`).toBe(0);
      expect(result.stdout, tool).toMatch(CALLS[tool]!.stdout);
    }
  });

  it('takes the browser step of a -32042 error, then calls again; without a terminal it names the URL', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'browser-'));
    const browser = join(dir, 'browser.sh');
    await writeFile(browser, `#!/bin/sh\necho "$1" >> ${join(dir, 'opened')}\n`);
    await chmod(browser, 0o755);
    const args = [...stdio, 'trigger-url-elicitation', '--', '--url', 'https://example.com/login', '--error-path'];
    const taken = await runCall([...args.slice(0, 2), '--elicit', 'prompt', ...args.slice(2)], { env: { ...process.env, BROWSER: browser }, input: 'y\ny\n', timeoutMs: 30_000 });
    expect(taken.code, taken.stderr).toBe(0);
    expect(taken.stdout).toMatch(/User completed the URL elicitation flow/);
    expect(await readFile(join(dir, 'opened'), 'utf8')).toContain('https://example.com/login');
    const unattended = await runCall(args);
    expect(unattended.code).toBe(3);
    expect(unattended.stderr).toMatch(/The server needs a step in the browser first \(-32042\): open https:\/\/\S+, then run the command again\n$/);
  });
});
