import { chmod, mkdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';

import { UsageError } from '@mcp-cli/core';

/**
 * Directories whose config files the user has trusted (`mcp-call trust DIR`), as git's
 * safe.directory or VS Code's workspace trust: a config found in a project directory can run
 * commands (a stdio server), run code (a JS config) and send the user's secrets (`${VAR}` in a
 * header), so one from a cloned repository is used only once the user has said so. A trusted
 * directory covers its subdirectories. Files in the home directory itself and the user's config
 * folders are the user's own and need no trust.
 */
export interface WorkspaceTrust {
  /** Whether files of `dir` may be used. */
  isTrusted(dir: string): Promise<boolean>;
  /** The command that trusts `dir`, for error messages. */
  hint(dir: string): string;
}

const MAX_TRUST_FILE_BYTES = 1024 * 1024;

/** The file that lists the trusted directories. */
export function trustFile(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'mcp-call', 'trusted-directories.json');
}

/** Reads the trusted directories (none when the file is missing or unreadable). */
export async function loadWorkspaceTrust(env: NodeJS.ProcessEnv): Promise<WorkspaceTrust> {
  const trusted = await readTrusted(env);
  const home = await realpath(env.HOME || homedir()).catch(() => resolve(env.HOME || homedir()));
  const own = [home, await realpath(dirname(trustFile(env))).catch(() => dirname(trustFile(env)))];
  return {
    isTrusted: async (dir) => {
      const real = await realpath(dir).catch(() => resolve(dir));
      if (own.some((place) => real === place || (place !== home && isInside(real, place)))) return true;
      return trusted.some((place) => real === place || isInside(real, place));
    },
    hint: (dir) => `mcp-call trust ${shellWord(dir)}`,
  };
}

/**
 * Adds `dir` (resolved through symlinks) to the trusted directories.
 *
 * @throws UsageError when `dir` is not a directory.
 */
export async function trustDirectory(dir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const real = await realpath(dir).catch(() => undefined);
  if (real === undefined || !(await stat(real)).isDirectory()) throw new UsageError(`Cannot trust "${dir}": not a directory`, 'E_BAD_DIRECTORY');
  const trusted = await readTrusted(env);
  if (!trusted.includes(real)) await writeTrusted(env, [...trusted, real]);
  return real;
}

/** Removes `dir` from the trusted directories; whether it was there. */
export async function distrustDirectory(dir: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const real = await realpath(dir).catch(() => resolve(dir));
  const trusted = await readTrusted(env);
  const kept = trusted.filter((d) => d !== real && d !== resolve(dir));
  if (kept.length !== trusted.length) await writeTrusted(env, kept);
  return kept.length !== trusted.length;
}

/** The trusted directories, as written. */
export async function listTrusted(env: NodeJS.ProcessEnv): Promise<string[]> {
  return readTrusted(env);
}

async function readTrusted(env: NodeJS.ProcessEnv): Promise<string[]> {
  const file = trustFile(env);
  const size = await stat(file).then((s) => (s.isFile() ? s.size : -1), () => -1);
  if (size < 0 || size > MAX_TRUST_FILE_BYTES) return [];
  const parsed = await readFile(file, 'utf8').then((text) => JSON.parse(text) as unknown, () => undefined);
  const list = (parsed as { directories?: unknown } | undefined)?.directories;
  return Array.isArray(list) ? list.filter((d): d is string => typeof d === 'string' && d.startsWith('/')) : [];
}

async function writeTrusted(env: NodeJS.ProcessEnv, directories: string[]): Promise<void> {
  const file = trustFile(env);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // Written whole, then renamed: a reader never sees half a list.
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ directories }, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}

function isInside(dir: string, parent: string): boolean {
  const path = relative(parent, dir);
  return path !== '' && !path.startsWith(`..${sep}`) && path !== '..' && !path.startsWith(sep);
}

function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}
