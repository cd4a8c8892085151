import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { writeTempFiles } from './temp-dir.ts';

/** The processes a test started, as its fixtures recorded them (never a search of every process). */
export interface PidFile {
  /** Where fixtures append their pids, one per line (`sdk-server.mjs --pid-file PATH`). */
  path: string;
  /** Every pid recorded so far. */
  pids(): Promise<number[]>;
  /** The recorded pids that are still running (a zombie has ended). */
  alive(): Promise<number[]>;
}

/** A new, empty pid file in a temporary directory of its own. */
export async function pidFile(): Promise<PidFile> {
  const path = join(await writeTempFiles({ pids: '' }), 'pids');
  const pids = async (): Promise<number[]> => (await readFile(path, 'utf8')).split('\n').filter(Boolean).map(Number);
  return {
    path,
    pids,
    alive: async () => {
      const running: number[] = [];
      for (const pid of await pids()) {
        const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
        // The state follows the command name in parentheses: Z is a zombie, X is dead.
        const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        if (stat && state !== 'Z' && state !== 'X') running.push(pid);
      }
      return running;
    },
  };
}
