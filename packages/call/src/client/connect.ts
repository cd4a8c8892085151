import { ConnectionError, LATEST_PROTOCOL_VERSION, META, SUPPORTED_PROTOCOL_VERSIONS, type TraceCarrier, type Tracing } from '@mcp-cli/core';

import { abortableSleep } from './abortable-sleep.ts';
import { ClientSession, type NotificationHandler, type ServerRequestHandler } from './client-session.ts';
import { UNREACHABLE_CODES } from './http-request.ts';
import { type ClientTransport, RpcError } from './json-rpc.ts';
import { type MessageTap, tapMessages } from './message-tap.ts';
import { MODERN_VERSION, mirroredHeaders } from './request-metadata.ts';
import { DEFAULT_MAX_MESSAGE_BYTES } from './sse-parser.ts';
import { SseTransport } from './sse-transport.ts';
import type { StdioServer } from './stdio-transport.ts';
import { StreamableHttpTransport, TransportRefusedError } from './streamable-http-transport.ts';

/** `--protocol-version auto`: 2026-07-28 when the server speaks it, else a session. */
export const AUTO_VERSION = 'auto';
/** The error of a protocol version the server does not speak (2026-07-28). */
const UNSUPPORTED_VERSION = -32022;
/** How long to wait for the server's GET stream before going on without it. */
const LISTEN_WAIT_MS = 250;

/** Which transport to use; `auto` tries Streamable HTTP and falls back to legacy SSE. */
export type TransportChoice = 'auto' | 'http' | 'sse';

/** Options of {@link connect}. */
export interface ConnectOptions {
  url: string;
  transport: TransportChoice;
  headers: Record<string, string>;
  /** Aborts the whole connection attempt (deadline, Ctrl-C). */
  signal: AbortSignal;
  /** Keep retrying an unreachable server for this long (the server may still be starting). */
  waitMs: number;
  /** Largest response body, SSE line or event accepted from the server (default 64 MiB). */
  maxMessageBytes?: number;
  capabilities: Record<string, unknown>;
  clientInfo: { name: string; version: string };
  onServerRequest?: ServerRequestHandler;
  onNotification?: NotificationHandler;
  /** Sees every message of the connection (`--record`). */
  tap?: MessageTap | undefined;
  /** Diagnostics for --verbose. */
  debug?: (message: string) => void;
  /** Spans of every request, under `parent` when given (`--traceparent`, OTLP). */
  trace?: { tracing: Tracing; parent: TraceCarrier | undefined } | undefined;
  /** The protocol version to speak (default: the newest with sessions, 2025-11-25). */
  protocolVersion?: string | undefined;
  /**
   * List methods (`tools/list`) whose first page a 2026-07-28 connection asks for at once: with no
   * session to wait for, a tool call saves a round trip. Over HTTP the first of them also tells
   * the server's era, and `server/discover` is asked for only when needed.
   */
  prefetch?: readonly string[];
}

/** A server's identity and capabilities, from `initialize` or `server/discover`. */
export interface ServerDescription {
  serverInfo: { name: string; version: string; [key: string]: unknown };
  capabilities: Record<string, unknown>;
  instructions: string | undefined;
}

/** An initialized connection. */
export interface Connection {
  session: ClientSession;
  transport: 'http' | 'sse' | 'stdio' | 'memory';
  /** The URL, or the command line of a stdio server. */
  url: string;
  protocolVersion: string;
  /**
   * What the server says of itself. Known from the handshake, except on a 2026-07-28 connection
   * opened by its first prefetched request, which asks `server/discover` on first use.
   */
  describe(): Promise<ServerDescription>;
  /** Settles once the server's own stream is open (or after a short wait if it has none). */
  streamReady: Promise<void>;
  /** First pages asked for while connecting ({@link ConnectOptions.prefetch}), by method, each read once. */
  prefetched?: Map<string, Promise<Record<string, unknown>>>;
  close(): Promise<void>;
}

