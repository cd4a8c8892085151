import { ExitCode, UsageError } from '@mcp-cli/core';

import { readImports } from '../connection-settings.ts';
import type { GlobalOptions } from '../global-options.ts';
import { type CallConfig, loadOwnConfig } from '../own-config.ts';
import { columnWidth } from '../tool-help.ts';
import { loadWorkspaceTrust } from '../workspace-trust.ts';
import { writeErr, writeNone, writeOut } from '../terminal-text.ts';

interface Listed {
  name: string;
  transport: string;
  source: string;
  /** The file whose entry of the same name wins over this one. */
  shadowedBy?: string;
  /** How to trust the entry's directory, for a project entry that is not trusted. */
  untrusted?: string;
}

/**
 * `servers`: every server mcp-call can reach by name, with its transport and the file it comes
 * from, in precedence order (mcp-call's own config, then the project's files, then the user's).
 * A name defined twice shows which entry wins; files that cannot be read are warned about.
 */
export async function serversCommand(opts: GlobalOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const trust = await loadWorkspaceTrust(env);
  // An untrusted config is not read, but the list of the others is still worth having.
  const own = await loadOwnConfig(trust).catch((error: unknown) => {
    if (!(error instanceof UsageError) || error.code !== 'E_UNTRUSTED_CONFIG') throw error;
    writeErr(`mcp-call: warning: ${error.message}\n`);
    return { config: {} as CallConfig, file: undefined };
  });
  const listed: Listed[] = Object.entries(own.config.servers ?? {}).map(([name, entry]) => ({
    name,
    transport: entry.command !== undefined ? 'stdio' : (entry.transport ?? 'auto'),
    source: own.file ?? 'mcp-call config',
  }));
  if (opts.imports !== false && opts.noImports !== true) {
    const imports = await readImports(env, trust);
    for (const problem of imports.problems) writeErr(`mcp-call: warning: ${problem}\n`);
    for (const server of imports.servers) {
      listed.push({ name: server.name, transport: server.transport, source: `${server.file} (${server.tool})`, ...(server.trusted ? {} : { untrusted: trust.hint(server.project) }) });
    }
  }
  const winners = new Map<string, string>();
  // Trusted entries first: an untrusted one never wins a name.
  for (const entry of [...listed.filter((e) => !e.untrusted), ...listed.filter((e) => e.untrusted)]) {
    const winner = winners.get(entry.name);
    if (winner === undefined) winners.set(entry.name, entry.source);
    else entry.shadowedBy = winner;
  }
  if (opts.json) {
    writeOut(`${JSON.stringify(listed, null, 2)}\n`);
    return ExitCode.ok;
  }
  if (listed.length === 0) {
    writeNone('(no servers: add them to .mcp-callrc, or to the MCP config of Claude, Cursor, VS Code, Windsurf, Gemini CLI or Codex)');
    return ExitCode.ok;
  }
  const width = columnWidth(listed.map((e) => e.name));
  const note = (e: Listed): string => `${e.shadowedBy ? `  (shadowed by ${e.shadowedBy})` : ''}${e.untrusted ? `  (not trusted: ${e.untrusted})` : ''}`;
  const lines = listed.map((e) => `${e.name.padEnd(width)}${e.transport.padEnd(7)}${e.source}${note(e)}`);
  writeOut(`${lines.join('\n')}\n`);
  return ExitCode.ok;
}
