import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { UsageError } from '@mcp-cli/core';

import type { ServerEntry } from './imports/import-formats.ts';
import type { WorkspaceTrust } from './workspace-trust.ts';

/** The mcp-call config file: a default server, or several named ones. */
export interface CallConfig extends ServerEntry {
  servers?: Record<string, ServerEntry>;
  defaultServer?: string;
}

const SEARCH_PLACES = ['package.json', '.mcp-callrc', '.mcp-callrc.json', '.mcp-callrc.yaml', '.mcp-callrc.yml', 'mcp-call.config.js', 'mcp-call.config.mjs', 'mcp-call.config.cjs'];
const CODE_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts']);
/** The largest config file read. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * mcp-call's own config, searched from the working directory up to the project root. A file in
 * a directory the user has not trusted is refused before it is read as config (a JS config is
 * never run), and with `runCode: false` (shell completion) no JS config is run at all.
 *
 * @throws UsageError for a file that cannot be loaded or is not trusted.
 */
export async function loadOwnConfig(trust: WorkspaceTrust, runCode = true): Promise<{ config: CallConfig; file: string | undefined }> {
  // cosmiconfig is loaded only when no URL was given, so the common call stays fast.
  const { cosmiconfig, defaultLoaders } = await import('cosmiconfig');
  const guarded = (extension: string, load: (file: string, content: string) => unknown) => async (file: string, content: string): Promise<unknown> => {
    const packageJson = file.endsWith('package.json');
    // package.json is everywhere: it matters only when it has an "mcp-call" key.
    if (packageJson && (JSON.parse(content) as Record<string, unknown> | null)?.['mcp-call'] === undefined) return {};
    if (!(await trust.isTrusted(dirname(file)))) {
      throw new UsageError(
        `${file} is in a directory you have not trusted, and a config there can run commands and receive your tokens: if it is yours, run "${trust.hint(dirname(file))}", or pass --url`,
        'E_UNTRUSTED_CONFIG',
      );
    }
    if (CODE_EXTENSIONS.has(extension) && !runCode) throw new UsageError(`${file} is a JS config, which shell completion does not run`, 'E_UNTRUSTED_CONFIG');
    return load(file, content);
  };
  await checkCandidates(process.cwd());
  const loaders = Object.fromEntries(Object.entries(defaultLoaders).map(([extension, load]) => [extension, guarded(extension, load)]));
  const explorer = cosmiconfig('mcp-call', { searchPlaces: SEARCH_PLACES, searchStrategy: 'project', loaders });
  let found;
  try {
    found = await explorer.search();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`Cannot load the mcp-call config: ${(error as Error).message.split('\n')[0]}`, 'E_CONFIG');
  }
  return { config: (found?.config ?? {}) as CallConfig, file: found?.filepath };
}

/**
 * Refuses, before cosmiconfig reads it whole, a candidate that is not a regular file (a FIFO would
 * wait forever, a link to /dev/zero never end) or is too large: the same places cosmiconfig's
 * project search looks at, from `dir` up to the first folder with a package.json.
 *
 * @throws UsageError naming the file.
 */
async function checkCandidates(dir: string): Promise<void> {
  for (let current = dir; ; current = dirname(current)) {
    for (const place of SEARCH_PLACES) {
      const file = join(current, place);
      const found = await stat(file).catch(() => undefined);
      if (!found) continue;
      if (!found.isFile()) throw new UsageError(`Cannot load the mcp-call config ${file}: it is not a regular file`, 'E_CONFIG');
      if (found.size > MAX_CONFIG_BYTES) throw new UsageError(`Cannot load the mcp-call config ${file}: it is larger than ${MAX_CONFIG_BYTES} bytes`, 'E_CONFIG');
    }
    const isProjectRoot = await stat(join(current, 'package.json')).then(() => true, () => false);
    if (isProjectRoot || dirname(current) === current) return;
  }
}
