import { loadModules } from './config/load-modules.ts';
import type { ResolvedServeConfig } from './config/resolve-config.ts';
import { buildRegistry, type Registry } from './server/registry.ts';

/**
 * Imports every module the config names and indexes their definitions.
 *
 * @throws ConfigError for a module that fails to load, exports nothing valid, or repeats a name.
 */
export async function loadRegistry(
  config: Pick<ResolvedServeConfig, 'modules'>,
  options: { fresh?: boolean } = {},
): Promise<Registry> {
  return buildRegistry(await loadModules(config.modules, options));
}
