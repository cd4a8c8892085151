import { type FSWatcher, watch } from 'node:fs';
import { dirname, resolve } from 'node:path';

import type { Logger } from '../logger.ts';

/**
 * Watches the directories of the module patterns and calls `onChange` (debounced) when a script
 * file in them changes. Returns a function that stops watching.
 */
export function watchModules(
  modules: { pattern: string; baseDir: string }[],
  onChange: () => Promise<void>,
  logger: Logger,
): () => void {
  const dirs = new Set(modules.map(({ pattern, baseDir }) => staticDir(resolve(baseDir, pattern))));
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const schedule = (file: string | null): void => {
    if (file && !/\.(c|m)?(j|t)s$/.test(file)) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(onChange).catch((error: unknown) => logger.error(String(error)));
    }, 100);
  };
  const watchers: FSWatcher[] = [];
  for (const dir of dirs) {
    try {
      watchers.push(watch(dir, { recursive: true }, (_event, file) => schedule(file)));
    } catch (error) {
      logger.warn(`cannot watch ${dir}: ${(error as Error).message}`);
    }
  }
  return () => {
    clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
  };
}

/** The part of a glob before its first wildcard, as a directory. */
function staticDir(pattern: string): string {
  const wildcard = pattern.search(/[*?[{]/);
  if (wildcard === -1) return dirname(pattern);
  return dirname(pattern.slice(0, wildcard) + 'x');
}
