import { basename } from 'node:path';

import { UsageError } from '@mcp-cli/core';

import { BUILTIN_INFO, builtinHello } from '../builtin/hello.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import { type LoadedModule, loadModules } from '../config/load-modules.ts';
import type { ResolvedServeConfig } from '../config/resolve-config.ts';
import { packageRunner } from '../gateway/package-runner.ts';
import { type Gateway, startGateway } from '../gateway/start-gateway.ts';
import type { InProcessSpec } from '../gateway/upstream.ts';
import type { Logger } from '../logger.ts';
import { buildRegistry, type Registry } from '../server/registry.ts';
import { buildRoutes } from '../server/server-routes.ts';
import { loadSkills } from '../server/skills.ts';
import type { StateStore } from '../store/state-store.ts';

/** What a server serves: its registry, and how to rebuild it when modules or upstreams change. */
export interface Serving {
  registry: Registry;
  /** Rebuilds from new modules (after a --watch reload) and what the upstreams serve now. */
  rebuild(modules?: LoadedModule[]): Registry;
  gateway: Gateway | undefined;
  /** Where the definitions come from, for the banner. */
  source: string;
  builtin: boolean;
}

/**
 * Loads the config's modules and starts its upstream servers (and the one of
 * `mcp-serve -- CMD …`, served without a prefix). With neither, the built-in hello example.
 * `onUpstreamChange` gets the new registry when an upstream restarts or changes its lists.
 *
 * @throws ConfigError for a module that fails, an upstream that cannot start, or names that collide.
 */
export async function assembleServing(
  config: ResolvedServeConfig,
  loaded: LoadedConfig | undefined,
  upstreamCommand: string[],
  logger: Logger,
  onUpstreamChange: (registry: Registry) => void,
  /** Served to one client (stdio): its upstreams are its own, roots and all. `replay`: a recording to serve. */
  { oneClient = false, replay, store }: { oneClient?: boolean; replay?: string | undefined; store?: StateStore | undefined } = {},
): Promise<Serving> {
  const [command, ...args] = upstreamCommand;
  if (command && /^https?:\/\//i.test(command)) {
    throw new UsageError(`mcp-serve -- takes a command that starts a stdio server, not a URL: put ${command} in the config's "servers" ({ servers: { name: { url: "${command}" } } })`, 'E_USAGE');
  }
  if (command && replay) throw new UsageError('--replay serves a recording, mcp-serve -- CMD a live server: give one of them', 'E_USAGE');
  if (command) config.servers = { ...config.servers, [upstreamName(command, args)]: { command, args, prefix: '' } };
  const builtin = !loaded && !command && !replay && Object.keys(config.servers).length === 0;
  if (builtin) Object.assign(config, BUILTIN_INFO);
  // A recording served back: its server's identity, unless the config names one.
  const replayed = replay ? await (await import('../replay/replay-modules.ts')).loadReplay(replay) : undefined;
  if (replayed && !loaded?.config.name) Object.assign(config, replayed.info);
  let modules = builtin ? builtinHello() : [...(replayed?.modules ?? []), ...(await loadModules(config.modules))];
  if (loaded && config.modules.length === 0 && Object.keys(config.servers).length === 0 && config.skills === undefined) {
    logger.warn(`${loaded.filepath} lists no modules: add "tools", "resources", "prompts", "skills" or "servers" to it`);
  }
  let gateway: Gateway | undefined;
  const skills = config.skills === undefined ? undefined : await loadSkills(config.skills);
  const rebuild = (next?: LoadedModule[]): Registry => {
    if (next) modules = next;
    // Served to one client (stdio) there are no URLs, so no server routes.
    const routes = gateway && !oneClient ? buildRoutes(gateway.routes()) : undefined;
    return { ...buildRegistry([...modules, ...(gateway?.modules() ?? [])]), skills, ...(routes ? { routes } : {}) };
  };
  // Modules that export an SDK server are served through the gateway, in this process, as they are.
  const inProcess: Record<string, InProcessSpec> = {};
  for (const module of modules) {
    if (module.sdkServer) inProcess[basename(module.file).replace(/\.[^.]+$/, '')] = { ...module.sdkServer, prefix: '' };
  }
  if (Object.keys(config.servers).length > 0 || Object.keys(inProcess).length > 0) {
    gateway = await startGateway(config, logger, () => {
      try {
        onUpstreamChange(rebuild());
      } catch (error) {
        logger.error(`an upstream change could not be applied, still serving the previous lists: ${(error as Error).message}`);
      }
    }, inProcess, { oneClient, store });
  }
  let registry: Registry;
  try {
    registry = rebuild();
  } catch (error) {
    await gateway?.stop();
    throw error;
  }
  const source = builtin ? 'built-in hello example: no config file found' : replay ? `replay of ${replay}` : (loaded?.filepath ?? `${command} (stdio)`);
  return { registry, rebuild, gateway, source, builtin };
}

/**
 * The name of `mcp-serve -- CMD ARGS…` in logs and /health: the command's own name, or for `npx
 * -y @scope/server-memory@1` and the like, the package's (`server-memory`).
 */
export function upstreamName(command: string, args: string[]): string {
  const runner = packageRunner(command);
  const runnerArgs = runner === 'pnpm' ? (args[0] === 'dlx' ? args.slice(1) : undefined) : runner ? args : undefined;
  const pkg = runnerArgs?.find((arg) => !arg.startsWith('-'));
  const name = pkg ? pkg.replace(/^@[^/]+\//, '').replace(/@[^@]*$/, '') : basename(command);
  return name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'server';
}
