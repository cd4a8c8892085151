import { ExitCode } from '@mcp-cli/core';

import { loadOwnConfig, readImports } from '../connection-settings.ts';
import type { GlobalOptions } from '../global-options.ts';
import { writeErr, writeOut } from '../terminal-text.ts';

interface Listed {
  name: string;
  transport: string;
  source: string;
  /** The file whose entry of the same name wins over this one. */
  shadowedBy?: string;
}

/**
 * `servers`: every server mcp-call can reach by name, with its transport and the file it comes
 * from, in precedence order (mcp-call's own config, then the project's files, then the user's).
 * A name defined twice shows which entry wins; files that cannot be read are warned about.
 */
export async function serversCommand(opts: GlobalOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const own = await loadOwnConfig();
  const listed: Listed[] = Object.entries(own.config.servers ?? {}).map(([name, entry]) => ({
    name,
    transport: entry.command !== undefined ? 'stdio' : (entry.transport ?? 'auto'),
    source: own.file ?? 'mcp-call config',
  }));
  if (opts.imports !== false && opts.noImports !== true) {
    const imports = await readImports(env);
    for (const problem of imports.problems) writeErr(`mcp-call: warning: ${problem}\n`);
    for (const server of imports.servers) listed.push({ name: server.name, transport: server.transport, source: `${server.file} (${server.tool})` });
  }
  const winners = new Map<string, string>();
  for (const entry of listed) {
    const winner = winners.get(entry.name);
    if (winner === undefined) winners.set(entry.name, entry.source);
    else entry.shadowedBy = winner;
  }
  if (opts.json) {
    writeOut(`${JSON.stringify(listed, null, 2)}\n`);
    return ExitCode.ok;
  }
  if (listed.length === 0) {
    writeOut('(no servers: add them to .mcp-callrc, or to the MCP config of Claude, Cursor, VS Code, Windsurf, Gemini CLI or Codex)\n');
    return ExitCode.ok;
  }
  const width = Math.max(...listed.map((e) => e.name.length)) + 2;
  const lines = listed.map((e) => `${e.name.padEnd(width)}${e.transport.padEnd(7)}${e.source}${e.shadowedBy ? `  (shadowed by ${e.shadowedBy})` : ''}`);
  writeOut(`${lines.join('\n')}\n`);
  return ExitCode.ok;
}
