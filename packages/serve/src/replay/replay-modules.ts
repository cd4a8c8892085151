import { readFile } from 'node:fs/promises';

import {
  type CallToolResult,
  canonicalJson,
  ConfigError,
  type Definition,
  META,
  pairExchanges,
  parseRecording,
  type PromptReturn,
  type RecordedExchange,
  type ResourceContents,
  RpcError,
} from '@mcp-cli/core';

import type { LoadedModule } from '../config/load-modules.ts';
import { described, presentation } from '../gateway/upstream-definitions.ts';
import { CHECKED_ELSEWHERE } from '../server/registry.ts';

/** The server a recording shows, ready to serve. */
export interface Replay {
  info: { name: string; version: string; instructions?: string };
  modules: LoadedModule[];
}

/** Largest recording read. */
const MAX_RECORDING_BYTES = 256 * 1024 * 1024;
/** -32002: the resource is not known (MCP). */
const RESOURCE_NOT_FOUND = -32002;

/**
 * `mcp-serve --replay FILE`: serves what an `mcp-call --record` run saw. The tools, prompts,
 * resources and templates are the ones the server listed; a call, read or prompt answers as it
 * was answered for the same arguments (keys in any order), its recorded JSON-RPC error included.
 * Anything the recording does not hold gets an error that says so. Served like any module, so
 * over every transport and protocol version, whichever the recording was made with.
 *
 * @throws ConfigError when the file cannot be read or is not a recording.
 */
export async function loadReplay(file: string): Promise<Replay> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new ConfigError(`Cannot read --replay ${file}: ${error.code === 'ENOENT' ? 'no such file (record one with mcp-call --record FILE)' : error.message}`, 'E_REPLAY');
  });
  if (text.length > MAX_RECORDING_BYTES) throw new ConfigError(`--replay ${file} is larger than ${MAX_RECORDING_BYTES} bytes`, 'E_REPLAY');
  let exchanges: RecordedExchange[];
  try {
    exchanges = pairExchanges(parseRecording(text).messages);
  } catch (error) {
    throw new ConfigError(`--replay ${file}: ${(error as Error).message}`, 'E_REPLAY');
  }
  const answers = new Answers(exchanges);
  const definitions: Definition[] = [
    ...listed(exchanges, 'tools/list', 'tools').map((tool) => toolDefinition(tool, answers)),
    ...listed(exchanges, 'prompts/list', 'prompts').map((prompt) => promptDefinition(prompt, answers)),
    ...listed(exchanges, 'resources/list', 'resources').map((resource) => resourceDefinition(resource, answers)),
    ...listed(exchanges, 'resources/templates/list', 'resourceTemplates').map((template) => templateDefinition(template, answers)),
  ];
  // A tool called but never listed (mcp-call calls unlisted tools too) is served with an open schema.
  const listedTools = new Set(definitions.filter((d) => d.kind === 'tool').map((d) => d.name));
  for (const name of answers.calledTools()) if (!listedTools.has(name)) definitions.push(toolDefinition({ name }, answers));
  return { info: serverInfo(exchanges, file), modules: [{ file, definitions }] };
}

/** Recorded answers by method and by the request's identity: a name or URI and its arguments. */
class Answers {
  readonly #byKey = new Map<string, RecordedExchange>();

  constructor(exchanges: RecordedExchange[]) {
    for (const exchange of exchanges) {
      // A 2026-07-28 call answered input_required was asked again with the answers: the last answer counts.
      if (exchange.result?.resultType === 'input_required') continue;
      const key = Answers.keyOf(exchange.method, exchange.params);
      if (key) this.#byKey.set(key, exchange);
    }
  }

  static keyOf(method: string, params: Record<string, unknown>): string | undefined {
    if (method === 'tools/call' || method === 'prompts/get') return `${method} ${String(params.name)} ${canonicalJson(params.arguments ?? {})}`;
    if (method === 'resources/read') return `${method} ${String(params.uri)}`;
    return undefined;
  }

