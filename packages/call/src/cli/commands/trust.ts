import { ExitCode } from '@mcp-cli/core';

import { writeNone, writeOut } from '../terminal-text.ts';
import { distrustDirectory, listTrusted, trustDirectory, trustFile } from '../workspace-trust.ts';

/**
 * `trust [dir]`: lets mcp-call use the config files of a project directory (its own
 * `.mcp-callrc`, and the `.mcp.json`, `.cursor/`, `.vscode/`, `.codex/` … files it imports),
 * which can run commands and send the user's tokens. `--list` shows them, `--remove` takes one back.
 */
export async function trustCommand(dir: string | undefined, options: { list?: boolean; remove?: boolean }, env: NodeJS.ProcessEnv): Promise<number> {
  if (options.list) {
    const trusted = await listTrusted(env);
    if (trusted.length) writeOut(`${trusted.join('\n')}\n`);
    else writeNone(`(no trusted directories; kept in ${trustFile(env)})`);
    return ExitCode.ok;
  }
  const target = dir ?? process.cwd();
  if (options.remove) {
    const removed = await distrustDirectory(target, env);
    writeOut(removed ? `no longer trusted: ${target}\n` : `was not trusted: ${target}\n`);
    return ExitCode.ok;
  }
  writeOut(`trusted: ${await trustDirectory(target, env)}\n`);
  return ExitCode.ok;
}
