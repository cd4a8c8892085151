import { closestNames, ExitCode, UsageError } from '@mcp-cli/core';

import { RpcError } from '../../client/json-rpc.ts';
import { listAll, listTools, type ToolInfo } from '../../client/operations.ts';
import { renderResult } from '../../render.ts';
import { flagValues, negatedFlag, parseToolArgs, type Schema, toolFlags } from '../../tool-args.ts';
import { type CommandContext, TRANSPORT_NAMES } from '../session-runner.ts';
import { writeNone, writeOut } from '../terminal-text.ts';
import { unknownTool } from './call-tool.ts';
import { columnWidth, formatToolHelp, formatToolList, titled } from '../tool-help.ts';

const out = (text: string): void => writeOut(text.endsWith('\n') || text === '' ? text : `${text}\n`);

/** What `tools` prints: every tool, only the names, one tool's flags (the last two for shell completion), or one tool's input schema. */
export interface ToolsView {
  names?: boolean;
  flags?: string;
  schema?: string;
  /** A tool's flag whose fixed values are wanted (its enum's, or true and false). */
  values?: { tool: string; flag: string };
}

/** `tools`: one line per tool, or the full list with schemas as JSON. */
export async function listToolsCommand(context: CommandContext, view: ToolsView): Promise<number> {
  const tools = await listTools(context.connection, context.signal);
  // Shell completion never starts a server: it completes a stdio server's tools from this list.
  if (context.settings.stdio) await (await import('../tools-cache.ts')).keepTools(context.settings, process.env, tools);
  if (view.schema !== undefined) {
    const tool = tools.find((t) => t.name === view.schema);
    if (!tool) throw unknownTool(view.schema, tools, context.opts);
    // Verbatim, as the server sent it: `$ref`, `$defs` and every keyword untouched.
    out(JSON.stringify(tool.inputSchema, null, 2));
    return ExitCode.ok;
  }
  printTools(tools, view, context.opts.json === true);
  return ExitCode.ok;
}

/**
 * A word shell completion may offer: one a shell reads as itself, unquoted. Completion scripts
 * never evaluate what they are given, but a word such as `$(cmd)` or `a;b` offered on a command
 * line would run when the user presses Enter, so server text outside this set is not offered.
 */
const COMPLETION_WORD = /^[A-Za-z0-9_.:@%+=,/-]{1,200}$/;

/** Prints a tools list as `tools` shows it; `--flags TOOL` prints nothing for an unknown tool. */
export function printTools(tools: ToolInfo[], view: ToolsView, json: boolean): void {
  if (view.values !== undefined) {
    const { tool: name, flag: wanted } = view.values;
    const flag = toolFlags(tools.find((t) => t.name === name)?.inputSchema ?? {}).find((f) => f.flag === wanted || f.alias === wanted);
    out((flag ? flagValues(flag) : []).filter((value) => COMPLETION_WORD.test(value)).join('\n'));
  } else if (view.flags !== undefined) {
    const tool = tools.find((t) => t.name === view.flags);
    const flags = tool ? toolFlags(tool.inputSchema).flatMap((f) => (f.kind === 'boolean' ? [f.flag, negatedFlag(f)] : [f.flag])) : [];
    out(flags.filter((flag) => COMPLETION_WORD.test(flag)).join('\n'));
  } else if (json) out(JSON.stringify(tools, null, 2));
  else if (view.names) out(tools.map((t) => t.name).filter((name) => COMPLETION_WORD.test(name) && !name.startsWith('-')).join('\n'));
  else if (tools.length) out(formatToolList(tools));
  else writeNone('(no tools)');
}

interface ResourceEntry {
  uri?: string;
  uriTemplate?: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
}

/** `resources`: resources and resource templates. */
export async function listResourcesCommand(context: CommandContext): Promise<number> {
  const { connection, signal } = context;
  const resources = await listAll<ResourceEntry>(connection, 'resources/list', 'resources', signal);
  const templates = await listAll<ResourceEntry>(connection, 'resources/templates/list', 'resourceTemplates', signal).catch(
    (error: unknown) => (error instanceof RpcError ? [] : Promise.reject(error)),
  );
  if (context.opts.json) {
    out(JSON.stringify({ resources, resourceTemplates: templates }, null, 2));
    return ExitCode.ok;
  }
  const rows = [...resources, ...templates].map((r) => [r.uri ?? r.uriTemplate ?? '', [r.title ? `${r.title} (${r.name})` : r.name, r.mimeType ? `(${r.mimeType})` : '', r.description ? `- ${r.description}` : ''].filter(Boolean).join(' ')] as const);
  const width = columnWidth(rows.map(([uri]) => uri));
  if (rows.length) out(rows.map(([uri, rest]) => `${uri.padEnd(width)}${rest}`).join('\n'));
  else writeNone('(no resources)');
  return ExitCode.ok;
}

