import { existsSync } from 'node:fs';
import { isatty } from 'node:tty';

import { ConnectionError, LOG_LEVELS, type LogLevel, redactedUrl, SUPPORTED_PROTOCOL_VERSIONS, tracingEndpoint, UsageError } from '@mcp-cli/core';

import { AUTO_VERSION, connect, type Connection, connectStdio, isRetryable } from '../client/connect.ts';
import { MODERN_VERSION } from '../client/request-metadata.ts';
import { clientCapabilities, createServerRequestHandler, type ElicitMode, type ElicitSchema } from '../client/server-requests.ts';
import { AuthChallengeError, useRequestSigner } from '../client/http-request.ts';
import { type ConnectionSettings, resolveConnectionSettings } from './connection-settings.ts';
import { deadline } from './deadline.ts';
import { loginDirectory } from './oauth/login-directory.ts';
import type { GlobalOptions } from './global-options.ts';
import { keepRawOutput, writeErr } from './terminal-text.ts';
import { createUi, type Ui } from './ui.ts';
import { VERSION } from './version.ts';

/** What a command gets: an initialized connection, the UI and the deadline signal. */
export interface CommandContext {
  connection: Connection;
  ui: Ui;
  signal: AbortSignal;
  opts: GlobalOptions;
  settings: ConnectionSettings;
}

/**
 * Connects with the global options, runs `fn`, and always closes the connection. The signal
 * fires on Ctrl-C or when `--timeout` passes, whichever comes first.
 */
