import type { Registry } from './registry.ts';

/** Methods whose requests name a tool, prompt or resource. */
const NAMED_METHODS = new Set(['tools/call', 'prompts/get', 'resources/read']);

/**
 * What a request is about, bounded whatever the client sent: the tool or prompt it names when the
 * server has it, a resource's definition name (never its URI, which may hold values), `(unknown)`
 * for anything else, and '' for methods that name nothing.
 */
export function requestName(registry: Registry, method: string, params: Record<string, unknown>): string {
  if (!NAMED_METHODS.has(method)) return '';
  if (method === 'resources/read') {
    const uri = typeof params.uri === 'string' ? params.uri : '';
    return registry.resources.get(uri)?.def.name ?? registry.templates.find((t) => t.template.match(uri))?.def.name ?? '(unknown)';
  }
  const name = typeof params.name === 'string' ? params.name : '';
  const known = method === 'tools/call' ? registry.tools.has(name) : registry.prompts.has(name);
  return known ? name : '(unknown)';
}

/**
 * What a request is about, named as the combined endpoint names it, whichever server route its
 * session is on: a tool called as `create_entities` on `/mcp/memory` is `memory_create_entities`
 * in metrics, traces and the audit log, as when called on `/mcp`.
 */
export function observedName(registry: Registry, session: { route: string | undefined }, method: string, params: Record<string, unknown>): string {
  if (session.route === undefined) return requestName(registry, method, params);
  const route = registry.routes?.get(session.route);
  if (!route) return NAMED_METHODS.has(method) ? '(unknown)' : '';
  const name = requestName(route.registry, method, params);
  return name === '' || name === '(unknown)' || method === 'resources/read' ? name : route.prefix + name;
}
