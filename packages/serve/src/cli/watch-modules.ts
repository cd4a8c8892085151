import { dirname, resolve } from 'node:path';

import type { Logger } from '../logger.ts';

/** What `--watch` follows and what it does on a change. */
export interface WatchOptions {
  modules: { pattern: string; baseDir: string }[];
  /** The config file, when there is one: an edit re-reads it. */
  configFile: string | undefined;
  /** Called (debounced, one at a time) with the files that changed since the last call. */
  onChange(changed: { modules: string[]; config: boolean }): Promise<void>;
  logger: Logger;
}

/** A running watch. */
export interface ModuleWatch {
  /** Settles once the initial scan is done: changes from then on are seen. */
  ready: Promise<void>;
  /** Follows the directories of a new set of module patterns (after a config edit). */
  follow(modules: { pattern: string; baseDir: string }[]): void;
  close(): Promise<void>;
}

const SCRIPT = /\.(c|m)?(j|t)s$/;

/**
 * Watches the directories of the module patterns, and the config file, with chokidar: it keeps
 * following a file that an editor or `sed -i` replaces by rename (an atomic save), which Node's
 * own recursive watcher loses.
 */
export async function watchModules(options: WatchOptions): Promise<ModuleWatch> {
  const { default: chokidar } = await import('chokidar');
  const { logger, configFile } = options;
  const paths = [...directoriesOf(options.modules), ...(configFile ? [configFile] : [])];
  const watcher = chokidar.watch(paths, {
    ignoreInitial: true,
    ignored: (path) => /[\\/]node_modules[\\/]|[\\/]\.git[\\/]/.test(path),
  });
  const pending = { modules: new Set<string>(), config: false };
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const schedule = (file: string): void => {
    if (configFile && resolve(file) === configFile) pending.config = true;
    else if (SCRIPT.test(file)) pending.modules.add(file);
    else return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      const changed = { modules: [...pending.modules], config: pending.config };
      pending.modules.clear();
      pending.config = false;
      running = running.then(() => options.onChange(changed)).catch((error: unknown) => logger.error(String(error)));
    }, 100);
  };
  for (const event of ['add', 'change', 'unlink'] as const) watcher.on(event, schedule);
  watcher.on('error', (error) => logger.warn(`watching failed: ${(error as Error).message}`));
  const ready = new Promise<void>((done) => watcher.once('ready', () => done()));
  return {
    ready,
    follow(modules) {
      watcher.add(directoriesOf(modules));
    },
    async close() {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}

function directoriesOf(modules: { pattern: string; baseDir: string }[]): string[] {
  return [...new Set(modules.map(({ pattern, baseDir }) => staticDir(resolve(baseDir, pattern))))];
}

/** The part of a glob before its first wildcard, as a directory. */
function staticDir(pattern: string): string {
  const wildcard = pattern.search(/[*?[{]/);
  if (wildcard === -1) return dirname(pattern);
  return dirname(pattern.slice(0, wildcard) + 'x');
}
