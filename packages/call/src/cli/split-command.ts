import { UsageError } from '@mcp-cli/core';

/**
 * Splits a command line the way a POSIX shell would (quotes, escapes, `$VAR` from `env`), but for
 * running it without a shell: pipes, redirections and `&&` are refused, and globs stay literal.
 *
 * @throws UsageError for an empty command or one that needs a shell.
 */
export async function splitCommand(line: string, env: NodeJS.ProcessEnv): Promise<{ command: string; args: string[] }> {
  const { parse } = await import('shell-quote');
  const words: string[] = [];
  for (const token of parse(line, (key) => env[key] ?? '')) {
    if (typeof token === 'string') words.push(token);
    else if ('op' in token && token.op === 'glob') words.push(token.pattern);
    else if ('comment' in token) break;
    else {
      throw new UsageError(`--stdio runs the command without a shell, so "${token.op}" is not supported: write a script and run that, or give the plain command`, 'E_BAD_COMMAND');
    }
  }
  const [command, ...args] = words;
  if (!command) throw new UsageError('--stdio needs a command, e.g. --stdio "npx -y @modelcontextprotocol/server-everything"', 'E_BAD_COMMAND');
  return { command, args };
}
