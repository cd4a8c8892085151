import { closestNames, isLoopbackHost, UsageError } from '@mcp-cli/core';

import { DEFAULT_MAX_MESSAGE_BYTES } from '../client/sse-parser.ts';
import type { StdioServer } from '../client/stdio-transport.ts';
import type { OAuthEntry, ServerEntry } from './imports/import-formats.ts';
import type { ImportedServer, Imports } from './imports/read-imported-servers.ts';

import type { TransportChoice } from '../client/connect.ts';
import type { GlobalOptions } from './global-options.ts';
import type { WorkspaceTrust } from './workspace-trust.ts';

/** Where and how to connect, after flags, env and config are combined. */
export interface ConnectionSettings {
  url: string;
  transport: TransportChoice;
  headers: Record<string, string>;
  timeoutMs: number;
  waitMs: number;
  /** Largest response body, SSE line or event accepted. */
  maxMessageBytes: number;
  /** A credential would travel in clear text to a host that is not this machine. */
  credentialInClear: boolean;
  /** A server to run as a child process instead of a URL to reach. */
  stdio: StdioServer | undefined;
  /** OAuth credentials the config gives this server. */
  oauth: OAuthEntry | undefined;
  /** Variables the server's imported entry names that are not set, for a refusal's hint. */
  unsetVariables: string[];
  /** `--keep-alive`: keep the server warm in a daemon this long after the last call (0: no daemon). */
  keepAliveMs: number;
}

const DEFAULT_URL = 'http://localhost:8000';

/**
 * Resolves the connection: URL from `--url`, else `MCP_URL`, else the config file (`--server`
 * picks an entry), else http://localhost:8000. The config file is searched only when needed.
 *
 * @throws UsageError for a bad URL, header, number or server name.
 */
export async function resolveConnectionSettings(
  opts: GlobalOptions,
  env: NodeJS.ProcessEnv,
  positionalUrl: string | undefined,
  { forCompletion = false }: { forCompletion?: boolean } = {},
): Promise<ConnectionSettings> {
  const explicitUrl = opts.url ?? positionalUrl ?? (env.MCP_URL || undefined);
  const serverName = opts.server ?? (env.MCP_SERVER || undefined);
  if (opts.stdio !== undefined && (opts.url !== undefined || positionalUrl !== undefined || opts.server !== undefined)) {
    throw new UsageError('--stdio runs a server, so it cannot be combined with --url, a URL or --server: pick one', 'E_CONFLICTING_TARGETS');
  }
  let entry: ServerEntry = {};
  if (opts.stdio === undefined && (!explicitUrl || serverName)) entry = await loadServerEntry(serverName, opts.noImports !== true && opts.imports !== false, env, !forCompletion);
  const stdio = withVariables(opts.stdio !== undefined ? await (await import('./split-command.ts')).splitCommand(opts.stdio, env) : stdioEntry(entry, serverName), opts.env ?? []);
  const url = explicitUrl ?? entry.url ?? DEFAULT_URL;
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new UsageError(`Invalid server URL "${url}": use http://host:port/mcp or http://host:port/sse`, 'E_BAD_URL');
  }
  const transport = opts.transport !== 'auto' ? opts.transport : (entry.transport ?? 'auto');
  if (!['auto', 'http', 'sse'].includes(transport)) {
    throw new UsageError(`--transport must be auto, http or sse (got "${transport}")`, 'E_BAD_TRANSPORT');
  }
  const headers: Record<string, string> = { ...lowerKeys(entry.headers ?? {}) };
  for (const header of opts.header) {
    const colon = header.indexOf(':');
    if (colon <= 0) throw new UsageError(`Invalid header "${header}": write it as "Name: value"`, 'E_BAD_HEADER');
    headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
  }
  const token = opts.token ?? (env.MCP_TOKEN || undefined) ?? entry.token;
  if (token) headers.authorization = `Bearer ${token}`;
  const target = new URL(url);
  return {
    url,
    transport,
    headers,
    timeoutMs: seconds(opts.timeout, '--timeout', false) ?? 60_000,
    waitMs: seconds(opts.wait, '--wait', true) ?? 0,
    maxMessageBytes: opts.maxMessageBytes === undefined ? DEFAULT_MAX_MESSAGE_BYTES : positiveInteger(opts.maxMessageBytes, '--max-message-bytes'),
    credentialInClear: stdio === undefined && headers.authorization !== undefined && target.protocol === 'http:' && !isLoopbackHost(target.hostname),
    stdio,
    oauth: checkOAuthEntry(entry.oauth, serverName),
    unsetVariables: entry.unsetVariables ?? [],
    keepAliveMs: seconds(opts.keepAlive ?? (env.MCP_CALL_KEEP_ALIVE || undefined) ?? (entry.keepAlive === undefined ? undefined : String(entry.keepAlive)), '--keep-alive', true) ?? 0,
  };
}

