import { ConnectionError, ExitCode, InterruptedError, McpCliError, TimeoutError, UsageError } from '@mcp-cli/core';

import { destroyAgents } from '../client/http-request.ts';
import { RpcError } from '../client/json-rpc.ts';
import { META_COMMANDS, urlFirstToOption, urlLastToOption } from './argv.ts';
import { callTool } from './call-command.ts';
import { parseFastPath } from './global-options.ts';
import { outputStream, writeErr } from './terminal-text.ts';

/**
 * Runs `mcp-call` with the given argv and resolves to the exit code. The only catch-all: known
 * errors print one line (details with --verbose), anything else is reported as a bug (exit 70).
 */
export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // The warm-server daemon (--keep-alive) is this program too, started by a call with this flag.
  if (argv[2] === '--run-daemon') return (await import('../daemon/run-daemon.ts')).runDaemon();
  const interrupt = new AbortController();
  const onSignal = (): void => {
    interrupt.abort(new InterruptedError('interrupted'));
    // One Ctrl-C or SIGTERM is enough: whatever is still waiting, the process ends.
    setTimeout(() => process.exit(ExitCode.interrupted), 2000).unref();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // The reader of stdout went away (`mcp-call watch … | head`): stop, clean up, exit quietly.
  const onStdoutError = (error: NodeJS.ErrnoException): void => {
    if (error.code === 'EPIPE') interrupt.abort(new McpCliError('stdout was closed', OUTPUT_CLOSED, ExitCode.ok));
  };
  // outputStream: output still on its way after the command ends quietly too.
  outputStream(process.stdout).on('error', onStdoutError);
  const verbose = argv.includes('--verbose');
  try {
    return await dispatch(argv.slice(2), env, interrupt.signal);
  } catch (error) {
    if (error instanceof McpCliError && error.code === OUTPUT_CLOSED) return ExitCode.ok;
    return report(error, verbose);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stdout.off('error', onStdoutError);
    destroyAgents();
  }
}

const OUTPUT_CLOSED = 'E_OUTPUT_CLOSED';

async function dispatch(given: string[], env: NodeJS.ProcessEnv, interrupt: AbortSignal): Promise<number> {
  // `mcp-call help [command]` and `mcp-call version` mean what they say (a tool named so: `mcp-call call help`).
  if (given[0] === 'help') given = [...given.slice(1, 2), '--help'];
  else if (given[0] === 'version' && given.length === 1) given = ['--version'];
  const args = urlLastToOption(urlFirstToOption(given));
  // A plain tool call is parsed without commander, which loads only for everything else.
  const fast = parseFastPath(args, META_COMMANDS);
  if (fast) return callTool(fast.tool, fast.tokens, fast.opts, false, env, interrupt);
  return (await import('./program.ts')).runProgram(args, env, interrupt);
}

function report(error: unknown, verbose: boolean): number {
  const known = toKnownError(error);
  if (known) {
    // One line, always: a server's message may hold newlines or a whole page.
    writeErr(`mcp-call: ${known.message.replace(/\s*[\r\n]+\s*/g, ' ')}\n`);
    if (verbose && error instanceof Error && error.stack) writeErr(`${error.stack}\n`);
    return known.exitCode;
  }
  writeErr(`mcp-call: unexpected error, please report it: ${String(error)}\n`);
  if (error instanceof Error && error.stack) writeErr(`${error.stack}\n`);
  return ExitCode.internal;
}

function toKnownError(error: unknown): McpCliError | undefined {
  if (error instanceof McpCliError) return error;
  if (error instanceof RpcError) {
    if (error.code === -32602) return new UsageError(`The server rejected the request: ${error.message}`, 'E_INVALID_PARAMS');
    return new ConnectionError(`The server answered with an error (${error.code}): ${error.message}`, 'E_RPC');
  }
  if (error instanceof Error && error.name === 'TimeoutError') return new TimeoutError(`Timed out: ${error.message}`);
  if (error instanceof Error && error.name === 'AbortError') return new InterruptedError();
  return undefined;
}
