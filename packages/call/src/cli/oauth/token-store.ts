import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { UsageError } from '@mcp-cli/core';

import type { StoredDpopKey } from './dpop.ts';

// Logins are files in one directory (login-directory.ts names it). Callers hand the directory
// in, so this module, loaded only where logins are used, shares no code with a plain call's start-up.

/** What mcp-call keeps for one server: its registration with each authorization server, and its tokens. */
export interface StoredLogin {
  /** The MCP server (the protected resource). */
  server: string;
  /** The authorization server that issued the tokens. */
  issuer?: string;
  /** Client registrations, by authorization server issuer. */
  clients: Record<string, Record<string, unknown>>;
  tokens?: Record<string, unknown>;
  /** When the tokens were saved (epoch ms): with `expires_in`, when they expire. */
  savedAt?: number;
  /** The key DPoP-bound tokens are bound to, when the authorization server binds them. */
  dpopKey?: StoredDpopKey;
}

/** A server's file: named by a digest of its URL. */
function loginFile(directory: string, server: string): string {
  return join(directory, `${createHash('sha256').update(server).digest('hex').slice(0, 32)}.json`);
}

/**
 * Makes the login directory and its files this user's alone (0700 and 0600), whatever modes they
 * were found with: tokens are never read from or written to a place others can reach.
 *
 * @throws UsageError when the directory or a file belongs to another user or is not a plain one.
 */
async function secureDirectory(directory: string): Promise<void> {
  const owner = process.getuid?.();
  const info = await lstat(directory).catch(() => undefined);
  if (!info) return;
  const refuse = (path: string, why: string): never => {
    throw new UsageError(`mcp-call keeps tokens in ${path}, which ${why}: remove it, or set XDG_CONFIG_HOME to a folder of your own`, 'E_LOGIN_STORE');
  };
  if (!info.isDirectory()) refuse(directory, 'is not a folder');
  if (owner !== undefined && info.uid !== owner) refuse(directory, 'belongs to another user');
  if ((info.mode & 0o077) !== 0) await chmod(directory, 0o700);
  for (const name of await readdir(directory)) {
    const file = join(directory, name);
    const entry = await lstat(file);
    if (!entry.isFile()) refuse(file, 'is not a plain file');
    if (owner !== undefined && entry.uid !== owner) refuse(file, 'belongs to another user');
    if ((entry.mode & 0o077) !== 0) await chmod(file, 0o600);
  }
}

/** The login kept for a server, if any (an unreadable or foreign file counts as none). */
export async function readLogin(directory: string, server: string): Promise<StoredLogin | undefined> {
  await secureDirectory(directory);
  try {
    const login = JSON.parse(await readFile(loginFile(directory, server), 'utf8')) as StoredLogin;
    return login.server === server ? login : undefined;
  } catch {
    return undefined;
  }
}

/** Saves a server's login, readable by this user only. */
export async function writeLogin(directory: string, login: StoredLogin): Promise<void> {
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await secureDirectory(directory);
  // Written whole to a new 0600 file, then renamed over the old one: never a moment with loose modes.
  const file = loginFile(directory, login.server);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(login, null, 2), { mode: 0o600, flag: 'wx' });
  await rename(temporary, file);
}

/** Forgets a server's login; false when there was none. */
export async function removeLogin(directory: string, server: string): Promise<boolean> {
  if (!(await readLogin(directory, server))) return false;
  await rm(loginFile(directory, server), { force: true });
  return true;
}

/** Every login kept. */
export async function listLogins(directory: string): Promise<StoredLogin[]> {
  await secureDirectory(directory);
  const names = await readdir(directory).catch(() => [] as string[]);
  const logins = await Promise.all(
    names.filter((name) => name.endsWith('.json')).map(async (name) => JSON.parse(await readFile(join(directory, name), 'utf8').catch(() => 'null')) as StoredLogin | null),
  );
  return logins.filter((login): login is StoredLogin => login !== null && typeof login.server === 'string');
}

/** A login's access token; `dpop` when it is bound to the key kept with it. */
export function keptToken(login: StoredLogin | undefined): { token: string; dpop: boolean } | undefined {
  const token = login?.tokens?.access_token;
  if (typeof token !== 'string') return undefined;
  return { token, dpop: String(login?.tokens?.token_type).toLowerCase() === 'dpop' && login?.dpopKey !== undefined };
}
