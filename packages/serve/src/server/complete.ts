import type { ArgumentCompleter } from '@mcp-cli/core';

import type { Registry } from './registry.ts';

/** The spec caps a completion list at 100 values. */
const MAX_VALUES = 100;

interface CompleteParams {
  ref: { type: string; name?: string; uri?: string };
  argument: { name: string; value: string };
  context?: { arguments?: Record<string, string> };
}

/**
 * Answers `completion/complete` for a prompt argument or a template variable with the module's
 * completer; an unknown reference or argument completes to nothing.
 */
export async function complete(
  registry: Registry,
  params: CompleteParams,
): Promise<{ values: string[]; total?: number; hasMore?: boolean }> {
  const completer = findCompleter(registry, params);
  if (!completer) return { values: [] };
  const all = await completer(params.argument.value, { arguments: params.context?.arguments ?? {} });
  return { values: all.slice(0, MAX_VALUES), total: all.length, hasMore: all.length > MAX_VALUES };
}

function findCompleter(registry: Registry, params: CompleteParams): ArgumentCompleter | undefined {
  const argument = params.argument.name;
  if (params.ref.type === 'ref/prompt' && params.ref.name) {
    return registry.prompts.get(params.ref.name)?.def.complete?.[argument];
  }
  if (params.ref.type === 'ref/resource' && params.ref.uri) {
    return registry.templates.find((t) => t.def.uriTemplate === params.ref.uri)?.def.complete?.[argument];
  }
  return undefined;
}
