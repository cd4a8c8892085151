import { TimeoutError } from '@mcp-cli/core';

/**
 * The command's deadline. Its timer keeps the process alive on purpose: whatever a server does
 * (or fails to do), a waiting command ends at the deadline with exit 4, never by the event loop
 * running dry. It is cleared when the command ends.
 */
export function deadline(ms: number, advice = 'raise it with --timeout SECONDS'): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new TimeoutError(`Timed out after ${ms / 1000} s (${advice})`)), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