export async function withConnection<T>(
  opts: GlobalOptions,
  env: NodeJS.ProcessEnv,
  interrupt: AbortSignal,
  fn: (context: CommandContext) => Promise<T>,
  { positionalUrl, prefetch, deadlineMs }: { positionalUrl?: string | undefined; prefetch?: readonly string[]; deadlineMs?: number } = {},
): Promise<T> {
  const settings = await resolveConnectionSettings(opts, env, positionalUrl);
  // Checked before anything starts (the spinner, the deadline), so a usage error ends at once.
  const logLevel = checkLogLevel(opts.logLevel);
  if (opts.elicit !== undefined && !['decline', 'defaults', 'prompt'].includes(opts.elicit)) {
    throw new UsageError(`Invalid --elicit "${opts.elicit}": use decline, defaults or prompt`, 'E_INVALID_OPTION');
  }
  const protocolVersion = checkProtocolVersion(opts.protocolVersion);
  const roots = await resolveRoots(opts.root ?? []);
  keepRawOutput(opts.raw === true);
  // Loaded only when a trace is asked for (--traceparent, TRACEPARENT, OTEL_EXPORTER_OTLP_ENDPOINT).
  const traced = opts.traceparent !== undefined || Boolean(env.TRACEPARENT) || tracingEndpoint(env) !== undefined;
  const trace = traced ? await (await import('./call-tracing.ts')).openCallTracing(opts, env, (message) => ui.debug(message)) : undefined;
  const ui = await createUi({ quiet: opts.quiet === true, verbose: opts.verbose === true, env });
  // A command of many calls (mcp-call test) bounds each call itself, and the whole by their sum.
  const timer = deadline(deadlineMs ?? settings.timeoutMs);
  const signal = AbortSignal.any([interrupt, timer.signal]);
  // isatty(0), not process.stdin: that getter builds the stdin stream, which a plain call never reads.
  const atTerminal = isatty(0) && isatty(2);
  const elicit: ElicitMode = opts.elicit ?? (atTerminal ? 'prompt' : 'decline');
  const requests = {
    elicit,
    elicitChosen: opts.elicit !== undefined,
    samplingCommand: opts.samplingCommand,
    roots,
    onDecline: (note: string) => writeErr(`mcp-call: ${note}\n`),
    askUser: async (message: string, schema: ElicitSchema, cancelled: AbortSignal) => {
      ui.stop();
      return (await import('./ask-user.ts')).askUser(message, schema, cancelled);
    },
    openUrl: async (message: string, url: string, cancelled: AbortSignal) => {
      ui.stop();
      const agreed = await (await import('./open-url.ts')).offerToOpen(message, url, env, cancelled);
      if (agreed) ui.status('waiting for the server (finish in your browser)');
      return agreed;
    },
  };
  if (settings.credentialInClear) {
    // Said even with --quiet: the person should know where their secret went.
    writeErr(`mcp-call: warning: sending the credential over plain http to ${new URL(settings.url).host}; anyone on the network path can read it (use https)\n`);
  }
  const common = {
    signal,
    maxMessageBytes: settings.maxMessageBytes,
    capabilities: clientCapabilities(requests),
    clientInfo: { name: 'mcp-call', version: VERSION },
    onServerRequest: createServerRequestHandler(requests),
    onNotification: (method: string, params: Record<string, unknown>) => {
      if (method === 'notifications/message') {
        const data = typeof params.data === 'string' ? params.data : JSON.stringify(params.data);
        ui.note(`[server ${String(params.level)}${params.logger ? ` ${String(params.logger)}` : ''}] ${data}`);
      } else if (method === 'notifications/elicitation/complete') {
        ui.note('the server says the step in the browser is done');
      }
    },
    debug: (message: string) => ui.debug(message),
    protocolVersion,
    trace,
    ...(prefetch ? { prefetch } : {}),
  };
  // OAuth: a token kept from an earlier login goes with the request, unless the user gave credentials.
  const userCredentials = Object.keys(settings.headers).some((name) => name.toLowerCase() === 'authorization');
  const oauthServer = settings.stdio ? undefined : settings.url;
  const logins = loginDirectory(env);
  if (oauthServer && !userCredentials) {
    // Only someone who has logged in somewhere pays for reading the kept logins.
    const store = existsSync(logins) ? await import('./oauth/token-store.ts') : undefined;
    const login = await store?.readLogin(logins, oauthServer);
    const kept = store?.keptToken(login);
    if (kept?.dpop) await (await import('./oauth/dpop.ts')).signWithLogin(login, useRequestSigner);
    else if (kept) settings.headers.authorization = `Bearer ${kept.token}`;
  }
  const open = async (): Promise<Connection> => {
    let opened: Connection;
    // --record: each connection of the run (a new session, a new token) is one more in the file.
    const tap = opts.record === undefined ? undefined : (await import('./record-file.ts')).recordTo(opts.record, describeServer(settings), knownSecrets(opts, settings));
    if (settings.keepAliveMs > 0) {
      ui.status('connecting through the warm-server daemon');
      const daemon = await import('../daemon/connect-daemon.ts');
      const spec = daemon.daemonSpecFor(settings, protocolVersion, common.capabilities, roots);
      opened = await daemon.connectThroughDaemon(spec, { keepAliveMs: settings.keepAliveMs, signal, env, onServerRequest: common.onServerRequest, onNotification: common.onNotification, tap, debug: common.debug, trace });
    } else if (settings.stdio) {
      ui.status(`starting ${settings.stdio.command}`);
      // The server's stderr is its log: shown with --verbose, and its last lines in any failure.
      opened = await connectStdio(settings.stdio, { ...common, tap, onStderr: (line) => ui.debug(`server stderr: ${line}`) });
    } else {
      ui.status(`connecting to ${settings.url}`);
      opened = await connect({ ...common, tap, url: settings.url, transport: settings.transport, headers: settings.headers, waitMs: settings.waitMs }).catch((error: unknown) => {
        throw withWaitHint(error, settings.waitMs);
      });
    }
    ui.debug(`connected over ${TRANSPORT_NAMES[opened.transport]} to ${opened.url} (protocol ${opened.protocolVersion})`);
    if (logLevel) await setLogLevel(opened, logLevel, ui, signal);
    // A 2026-07-28 server logs only to requests that ask: ask for what a session shows by default.
    else if (opened.session.modern) opened.session.setModernLogLevel(DEFAULT_MODERN_LOG_LEVEL);
    return opened;
  };
  let connection: Connection | undefined;
  const run = async (): Promise<T> => {
    connection = await open();
    try {
      return await fn({ connection, ui, signal, opts, settings });
    } catch (error) {
      // A server that restarted has forgotten the session (404): it did not run the request, so
      // it is sent once more, in a new session.
      if (!(error instanceof ConnectionError && error.code === 'E_SESSION_ENDED')) throw error;
      ui.note('the server ended the session (HTTP 404): starting a new one and trying again');
      await connection.close().catch(() => undefined);
      connection = await open();
      return await fn({ connection, ui, signal, opts, settings });
    }
  };
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        // 401, or 403 for a scope the token lacks: get a token (OAuth) and run again, a bounded number of times.
        if (!(error instanceof AuthChallengeError) || !oauthServer || userCredentials || attempt > MAX_AUTHORIZATIONS || signal.aborted) throw withTokenHint(error, settings.unsetVariables);
        await connection?.close().catch(() => undefined);
        connection = undefined;
        ui.status('authorizing');
        const { authorize, machineCredentials } = await import('./oauth/authorize.ts');
        const token = await authorize({
          server: oauthServer,
          challenge: error.challenge,
          status: error.status,
          env,
          loginDirectory: logins,
          signal,
          interactive: opts.login === true || (atTerminal && !env.CI),
          credentials: machineCredentials(opts, env, settings.oauth),
          clientMetadataUrl: opts.clientMetadataUrl ?? settings.oauth?.clientMetadataUrl,
          beforePrompt: () => ui.stop(),
          debug: (message) => ui.debug(message),
          maxMessageBytes: settings.maxMessageBytes,
        });
        if (token === undefined) throw withTokenHint(error, settings.unsetVariables);
        // A DPoP-bound token signs each request; a bearer token rides in the header.
        const login = await (await import('./oauth/token-store.ts')).readLogin(logins, oauthServer);
        if (!(await (await import('./oauth/dpop.ts')).signWithLogin(login, useRequestSigner))) settings.headers.authorization = `Bearer ${token}`;
      }
    }
  } finally {
    ui.stop();
    await connection?.close().catch(() => undefined);
    timer.clear();
    // The spans of the run reach the collector before mcp-call exits (bounded: a dead collector costs 2 s at most).
    await trace?.tracing.shutdown(2000);
  }
}

