import { dirname } from 'node:path';

import { ConfigError } from '@mcp-cli/core';
import { cosmiconfig, type Loader } from 'cosmiconfig';

import { formatIssues } from './format-issues.ts';
import { importModule } from './import-module.ts';
import { type ServeConfig, serveConfigSchema } from './config-schema.ts';

/** The config file that was found, validated. */
export interface LoadedConfig {
  /** Absolute path of the file the config came from. */
  filepath: string;
  /** Directory that relative module paths resolve from. */
  baseDir: string;
  config: ServeConfig;
}

const MODULE_NAME = 'mcp-serve';

const SEARCH_PLACES = [
  'package.json',
  '.mcp-serverc',
  '.mcp-serverc.json',
  '.mcp-serverc.yaml',
  '.mcp-serverc.yml',
  'mcp-serve.config.js',
  'mcp-serve.config.mjs',
  'mcp-serve.config.cjs',
  'mcp-serve.config.ts',
  'mcp-serve.config.mts',
];

const loadWithImport: Loader = async (filepath) => {
  const mod = await importModule(filepath);
  return mod.default ?? mod;
};

/**
 * Finds and validates the config: `explicitPath` when given, else a search from `cwd`.
 * Returns undefined when there is no config at all.
 *
 * @throws ConfigError naming the file, the key, what was found and what is expected.
 */
export async function loadConfig(options: {
  cwd: string;
  explicitPath?: string;
}): Promise<LoadedConfig | undefined> {
  const explorer = cosmiconfig(MODULE_NAME, {
    searchPlaces: SEARCH_PLACES,
    searchStrategy: 'project',
    loaders: {
      '.js': loadWithImport,
      '.mjs': loadWithImport,
      '.cjs': loadWithImport,
      '.ts': loadWithImport,
      '.mts': loadWithImport,
    },
  });
  let result;
  try {
    result = options.explicitPath
      ? await explorer.load(options.explicitPath)
      : await explorer.search(options.cwd);
  } catch (error) {
    throw describeLoadFailure(error, options.explicitPath);
  }
  if (!result) return undefined;
  if (result.isEmpty || result.config === undefined || result.config === null) {
    return { filepath: result.filepath, baseDir: dirname(result.filepath), config: {} };
  }
  const parsed = serveConfigSchema.safeParse(result.config, { reportInput: true });
  if (!parsed.success) {
    const known = Object.keys(serveConfigSchema.shape);
    throw new ConfigError(`Invalid config ${result.filepath}: ${formatIssues(parsed.error.issues, known)}`);
  }
  return { filepath: result.filepath, baseDir: dirname(result.filepath), config: parsed.data };
}

function describeLoadFailure(error: unknown, explicitPath: string | undefined): ConfigError {
  const err = error as NodeJS.ErrnoException;
  if (err.code === 'ENOENT' && explicitPath) {
    return new ConfigError(
      `Config file not found: ${explicitPath} (check the --config path)`,
      'E_CONFIG_NOT_FOUND',
      { cause: error },
    );
  }
  const where = explicitPath ?? (err as { filepath?: string }).filepath ?? 'config file';
  const message = (err.message || String(error)).split('\n')[0];
  return new ConfigError(`Cannot load config ${where}: ${message}`, 'E_CONFIG_LOAD', {
    cause: error,
  });
}
