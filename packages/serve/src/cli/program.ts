import { Command, Option } from 'commander';

import type { ServeConfig } from '../config/config-schema.ts';
import type { CliLogLevel, LogFormat } from './cli-logger.ts';
import { parseHttpUrl, parsePort, parsePositiveInt } from './parse-values.ts';

/** What the command line asked for: a config layer plus presentation settings. */
export interface ServeFlags {
  configPath: string | undefined;
  layer: ServeConfig;
  watch: boolean;
  /** Serve over stdio instead of HTTP. */
  stdio: boolean;
  /** `--replay FILE`: serve a recording of `mcp-call --record`. */
  replay: string | undefined;
  /** `mcp-serve -- CMD ARGS…`: one stdio server to serve, with no config file needed. */
  upstreamCommand: string[];
  quiet: boolean;
  logLevel: CliLogLevel | undefined;
  logFormat: LogFormat | undefined;
  debug: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Builds the commander program of `mcp-serve`. */
export function createProgram(version: string): Command {
  return new Command('mcp-serve')
    .description('Serve MCP tools, resources and prompts from modules over HTTP (legacy SSE and Streamable HTTP on one port).')
    .version(version, '-V, --version')
    .argument('[command...]', 'after --, a stdio MCP server to serve over HTTP: mcp-serve -- npx -y @modelcontextprotocol/server-filesystem /tmp')
    .option('-c, --config <path>', 'config file (default: search mcp-serve.config.*, .mcp-serverc, package.json)')
    .option('-H, --host <host>', 'address to bind (default 127.0.0.1; env MCP_SERVE_HOST)')
    .option('-p, --port <port>', 'port to listen on, 0 for a free one (default 8000; env MCP_SERVE_PORT)')
    .option('--sse-path <path>', 'path of the legacy SSE stream (default /sse)')
    .option('--messages-path <path>', 'path legacy SSE clients POST to (default /messages)')
    .option('--mcp-path <path>', 'path of the Streamable HTTP endpoint (default /mcp)')
    .option('--public-base-path <path>', 'prefix a reverse proxy mounts the server under (default: none; env MCP_SERVE_PUBLIC_BASE_PATH)')
    .option('--stateless', 'Streamable HTTP with no session kept in the process (default: off)')
    .option('--audit-log <file>', 'one JSON line per tool call, prompt get and resource read, to a file or - for stdout (default: none; env MCP_SERVE_AUDIT_LOG)')
    .option('--rate-limit <rate>', 'calls per client (OAuth subject, token or address): 20/s, 100/m, 1000/h (default: none)')
    .option('--metrics', 'serve Prometheus metrics at /metrics, protected like /mcp (default: off; env MCP_SERVE_METRICS)')
    .option('--metrics-token <token>', 'serve /metrics to this bearer token only, implies --metrics (default: none; env MCP_SERVE_METRICS_TOKEN)')
    .option('--otel <url>', 'send OpenTelemetry traces to this OTLP/HTTP collector, e.g. http://localhost:4318 (default: none; env OTEL_EXPORTER_OTLP_ENDPOINT)')
    .option('--no-ui', 'no status page at / for browsers (default: on)')
    .option('--store <url>', 'keep sessions and tasks in Redis (redis://host:port), so any of several processes serves any client; default memory (env MCP_SERVE_STORE)')
    .option('--auth-issuer <url>', 'take OAuth access tokens from this authorization server (default: none; env MCP_SERVE_AUTH_ISSUER)')
    .option('--auth-audience <url>', "this server's resource URL, as tokens name it in aud (default: none; env MCP_SERVE_AUTH_AUDIENCE)")
    .option('--auth-jwks-uri <url>', "the issuer's signing keys (default: from its metadata)")
    .option('--auth-page-client-id <id>', 'the client id the status page logs in with (default: it registers itself at the issuer)')
    .option('--auth-scope <scope>', 'a scope every request needs (repeatable; default: none)', collect)
    .option('--token <token>', 'require this bearer token (repeatable; default: none; env MCP_SERVE_TOKEN)', collect)
    .option('--token-file <file>', 'require the bearer token in this file (repeatable; default: none)', collect)
    .option('--allowed-host <host>', 'accept this Host header on a loopback bind (repeatable; default: loopback names)', collect)
    .option('--allowed-origin <origin>', 'accept requests with this Origin (repeatable; default: the server\'s own and loopback pages)', collect)
    .option('--cors-origin <origin>', 'let browsers on this origin call the server (repeatable; * for any; default: none)', collect)
    .option('--max-body-bytes <n>', 'largest request body (default 4194304)')
    .option('--max-batch-size <n>', 'most messages in one JSON-RPC batch (default 100)')
    .option('--body-timeout <ms>', 'time to receive a request body, else 408 (default 10000)')
    .option('--max-connections <n>', 'most open connections in total (default: the open-files limit less 256; at the cap the idlest idle one is closed)')
    .option('--max-connections-per-client <n>', 'most open connections per client address (default: none)')
    .option('--max-stream-buffer <bytes>', 'unsent bytes a stream may hold before a non-reading client is cut off (default 4194304)')
    .option('--max-sessions <n>', 'most open sessions in total (default 10000)')
    .option('--max-sessions-per-client <n>', 'most open sessions per client address (default: none)')
    .option('--handshake-timeout <ms>', 'close sessions that send nothing after initialize for this long (default 10000)')
    .option('--call-timeout <ms>', 'per-call timeout of tool handlers (default 300000)')
    .option('--keep-alive <ms>', 'interval of SSE keep-alive comments (default 15000)')
    .option('--session-idle <ms>', 'close sessions idle this long (default 1800000)')
    .option('--page-size <n>', 'most entries in one page of tools/list, resources/list, prompts/list (default 1000)')
    .option('--stdio', 'serve one client over stdin/stdout instead of HTTP (for desktop clients); logs stay on stderr')
    .option('--replay <file>', 'serve a recording made with mcp-call --record FILE, as a mock of that server (default: none)')
    .option('-w, --watch', 'reload changed modules without a restart')
    .option('-q, --quiet', 'print only the ready line and errors')
    .addOption(new Option('--log-level <level>', 'lowest level logged (default info; warn with --quiet)').choices(['debug', 'info', 'warn', 'error']))
    .addOption(new Option('--log-format <format>', 'text, or json for one object per line (default text)').choices(['text', 'json']))
    .option('--debug', 'show stack traces of errors')
    .addHelpText(
      'after',
      `
Exit codes: 0 stopped cleanly, 2 bad flag, config or module, or address in use,
70 internal error.

Examples:
  mcp-serve                  serve ./mcp-serve.config.* (else the hello example)
  mcp-serve --host 0.0.0.0 --token "$TOKEN"
  mcp-serve --config examples/hello/mcp-serve.config.ts --port 0 --watch`,
    )
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined });
}

