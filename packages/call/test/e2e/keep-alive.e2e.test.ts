import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { runCall, writeTempFiles } from '@mcp-cli/test-utils';
import { afterEach, describe, expect, it } from 'vitest';

const EVERYTHING = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits, bounded, for a process to end; the test then asserts it did. */
async function gone(pid: number, withinMs = 10_000): Promise<boolean> {
  for (const deadline = Date.now() + withinMs; Date.now() < deadline && isAlive(pid); ) await new Promise((resolve) => setTimeout(resolve, 25));
  return !isAlive(pid);
}

describe('mcp-call --keep-alive: a warm server between runs', () => {
  // Each test has its own runtime folder, so its daemons are its own; each stops what it started.
  let env: Record<string, string>;
  let started: string;
  let stdio: string;
  const daemonPids = async (): Promise<number[]> => {
    const files = (await readdir(join(env.XDG_RUNTIME_DIR!, 'mcp-call')).catch(() => [])).filter((f) => f.endsWith('.pid'));
    return Promise.all(files.map(async (f) => Number(await readFile(join(env.XDG_RUNTIME_DIR!, 'mcp-call', f), 'utf8'))));
  };
  const serverPids = async (): Promise<number[]> => (await readFile(started, 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);
  const setUp = async (): Promise<void> => {
    const dir = await writeTempFiles({});
    env = { XDG_RUNTIME_DIR: join(dir, 'run') };
    await import('node:fs/promises').then(({ mkdir }) => mkdir(env.XDG_RUNTIME_DIR!, { mode: 0o700 }));
    started = join(dir, 'started');
    // The server notes its pid on each start.
    stdio = `sh -c 'echo $$ >> ${started}; exec "${process.execPath}" "${EVERYTHING}" stdio'`;
  };
  afterEach(async () => {
    await runCall(['stop'], { env });
    for (const pid of [...(await daemonPids()), ...(await serverPids())]) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });

  it('starts server-everything once for 20 calls, and mcp-call stop leaves no process behind', async () => {
    await setUp();
    for (let i = 0; i < 20; i++) {
      const result = await runCall(['--stdio', stdio, '--keep-alive', '60', 'echo', '--message', `call ${i}`], { env });
      expect(result, result.stderr).toMatchObject({ code: 0, stdout: `Echo: call ${i}\n` });
    }
    const servers = await serverPids();
    expect(servers).toHaveLength(1);
    const [daemon] = await daemonPids();
    expect(isAlive(daemon!) && isAlive(servers[0]!)).toBe(true);
    // The socket is the user's alone.
    const socket = (await readdir(join(env.XDG_RUNTIME_DIR!, 'mcp-call'))).find((f) => f.endsWith('.sock'))!;
    const { stat } = await import('node:fs/promises');
    expect((await stat(join(env.XDG_RUNTIME_DIR!, 'mcp-call', socket))).mode & 0o077).toBe(0);
    expect((await stat(join(env.XDG_RUNTIME_DIR!, 'mcp-call'))).mode & 0o777).toBe(0o700);

    const stop = await runCall(['stop', '--stdio', stdio], { env });
    expect(stop).toMatchObject({ code: 0, stderr: expect.stringMatching(/^1 warm server for sh -c echo \$\$ >> \S+; exec .* stdio stopped\n$/) });
    expect(isAlive(daemon!)).toBe(false);
    expect(await gone(servers[0]!)).toBe(true);
    expect(await readdir(join(env.XDG_RUNTIME_DIR!, 'mcp-call'))).toEqual([]);
  });

  it('starts one daemon and one server for concurrent first calls, and serves progress and errors through it', async () => {
    await setUp();
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => runCall(['--stdio', stdio, '--keep-alive', '60', 'get-sum', '--a', String(i), '--b', '1'], { env })));
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 6 }, (_, i) => `The sum of ${i} and 1 is ${i + 1}.\n`));
    expect(await serverPids()).toHaveLength(1);
    expect(await daemonPids()).toHaveLength(1);
    // A server error and a usage error come back as they would without the daemon.
    const unknown = await runCall(['--stdio', stdio, '--keep-alive', '60', 'no-such-tool', '--x', '1'], { env });
    expect(unknown.code).toBe(2);
    const json = await runCall(['--stdio', stdio, '--keep-alive', '60', 'trigger-long-running-operation', '--duration', '1', '--steps', '2', '--json'], { env });
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain('Long running operation completed');
  });

  it('leaves no process behind when the daemon is killed (SIGKILL), and the next call starts afresh', async () => {
    await setUp();
    expect((await runCall(['--stdio', stdio, '--keep-alive', '60', 'echo', '--message', 'a'], { env })).code).toBe(0);
    const [daemon] = await daemonPids();
    const [server] = await serverPids();
    process.kill(daemon!, 'SIGKILL');
    // Its server reads end of input and exits.
    expect(await gone(server!)).toBe(true);
    const again = await runCall(['--stdio', stdio, '--keep-alive', '60', 'echo', '--message', 'b'], { env });
    expect(again, again.stderr).toMatchObject({ code: 0, stdout: 'Echo: b\n' });
    expect(await serverPids()).toHaveLength(2);
  });

  it('says why a server cannot start (exit 3), and leaves no daemon behind', async () => {
    await setUp();
    const failed = await runCall(['--stdio', `sh -c 'echo boom >&2; exit 3'`, '--keep-alive', '60', 'echo'], { env });
    expect(failed).toMatchObject({ code: 3, stderr: 'mcp-call: The server "sh -c echo boom >&2; exit 3" exited with code 3; its last stderr lines: boom\n' });
    expect(await readdir(join(env.XDG_RUNTIME_DIR!, 'mcp-call'))).toEqual([]);
  });

  it('ends on its own after the idle time', async () => {
    await setUp();
    expect((await runCall(['--stdio', stdio, '--keep-alive', '0.5', 'echo', '--message', 'a'], { env })).code).toBe(0);
    const [daemon] = await daemonPids();
    const [server] = await serverPids();
    expect(await gone(daemon!)).toBe(true);
    expect(await gone(server!)).toBe(true);
  });
});
