import type { JsonRpcMessage } from '@mcp-cli/core';

import type { Registry } from './registry.ts';

const NONE: readonly string[] = [];

/** Every scope the config or a definition names: the protected-resource metadata's `scopes_supported`. */
export function scopesNamed(registry: Registry, required: string[]): string[] {
  const named = new Set(required);
  const defs = [...registry.tools.values(), ...registry.prompts.values(), ...registry.resources.values(), ...registry.templates];
  for (const { def } of defs) for (const scope of def.scopes ?? []) named.add(scope);
  return [...named];
}

/** The scopes the first guarded definition these messages reach needs beyond `held`, if any. */
export function missingScopes(registry: Registry, messages: JsonRpcMessage[], held: ReadonlySet<string>): readonly string[] | undefined {
  for (const { method, params } of messages) {
    if (method === undefined) continue;
    const needed = scopesFor(registry, method, params ?? {});
    if (needed.some((scope) => !held.has(scope))) return needed;
  }
  return undefined;
}

/**
 * The scopes one request needs: every way to reach a guarded definition counts (calling or
 * getting it, reading or subscribing to a resource, fixed or by a template, completing its
 * arguments, listening to its updates).
 */
function scopesFor(registry: Registry, method: string, params: Record<string, unknown>): readonly string[] {
  const name = typeof params.name === 'string' ? params.name : undefined;
  const uri = typeof params.uri === 'string' ? params.uri : undefined;
  switch (method) {
    case 'tools/call':
      return (name !== undefined && registry.tools.get(name)?.def.scopes) || NONE;
    case 'prompts/get':
      return (name !== undefined && registry.prompts.get(name)?.def.scopes) || NONE;
    case 'resources/read':
    case 'resources/subscribe':
      return uri === undefined ? NONE : resourceScopes(registry, uri);
    case 'completion/complete':
      return completionScopes(registry, params.ref);
    case 'subscriptions/listen': {
      const asked = (params.notifications ?? {}) as { resourceSubscriptions?: unknown };
      const uris = Array.isArray(asked.resourceSubscriptions) ? asked.resourceSubscriptions.filter((u): u is string => typeof u === 'string') : [];
      return [...new Set(uris.flatMap((u) => resourceScopes(registry, u)))];
    }
    default:
      return NONE;
  }
}

/** A URI's scopes: its fixed resource's, else those of every template it matches (the read takes the first). */
function resourceScopes(registry: Registry, uri: string): readonly string[] {
  const fixed = registry.resources.get(uri);
  if (fixed) return fixed.def.scopes ?? NONE;
  for (const { def, template } of registry.templates) if (template.match(uri)) return def.scopes ?? NONE;
  return NONE;
}

function completionScopes(registry: Registry, ref: unknown): readonly string[] {
  const { type, name, uri } = (ref ?? {}) as { type?: unknown; name?: unknown; uri?: unknown };
  if (type === 'ref/prompt' && typeof name === 'string') return registry.prompts.get(name)?.def.scopes ?? NONE;
  if (type === 'ref/resource' && typeof uri === 'string') return registry.templates.find((t) => t.def.uriTemplate === uri)?.def.scopes ?? resourceScopes(registry, uri);
  return NONE;
}