/**
 * Connects and initializes, following the protocol's backward-compatibility rule: a URL ending
 * in `/sse` is legacy SSE; otherwise Streamable HTTP is tried first and SSE is used when the
 * server refuses it; a URL with no path tries `/mcp`, then `/`, then `/sse`.
 *
 * @throws ConnectionError when no candidate works; the abort reason when the signal fires.
 */
export async function connect(options: ConnectOptions): Promise<Connection> {
  const candidates = candidatesFor(options.url, options.transport);
  const deadline = Date.now() + options.waitMs;
  let delay = 50;
  for (;;) {
    try {
      return await tryCandidates(candidates, options);
    } catch (error) {
      if (options.signal.aborted) throw options.signal.reason;
      // Out of time (or never waiting): the last error, which a caller may word for its users.
      const left = deadline - Date.now();
      if (!isRetryable(error) || left <= 0) throw error;
      // The last try is at the deadline itself: --wait N waits the whole N seconds.
      const pause = Math.min(delay, left);
      options.debug?.(`not reachable yet (${(error as Error).message}); retrying in ${pause} ms`);
      await abortableSleep(pause, options.signal);
      delay = Math.min(delay * 2, 1000);
    }
  }
}

async function tryCandidates(candidates: { kind: 'http' | 'sse'; url: URL }[], options: ConnectOptions): Promise<Connection> {
  const tried: string[] = [];
  for (const candidate of candidates) {
    const kind = candidate.kind === 'http' ? 'Streamable HTTP' : 'SSE';
    options.debug?.(`trying ${kind} at ${candidate.url.href}`);
    try {
      return await initialize(candidate.kind, candidate.url, options);
    } catch (error) {
      if (!(error instanceof TransportRefusedError) || candidates.length === 1) throw error;
      options.debug?.(error.message);
      tried.push(`${kind}: ${error.message}`);
    }
  }
  throw new ConnectionError(
    `No MCP endpoint found at ${options.url} (tried ${tried.join('; ')}): give the full endpoint URL, e.g. http://host:8000/mcp or http://host:8000/sse`,
    'E_NO_ENDPOINT',
  );
}