function seconds(value: string | undefined, flag: string, allowZero: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    throw new UsageError(`${flag} must be a ${allowZero ? 'non-negative' : 'positive'} number of seconds (got "${value}")`, 'E_BAD_NUMBER');
  }
  return Math.round(n * 1000);
}

/** A config entry's `oauth`, checked: strings where strings go, a boolean for clientCredentials. */
function checkOAuthEntry(oauth: unknown, name: string | undefined): OAuthEntry | undefined {
  if (oauth === undefined) return undefined;
  const where = name ? `server "${name}"` : 'the mcp-call config';
  if (typeof oauth !== 'object' || oauth === null || Array.isArray(oauth)) throw new UsageError(`${where}: "oauth" must be an object`, 'E_CONFIG');
  for (const [key, value] of Object.entries(oauth)) {
    const expected = key === 'clientCredentials' ? 'boolean' : 'string';
    if (!['clientId', 'clientSecret', 'clientKey', 'issuer', 'clientCredentials', 'clientMetadataUrl'].includes(key)) throw new UsageError(`${where}: unknown "oauth.${key}" (known: clientId, clientSecret, clientKey, issuer, clientCredentials, clientMetadataUrl)`, 'E_CONFIG');
    if (typeof value !== expected) throw new UsageError(`${where}: "oauth.${key}" must be a ${expected}`, 'E_CONFIG');
  }
  return oauth as OAuthEntry;
}

/** The stdio server of a config entry that gives a command (with args, env and cwd). */
function stdioEntry(entry: ServerEntry, name: string | undefined): StdioServer | undefined {
  if (entry.command === undefined) return undefined;
  const where = name ? `server "${name}"` : 'the mcp-call config';
  if (typeof entry.command !== 'string' || !entry.command) throw new UsageError(`${where}: "command" must be a non-empty string`, 'E_CONFIG');
  if (entry.args !== undefined && (!Array.isArray(entry.args) || !entry.args.every((a) => typeof a === 'string'))) {
    throw new UsageError(`${where}: "args" must be an array of strings`, 'E_CONFIG');
  }
  return { command: entry.command, args: entry.args ?? [], ...(entry.env ? { env: entry.env } : {}), ...(entry.cwd ? { cwd: entry.cwd } : {}) };
}

/**
 * A stdio server with the `--env KEY=VALUE` variables added (they win over the config's).
 *
 * @throws UsageError for a variable given without `=`, or with --env but no stdio server.
 */
function withVariables(stdio: StdioServer | undefined, variables: string[]): StdioServer | undefined {
  if (variables.length === 0) return stdio;
  if (!stdio) throw new UsageError('--env gives variables to a stdio server: use it with --stdio, or with --server naming a server that has a "command"', 'E_INVALID_OPTION');
  const added: Record<string, string> = {};
  for (const variable of variables) {
    const at = variable.indexOf('=');
    if (at <= 0) throw new UsageError(`Invalid --env "${variable}": write it as KEY=VALUE`, 'E_INVALID_OPTION');
    added[variable.slice(0, at)] = variable.slice(at + 1);
  }
  return { ...stdio, env: { ...stdio.env, ...added } };
}

