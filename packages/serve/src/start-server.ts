import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { adoptTraceHeaders, isLoopbackHost, RpcCode } from '@mcp-cli/core';

import type { ResolvedServeConfig } from './config/resolve-config.ts';
import { applyCors } from './http/cors.ts';
import { sendRpcError } from './http/http-errors.ts';
import { limitConnections } from './http/connection-limiter.ts';
import { listen } from './http/listen.ts';
import { isBodyError, readJsonBody } from './http/read-json-body.ts';
import { ProtectedResource } from './auth/protected-resource.ts';
import { claimsOf } from './auth/request-auth.ts';
import { TokenVerifier } from './auth/token-verifier.ts';
import { createRequestGuard, credentialOf, type Refusal, staticTokenMatcher } from './http/request-guard.ts';
import { SessionLimiter } from './http/session-limiter.ts';
import { type Logger, silentLogger } from './logger.ts';
import type { MessageSink } from './server/json-rpc.ts';
import { createProtocol, type ProtocolParts } from './server/create-protocol.ts';
import type { TaskProvider } from './server/task-provider.ts';
import type { McpSession, SessionProtocol } from './server/mcp-session.ts';
import { announceListChanges } from './server/method-handlers.ts';
import { openSession } from './server/open-session.ts';
import type { Registry } from './server/registry.ts';
import { missingScopes, scopesNamed } from './server/required-scopes.ts';
import { SubscriptionHub } from './server/subscription-hub.ts';
import { SharedSessions } from './sessions/shared-sessions.ts';
import { createMetricsEndpoint, METRICS_PATH, refusalReason } from './metrics/metrics-endpoint.ts';
import { observeServer } from './metrics/observe-server.ts';
import { combineObservers } from './server/request-observers.ts';
import { openTracing } from './tracing/open-tracing.ts';
import { CALLBACK_PATH, LOGIN_PATH, PageLogin } from './ui/page-login.ts';
import { createStatusPage, STATUS_PATH } from './ui/status-page.ts';
import { AuditLog } from './audit/audit-log.ts';
import { createRateLimits } from './rate-limit/rate-limits.ts';
import { toolSelectionOf } from './http/tool-selection.ts';
import type { SessionView } from './http/session-view.ts';
import { routeProtocols } from './server/route-protocols.ts';
import { routedRegistry, routeOfPath, routePath } from './server/server-routes.ts';
import { openStore } from './store/open-store.ts';
import type { StateStore } from './store/state-store.ts';
import type { ProtocolExtension } from './server/protocol-extension.ts';
import { createSseTransport } from './transports/sse.ts';
import { createStreamableHttpTransport } from './transports/streamable-http.ts';

/** Options of {@link startServer}. */
export interface StartServerOptions {
  config: ResolvedServeConfig;
  registry: Registry;
  logger?: Logger;
  /** More for /health: the state of upstream servers, and whether the server is degraded. */
  health?: () => { healthy: boolean; upstreams: Record<string, unknown> };
  /** Called when a client session ends (a gateway ends that session's own upstreams). */
  onSessionClose?: (sessionId: string) => void;
  /** A client's notification (a gateway passes `notifications/roots/list_changed` upstream). */
  onClientNotification?: (method: string, params: Record<string, unknown>, sessionId: string | undefined) => void;
  /** Runs tools as tasks (a gateway's upstreams). */
  tasks?: TaskProvider;
  /** Methods beyond MCP's, kept in the server's store (the gateway's per-user secrets). */
  extension?: (store: StateStore) => ProtocolExtension | undefined;
  /** The store, when the caller opened it first (the gateway keeps its listings there); the server closes it. */
  store?: StateStore;
}

/** A running server. */
export interface ServerHandle {
  /** Base URL, with the real port (useful with port 0). */
  url: string;
  urls: { sse: string; mcp: string; health: string };
  host: string;
  port: number;
  /** Swaps in a new registry and tells every connected client that the lists changed. */
  replaceRegistry(registry: Registry): Promise<void>;
  /** Open sessions, watched resources: for health checks and leak tests. */
  stats(): { sessions: number; sseSessions: number; httpSessions: number; subscriptions: number };
  /** Stops accepting, closes every session, and resolves when the port is free. */
  close(): Promise<void>;
}

