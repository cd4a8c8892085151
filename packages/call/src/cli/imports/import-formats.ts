import { join } from 'node:path';

import type { VariableSyntax } from './expand-variables.ts';

/** OAuth settings of a server in mcp-call's config: a registered client, and how it gets tokens. */
export interface OAuthEntry {
  clientId?: string;
  clientSecret?: string;
  clientKey?: string;
  issuer?: string;
  clientCredentials?: boolean;
  clientMetadataUrl?: string;
}

/** A server as mcp-call connects to it: a URL (with headers) or a command to run over stdio. */
export interface ServerEntry {
  url?: string;
  transport?: 'auto' | 'http' | 'sse';
  headers?: Record<string, string>;
  token?: string;
  /** OAuth credentials for this server (mcp-call's own config only): flags and variables win. */
  oauth?: OAuthEntry;
  /** Variables the entry names that are not set (an imported entry): a refusal's hint names them. */
  unsetVariables?: string[];
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** mcp-call's own config: keep this server warm this many seconds after a call (as --keep-alive). */
  keepAlive?: number;
}

/** Where a format's files are, given the home directory, the platform and the environment. */
export interface Places {
  home: string;
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
}

/** One tool's MCP config format. */
export interface ImportFormat {
  /** The tool, as `mcp-call servers` names it. */
  tool: string;
  /** Files relative to a project directory (searched upwards from the working directory). */
  projectFiles: string[];
  /** Files of the user (absolute). */
  userFiles(places: Places): string[];
  syntax: VariableSyntax;
  /** How the file is read. */
  parser: 'json' | 'jsonc' | 'toml';
  /** The servers in a parsed file (for Claude Code's ~/.claude.json, also this project's). */
  serversOf(document: Record<string, unknown>, project: string): Record<string, unknown>;
  /** One raw entry in mcp-call's terms, or the reason it cannot be used. */
  toEntry(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): ServerEntry | string;
}

const objectAt = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

/** command/args/env/cwd, or url/headers with a transport from `type` when there is one. */
function commonEntry(raw: Record<string, unknown>, urlKeys: { key: string; transport: ServerEntry['transport'] }[]): ServerEntry | string {
  if (raw.disabled === true || raw.enabled === false) return 'disabled in its file';
  if (typeof raw.command === 'string' && raw.command) {
    return {
      command: raw.command,
      args: Array.isArray(raw.args) ? raw.args.map(String) : [],
      ...(raw.env ? { env: stringMap(raw.env) } : {}),
      ...(typeof raw.cwd === 'string' ? { cwd: raw.cwd } : {}),
    };
  }
  for (const { key, transport } of urlKeys) {
    if (typeof raw[key] !== 'string' || !raw[key]) continue;
    const type = raw.type === 'sse' ? 'sse' : raw.type === 'http' || raw.type === 'streamable-http' ? 'http' : transport;
    return { url: raw[key] as string, transport: type, ...(raw.headers ? { headers: stringMap(raw.headers) } : {}) };
  }
  return `needs "command" (a stdio server) or "${urlKeys.map((k) => k.key).join('" or "')}" (a remote one)`;
}

function stringMap(value: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(objectAt(value)).map(([k, v]) => [k, String(v)]));
}

const URL_ONLY = [{ key: 'url', transport: 'auto' as const }];