function positiveInteger(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive whole number of bytes (got "${value}")`, 'E_BAD_NUMBER');
  return n;
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/**
 * Finds the server to connect to: mcp-call's own config first, then (unless `--no-imports`) the
 * configs of other tools. With no name, the own config's default server or top-level entry.
 *
 * @throws UsageError for a name found nowhere, with the closest names and the files read.
 */
async function loadServerEntry(name: string | undefined, useImports: boolean, env: NodeJS.ProcessEnv, runCode: boolean): Promise<ServerEntry> {
  const [{ loadWorkspaceTrust }, { loadOwnConfig }] = await Promise.all([import('./workspace-trust.ts'), import('./own-config.ts')]);
  const trust = await loadWorkspaceTrust(env);
  const own = await loadOwnConfig(trust, runCode);
  const servers = own.config.servers ?? {};
  const chosen = name ?? own.config.defaultServer;
  if (!chosen) return own.config;
  // Own entries only: a server named "constructor" must not find Object.prototype's.
  if (Object.hasOwn(servers, chosen)) {
    const entry = servers[chosen]!;
    return { ...entry, headers: { ...own.config.headers, ...entry.headers }, token: entry.token ?? own.config.token };
  }
  const imports = useImports ? await readImports(env, trust) : { servers: [], problems: [], filesRead: [] };
  // An untrusted project's entry never stands in for a trusted one of the same name.
  const imported = imports.servers.find((s) => s.name === chosen && s.trusted) ?? imports.servers.find((s) => s.name === chosen);
  if (imported && !imported.trusted) {
    throw new UsageError(
      `Server "${chosen}" is defined in ${imported.file}, in a directory you have not trusted, and such an entry can run commands and receive your tokens: if it is yours, run "${trust.hint(imported.project)}"`,
      'E_UNTRUSTED_CONFIG',
    );
  }
  if (imported) return imported.resolve({ env, input: await askInputs(imported, env) });
  const names = [...new Set([...Object.keys(servers), ...imports.servers.map((s) => s.name)])];
  const hint = closestNames(chosen, names);
  const read = [own.file, ...imports.filesRead].filter(Boolean);
  throw new UsageError(
    `Unknown server "${chosen}"${hint.length ? `; did you mean ${hint.join(', ')}?` : ''} (read: ${read.join(', ') || 'no config file found'}${useImports ? '' : '; imports are off'}); servers: ${names.join(', ') || 'none'}`,
    'E_UNKNOWN_SERVER',
  );
}

/** The other tools' configs, seen from the working directory. */
export async function readImports(env: NodeJS.ProcessEnv, trust: WorkspaceTrust): Promise<Imports> {
  const [{ homedir }, { readImportedServers }] = await Promise.all([import('node:os'), import('./imports/read-imported-servers.ts')]);
  return readImportedServers({ cwd: process.cwd(), places: { home: env.HOME ?? homedir(), platform: process.platform, env }, trust });
}

/**
 * Values for the VS Code inputs an entry uses: from MCP_INPUT_<ID> in the environment, else asked
 * at a terminal.
 *
 * @throws UsageError when an input has no value and there is no terminal to ask at.
 */
async function askInputs(server: ImportedServer, env: NodeJS.ProcessEnv): Promise<(id: string) => string> {
  const values = new Map<string, string>();
  for (const { id, description } of server.inputs) {
    const variable = `MCP_INPUT_${id.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
    let value = env[variable];
    if (value === undefined) {
      if (!process.stdin.isTTY || !process.stderr.isTTY) {
        throw new UsageError(`Server "${server.name}" in ${server.file} needs input "${id}" (${description}): set ${variable}, or run at a terminal to be asked`, 'E_INPUT_NEEDED');
      }
      value = await askLine(`${description}: `);
    }
    values.set(id, value);
  }
  return (id) => values.get(id) ?? '';
}

async function askLine(prompt: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(prompt);
  } finally {
    rl.close();
  }
}
