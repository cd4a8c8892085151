import { closestNames, ConnectionError, ExitCode, RpcCode, ToolError, UsageError } from '@mcp-cli/core';

import { META_COMMANDS } from '../argv.ts';

import { RpcError } from '../../client/json-rpc.ts';
import type { CallOutcome } from '../../contract/expectation.ts';
import { type CallExpectations, judgeOutcome } from '../../contract/verdict.ts';
import { callTool, listToolsIfSupported, type ToolInfo } from '../../client/operations.ts';
import { callToolAsTask } from '../../client/tool-task.ts';
import { errorText, renderResult } from '../../render.ts';
import { completeToolArgs, parseToolArgs, type Schema } from '../../tool-args.ts';
import type { CommandContext } from '../session-runner.ts';
import { writeOut } from '../terminal-text.ts';
import { formatToolHelp, taskSupport } from '../tool-help.ts';

/** What the command line said about the call. */
export interface ToolCallRequest {
  tool: string;
  /** Tokens after the tool name that belong to it (flags and their values). */
  tokens: string[];
  /** Arguments from --args, which flags override. */
  baseArgs: Record<string, unknown>;
  help: boolean;
  /** --expect and --expect-error: the call is judged, and its exit code is the verdict's. */
  expected?: CallExpectations | undefined;
}

/**
 * Calls one tool: reads its schema, turns flags into arguments, calls it with progress shown,
 * prints the result on stdout and returns the exit code (1 when the tool reports isError).
 *
 * @throws UsageError for an unknown tool or bad arguments; ToolError never (it is an exit code).
 */
export async function runToolCall(request: ToolCallRequest, context: CommandContext): Promise<number> {
  const { connection, ui, signal, opts } = context;
  ui.status(`listing tools`);
  const tools = await listToolsIfSupported(connection, signal);
  const tool = tools?.find((t) => t.name === request.tool);
  // An unlisted tool is still called when no flags need its schema: servers may hide tools.
  if (tools && !tool && (request.help || request.tokens.length > 0)) throw unknownTool(request.tool, tools, opts);
  if (request.help) {
    writeOut(`${formatToolHelp(tool ?? { name: request.tool, inputSchema: {} })}\n`);
    return ExitCode.ok;
  }
  const schema: Schema = tool?.inputSchema ?? {};
  const { args: flagArgs, unclaimed } = parseToolArgs(request.tool, schema, request.tokens, () => undefined);
  const stray = unclaimed.filter((t) => t !== '--');
  if (stray.length > 0) {
    throw new UsageError(`Unexpected argument "${stray[0]}" for tool "${request.tool}": tool arguments are flags such as --name value (see mcp-call ${request.tool} --help)`, 'E_UNEXPECTED_ARGUMENT');
  }
  const merged = { ...request.baseArgs, ...flagArgs };
  const args = tool ? completeToolArgs(request.tool, schema, merged) : merged;
  const support = tool ? taskSupport(tool) : undefined;
  // Over 2026-07-28 no tool lists task support: the server decides, so --task changes nothing there.
  if (opts.task && tool && !support && !connection.session.modern) {
    throw new UsageError(`Tool "${request.tool}" does not run as a task: call it without --task`, 'E_NOT_A_TASK');
  }
  ui.status(`calling ${request.tool}`);
  // Over 2026-07-28 the server makes a task of the call itself, and callTool follows it.
  const invoke = () =>
    !connection.session.modern && (support === 'required' || (opts.task && support === 'optional'))
      ? callToolAsTask(connection, request.tool, args, {
          signal,
          detach: opts.detach === true,
          onStatus: (task) => ui.status(`${request.tool}: task ${task.status}${task.statusMessage ? `: ${task.statusMessage}` : ''}`),
        })
      : callTool(connection, request.tool, args, {
          signal,
          detach: opts.detach === true,
          onTaskStatus: (task) => ui.status(`${request.tool}: task ${String(task.status)}`),
          onProgress: ({ progress, total, message }) =>
            ui.status(`calling ${request.tool} ${total ? `${progress}/${total}` : String(progress)}${message ? ` ${message}` : ''}`),
        });
  let result;
  try {
    result = await invoke().catch(async (error: unknown) => {
      // -32042: the server wants a step in the browser first; once it is taken, the call goes again, once.
      if (!(error instanceof RpcError && error.code === URL_ELICITATION_REQUIRED)) throw error;
      await takeBrowserSteps(context, error);
      return invoke();
    });
  } catch (error) {
    if (request.expected && error instanceof RpcError) {
      return reportVerdict(request.tool, { kind: 'rpc-error', code: error.code, message: error.message, data: error.data }, request.expected, context);
    }
    if (error instanceof RpcError && error.code === RpcCode.missingRequiredClientCapability) throw missingCapability(request.tool, error);
    if (error instanceof RpcError && (error.code === -32602 || error.code === -32601)) {
      if (tools && !tool) throw unknownTool(request.tool, tools, opts);
      throw new UsageError(`Tool "${request.tool}" rejected its arguments: ${error.message}`, 'E_INVALID_ARGUMENT');
    }
    throw error;
  }
  if (tools && !tool && result.isError && /not found|unknown tool/i.test(errorText(result))) {
    throw unknownTool(request.tool, tools, opts);
  }
  ui.stop();
  if ((result as { resultType?: unknown }).resultType === 'task') {
    // --detach: the task runs on; its id is what a script needs to follow it.
    const task = result as unknown as { taskId: string; status?: string };
    writeOut(opts.json ? `${JSON.stringify(result)}\n` : `${task.taskId}\n`);
    ui.note(`task ${task.taskId} is ${task.status ?? 'working'}: mcp-call task result ${task.taskId} waits for its result`);
    return ExitCode.ok;
  }
  if (opts.json) {
    writeOut(`${JSON.stringify(result)}\n`);
  } else {
    const text = await renderResult(result, { outDir: opts.outDir, baseName: request.tool });
    if (!result.isError && text) writeOut(text.endsWith('\n') ? text : `${text}\n`);
  }
  if (request.expected) return reportVerdict(request.tool, { kind: 'result', result }, request.expected, context);
  if (result.isError && rejectsArguments(errorText(result))) {
    // The arguments were wrong however it is found: a usage error (2), as when mcp-call finds it.
    ui.error(new UsageError(`mcp-call: tool "${request.tool}" rejected its arguments: ${errorText(result)} (see mcp-call ${request.tool} --help)`).message);
    return ExitCode.usage;
  }
  if (result.isError) {
    const text = errorText(result);
    // A tool that needed the client to sample: say which flag would have answered.
    const hint = !opts.samplingCommand && /\bsampling\b/i.test(text) ? ' (pass --sampling-command CMD to answer sampling requests)' : '';
    ui.error(new ToolError(`mcp-call: tool "${request.tool}" returned an error: ${text}${hint}`).message);
    return ExitCode.toolError;
  }
  return ExitCode.ok;
}

