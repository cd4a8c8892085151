import { UsageError } from '@mcp-cli/core';
import { type Command, Option } from 'commander';

import type { ElicitMode } from '../client/server-requests.ts';
import type { TransportChoice } from '../client/connect.ts';

/** Options every command accepts, anywhere on the line. */
export interface GlobalOptions {
  url?: string;
  server?: string;
  transport: TransportChoice;
  header: string[];
  token?: string;
  timeout: string;
  wait?: string;
  json?: boolean;
  args?: string;
  tool?: string;
  outDir?: string;
  elicit?: ElicitMode;
  samplingCommand?: string;
  /** Call the tool as a task (tools that require one always are). */
  task?: boolean;
  /** 2026-07-28: print the id of a task the server makes of the call, and exit 0. */
  detach?: boolean;
  /** Directories offered to the server as the client's roots. */
  root: string[];
  /** The least severe server log messages sent (`logging/setLevel`). */
  logLevel?: string;
  /** The protocol version to speak: 2026-07-28 (no session), or one with sessions. */
  protocolVersion?: string;
  quiet?: boolean;
  verbose?: boolean;
  raw?: boolean;
  maxMessageBytes?: string;
  stdio?: string;
  /** `--env KEY=VALUE` (repeatable): variables for a stdio server, besides the safe defaults. */
  env: string[];
  /** OAuth: log in through the browser when a server asks, even without a terminal. */
  login?: boolean;
  /** OAuth: a client registered beforehand (env MCP_CLIENT_ID, MCP_CLIENT_SECRET). */
  clientId?: string;
  clientSecret?: string;
  /** OAuth: a private key (PEM or @file) that authenticates the client (private_key_jwt). */
  clientKey?: string;
  /** OAuth: the workload's identity JWT, exchanged with the jwt-bearer grant. */
  clientAssertion?: string;
  /** OAuth: the only authorization server the client's secret or key may go to. */
  issuer?: string;
  /** OAuth: the client-credentials grant with the client id and secret (machine to machine). */
  clientCredentials?: boolean;
  /** OAuth: a client id metadata document URL, the client id where the server takes those. */
  clientMetadataUrl?: string;
  /** `--no-imports`: commander stores it as `imports: false`, the fast path as `noImports`. */
  imports?: boolean;
  noImports?: boolean;
  /** `--expect PATH=JSON` or `PATH~/REGEX/` (repeatable): what the call's result must hold. */
  expect: string[];
  /** `--expect-error`: the call must fail. */
  expectError?: boolean;
  /** `--record FILE`: write the run's JSON-RPC messages there (NDJSON, secrets redacted). */
  record?: string;
  /** `--keep-alive SECONDS`: keep the server warm between runs (env MCP_CALL_KEEP_ALIVE). */
  keepAlive?: string;
  /** `--traceparent`: the W3C trace the calls join (env TRACEPARENT). */
  traceparent?: string;
}

/** Global flags and whether each takes a value; tool flag parsing hands these back. */
export const GLOBAL_FLAGS: Record<string, boolean> = {
  '--url': true,
  '-u': true,
  '--server': true,
  '-s': true,
  '--transport': true,
  '-t': true,
  '--header': true,
  '-H': true,
  '--token': true,
  '--timeout': true,
  '--wait': true,
  '--json': false,
  '--args': true,
  '--tool': true,
  '--out-dir': true,
  '--elicit': true,
  '--sampling-command': true,
  '--task': false,
  '--detach': false,
  '--root': true,
  '--log-level': true,
  '--protocol-version': true,
  '--quiet': false,
  '-q': false,
  '--verbose': false,
  '--raw': false,
  '--max-message-bytes': true,
  '--stdio': true,
  '--env': true,
  '-e': true,
  '--no-imports': false,
  '--login': false,
  '--client-id': true,
  '--client-secret': true,
  '--client-credentials': false,
  '--client-metadata-url': true,
  '--client-key': true,
  '--client-assertion': true,
  '--issuer': true,
  '--expect': true,
  '--expect-error': false,
  '--record': true,
  '--keep-alive': true,
  '--traceparent': true,
};

