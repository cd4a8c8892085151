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
