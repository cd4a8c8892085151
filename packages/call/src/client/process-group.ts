import type { ChildProcess } from 'node:child_process';

/**
 * Signals a child started with `detached: true` and everything it started (its process group:
 * what `npx` or a shell runs); on Windows, or before it has a pid, the child alone.
 */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (process.platform === 'win32' || child.pid === undefined) child.kill(signal);
    else process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