/** Commander's way to take an option more than once. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The option key of each global flag, as commander names it. */
const FLAG_KEYS: Record<string, keyof GlobalOptions> = {
  '--url': 'url', '-u': 'url', '--server': 'server', '-s': 'server', '--transport': 'transport', '-t': 'transport',
  '--header': 'header', '-H': 'header', '--token': 'token', '--timeout': 'timeout', '--wait': 'wait', '--json': 'json',
  '--args': 'args', '--tool': 'tool', '--out-dir': 'outDir', '--elicit': 'elicit', '--sampling-command': 'samplingCommand', '--task': 'task', '--detach': 'detach', '--root': 'root', '--log-level': 'logLevel', '--protocol-version': 'protocolVersion',
  '--quiet': 'quiet', '-q': 'quiet', '--verbose': 'verbose', '--raw': 'raw', '--max-message-bytes': 'maxMessageBytes', '--stdio': 'stdio', '--env': 'env', '-e': 'env', '--no-imports': 'noImports',
  '--login': 'login', '--client-id': 'clientId', '--client-secret': 'clientSecret', '--client-credentials': 'clientCredentials', '--client-metadata-url': 'clientMetadataUrl',
  '--client-key': 'clientKey', '--client-assertion': 'clientAssertion', '--issuer': 'issuer',
  '--expect': 'expect', '--expect-error': 'expectError', '--record': 'record', '--keep-alive': 'keepAlive', '--traceparent': 'traceparent',
};

/**
 * Parses the common case, `[global options] <tool> [tool flags]`, the way commander would, so
 * that a plain call need not load commander. Returns undefined for anything else (help,
 * version, meta commands, unknown options before the tool), which commander then handles.
 */
export function parseFastPath(
  args: string[],
  metaCommands: ReadonlySet<string>,
): { tool: string | undefined; tokens: string[]; opts: GlobalOptions } | undefined {
  const opts: GlobalOptions = { transport: 'auto', header: [], root: [], env: [], expect: [], timeout: '60' };
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const token = args[i]!;
    if (token === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (/^(-h|--help|-V|--version)$/.test(token)) return undefined;
    const eq = token.startsWith('--') ? token.indexOf('=') : -1;
    const flag = eq === -1 ? token : token.slice(0, eq);
    const key = FLAG_KEYS[flag];
    if (!key) {
      if (token.startsWith('-') && token.length > 1 && positional.length === 0) return undefined;
      positional.push(token);
      continue;
    }
    if (!GLOBAL_FLAGS[flag]) {
      (opts as unknown as Record<string, unknown>)[key] = true;
      continue;
    }
    const value = eq === -1 ? args[++i] : token.slice(eq + 1);
    if (value === undefined) return undefined;
    // A flag is never taken as the value of the one before it (`--token --json`).
    if (eq === -1 && FLAG_KEYS[value.split('=')[0]!] !== undefined) {
      throw new UsageError(`${flag} needs a value, but ${value} follows it: give the value, or write ${flag}=${value} if that is the value`, 'E_MISSING_VALUE');
    }
    if (key === 'header' || key === 'root' || key === 'env' || key === 'expect') opts[key].push(value);
    else (opts as unknown as Record<string, unknown>)[key] = value;
  }
  const [tool, ...tokens] = positional;
  if (tool === undefined && !opts.tool) return undefined;
  if (tool !== undefined && metaCommands.has(tool)) return undefined;
  return { tool, tokens, opts };
}

/**
 * Adds the global options to a command. A subcommand takes them too but does not list them
 * (`hidden`): its help shows its own options first and stays short, and points to `mcp-call --help`.
 */