/** `read <uri>`: the contents of a resource; text as is, binary saved or summarised. */
export async function readResourceCommand(context: CommandContext, uri: string): Promise<number> {
  const result = await context.connection.session.request('resources/read', { uri }, { signal: context.signal });
  if (context.opts.json) {
    out(JSON.stringify(result));
    return ExitCode.ok;
  }
  const contents = (result.contents ?? []) as { uri: string; text?: string; blob?: string; mimeType?: string }[];
  const parts = contents.map((resource) => ({ type: 'resource' as const, resource: resource as never }));
  out(await renderResult({ content: parts }, { outDir: context.opts.outDir, baseName: 'resource' }));
  return ExitCode.ok;
}

interface PromptEntry {
  name: string;
  title?: string;
  description?: string;
  arguments?: { name: string; description?: string; required?: boolean }[];
}

/** `prompts`: one line per prompt with its arguments. */
export async function listPromptsCommand(context: CommandContext): Promise<number> {
  const prompts = await listAll<PromptEntry>(context.connection, 'prompts/list', 'prompts', context.signal);
  if (context.opts.json) {
    out(JSON.stringify(prompts, null, 2));
    return ExitCode.ok;
  }
  const rows = prompts.map((p) => {
    const args = (p.arguments ?? []).map((a) => (a.required ? `--${a.name}` : `[--${a.name}]`)).join(' ');
    return [`${p.name}${args ? ` ${args}` : ''}`, titled(p.title, p.description)] as const;
  });
  const width = columnWidth(rows.map(([left]) => left));
  if (rows.length) out(rows.map(([left, right]) => `${left.padEnd(width)}${right}`.trimEnd()).join('\n'));
  else writeNone('(no prompts)');
  return ExitCode.ok;
}

/** `prompt <name> [--arg value]`: the prompt's messages, text shown as is; `--help` shows its arguments. */
export async function getPromptCommand(context: CommandContext, name: string, tokens: string[], help = false): Promise<number> {
  const prompts = await listAll<PromptEntry>(context.connection, 'prompts/list', 'prompts', context.signal);
  const prompt = prompts.find((p) => p.name === name);
  if (!prompt) {
    const close = closestNames(name, prompts.map((p) => p.name));
    throw new UsageError(`Unknown prompt "${name}"${close.length ? `; did you mean ${close.join(', ')}?` : ''} (mcp-call prompts lists them)`, 'E_UNKNOWN_PROMPT');
  }
  const schema: Schema = {
    type: 'object',
    properties: Object.fromEntries((prompt.arguments ?? []).map((a) => [a.name, { type: 'string', description: a.description }])),
    required: (prompt.arguments ?? []).filter((a) => a.required).map((a) => a.name),
  };
  if (help) {
    out(formatToolHelp({ name, ...(prompt.title ? { title: prompt.title } : {}), description: prompt.description, inputSchema: schema }, 'prompt'));
    return ExitCode.ok;
  }
  const { args, unclaimed } = parseToolArgs(name, schema, tokens, () => undefined, 'prompt');
  if (unclaimed.length > 0) throw new UsageError(`Unexpected argument "${unclaimed[0]}" for prompt "${name}": prompt arguments are flags such as --name value (see mcp-call prompt ${name} --help)`, 'E_UNEXPECTED_ARGUMENT');
  const missing = (schema.required ?? []).filter((key) => args[key] === undefined);
  if (missing.length > 0) throw new UsageError(`Missing required argument ${missing.map((m) => `--${m}`).join(', ')} for prompt "${name}" (see mcp-call prompt ${name} --help)`, 'E_MISSING_ARGUMENT');
  const result = await context.connection.session.request('prompts/get', { name, arguments: args }, { signal: context.signal });
  if (context.opts.json) {
    out(JSON.stringify(result));
    return ExitCode.ok;
  }
  const messages = (result.messages ?? []) as { role: string; content: never }[];
  const lines: string[] = [];
  for (const message of messages) {
    lines.push(`${message.role}: ${await renderResult({ content: [message.content] }, { outDir: context.opts.outDir, baseName: name })}`);
  }
  out(lines.join('\n'));
  return ExitCode.ok;
}

