import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

import type { ToolInfo } from '../client/operations.ts';
import type { ConnectionSettings } from './connection-settings.ts';

/** How long a cached tools list answers shell completion before the server is asked again. */
const FRESH_MS = 5 * 60 * 1000;

/**
 * The tools list that shell completion reads, cached per server for a few minutes, so that a
 * Tab press does not connect every time. It lives in the user's cache directory (0700, files
 * 0600); nothing secret is written, and the key is a digest of the server's URL or command.
 */
export async function cachedTools(settings: ConnectionSettings, env: NodeJS.ProcessEnv, fetchTools: (() => Promise<ToolInfo[]>) | undefined): Promise<ToolInfo[]> {
  const file = cacheFile(settings, env);
  // Without a way to ask (a stdio server, which completion never starts), any kept list answers.
  const fresh = await stat(file).then((s) => fetchTools === undefined || Date.now() - s.mtimeMs < FRESH_MS, () => false);
  if (fresh) {
    const cached = await readFile(file, 'utf8').then((text) => JSON.parse(text) as unknown, () => undefined);
    if (Array.isArray(cached)) return cached as ToolInfo[];
  }
  if (fetchTools === undefined) return [];
  const tools = await fetchTools();
  await keepTools(settings, env, tools);
  return tools;
}

/** Keeps a tools list for completion (`mcp-call tools` of a stdio server keeps its list here). */
export async function keepTools(settings: ConnectionSettings, env: NodeJS.ProcessEnv, tools: ToolInfo[]): Promise<void> {
  const file = cacheFile(settings, env);
  await mkdir(join(file, '..'), { recursive: true, mode: 0o700 })
    .then(() => writeFile(file, JSON.stringify(tools), { mode: 0o600 }))
    .catch(() => undefined); // a read-only home only costs the next Tab a connection
}

function cacheFile(settings: ConnectionSettings, env: NodeJS.ProcessEnv): string {
  const target = settings.stdio ? JSON.stringify([settings.stdio.command, ...settings.stdio.args]) : settings.url;
  const digest = createHash('sha256').update(target).digest('hex').slice(0, 32);
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'mcp-call', `tools-${digest}.json`);
}
