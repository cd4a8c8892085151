import { dirname } from 'node:path';

import { ConfigError } from '@mcp-cli/core';
import { cosmiconfig, type Loader } from 'cosmiconfig';

import { describeLoadError } from './describe-load-error.ts';
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
  'mcp-serve.config.json',
  'mcp-serve.config.yaml',
  'mcp-serve.config.yml',
];

/**
 * Finds and validates the config: `explicitPath` when given, else a search from `cwd`.
 * Returns undefined when there is no config at all.
 *
 * @throws ConfigError naming the file, the key, what was found and what is expected.
 */
export async function loadConfig(options: {
  cwd: string;
  explicitPath?: string;
  /** Read the file again rather than from the import cache (a `--watch` reload). */
  fresh?: boolean;
}): Promise<LoadedConfig | undefined> {
  const loadWithImport: Loader = async (filepath) => {
    const mod = await importModule(filepath, options.fresh);
    return mod.default ?? mod;
  };
  const explorer = cosmiconfig(MODULE_NAME, {
    cache: !options.fresh,
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
    throw new ConfigError(`Invalid config ${result.filepath}: ${formatIssues(parsed.error.issues, configKeysAt)}`, 'E_CONFIG_INVALID');
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
  const where = (err as { filepath?: string }).filepath ?? explicitPath ?? 'config file';
  return new ConfigError(`Cannot load config ${where}: ${describeLoadError(error, where)}`, 'E_CONFIG_LOAD', {
    cause: error,
  });
}

/** The keys the config schema knows at a dot path ("" is the root, "limits" its limits). */
export function configKeysAt(path: string): string[] {
  let schema: unknown = serveConfigSchema;
  for (const part of path ? path.split('.') : []) {
    schema = unwrap((schema as { shape?: Record<string, unknown> }).shape?.[part]);
  }
  const shape = (unwrap(schema) as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

function unwrap(schema: unknown): unknown {
  // Optional keys wrap their object schema; the shape is inside.
  const inner = (schema as { unwrap?: () => unknown } | undefined)?.unwrap;
  return typeof inner === 'function' ? unwrap(inner.call(schema)) : schema;
}