/**
 * Serves a registry over the legacy HTTP+SSE transport and Streamable HTTP on one port, with
 * `/health`, DNS-rebinding protection, bearer tokens, CORS and limits as configured.
 *
 * @throws ConfigError when the address cannot be bound (port in use, unknown host).
 * @example
 * const handle = await startServer({ config, registry });
 * console.log(handle.urls.mcp);
 */
export async function startServer(options: StartServerOptions): Promise<ServerHandle> {
  const { config } = options;
  const logger = options.logger ?? silentLogger;
  let registry = options.registry;
  const subscriptions = new SubscriptionHub((subscriber) => routedRegistry(registry, subscriber?.route));
  // Opened first: a log that cannot be written fails start-up before anything else is held.
  const audit = config.auditLog === undefined ? undefined : await AuditLog.open(config.auditLog, () => registry);
  const store = options.store ?? (await openStore(config.store, logger));
  const { limits } = config;
  // With a Redis store every process serves every session.
  const shared = store.sessions
    ? new SharedSessions(store.sessions, { storeName: store.description, ttlMs: limits.sessionIdleMs, bounds: { maxEvents: limits.resumeEvents, maxBytes: limits.resumeBytes }, subscriptions, logger })
    : undefined;
  const subscribeShared = shared && ((session: McpSession, uri: string) => shared.subscribe(session, uri));
  // Counted in the store's Redis when there is one, so a limit holds across every process.
  const rateLimits = await createRateLimits(limits, store.redis ? { kind: 'redis', ...store.redis } : { kind: 'memory' }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const parts: ProtocolParts = { getRegistry: () => registry, subscriptions, logger, tasks: options.tasks, store, subscribeShared, rateLimits, extension: options.extension?.(store) };
  const protocol = createProtocol(config, parts);
  const protocolOf = routeProtocols(config, parts, protocol);
  const sessions = new Set<McpSession>();
  const announce = (lists: readonly ('tools' | 'prompts' | 'resources')[]): void => {
    // Sessions in the store hear of it through the store, wherever their stream is; a 2026-07-28 listener here.
    if (shared) shared.announceListChanged(lists);
    for (const session of sessions) if (!shared || session.modern) announceListChanges(session, lists);
  };
  const announceToAll: SessionProtocol['announceListChanged'] = (list) => announce([list]);
  protocol.announceListChanged = announceToAll;
  const limiter = new SessionLimiter(config.limits.maxSessions, config.limits.maxSessionsPerClient);
  const createSession = (id: string | undefined, sink: MessageSink, client: string, view: SessionView = {}): McpSession | Refusal => {
    const release = limiter.acquire(client);
    if (typeof release !== 'function') {
      metrics?.refused('limits');
      return release;
    }
    const session = openSession(id, sink, {
      protocol: protocolOf(view.route),
      subscriptions,
      logger,
      onClientNotification: options.onClientNotification,
      onClose: () => {
        clearTimeout(handshake);
        if (id !== undefined) options.onSessionClose?.(id);
        sessions.delete(session);
        release();
      },
    });
    session.clientAddress = client;
    session.route = view.route;
    session.toolSelection = view.tools;
    sessions.add(session);
    // A session that never gets past initialize (or an SSE stream that never posts) must not
    // hold a slot for the whole idle time.
    const handshake: NodeJS.Timeout | undefined =
      id === undefined
        ? undefined
        : setTimeout(() => {
            if (session.established) return;
            logger.debug('closed a session that did not finish its handshake', { sessionId: id, client, timeoutMs: limits.handshakeTimeoutMs });
            session.close();
          }, limits.handshakeTimeoutMs).unref();
    return session;
  };
  const maxStreamBufferBytes = limits.maxStreamBufferBytes;
  // Sessions of the legacy transport, for the metrics' transport label.
  const legacySessions = new WeakSet<McpSession>();
  const createLegacySession: typeof createSession = (id, sink, client, view) => {
    const made = createSession(id, sink, client, view);
    if ('receive' in made) legacySessions.add(made);
    return made;
  };
  const sse = createSseTransport({ messagesEndpoint: config.publicBasePath + config.paths.messages, createSession: createLegacySession, maxStreamBufferBytes, shared, logger });
  const http = createStreamableHttpTransport({ stateless: config.stateless, createSession, maxStreamBufferBytes, shared, logger });
  const tracing = await openTracing(config, () => registry, (session) => (legacySessions.has(session) ? 'sse' : 'http'), logger);
  const { metrics, observer } = await observeServer({
    metrics: config.metrics !== undefined,
    getRegistry: () => registry,
    sessions,
    isLegacy: (session) => legacySessions.has(session),
    streams: () => ({ sse: sse.size, http: http.streams }),
    upstreams: options.health && (() => options.health!().upstreams as Record<string, { state: string; restarts?: number }>),
    store,
    rateLimits,
    also: combineObservers(tracing?.observer, audit),
  });
  protocol.observer = observer;
  const bodyLimits = { maxBytes: limits.maxBodyBytes, maxBatch: limits.maxBatchSize, timeoutMs: limits.bodyTimeoutMs };
  const guarding = {
    loopback: isLoopbackHost(config.host),
    allowedHosts: config.allowedHosts,
    allowedOrigins: [...config.allowedOrigins, ...config.corsOrigins],
    tokens: config.tokens,
    oauth: config.auth !== undefined,
  };
  const guard = createRequestGuard(guarding);
  // OAuth: the issuer is checked now, so a mistake in it fails start-up, not the first request.
  // The legacy SSE endpoint is a resource URL of its own: its clients get tokens for it.
  const legacyResource = config.auth && legacyResourceOf(config.auth.audience, config.paths.mcp, config.paths.sse);
  const verifier = config.auth
    ? await TokenVerifier.create(config.auth, logger, legacyResource ? [legacyResource] : []).catch(async (error: unknown) => {
        await store.close();
        throw error;
      })
    : undefined;
  const scopes = (): string[] => scopesNamed(registry, config.auth!.scopes);
  const oauth = verifier && new ProtectedResource(verifier, scopes, staticTokenMatcher(config.tokens), legacyResource);

  const scrape = metrics && createMetricsEndpoint(metrics, { token: config.metrics!.token, guard, oauth });
  const pageGuard = createRequestGuard({ ...guarding, tokens: [] });
  const pageLogin = config.ui && verifier ? new PageLogin({ verifier, scopes, publicBasePath: config.publicBasePath, pageGuard }) : undefined;
  const statusPage = config.ui
    ? createStatusPage(
        { name: config.name, version: config.version, upstreams: options.health && (() => options.health!().upstreams), counters: metrics && (() => metrics.summary()) },
        { pageGuard, guard, oauth },
        { mcp: config.publicBasePath + config.paths.mcp, status: config.publicBasePath + STATUS_PATH, login: pageLogin?.loginUrl },
      )
    : undefined;
  // MCP requests served since start: /health reports it, so a balancer's spread can be seen.
  let requests = 0;
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.sendDate = false; // clients do not need a Date header, and it is work on every response
    // Split by hand: a full URL parse per request costs more than the rest of the routing.
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const pathname = queryAt === -1 ? target : target.slice(0, queryAt);
    if (config.corsOrigins.length > 0 && applyCors(req, res, config.corsOrigins)) return;
    if (pathname === config.paths.health && req.method === 'GET') {
      const extra = options.health?.();
      const status = extra && !extra.healthy ? 'degraded' : 'ok';
      // `process` names this process among those sharing the store, as the store's records name it.
      const body = JSON.stringify({ status, sessions: limiter.total, requests, ...(shared ? { process: shared.directory.processTag } : {}), ...(extra ? { upstreams: extra.upstreams } : {}) });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
      return;
    }
    // `/mcp/<server>` and `/sse/<server>` serve one upstream of the gateway alone.
    const mcpRoute = routeOfPath(pathname, config.paths.mcp);
    const sseRoute = mcpRoute === null ? routeOfPath(pathname, config.paths.sse) : null;
    const isSse = sseRoute !== null;
    const isMessages = pathname === config.paths.messages;
    const isMcp = mcpRoute !== null;
    const serverRoute = mcpRoute ?? sseRoute ?? undefined;
    if (oauth && req.method === 'GET' && oauth.isMetadataPath(pathname, [config.paths.mcp, config.paths.sse])) {
      // Public, as RFC 9728 has it: a client reads it before it has a token.
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=300' }).end(JSON.stringify(oauth.metadata(pathname)));
      return;
    }
    if (scrape && pathname === METRICS_PATH) return scrape(req, res);
    if (statusPage && !isMcp && statusPage.wantsPage(req, pathname)) return statusPage.servePage(req, res);
    if (statusPage && pathname === STATUS_PATH) return statusPage.serveStatus(req, res);
    if (pageLogin && req.method === 'GET' && pathname === LOGIN_PATH) return pageLogin.start(req, res);
    if (pageLogin && req.method === 'GET' && pathname === CALLBACK_PATH) return pageLogin.finish(req, res);
    if (!isSse && !isMessages && !isMcp) {
      sendRpcError(res, 404, RpcCode.serverError, `Not found: ${pathname} (MCP endpoints: ${config.paths.mcp}, ${config.paths.sse})`);
      return;
    }
    if (serverRoute !== undefined && !registry.routes?.has(serverRoute)) {
      req.resume();
      sendRpcError(res, 404, RpcCode.serverError, unknownRoute(serverRoute, isSse ? config.paths.sse : config.paths.mcp, registry));
      return;
    }
    const refusal = guard(req);
    if (refusal) {
      metrics?.refused(refusalReason(refusal.status));
      req.resume();
      sendRpcError(res, refusal.status, RpcCode.serverError, refusal.message, refusal.headers);
      return;
    }
    const verified = oauth ? await oauth.authenticate(req, isSse || isMessages) : undefined;
    if (typeof verified === 'object' && 'status' in verified) {
      metrics?.refused('auth');
      req.resume();
      sendRpcError(res, verified.status, RpcCode.serverError, verified.message, verified.headers);
      return;
    }
    const client = req.socket.remoteAddress ?? 'unknown';
    requests++;
    if (isSse) {
      if (req.method !== 'GET') return methodNotAllowed(req, res, 'GET');
      await sse.handleStream(res, client, credentialOf(req), { route: serverRoute, tools: toolSelectionOf(target) });
      return;
    }
    if (req.method === 'POST') {
      const body = await readJsonBody(req, bodyLimits);
      if (isBodyError(body)) {
        metrics?.refused('bad_request');
        sendRpcError(res, body.status, body.code, body.message, body.close ? { Connection: 'close' } : {});
        return;
      }
      // A trace the client sent as HTTP headers joins each request's _meta, where every transport's is read.
      if (tracing) adoptTraceHeaders(req.headers, body.messages);
      // A tool, prompt or resource that needs scopes the token lacks: 403, so the client can step up.
      const lacking = oauth && typeof verified === 'object' ? missingScopes(routedRegistry(registry, serverRoute), body.messages, verified.scopes) : undefined;
      if (lacking) {
        // The scopes the whole request needs, every request's included (RFC 6750 §3): a client asking for these gets all it needs.
        const refusal = oauth!.insufficientScope([...new Set([...config.auth!.scopes, ...lacking])], isMessages);
        sendRpcError(res, refusal.status, RpcCode.serverError, refusal.message, refusal.headers);
        return;
      }
      if (isMessages) {
        const sessionId = queryAt === -1 ? null : new URLSearchParams(target.slice(queryAt + 1)).get('sessionId');
        await sse.handleMessages(res, sessionId, body.messages, body.isBatch, credentialOf(req), client, claimsOf(req));
      } else {
        await http.handlePost(req, res, body.messages, body.isBatch, { route: serverRoute, tools: toolSelectionOf(target) });
      }
      return;
    }
    if (isMessages) return methodNotAllowed(req, res, 'POST');
    if (req.method === 'GET') return http.handleGet(req, res, { route: serverRoute });
    if (req.method === 'DELETE') return http.handleDelete(req, res, { route: serverRoute });
    methodNotAllowed(req, res, 'GET, POST, DELETE');
  };

  // Deadlines are checked every second, so a slow client is cut off close to its deadline.
  const httpServer = createHttpServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
    route(req, res).catch((error: unknown) => {
      // The client gets an id to quote, never the error itself: it may hold paths or internals.
      const errorId = randomUUID().slice(0, 8);
      logger.error('request failed', { errorId, method: req.method, url: req.url, error: String(error) });
      sendRpcError(res, 500, RpcCode.serverError, `Internal server error (id ${errorId})`);
    });
  });
  // Node's deadlines cover receiving a request, never the response: event streams stay open. The
  // body deadline answers 408 itself; Node's request timeout is the backstop behind it.
  httpServer.headersTimeout = limits.headersTimeoutMs;
  httpServer.requestTimeout = limits.headersTimeoutMs + limits.bodyTimeoutMs + 5_000;
  httpServer.keepAliveTimeout = 65_000;
  limitConnections(httpServer, limits, logger);

  await listen(httpServer, config.host, config.port).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const port = (httpServer.address() as AddressInfo).port;
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${hostForUrl}:${port}`;
  const keepAlive = setInterval(() => {
    sse.keepAlive();
    http.keepAlive();
  }, config.limits.sseKeepAliveMs);
  keepAlive.unref();
  const sweeper = setInterval(() => {
    const closed = http.sweepIdle(config.limits.sessionIdleMs) + sse.sweepIdle(config.limits.sessionIdleMs);
    if (closed > 0) logger.info('closed idle sessions', { count: closed });
  }, Math.min(config.limits.sessionIdleMs, 60_000));
  sweeper.unref();

  return {
    url,
    urls: { sse: url + config.paths.sse, mcp: url + config.paths.mcp, health: url + config.paths.health },
    host: config.host,
    port,
    async replaceRegistry(next) {
      registry = next;
      announce(['tools', 'resources', 'prompts']);
    },
    stats() {
      return { sessions: limiter.total, sseSessions: sse.size, httpSessions: http.size, subscriptions: subscriptions.size };
    },
    async close() {
      clearInterval(sweeper);
      clearInterval(keepAlive);
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      sse.closeAll();
      http.closeAll();
      httpServer.closeAllConnections();
      await closed;
      await audit?.close();
      await tracing?.tracing.shutdown();
      await store.close();
    },
  };
}

/** The 404 of a server route the gateway does not serve, naming those it does. */
function unknownRoute(route: string, base: string, registry: Registry): string {
  const known = [...(registry.routes?.keys() ?? [])].map((name) => routePath(base, name));
  const shown = route.slice(0, 100).replace(/[^\x20-\x7e]/g, '?');
  return `Not found: no server "${shown}" here${known.length > 0 ? ` (servers served alone: ${known.join(', ')})` : `: ${base}/<server> serves one of the config's "servers" alone, and this config has none`}`;
}

function methodNotAllowed(req: IncomingMessage, res: ServerResponse, allow: string): void {
  req.resume();
  sendRpcError(res, 405, RpcCode.serverError, `Method ${req.method ?? ''} not allowed here: use ${allow}`, { Allow: allow });
}

/** The public URL of the legacy SSE endpoint, when the audience is /mcp's URL (its path ending in the mcp path). */
function legacyResourceOf(audience: string, mcpPath: string, ssePath: string): string | undefined {
  const url = new URL(audience);
  if (!url.pathname.endsWith(mcpPath)) return undefined;
  url.pathname = `${url.pathname.slice(0, -mcpPath.length)}${ssePath}`;
  return url.href;
}