/**
 * `complete prompt|resource NAME ARGUMENT [VALUE]`: the values the server suggests for a prompt's
 * argument or a resource template's variable, one per line. `--context name=value` (repeatable)
 * passes the arguments already chosen.
 */
export async function completeCommand(context: CommandContext, kind: string, target: string, argument: string, value: string, chosen: string[]): Promise<number> {
  if (kind !== 'prompt' && kind !== 'resource') throw new UsageError(`Unknown completion target "${kind}": use "prompt NAME" or "resource URI_TEMPLATE"`, 'E_USAGE');
  const ref = kind === 'prompt' ? { type: 'ref/prompt', name: target } : { type: 'ref/resource', uri: target };
  const known: Record<string, string> = {};
  for (const pair of chosen) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`Invalid --context "${pair}": use name=value`, 'E_USAGE');
    known[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  let result;
  try {
    result = await context.connection.session.request(
      'completion/complete',
      { ref, argument: { name: argument, value }, ...(chosen.length > 0 ? { context: { arguments: known } } : {}) },
      { signal: context.signal },
    );
  } catch (error) {
    if (error instanceof RpcError && error.code === -32601) throw new UsageError(`The server offers no completions (it has no completion/complete)`, 'E_UNSUPPORTED');
    if (error instanceof RpcError && error.code === -32602) throw new UsageError(`The server cannot complete ${kind} "${target}" argument "${argument}": ${error.message}`, 'E_INVALID_ARGUMENT');
    throw error;
  }
  const completion = (result.completion ?? {}) as { values?: unknown; total?: unknown; hasMore?: unknown };
  if (context.opts.json) {
    out(JSON.stringify(completion));
    return ExitCode.ok;
  }
  const values = Array.isArray(completion.values) ? completion.values.filter((v): v is string => typeof v === 'string') : [];
  out(values.join('\n'));
  if (completion.hasMore === true) context.ui.note(`more values exist${typeof completion.total === 'number' ? ` (${completion.total} in all)` : ''}: type more of the value to narrow them`);
  return ExitCode.ok;
}

/** `ping`: the round trip time. */
export async function pingCommand(context: CommandContext): Promise<number> {
  const started = process.hrtime.bigint();
  // 2026-07-28 has no ping: server/discover is the cheapest request every such server answers.
  const { session } = context.connection;
  await session.request(session.modern ? 'server/discover' : 'ping', session.modern ? {} : undefined, { signal: context.signal });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  out(context.opts.json ? JSON.stringify({ ok: true, ms }) : `pong ${ms.toFixed(1)} ms`);
  return ExitCode.ok;
}

/** `info`: server name, version, protocol version, transport and capabilities. */
export async function infoCommand(context: CommandContext): Promise<number> {
  const { connection } = context;
  const { serverInfo, capabilities, instructions } = await connection.describe();
  const { title, websiteUrl, icons } = serverInfo as { title?: unknown; websiteUrl?: unknown; icons?: unknown };
  const info = {
    name: serverInfo.name,
    ...(typeof title === 'string' ? { title } : {}),
    version: serverInfo.version,
    ...(typeof websiteUrl === 'string' ? { websiteUrl } : {}),
    ...(Array.isArray(icons) ? { icons } : {}),
    protocolVersion: connection.protocolVersion,
    transport: connection.transport,
    url: connection.url,
    capabilities,
    instructions,
  };
  if (context.opts.json) {
    out(JSON.stringify(info, null, 2));
    return ExitCode.ok;
  }
  out(
    [
      `name:         ${info.name}`,
      ...(info.title ? [`title:        ${info.title}`] : []),
      `version:      ${info.version}`,
      ...(info.websiteUrl ? [`website:      ${info.websiteUrl}`] : []),
      `protocol:     ${info.protocolVersion}`,
      `transport:    ${TRANSPORT_NAMES[info.transport]} ${info.url}`,
      `capabilities: ${Object.keys(info.capabilities).join(', ') || 'none'}`,
      ...(info.instructions ? [`instructions: ${info.instructions}`] : []),
    ].join('\n'),
  );
  return ExitCode.ok;
}
