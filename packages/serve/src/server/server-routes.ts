import type { LoadedModule } from '../config/load-modules.ts';
import { buildRegistry, type Registry } from './registry.ts';

/** Who a server route's server is, as its sessions' `initialize` answers it. */
export interface RouteIdentity {
  serverInfo: { name: string; version: string; title?: string; websiteUrl?: string };
  instructions: string | undefined;
}

/** One upstream of the gateway, served alone at `/mcp/<server>`: its definitions under its own names. */
export interface RoutedServer extends RouteIdentity {
  module: LoadedModule;
  /** What the combined endpoint puts before its names (`memory_`): metrics and logs name them so. */
  prefix: string;
}

/** A server route as its sessions see it: its own registry, and who it is. */
export interface ServerRoute extends RouteIdentity {
  registry: Registry;
  prefix: string;
}

/** What a route that is gone (its server removed by a reload) serves to sessions still open on it. */
export const EMPTY_REGISTRY: Registry = Object.freeze({ tools: new Map(), resources: new Map(), templates: [], prompts: new Map() });

/**
 * Each routed server's registry, built like the combined one.
 *
 * @throws ConfigError when one server lists a name twice (the combined registry refuses it too).
 */
export function buildRoutes(routed: ReadonlyMap<string, RoutedServer>): ReadonlyMap<string, ServerRoute> {
  return new Map([...routed].map(([name, { module, ...rest }]) => [name, { registry: buildRegistry([module]), ...rest }]));
}

/** What a session on `route` sees: that server's registry (an empty one once it is gone), else the whole. */
export function routedRegistry(registry: Registry, route: string | undefined): Registry {
  return route === undefined ? registry : (registry.routes?.get(route)?.registry ?? EMPTY_REGISTRY);
}

/** The path segment of a route, as a URL carries it: a server name may hold any character. */
export function routePath(base: string, server: string): string {
  return `${base}/${encodeURIComponent(server)}`;
}

/**
 * The server a request path names under `base` (`/mcp/memory` → `memory`): undefined for `base`
 * itself, null for a path that is not under it or does not decode.
 */
export function routeOfPath(pathname: string, base: string): string | undefined | null {
  if (pathname === base) return undefined;
  if (!pathname.startsWith(`${base}/`)) return null;
  const segment = pathname.slice(base.length + 1);
  if (segment === '' || segment.includes('/')) return null;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