export function addGlobalOptions(command: Command, { hidden = false }: { hidden?: boolean } = {}): Command {
  const opt = (flags: string, description: string, parseOrDefault?: string | ((value: string, previous: string[]) => string[]), initial?: string[]): void => {
    const option = new Option(flags, description);
    if (typeof parseOrDefault === 'function') option.argParser(parseOrDefault).default(initial);
    else if (parseOrDefault !== undefined) option.default(parseOrDefault);
    command.addOption(hidden ? option.hideHelp() : option);
  };
  opt('-u, --url <url>', 'server URL (env MCP_URL; default http://localhost:8000)');
  opt('--stdio <command>', 'run this command as a stdio server (split like a shell would, run without one)');
  opt('-e, --env <KEY=VALUE>', 'a variable for the --stdio server (repeatable); it gets only these and a few safe ones (PATH, HOME, …)', collect, []);
  opt('--no-imports', "use only mcp-call's own config, not the MCP configs of Claude, Cursor, VS Code and others");
  opt('-s, --server <name>', 'a server named in the mcp-call config file');
  opt('-t, --transport <kind>', 'auto, http (Streamable HTTP) or sse (legacy)', 'auto');
  opt('-H, --header <header>', 'extra HTTP header "Name: value" (repeatable)', collect, []);
  opt('--token <token>', 'bearer token (env MCP_TOKEN)');
  opt('--timeout <seconds>', 'deadline for the whole command', '60');
  opt('--wait <seconds>', 'retry connecting this long while the server starts');
  opt('--json', 'print the whole result as JSON');
  opt('--args <json>', "tool arguments as JSON, @file.json, or - for stdin");
  opt('--tool <name>', 'the tool to call (instead of the first argument)');
  opt('--out-dir <dir>', 'write images, audio and binary resources here');
  opt('--elicit <mode>', 'answer elicitation: decline, defaults, or prompt (default: prompt on a TTY, else decline)');
  opt('--sampling-command <cmd>', 'answer sampling requests with this command (request JSON on stdin)');
  opt('--task', 'call the tool as a task, showing its status (tools that require a task always are)');
  opt('--detach', 'when the call runs as a task, print its id and exit 0 at once (follow it with mcp-call task result ID)');
  opt('--root <dir>', "offer this directory to the server as a root (repeatable)", collect, []);
  opt('--log-level <level>', 'the least severe server log messages to receive: debug, info, notice, warning, error, critical, alert or emergency');
  opt('--protocol-version <version>', 'speak this MCP version: 2026-07-28 (no session), 2025-11-25 and earlier (a session), or auto (the default: 2026-07-28 when the server speaks it)');
  opt('--login', 'OAuth: log in through the browser when the server asks, even without a terminal');
  opt('--client-id <id>', 'OAuth: a client registered with the authorization server (env MCP_CLIENT_ID)');
  opt('--client-secret <secret>', 'OAuth: its secret (env MCP_CLIENT_SECRET; prefer the variable)');
  opt('--client-credentials', 'OAuth: get tokens with the client-credentials grant (no browser), for CI');
  opt('--client-key <pem>', 'OAuth: authenticate the client with this private key (PEM or @file; env MCP_CLIENT_KEY)');
  opt('--issuer <url>', 'OAuth: send the client secret or key only to this authorization server (env MCP_OAUTH_ISSUER)');
  opt('--client-assertion <jwt>', "OAuth: the workload's identity token, for the jwt-bearer grant (env MCP_CLIENT_ASSERTION)");
  opt('--client-metadata-url <url>', 'OAuth: an https URL of this client\'s metadata document, used as its client id where the server accepts one');
  opt('--expect <check>', "the result must hold this: PATH=JSON or PATH~/REGEX/, as '.structuredContent.total=3' or 'text~/Hello/' (repeatable; exit 1 if not)", collect, []);
  opt('--expect-error', 'the call must fail (an error result or a JSON-RPC error); exit 1 if it succeeds');
  opt('--keep-alive <seconds>', 'keep the server warm in a background daemon until this long after the last call (env MCP_CALL_KEEP_ALIVE); mcp-call stop ends it');
  opt('--record <file>', 'write every JSON-RPC message of the run to FILE (NDJSON, secrets redacted); mcp-serve --replay FILE serves it back');
  opt('--traceparent <value>', 'join this W3C trace: each request carries it in _meta and as a header (env TRACEPARENT); with OTEL_EXPORTER_OTLP_ENDPOINT set, mcp-call sends its own spans too');
  opt('-q, --quiet', 'no spinner, no server logs on stderr');
  opt('--verbose', 'diagnostics and error details on stderr');
  opt('--max-message-bytes <n>', 'largest response or event accepted from the server (default 67108864)');
  opt('--raw', "print the server's text byte for byte on a terminal too (control characters are escaped by default)");
  return command;
}
