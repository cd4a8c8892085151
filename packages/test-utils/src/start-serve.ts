import { type ChildProcess, spawn } from 'node:child_process';

import { SERVE_BIN } from './paths.ts';

/** A spawned mcp-serve. */
export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Waits until stderr contains `text` (or times out). */
  waitForStderr(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM, then resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Every mcp-serve this test file started that has not exited: stopped after the file (stop-started.ts). */
const running = new Set<ChildProcess>();

/**
 * Stops each mcp-serve this test file started and left running (a test that failed before its
 * own stop): SIGTERM, then SIGKILL after 5 seconds.
 */
export async function stopStartedServers(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

/**
 * Spawns the built `mcp-serve --port 0 …` and resolves once its ready line gives the URL.
 * Rejects with its stderr if it exits first.
 */
export async function startServe(
  args: string[] = [],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ServeProcess> {
  const child = spawn(process.execPath, [SERVE_BIN, '--port', '0', ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const check of waiters) check();
  });
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );

  const waitForStderr = (text: string | RegExp, timeoutMs = 15_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const found = (): boolean => (typeof text === 'string' ? stderr.includes(text) : text.test(stderr));
      if (found()) return resolve();
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${String(text)} in mcp-serve stderr:\n${stderr}`));
      }, timeoutMs);
      const check = (): void => {
        if (!found()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      void exited.then(() => {
        if (found()) return;
        clearTimeout(timer);
        reject(new Error(`mcp-serve exited before printing ${String(text)}:\n${stderr}`));
      });
    });

  await waitForStderr(/ready http:\/\/\S+/, options.timeoutMs);
  const url = /ready (http:\/\/\S+)/.exec(stderr)![1]!;
  return {
    url,
    child,
    stderr: () => stderr,
    waitForStderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
