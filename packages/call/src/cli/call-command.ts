import { closestNames, UsageError } from '@mcp-cli/core';

import { parseExpectation } from '../contract/expectation.ts';
import { isFlagExpectingValue, isUrl } from './argv.ts';
import { runToolCall } from './commands/call-tool.ts';
import { GLOBAL_FLAGS, type GlobalOptions } from './global-options.ts';
import { readArgsOption } from './read-args-option.ts';
import { withConnection } from './session-runner.ts';

/** Calls one tool: `first` is the tool name unless --tool gives it; a URL may come last. */
export async function callTool(
  first: string | undefined,
  tokens: string[],
  opts: GlobalOptions,
  help: boolean,
  env: NodeJS.ProcessEnv,
  interrupt: AbortSignal,
): Promise<number> {
  let tool = first;
  let rest = tokens;
  if (opts.tool) {
    if (tool !== undefined) rest = [tool, ...rest];
    tool = opts.tool;
  }
  // The conformance runner (and scripts) may append the server URL as the last argument; a URL
  // right after a tool's flag (`--page https://…`, or `-- --url https://…`) is that flag's value.
  const last = rest.at(-1);
  const positionalUrl = isUrl(last) && !isFlagExpectingValue(rest.at(-2)) ? last : undefined;
  if (positionalUrl) rest = rest.slice(0, -1);
  if (!tool || tool.startsWith('-')) {
    const hint = tool ? closestNames(tool.split('=')[0]!, Object.keys(GLOBAL_FLAGS).filter((f) => f.startsWith('--'))) : [];
    throw new UsageError(`unknown option '${tool ?? ''}'${hint.length ? `; did you mean ${hint.join(', ')}?` : ''} (see mcp-call --help)`);
  }
  const baseArgs = await readArgsOption(opts.args);
  // Checked before connecting, so that a mistyped expectation ends at once.
  const expected = opts.expect.length > 0 || opts.expectError ? { expectations: opts.expect.map(parseExpectation), expectError: opts.expectError === true } : undefined;
  const name = tool;
  // The call reads the tools list first (for its schema), so a 2026-07-28 connection asks for it at once.
  return withConnection(opts, env, interrupt, (context) => runToolCall({ tool: name, tokens: rest, baseArgs, help, expected }, context), { positionalUrl, prefetch: ['tools/list'] });
}
