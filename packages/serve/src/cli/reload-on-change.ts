import { basename } from 'node:path';

import { loadConfig } from '../config/load-config.ts';
import { type ConfigLayer, type ResolvedServeConfig, resolveConfig } from '../config/resolve-config.ts';
import { type LoadedModule, loadModules } from '../config/load-modules.ts';
import type { Logger } from '../logger.ts';
import type { Registry } from '../server/registry.ts';
import type { ServerHandle } from '../start-server.ts';
import type { ModuleWatch } from './watch-modules.ts';

/** What a reload needs: the running server, the config it runs with, and how to re-read it. */
export interface ReloadContext {
  handle: Pick<ServerHandle, 'replaceRegistry'>;
  config: ResolvedServeConfig;
  configFile: string | undefined;
  /** The layers above the config file (environment, flags), which an edit does not change. */
  overrides: ConfigLayer[];
  logger: Logger;
  watch: () => ModuleWatch | undefined;
  /** The registry of freshly loaded modules (plus what upstream servers serve). */
  rebuild: (modules: LoadedModule[]) => Registry;
}

/**
 * Handles a `--watch` change: edited modules are re-imported; an edited config file is re-read,
 * its module lists applied at once, and any other setting named as needing a restart.
 */
export function reloadOnChange(context: ReloadContext): (changed: { modules: string[]; config: boolean }) => Promise<void> {
  const { handle, logger } = context;
  let config = context.config;
  return async (changed) => {
    try {
      if (changed.config && context.configFile) {
        const loaded = await loadConfig({ cwd: process.cwd(), explicitPath: context.configFile, fresh: true });
        const next = await resolveConfig([...(loaded ? [{ config: loaded.config, baseDir: loaded.baseDir }] : []), ...context.overrides]);
        const restart = changedSettings(config, next);
        if (restart.length > 0) logger.warn(`${basename(context.configFile)} changed ${restart.join(', ')}: restart mcp-serve to apply ${restart.length > 1 ? 'them' : 'it'}`);
        config = { ...config, modules: next.modules };
        context.watch()?.follow(config.modules);
      }
      await handle.replaceRegistry(context.rebuild(await loadModules(config.modules, { fresh: true })));
      const what = [...changed.modules.map((file) => basename(file)), ...(changed.config && context.configFile ? [basename(context.configFile)] : [])];
      logger.info(`modules reloaded (${what.join(', ')} changed)`);
    } catch (error) {
      logger.error(`reload failed, still serving the previous modules: ${(error as Error).message}`);
    }
  };
}

/** Top-level settings other than the module lists that differ: these need a restart. */
function changedSettings(current: ResolvedServeConfig, next: ResolvedServeConfig): string[] {
  const keys = Object.keys(current) as (keyof ResolvedServeConfig)[];
  return keys.filter((key) => key !== 'modules' && JSON.stringify(current[key]) !== JSON.stringify(next[key]));
}