/** Every format mcp-call imports, each as its tool documents it. */
export const IMPORT_FORMATS: readonly ImportFormat[] = [
  {
    tool: 'Claude Code',
    projectFiles: ['.mcp.json'],
    userFiles: ({ home }) => [join(home, '.claude.json')],
    syntax: 'claude',
    parser: 'json',
    // ~/.claude.json holds user servers, and each project's own under "projects".
    serversOf: (doc, project) => ({ ...objectAt(doc.mcpServers), ...objectAt(objectAt(objectAt(doc.projects)[project]).mcpServers) }),
    toEntry: (raw) => commonEntry(raw, URL_ONLY),
  },
  {
    tool: 'Claude Desktop',
    projectFiles: [],
    userFiles: ({ home, platform, env }) => [
      platform === 'darwin'
        ? join(home, 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json')
        : platform === 'win32'
          ? join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Claude', 'claude_desktop_config.json')
          : join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Claude', 'claude_desktop_config.json'),
    ],
    syntax: 'none',
    parser: 'json',
    serversOf: (doc) => objectAt(doc.mcpServers),
    toEntry: (raw) => commonEntry(raw, URL_ONLY),
  },
  {
    tool: 'Cursor',
    projectFiles: [join('.cursor', 'mcp.json')],
    userFiles: ({ home }) => [join(home, '.cursor', 'mcp.json')],
    syntax: 'cursor',
    parser: 'json',
    serversOf: (doc) => objectAt(doc.mcpServers),
    toEntry: (raw) => commonEntry(raw, URL_ONLY),
  },
  {
    tool: 'VS Code',
    projectFiles: [join('.vscode', 'mcp.json')],
    userFiles: ({ home, platform, env }) => [
      platform === 'darwin'
        ? join(home, 'Library', 'Application Support', 'Code', 'User', 'mcp.json')
        : platform === 'win32'
          ? join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Code', 'User', 'mcp.json')
          : join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Code', 'User', 'mcp.json'),
    ],
    syntax: 'vscode',
    parser: 'jsonc',
    serversOf: (doc) => objectAt(doc.servers),
    toEntry: (raw) => commonEntry(raw, URL_ONLY),
  },
  {
    tool: 'Windsurf',
    projectFiles: [],
    userFiles: ({ home }) => [join(home, '.codeium', 'windsurf', 'mcp_config.json')],
    syntax: 'windsurf',
    parser: 'json',
    serversOf: (doc) => objectAt(doc.mcpServers),
    toEntry: (raw) => commonEntry(raw, [{ key: 'serverUrl', transport: 'auto' }, { key: 'url', transport: 'auto' }]),
  },
  {
    tool: 'Gemini CLI',
    projectFiles: [join('.gemini', 'settings.json')],
    userFiles: ({ home }) => [join(home, '.gemini', 'settings.json')],
    syntax: 'gemini',
    parser: 'jsonc',
    serversOf: (doc) => objectAt(doc.mcpServers),
    // httpUrl is Streamable HTTP; url is the legacy SSE transport.
    toEntry: (raw) => commonEntry(raw, [{ key: 'httpUrl', transport: 'http' }, { key: 'url', transport: 'sse' }]),
  },
  {
    tool: 'Codex',
    projectFiles: [join('.codex', 'config.toml')],
    userFiles: ({ home, env }) => [join(env.CODEX_HOME ?? join(home, '.codex'), 'config.toml')],
    syntax: 'none',
    parser: 'toml',
    serversOf: (doc) => objectAt(doc.mcp_servers),
    toEntry: (raw, env) => {
      const entry = commonEntry(raw, [{ key: 'url', transport: 'http' }]);
      if (typeof entry === 'string' || entry.url === undefined) return entry;
      // Codex keeps secrets out of the file: headers and the token come from the environment.
      const headers = { ...stringMap(raw.http_headers) };
      const unset: string[] = [];
      for (const [name, variable] of Object.entries(stringMap(raw.env_http_headers))) {
        if (env[variable] !== undefined) headers[name] = env[variable]!;
        else unset.push(variable);
      }
      const token = typeof raw.bearer_token_env_var === 'string' ? env[raw.bearer_token_env_var] : undefined;
      if (typeof raw.bearer_token_env_var === 'string' && !token) unset.push(raw.bearer_token_env_var);
      return { ...entry, headers, ...(token ? { token } : {}), ...(unset.length ? { unsetVariables: unset } : {}) };
    },
  },
];