async function initialize(kind: 'http' | 'sse', url: URL, options: ConnectOptions): Promise<Connection> {
  let transport: ClientTransport;
  if (options.protocolVersion === MODERN_VERSION) {
    if (kind === 'sse') throw new ConnectionError(`${url.href} is a legacy SSE endpoint, which speaks protocol 2024-11-05 only: drop --protocol-version ${MODERN_VERSION}`, 'E_PROTOCOL_VERSION');
    const http = new StreamableHttpTransport(url, options.headers, options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
    return discover(http, url.href, options);
  }
  if (options.protocolVersion === AUTO_VERSION && kind === 'http') {
    // Dual-era: 2026-07-28 first; a server that answers it with no 2026 error is an earlier one.
    try {
      return await discover(new StreamableHttpTransport(url, options.headers, options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES), url.href, options);
    } catch (error) {
      if (!(error instanceof ConnectionError && error.code === 'E_PROTOCOL_VERSION')) throw error;
      options.debug?.(`${url.href} does not speak ${MODERN_VERSION}; initializing a session instead`);
    }
  }
  const legacy = { ...options, protocolVersion: options.protocolVersion === AUTO_VERSION ? undefined : options.protocolVersion };
  if (kind === 'sse') {
    const sse = new SseTransport(url, options.headers, options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
    await sse.open(options.signal);
    transport = sse;
  } else {
    transport = new StreamableHttpTransport(url, options.headers, options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
  }
  return handshake(transport, url.href, legacy);
}

/**
 * Starts a stdio server and initializes it.
 *
 * @throws ConnectionError naming the command when it cannot start or fails the handshake.
 */
export async function connectStdio(server: StdioServer, options: Omit<ConnectOptions, 'url' | 'transport' | 'headers' | 'waitMs'> & { onStderr?: (line: string) => void }): Promise<Connection> {
  // Loaded only for stdio, so an HTTP call parses none of it.
  const { StdioTransport } = await import('./stdio-transport.ts');
  const transport = new StdioTransport(server, { maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, onStderr: options.onStderr });
  await transport.start(options.signal);
  if (options.protocolVersion === MODERN_VERSION) return discover(transport, transport.description, options);
  // `auto` over stdio is a session: a server that ignores an unknown first request would hang the probe.
  return handshake(transport, transport.description, { ...options, protocolVersion: options.protocolVersion === AUTO_VERSION ? undefined : options.protocolVersion });
}

/**
 * Starts speaking protocol 2026-07-28: no initialize and no session; `server/discover` tells the
 * server's versions, capabilities and identity, and every request describes the client itself.
 *
 * @throws ConnectionError when the server does not speak 2026-07-28.
 */
async function discover(
  transport: ClientTransport,
  where: string,
  options: Pick<ConnectOptions, 'signal' | 'capabilities' | 'clientInfo' | 'onServerRequest' | 'onNotification' | 'prefetch' | 'tap' | 'trace'>,
): Promise<Connection> {
  const session = openSession(transport, options);
  session.useModernProtocol({ capabilities: options.capabilities, clientInfo: options.clientInfo });
  if (transport instanceof StreamableHttpTransport) {
    const headersFor: StreamableHttpTransport['headersFor'] = (message) => mirroredHeaders(message, message.method === 'tools/call' ? session.toolSchemas.get(String(message.params?.name)) : undefined);
    transport.headersFor = headersFor;
  }
  transport.setProtocolVersion(MODERN_VERSION);
  const prefetched = new Map((options.prefetch ?? []).map((method) => [method, session.request(method, {}, { signal: options.signal })]));
  // Read only if the server speaks 2026-07-28; a failed page is asked for again (listAll).
  for (const page of prefetched.values()) page.catch(() => undefined);
  const connection = (describe: Connection['describe']): Connection => ({
    session,
    transport: transport.kind,
    url: where,
    protocolVersion: MODERN_VERSION,
    describe,
    streamReady: Promise.resolve(),
    prefetched,
    close: () => session.close(),
  });
  // Over HTTP the spec lets a client open with any 2026-07-28 request: an answer with
  // `resultType` proves the era, so a tool call skips server/discover, one request fewer.
  // Anything else (an error, an earlier server that answered statelessly) asks server/discover.
  const [first] = prefetched.values();
  if (first && transport instanceof StreamableHttpTransport && (await first.then(() => session.answeredModern, () => false))) {
    let described: Promise<ServerDescription> | undefined;
    return connection(() => (described ??= askDiscover(session, options.signal).then(describedBy)));
  }
  let result: Record<string, unknown>;
  try {
    result = await askDiscover(session, options.signal);
  } catch (error) {
    await transport.close().catch(() => undefined);
    // Unreachable, refused credentials, aborted: said as they are; only a refusal of the protocol is rephrased.
    if (options.signal.aborted || !(error instanceof TransportRefusedError || error instanceof RpcError)) throw error;
    const why = error.message;
    throw new ConnectionError(`${where} does not speak protocol ${MODERN_VERSION} (${why}): drop --protocol-version to use an earlier one`, 'E_PROTOCOL_VERSION', { cause: error });
  }
  const versions = Array.isArray(result.supportedVersions) ? result.supportedVersions : [];
  if (!versions.includes(MODERN_VERSION)) {
    await session.close();
    throw new ConnectionError(`${where} speaks ${versions.join(', ') || 'no listed version'}, not ${MODERN_VERSION}: drop --protocol-version`, 'E_PROTOCOL_VERSION');
  }
  const description = Promise.resolve(describedBy(result));
  return connection(() => description);
}

/** `server/discover`, asked once more after -32022 that still lists 2026-07-28, as the spec has clients do. */
function askDiscover(session: ClientSession, signal: AbortSignal): Promise<Record<string, unknown>> {
  return session.request('server/discover', {}, { signal }).catch((error: unknown) => {
    const supported = (error as RpcError).data as { supported?: unknown } | undefined;
    if (error instanceof RpcError && error.code === UNSUPPORTED_VERSION && Array.isArray(supported?.supported) && supported.supported.includes(MODERN_VERSION)) {
      return session.request('server/discover', {}, { signal });
    }
    throw error;
  });
}

/** The description in a `server/discover` result (the identity is in its `_meta`) or an `initialize` one. */
function describedBy(result: Record<string, unknown>): ServerDescription {
  const meta = (result._meta ?? {}) as Record<string, unknown>;
  return {
    serverInfo: (result.serverInfo ?? meta[META.serverInfo] ?? { name: 'unknown', version: 'unknown' }) as ServerDescription['serverInfo'],
    capabilities: (result.capabilities ?? {}) as Record<string, unknown>,
    instructions: result.instructions as string | undefined,
  };
}

/**
 * Initializes a session over a transport the caller made (an in-process link, say).
 *
 * @throws ConnectionError when the handshake fails or the version is not supported.
 */
export async function handshake(transport: ClientTransport, where: string, options: Pick<ConnectOptions, 'signal' | 'capabilities' | 'clientInfo' | 'onServerRequest' | 'onNotification' | 'protocolVersion' | 'tap' | 'trace'>): Promise<Connection> {
  const session = openSession(transport, options);
  let result: Record<string, unknown>;
  try {
    result = await session.request(
      'initialize',
      { protocolVersion: options.protocolVersion ?? LATEST_PROTOCOL_VERSION, capabilities: options.capabilities, clientInfo: options.clientInfo },
      { signal: options.signal },
    );
  } catch (error) {
    await transport.close().catch(() => undefined);
    throw error;
  }
  const protocolVersion = String(result.protocolVersion);
  if (!SUPPORTED_PROTOCOL_VERSIONS.includes(protocolVersion)) {
    await session.close();
    throw new ConnectionError(
      `Server at ${where} speaks protocol version ${protocolVersion}, which mcp-call does not support (${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
      'E_PROTOCOL_VERSION',
    );
  }
  transport.setProtocolVersion(protocolVersion);
  // The initialized notice goes out first but its 202 is not waited for: the next request can
  // travel beside it. Server requests that belong to no call (some servers send elicitation
  // this way) arrive on the GET stream; tool calls wait for it (briefly), listing does not.
  session.notifyInBackground('notifications/initialized');
  const description = Promise.resolve(describedBy(result));
  const streamReady = Promise.race([transport.listen(options.signal), new Promise((resolve) => setTimeout(resolve, LISTEN_WAIT_MS).unref())]).then(() => undefined);
  return {
    session,
    transport: transport.kind,
    url: where,
    protocolVersion,
    describe: () => description,
    streamReady,
    close: () => session.close(),
  };
}

/** A session over `transport` that answers the server's requests and hears its notifications as asked. */
function openSession(transport: ClientTransport, options: Pick<ConnectOptions, 'onServerRequest' | 'onNotification' | 'tap' | 'trace'>): ClientSession {
  const session = new ClientSession(transport);
  if (options.trace) {
    session.tracing = options.trace.tracing;
    session.traceParent = options.trace.parent;
  }
  if (options.tap) tapMessages(transport, options.tap);
  if (options.onServerRequest) session.onServerRequest = options.onServerRequest;
  if (options.onNotification) session.onNotification = options.onNotification;
  return session;
}

/** The endpoints to try, in order, for a URL and a transport choice. */
export function candidatesFor(raw: string, choice: TransportChoice): { kind: 'http' | 'sse'; url: URL }[] {
  const url = new URL(raw);
  const bare = url.pathname === '/' || url.pathname === '';
  const at = (path: string): URL => new URL(path + url.search, url);
  if (choice === 'sse') return [{ kind: 'sse', url: bare ? at('/sse') : url }];
  if (choice === 'http') return [{ kind: 'http', url: bare ? at('/mcp') : url }];
  if (/\/sse\/?$/.test(url.pathname)) return [{ kind: 'sse', url }];
  if (bare) return [{ kind: 'http', url: at('/mcp') }, { kind: 'http', url }, { kind: 'sse', url: at('/sse') }];
  return [{ kind: 'http', url }, { kind: 'sse', url }];
}

/** True for an error that waiting may cure: nothing listens yet, or a gateway in front says so. */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof ConnectionError)) return false;
  if (UNREACHABLE_CODES.has(error.code)) return true;
  return /HTTP 50[234]/.test(error.message);
}
