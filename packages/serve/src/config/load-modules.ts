import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';

import { ConfigError, type Definition } from '@mcp-cli/core';
import { glob, isDynamicPattern } from 'tinyglobby';

import { isSdkServer, type SdkServerLike } from '../gateway/in-process-link.ts';
import { importModule } from './import-module.ts';
import { validateDefinition } from './validate-definition.ts';
import { describeLoadError } from './describe-load-error.ts';

/** The definitions one module file exported. */
export interface LoadedModule {
  file: string;
  definitions: Definition[];
  /**
   * An official SDK server the module exports: served as it is, next to the other modules. A
   * factory (a default-exported function that returns one) gives each client session its own.
   */
  sdkServer?: { create: () => SdkServerLike | Promise<SdkServerLike>; perSession: boolean };
}

/**
 * Resolves module paths and globs, imports each file once and collects its definitions
 * (the default export, which may be an array, and every named export that is a definition).
 *
 * @throws ConfigError naming the file and the reason, for every module that fails.
 */
export async function loadModules(
  modules: { pattern: string; baseDir: string }[],
  options: { fresh?: boolean } = {},
): Promise<LoadedModule[]> {
  const files = await expandPatterns(modules);
  const problems: string[] = [];
  const loaded: LoadedModule[] = [];
  for (const file of files) {
    try {
      const exports = await importModule(file, options.fresh);
      const sdkServer = findSdkServer(exports);
      loaded.push(sdkServer ? { file, definitions: [], sdkServer } : { file, definitions: collectDefinitions(file, exports) });
    } catch (error) {
      const reason = error instanceof ConfigError ? error.message : describeLoadError(error, file);
      problems.push(reason.startsWith(file) ? reason : `${file}: ${reason}`);
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(`Cannot load module ${problems.join('; ')}`, 'E_MODULE_INVALID');
  }
  return loaded;
}

async function expandPatterns(modules: { pattern: string; baseDir: string }[]): Promise<string[]> {
  const files = new Set<string>();
  for (const { pattern, baseDir } of modules) {
    if (!isDynamicPattern(pattern)) {
      const file = resolve(baseDir, pattern);
      if (!existsSync(file)) {
        throw new ConfigError(
          `Module not found: ${file} (listed as "${pattern}" relative to ${baseDir})`,
          'E_MODULE_NOT_FOUND',
        );
      }
      files.add(file);
      continue;
    }
    const cwd = isAbsolute(pattern) ? '/' : baseDir;
    const matches = await glob(isAbsolute(pattern) ? relative('/', pattern) : pattern, {
      cwd,
      absolute: true,
      ignore: ['**/node_modules/**', '**/*.d.ts'],
    });
    if (matches.length === 0) {
      throw new ConfigError(
        `No module matches "${pattern}" in ${baseDir}: check the glob in the config`,
        'E_MODULE_NOT_FOUND',
      );
    }
    for (const match of matches.sort()) files.add(match);
  }
  return [...files];
}

/** An SDK server exported by a module: an instance, or a default-exported factory of one. */
function findSdkServer(exports: Record<string, unknown>): LoadedModule['sdkServer'] {
  for (const value of Object.values(exports)) {
    if (isSdkServer(value)) return { create: () => value, perSession: false };
  }
  const factory = exports.default;
  if (typeof factory === 'function' && !/^class\b/.test(Function.prototype.toString.call(factory))) {
    return {
      create: async () => {
        const made: unknown = await (factory as () => unknown)();
        if (!isSdkServer(made)) throw new ConfigError('the default export is a function that did not return an SDK McpServer', 'E_MODULE_INVALID');
        return made;
      },
      perSession: true,
    };
  }
  return undefined;
}

function collectDefinitions(file: string, exports: Record<string, unknown>): Definition[] {
  const definitions: Definition[] = [];
  const seen = new Set<unknown>();
  for (const [exportName, value] of Object.entries(exports)) {
    // A CommonJS module imported from ESM shows its exports object again as `default`.
    const candidates = Array.isArray(value) ? value : [value];
    for (const candidate of candidates) {
      if (seen.has(candidate) || !looksLikeDefinition(candidate)) continue;
      seen.add(candidate);
      definitions.push(validateDefinition(candidate, `${file} (export "${exportName}")`));
    }
    if (exportName === 'default' && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const nested of Object.values(value)) {
        if (seen.has(nested) || !looksLikeDefinition(nested)) continue;
        seen.add(nested);
        definitions.push(validateDefinition(nested, `${file} (export "default")`));
      }
    }
  }
  if (definitions.length === 0) {
    throw new ConfigError(
      `${file}: exports no tool, resource or prompt (export default defineTool({...}) or named definitions)`,
      'E_MODULE_EMPTY',
    );
  }
  return definitions;
}

function looksLikeDefinition(value: unknown): value is Record<string, unknown> {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.kind === 'string' || typeof v.handler === 'function' || typeof v.get === 'function';
}