/** The server as a recording names it: its URL without password or query, or its command line. */
function describeServer(settings: ConnectionSettings): string {
  return settings.stdio ? [settings.stdio.command, ...settings.stdio.args].join(' ') : redactedUrl(new URL(settings.url));
}

/** The user's own secrets, which a recording never holds: credentials, header values, long --env values. */
function knownSecrets(opts: GlobalOptions, settings: ConnectionSettings): string[] {
  const headerValues = Object.values(settings.headers).flatMap((value) => [value, value.replace(/^\S+\s+/, '')]);
  const envValues = Object.values(settings.stdio?.env ?? {}).filter((value) => value.length >= 8);
  return [...headerValues, ...envValues, opts.token, opts.clientSecret, opts.clientKey, opts.clientAssertion].filter((s): s is string => typeof s === 'string' && s.length >= 4);
}

/** A refused token: the flags that send one. */
function withTokenHint(error: unknown, unsetVariables: string[]): unknown {
  if (!(error instanceof AuthChallengeError)) return error;
  // An imported entry whose token comes from a variable that is not set: that is the likely cause.
  const unset = unsetVariables.length ? `; the server's config names ${unsetVariables.map((name) => `$${name}`).join(', ')}, which ${unsetVariables.length === 1 ? 'is' : 'are'} not set` : '';
  return new ConnectionError(`${error.message}: pass a token with --token or MCP_TOKEN, or a header with -H${unset}`, error.code, { cause: error });
}

/**
 * An unreachable server in --wait's terms: how long it was waited for, or, for a refused
 * connection without --wait, the flag that waits for a server still starting.
 */
function withWaitHint(error: unknown, waitMs: number): unknown {
  if (!(error instanceof ConnectionError)) return error;
  let hint: string | undefined;
  if (waitMs > 0 && isRetryable(error)) hint = `still unreachable after --wait ${waitMs / 1000} s`;
  else if (waitMs === 0 && error.code === 'ECONNREFUSED') hint = '--wait SECONDS retries while it starts';
  return hint === undefined ? error : new ConnectionError(`${error.message} (${hint})`, error.code, { cause: error });
}

/** How each transport is named in messages. */
export const TRANSPORT_NAMES = { http: 'Streamable HTTP', sse: 'SSE (legacy)', stdio: 'stdio', memory: 'in-process' } as const;

/** `--log-level`, checked: one of the levels MCP names. */
function checkLogLevel(level: string | undefined): LogLevel | undefined {
  if (level === undefined) return undefined;
  if (!LOG_LEVELS.includes(level as LogLevel)) throw new UsageError(`Invalid --log-level "${level}": use one of ${LOG_LEVELS.join(', ')}`, 'E_INVALID_OPTION');
  return level as LogLevel;
}

/** `--protocol-version`, checked: auto, 2026-07-28 or a version with sessions. */
/** Times a command gets a new token and runs again (a server that keeps refusing is not asked for ever). */
const MAX_AUTHORIZATIONS = 3;

/** The log level 2026-07-28 requests ask for without --log-level. */
const DEFAULT_MODERN_LOG_LEVEL = 'info';

function checkProtocolVersion(version: string | undefined): string {
  // The default: 2026-07-28 where the server speaks it, else a session, as the spec has clients try.
  if (version === undefined) return AUTO_VERSION;
  const known = [AUTO_VERSION, MODERN_VERSION, ...SUPPORTED_PROTOCOL_VERSIONS];
  if (!known.includes(version)) throw new UsageError(`Invalid --protocol-version "${version}": use one of ${known.join(', ')}`, 'E_INVALID_OPTION');
  return version;
}

/** Asks the server to send only log messages at `level` or more severe. */
async function setLogLevel(connection: Connection, level: LogLevel, ui: Ui, signal: AbortSignal): Promise<void> {
  // 2026-07-28 has no setLevel: each request asks for its own level in `_meta`.
  if (connection.session.modern) return connection.session.setModernLogLevel(level);
  if (!(await connection.describe()).capabilities.logging) {
    ui.note(`the server declares no logging, so --log-level ${level} changes nothing`);
    return;
  }
  await connection.session.request('logging/setLevel', { level }, { signal });
}

/** The `--root` directories as MCP roots: absolute `file://` URIs of directories that exist. */
async function resolveRoots(dirs: string[]): Promise<{ uri: string; name: string }[]> {
  if (dirs.length === 0) return [];
  const [{ stat }, { basename, resolve }, { pathToFileURL }] = await Promise.all([import('node:fs/promises'), import('node:path'), import('node:url')]);
  return Promise.all(
    dirs.map(async (dir) => {
      const path = resolve(dir);
      const found = await stat(path).catch(() => undefined);
      if (!found?.isDirectory()) throw new UsageError(`--root ${dir}: ${found ? 'not a directory' : 'no such directory'}`, 'E_INVALID_OPTION');
      return { uri: pathToFileURL(path).href, name: basename(path) || path };
    }),
  );
}