/**
 * Turns parsed options into flags.
 *
 * @throws UsageError for a value that is not valid.
 */
export function toServeFlags(opts: Record<string, unknown>, operands: string[] = []): ServeFlags {
  const str = (key: string): string | undefined => opts[key] as string | undefined;
  const int = (key: string, flag: string): number | undefined =>
    str(key) === undefined ? undefined : parsePositiveInt(str(key)!, flag);
  const layer: ServeConfig = {
    host: str('host'),
    port: str('port') === undefined ? undefined : parsePort(str('port')!, '--port'),
    paths: { sse: str('ssePath'), messages: str('messagesPath'), mcp: str('mcpPath') },
    publicBasePath: str('publicBasePath'),
    stateless: opts.stateless === true ? true : undefined,
    auditLog: str('auditLog'),
    metrics: str('metricsToken') !== undefined ? { token: str('metricsToken') } : opts.metrics === true ? true : undefined,
    otel: str('otel') === undefined ? undefined : parseHttpUrl(str('otel')!, '--otel'),
    ui: opts.ui === false ? false : undefined,
    store: str('store'),
    tokens: opts.token as string[] | undefined,
    auth: { issuer: str('authIssuer'), audience: str('authAudience'), jwksUri: str('authJwksUri'), pageClientId: str('authPageClientId'), scopes: opts.authScope as string[] | undefined } as ServeConfig['auth'],
    tokenFiles: opts.tokenFile as string[] | undefined,
    allowedHosts: opts.allowedHost as string[] | undefined,
    allowedOrigins: opts.allowedOrigin as string[] | undefined,
    corsOrigins: opts.corsOrigin as string[] | undefined,
    limits: {
      maxBodyBytes: int('maxBodyBytes', '--max-body-bytes'),
      maxBatchSize: int('maxBatchSize', '--max-batch-size'),
      bodyTimeoutMs: int('bodyTimeout', '--body-timeout'),
      maxConnections: int('maxConnections', '--max-connections'),
      maxConnectionsPerClient: int('maxConnectionsPerClient', '--max-connections-per-client'),
      maxStreamBufferBytes: int('maxStreamBuffer', '--max-stream-buffer'),
      maxSessions: int('maxSessions', '--max-sessions'),
      maxSessionsPerClient: int('maxSessionsPerClient', '--max-sessions-per-client'),
      handshakeTimeoutMs: int('handshakeTimeout', '--handshake-timeout'),
      callTimeoutMs: int('callTimeout', '--call-timeout'),
      sseKeepAliveMs: int('keepAlive', '--keep-alive'),
      sessionIdleMs: int('sessionIdle', '--session-idle'),
      rate: str('rateLimit'),
      pageSize: int('pageSize', '--page-size'),
    },
  };
  return {
    configPath: str('config'),
    layer,
    watch: opts.watch === true,
    stdio: opts.stdio === true,
    replay: str('replay'),
    upstreamCommand: operands,
    quiet: opts.quiet === true,
    logLevel: str('logLevel') as CliLogLevel | undefined,
    logFormat: str('logFormat') as LogFormat | undefined,
    debug: opts.debug === true,
  };
}
