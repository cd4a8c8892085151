import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CALL_BIN, REPO_ROOT, runCall, startServe, writeTempFiles } from '@mcp-cli/test-utils';
import { describe, expect, it } from 'vitest';

// Tools that run as tasks (MCP 2025-11-25): server-everything's task-required research tool, and
// a small SDK server whose `count` takes a task optionally and records a cancelled one.
const EVERYTHING = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');
const TASK_SERVER = `${REPO_ROOT}packages/call/test/fixtures/stdio/task-server.mjs`;
const everything = ['--stdio', `${process.execPath} ${EVERYTHING} stdio`];

/**
 * Runs mcp-call, sends it Ctrl-C once the task server says (in `working`) that the task runs, and
 * resolves with its exit code and stderr: a slow machine does not interrupt before there is a task.
 */
async function interruptWhenWorking(args: string[], working: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CALL_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(await written(working), 'the task never started').toMatch(/^[0-9a-f]{32}$/);
  child.kill('SIGINT');
  return { code: await exited, stderr };
}

/** What the task server wrote to a marker file, once it has (within 20 s). */
async function written(marker: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const id = await readFile(marker, 'utf8').catch(() => '');
    if (id) return id;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return '';
}

describe('mcp-call and tools that run as tasks', () => {
  it('calls a task-required tool as a task, and prints its result at the end', async () => {
    const result = await runCall([...everything, 'simulate-research-query', '--topic', 'python'], { timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('# Research Report: python');
  });

  it('shows task support in the tool list and in a tool\'s --help', async () => {
    const listed = await runCall([...everything, 'tools']);
    expect(listed.stdout).toMatch(/^simulate-research-query +\[task required\] Simulate Research Query — Simulates/m);
    const help = await runCall(['--stdio', `${process.execPath} ${TASK_SERVER}`, 'count', '--help']);
    expect(help.stdout).toContain('Can run as a task: pass --task');
  });

  it('calls a tool that only supports tasks as one with --task, and refuses --task for a tool that has none', async () => {
    const counted = await runCall(['--stdio', `${process.execPath} ${TASK_SERVER}`, 'count', '--to', '3', '--task']);
    expect(counted.code, counted.stderr).toBe(0);
    expect(counted.stdout).toBe('counted to 3\n');
    const refused = await runCall([...everything, 'echo', '--message', 'hi', '--task']);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe('mcp-call: Tool "echo" does not run as a task: call it without --task');
  });

  it('detaches from a 2025-11-25 task, and lists, reads and stops tasks by id on the server', async () => {
    const server = ['--stdio', `${process.execPath} ${TASK_SERVER}`];
    const detached = await runCall([...server, 'count', '--to', '3', '--task', '--detach']);
    expect(detached.code, detached.stderr).toBe(0);
    expect(detached.stdout).toMatch(/^\S+\n$/);
    expect(detached.stderr).toContain(`mcp-call task result ${detached.stdout.trim()} waits for its result`);
    // Each stdio run is a new server process: its task list starts empty, and an unknown id is the server's error.
    const none = await runCall([...server, 'task', 'list']);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe('(no tasks)\n');
    const unknown = await runCall([...server, 'task', 'get', 'no-such-task']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no-such-task|not found/i);
    const missing = await runCall([...server, 'task', 'get']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('mcp-call task get needs a task id');
  });

  it('cancels the task on the server when interrupted (Ctrl-C)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'task-cancel-'));
    const [marker, working] = [join(dir, 'cancelled'), join(dir, 'working')];
    const ended = await interruptWhenWorking(['--stdio', `env CANCEL_MARKER=${marker} WORKING_MARKER=${working} ${process.execPath} ${TASK_SERVER}`, 'count', '--to', '100', '--task'], working);
    expect(ended.code).toBe(130);
    expect(await written(marker)).toBe(await readFile(working, 'utf8'));
  });

  it('runs a task through the mcp-serve gateway, and cancels it there on Ctrl-C', async () => {
    const markers = await mkdtemp(join(tmpdir(), 'task-gw-'));
    const [marker, working] = [join(markers, 'cancelled'), join(markers, 'working')];
    const dir = await writeTempFiles({
      'mcp-serve.config.mjs': `export default { servers: { t: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(TASK_SERVER)}], env: { CANCEL_MARKER: ${JSON.stringify(marker)}, WORKING_MARKER: ${JSON.stringify(working)} } } } };`,
    });
    const server = await startServe([], { cwd: dir });
    try {
      const counted = await runCall(['--url', server.url, 't_count', '--to', '2', '--task']);
      expect(counted.code, counted.stderr).toBe(0);
      expect(counted.stdout).toBe('counted to 2\n');
      await rm(working);
      const ended = await interruptWhenWorking(['--url', server.url, 't_count', '--to', '100', '--task'], working);
      expect(ended.code).toBe(130);
      expect(await written(marker)).toBe(await readFile(working, 'utf8'));
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
