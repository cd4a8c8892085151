import { spawn } from 'node:child_process';

import { CALL_BIN, SERVE_BIN } from './paths.ts';

/** What a finished process printed and returned. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a node script to completion, feeding `input` on stdin. */
export function runNode(
  script: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} ${args.join(' ')} did not finish:\n${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Runs the built `mcp-call` with `args`. */
export function runCall(args: string[], options: Parameters<typeof runNode>[2] = {}): Promise<RunResult> {
  return runNode(CALL_BIN, args, options);
}

/** Runs the built `mcp-serve` to completion (for start-up failures). */
export function runServe(args: string[], options: Parameters<typeof runNode>[2] = {}): Promise<RunResult> {
  return runNode(SERVE_BIN, args, options);
}
