import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { UsageError } from '@mcp-cli/core';

/**
 * The user's private folder of warm-server daemons: `$XDG_RUNTIME_DIR/mcp-call`, else
 * `mcp-call-UID` in the temporary folder. Created 0700; one that another user owns, or that others
 * can enter, is refused (its sockets could be someone else's).
 *
 * @throws UsageError naming the folder and what is wrong with it.
 */
export function daemonDirectory(env: NodeJS.ProcessEnv): string {
  const uid = process.getuid?.() ?? 0;
  const dir = env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'mcp-call') : join(tmpdir(), `mcp-call-${uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o077) !== 0) {
    throw new UsageError(`${dir} is not a private folder of yours (it must be a directory you own with mode 0700): remove it, or set XDG_RUNTIME_DIR`, 'E_DAEMON_DIR');
  }
  return dir;
}

/** The socket and pid files of the daemon for one server spec (whatever makes its connection differ). */
export function daemonFiles(dir: string, spec: unknown): { key: string; socket: string; pidFile: string } {
  const key = createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 24);
  return { key, socket: join(dir, `${key}.sock`), pidFile: join(dir, `${key}.pid`) };
}