/** --expect and --expect-error: a line on stderr per reason the call failed them, and exit 1. */
function reportVerdict(tool: string, outcome: CallOutcome, expected: CallExpectations, { ui }: CommandContext): number {
  ui.stop();
  const verdict = judgeOutcome(outcome, expected);
  for (const reason of verdict.reasons) ui.error(`mcp-call: ${tool}: ${reason}`);
  return verdict.passed ? ExitCode.ok : ExitCode.toolError;
}

/**
 * True for an error result that says the arguments were invalid, as servers word it: the SDKs'
 * "MCP error -32602" and "Input validation error", mcp-serve's "Invalid arguments for tool",
 * pydantic's "validation error for …Arguments" (Python servers).
 */
function rejectsArguments(text: string): boolean {
  return /\bMCP error -32602\b|^Input validation error\b|^Invalid arguments for tool\b|\bvalidation errors? for \w*Arguments\b/.test(text);
}

/** The error of a call that needs the user to open a URL first (URLElicitationRequiredError). */
const URL_ELICITATION_REQUIRED = -32042;

/**
 * Shows each URL of a -32042 error as a URL-mode elicitation (offered to open on a terminal);
 * throws, naming the URLs, when one was not taken.
 */
async function takeBrowserSteps(context: CommandContext, error: RpcError): Promise<void> {
  const listed = (error.data as { elicitations?: unknown } | undefined)?.elicitations;
  const steps = (Array.isArray(listed) ? listed : []).filter((step): step is Record<string, unknown> => typeof step === 'object' && step !== null).slice(0, 8);
  if (steps.length === 0) throw error;
  context.ui.stop();
  for (const step of steps) {
    const answer = await context.connection.session.onServerRequest('elicitation/create', { ...step, mode: 'url' }, context.signal);
    if (answer.action !== 'accept') {
      throw new ConnectionError(`The server needs a step in the browser first (-32042): open ${steps.map((s) => String(s.url)).join(', ')}, then run the command again`, 'E_URL_ELICITATION');
    }
  }
}

/** The flag that makes mcp-call declare each client capability a server may require. */
const CAPABILITY_FLAGS: Record<string, string> = {
  sampling: '--sampling-command CMD',
  roots: '--root DIR',
  elicitation: '--elicit prompt',
};

/**
 * A 2026-07-28 server refused the call for a capability mcp-call did not declare (-32021): a
 * usage error that names the flag which declares it.
 */
function missingCapability(tool: string, error: RpcError): UsageError {
  const required = (error.data as { requiredCapabilities?: unknown } | undefined)?.requiredCapabilities;
  const names = typeof required === 'object' && required !== null ? Object.keys(required) : [];
  const flags = names.map((name) => CAPABILITY_FLAGS[name]).filter((flag): flag is string => flag !== undefined);
  const what = names.length > 0 ? names.join(', ') : 'a client capability';
  return new UsageError(`Tool "${tool}" needs the client to support ${what} (-32021: ${error.message})${flags.length > 0 ? `: pass ${flags.join(' and ')}` : ''}`, 'E_MISSING_CAPABILITY');
}

export function unknownTool(name: string, tools: ToolInfo[], opts: Pick<CommandContext['opts'], 'samplingCommand'>): UsageError {
  const close = closestNames(name, tools.map((t) => t.name));
  // A mistyped meta command (`tols`) reads as a tool name: name the command it is close to.
  const command = closestNames(name, [...META_COMMANDS].filter((c) => c !== 'help' && c !== 'call'));
  // Some servers register sampling tools only for clients that declare sampling: said for such a name only.
  const sampling = close.length === 0 && !opts.samplingCommand && /sampl/i.test(name) ? '; a server may list some tools only to clients that can sample: try --sampling-command CMD' : '';
  const suggestions = [...close, ...command.map((c) => `the command ${c}`)];
  return new UsageError(
    `Unknown tool "${name}"${suggestions.length ? `; did you mean ${suggestions.join(', ')}?` : ''} (mcp-call tools lists all ${tools.length})${sampling}`,
    'E_UNKNOWN_TOOL',
  );
}
