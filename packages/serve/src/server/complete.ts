import { type ArgumentCompleter, type HandlerContext, RpcCode, RpcError } from '@mcp-cli/core';

import type { Registry } from './registry.ts';

/** A map of the client's string values, with no prototype to leak through. */
function ownStrings(value: object): Record<string, string> {
  const copy = Object.create(null) as Record<string, string>;
  for (const [key, entry] of Object.entries(value)) if (typeof entry === 'string') copy[key] = entry;
  return copy;
}

/** The spec caps a completion list at 100 values. */
const MAX_VALUES = 100;

interface CompleteParams {
  ref: { type: string; name?: string; uri?: string };
  argument: { name: string; value: string };
  context?: { arguments?: Record<string, string> };
}

/**
 * Answers `completion/complete` for a prompt argument or a template variable with the module's
 * completer. An argument with no completer completes to nothing; an unknown prompt or template
 * is an error (-32602), as the spec asks, so a client can tell a typo from no suggestions.
 */
export async function complete(
  registry: Registry,
  params: CompleteParams,
  ctx?: HandlerContext,
): Promise<{ values: string[]; total?: number; hasMore?: boolean }> {
  const completer = findCompleter(registry, params);
  if (!completer) return { values: [] };
  const context = params.context?.arguments;
  const known = typeof context === 'object' && context !== null ? ownStrings(context) : {};
  const all = await completer(params.argument.value, { arguments: known }, ctx);
  if (!Array.isArray(all)) return { values: [] };
  const values = all.filter((v): v is string => typeof v === 'string');
  return { values: values.slice(0, MAX_VALUES), total: values.length, hasMore: values.length > MAX_VALUES };
}

function findCompleter(registry: Registry, params: CompleteParams): ArgumentCompleter | undefined {
  const argument = params.argument.name;
  let completers: Record<string, ArgumentCompleter> | undefined;
  if (params.ref.type === 'ref/prompt' && typeof params.ref.name === 'string') {
    const prompt = registry.prompts.get(params.ref.name);
    if (!prompt) throw new RpcError(RpcCode.invalidParams, `Unknown prompt "${params.ref.name}"`);
    completers = prompt.def.complete;
  } else if (params.ref.type === 'ref/resource' && typeof params.ref.uri === 'string') {
    const template = registry.templates.find((t) => t.def.uriTemplate === params.ref.uri);
    if (!template) throw new RpcError(RpcCode.invalidParams, `Unknown resource template "${params.ref.uri}"`);
    completers = template.def.complete;
  } else {
    throw new RpcError(RpcCode.invalidParams, 'Invalid params: "ref" must be {type: "ref/prompt", name} or {type: "ref/resource", uri}');
  }
  // Own properties only: a name like "constructor" or "__proto__" must not reach Object.prototype.
  const completer = completers && Object.hasOwn(completers, argument) ? completers[argument] : undefined;
  return typeof completer === 'function' ? completer : undefined;
}