  calledTools(): string[] {
    return [...new Set([...this.#byKey.values()].filter((e) => e.method === 'tools/call').map((e) => String(e.params.name)))];
  }

  /** The recorded result, without what the transport or era added; a recorded error is thrown as it was. */
  answer(method: string, params: Record<string, unknown>, missing: () => never): Record<string, unknown> {
    const exchange = this.#byKey.get(Answers.keyOf(method, params) ?? '');
    if (!exchange) return missing();
    if (exchange.error) throw new RpcError(exchange.error.code, exchange.error.message, exchange.error.data);
    const { resultType: _resultType, _meta, ...result } = exchange.result ?? {};
    const meta = Object.fromEntries(Object.entries((_meta ?? {}) as Record<string, unknown>).filter(([key]) => key !== META.serverInfo));
    return Object.keys(meta).length ? { ...result, _meta: meta } : result;
  }
}

function toolDefinition(tool: Record<string, unknown>, answers: Answers): Definition {
  const name = String(tool.name);
  return {
    kind: 'tool',
    name,
    description: typeof tool.description === 'string' ? tool.description : `${name} (replayed)`,
    ...(typeof tool.title === 'string' ? { title: tool.title } : {}),
    input: (tool.inputSchema as Record<string, unknown> | undefined) ?? { type: 'object' },
    ...(tool.outputSchema ? { output: tool.outputSchema as Record<string, unknown> } : {}),
    ...(tool.annotations ? { annotations: tool.annotations as Record<string, unknown> } : {}),
    ...presentation(tool),
    handler: (args: unknown) =>
      answers.answer('tools/call', { name, arguments: args ?? {} }, () => {
        throw new RpcError(-32602, `mcp-serve --replay: the recording holds no call of tool "${name}" with these arguments`);
      }) as unknown as CallToolResult,
    // The recording is the truth: what was answered is answered again, unchecked.
    [CHECKED_ELSEWHERE]: true,
  } as Definition;
}

function promptDefinition(prompt: Record<string, unknown>, answers: Answers): Definition {
  const name = String(prompt.name);
  return {
    kind: 'prompt',
    name,
    ...(typeof prompt.title === 'string' ? { title: prompt.title } : {}),
    description: typeof prompt.description === 'string' ? prompt.description : `${name} (replayed)`,
    arguments: (Array.isArray(prompt.arguments) ? prompt.arguments : []) as { name: string; description?: string; required?: boolean }[],
    ...presentation(prompt),
    get: (values: Record<string, string>) =>
      answers.answer('prompts/get', { name, arguments: values }, () => {
        throw new RpcError(-32602, `mcp-serve --replay: the recording holds no prompts/get of "${name}" with these arguments`);
      }) as unknown as PromptReturn,
  } as Definition;
}

function readRecorded(answers: Answers, uri: string): ResourceContents[] {
  const result = answers.answer('resources/read', { uri }, () => {
    throw new RpcError(RESOURCE_NOT_FOUND, `mcp-serve --replay: the recording holds no read of ${uri}`, { uri });
  });
  return (result.contents ?? []) as ResourceContents[];
}

function resourceDefinition(resource: Record<string, unknown>, answers: Answers): Definition {
  const uri = String(resource.uri);
  return { kind: 'resource', uri, ...described(resource, uri), read: (url: URL) => readRecorded(answers, url.href) } as Definition;
}

function templateDefinition(template: Record<string, unknown>, answers: Answers): Definition {
  const uriTemplate = String(template.uriTemplate);
  return { kind: 'resourceTemplate', uriTemplate, ...described(template, uriTemplate), read: (url: URL) => readRecorded(answers, url.href) } as Definition;
}

/** Every entry of every recorded page of a list, the last listing of a name winning. */
function listed(exchanges: RecordedExchange[], method: string, key: string): Record<string, unknown>[] {
  const byName = new Map<string, Record<string, unknown>>();
  for (const exchange of exchanges) {
    if (exchange.method !== method || !Array.isArray(exchange.result?.[key])) continue;
    for (const entry of exchange.result[key] as unknown[]) {
      if (entry === null || typeof entry !== 'object') continue;
      const item = entry as Record<string, unknown>;
      byName.set(String(item.name ?? item.uri ?? item.uriTemplate), item);
    }
  }
  return [...byName.values()];
}

/** Who the recorded server said it was: in `initialize`, `server/discover`, or a 2026-07-28 result's `_meta`. */
function serverInfo(exchanges: RecordedExchange[], file: string): Replay['info'] {
  for (const { result } of exchanges) {
    const info = (result?.serverInfo ?? (result?._meta as Record<string, unknown> | undefined)?.[META.serverInfo]) as { name?: unknown; version?: unknown } | undefined;
    if (typeof info?.name === 'string') {
      const instructions = exchanges.map((e) => e.result?.instructions).find((i): i is string => typeof i === 'string');
      return { name: info.name, version: typeof info.version === 'string' ? info.version : '0.0.0', ...(instructions ? { instructions } : {}) };
    }
  }
  return { name: `replay of ${file}`, version: '0.0.0' };
}
