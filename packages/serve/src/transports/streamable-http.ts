import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { copyWith, type JsonRpcMessage, RpcCode, SUPPORTED_PROTOCOL_VERSIONS, supportsBatches } from '@mcp-cli/core';

import { sendRpcError } from '../http/http-errors.ts';
import { isModernRequest, isRefusal, readRequestMeta, unsupportedVersion } from '../http/request-metadata.ts';
import { claimsOf } from '../auth/request-auth.ts';
import { credentialOf, type Refusal } from '../http/request-guard.ts';
import type { Logger } from '../logger.ts';
import type { MessageSink } from '../server/json-rpc.ts';
import type { McpSession } from '../server/mcp-session.ts';
import { type HeldStream, sendStoreUnavailable, type SharedSessions, StoreUnavailableError } from '../sessions/shared-sessions.ts';
import type { SharedSessionRecord } from '../store/session-directory.ts';
import { RATE_LIMITED, rateLimitHeaders } from '../rate-limit/rate-limits.ts';
import { type SessionView, viewOfRecord } from '../http/session-view.ts';
import { chain } from './chain.ts';
import { EventLog } from './event-log.ts';
import { formatEvent, KEEP_ALIVE, openEventStream, whenDrained, writeBounded } from './sse-stream.ts';

/** Options of the Streamable HTTP transport. */
export interface StreamableHttpOptions {
  /** No sessions: every POST gets a fresh protocol session, so any process can answer it. */
  stateless: boolean;
  /** Creates a session whose messages go to `sink`, serving what its URL selected, or refuses (limits). */
  createSession: (id: string | undefined, sink: MessageSink, client: string, view: SessionView) => McpSession | Refusal;
  /** Unsent bytes one response may hold for a client that does not read. */
  maxStreamBufferBytes: number;
  /** Sessions every process serves (`--store redis://…`): any process answers any request of a session. */
  shared?: SharedSessions | undefined;
  logger: Logger;
}

/** The Streamable HTTP endpoint and its sessions. */
export interface StreamableHttpHandler {
  /** `view`: what the request's URL selects, for a session it opens. */
  handlePost(req: IncomingMessage, res: ServerResponse, messages: JsonRpcMessage[], isBatch: boolean, view?: SessionView): Promise<void> | void;
  handleGet(req: IncomingMessage, res: ServerResponse, view?: SessionView): Promise<void> | void;
  handleDelete(req: IncomingMessage, res: ServerResponse, view?: SessionView): Promise<void> | void;
  /** Writes a keep-alive comment to every open event stream. */
  keepAlive(): void;
  /** Closes sessions with nothing open and no request for longer than `idleMs`; returns how many. */
  sweepIdle(idleMs: number): number;
  closeAll(): void;
  readonly size: number;
  /** Event streams open (GET streams and POSTs answered as streams). */
  readonly streams: number;
}

/**
 * One HTTP response that carries messages: a POST's reply, or a GET stream. A class, not a
 * literal: V8 may move a literal's allocation site to the old generation (pretenuring) when many
 * of its objects once survived a GC, and then every later request's objects that such an old one
 * points to live until a full GC. Objects made by `new` have no allocation site.
 */
class Channel {
  readonly res: ServerResponse;
  readonly streamId: string;
  /** `pending` until the first message decides between one JSON body and an event stream. */
  mode: 'pending' | 'sse';
  /** Requests of this POST still unanswered. */
  readonly pending: Set<string | number>;
  /** Responses held back for a JSON body (a batch is answered as one array), as JSON text. */
  buffered: string[] = [];
  bufferedBytes = 0;
  readonly acceptsJson: boolean;
  readonly acceptsSse: boolean;
  readonly isBatch: boolean;
  closed = false;
  /** Messages another process sent while this resumed stream replays the store's log: written after it. */
  replaying: { json: string; eventId: string | undefined }[] | undefined = undefined;

  constructor(res: ServerResponse, streamId: string, mode: 'pending' | 'sse', pending: Set<string | number>, acceptsJson: boolean, acceptsSse: boolean, isBatch: boolean) {
    this.res = res;
    this.streamId = streamId;
    this.mode = mode;
    this.pending = pending;
    this.acceptsJson = acceptsJson;
    this.acceptsSse = acceptsSse;
    this.isBatch = isBatch;
  }
}

/** A protocol session and the HTTP responses it answers on (a class for the reason {@link Channel} is one). */
class HttpSession {
  readonly session: McpSession;
  /** Digest of the credential that made the session: another credential cannot use it. */
  readonly credential: string;
  lastSeen = Date.now();
  /** Requests and streams still open: a session with any is never idle. */
  open = 0;
  /** The channel each unanswered request's messages go to. */
  readonly byRequest = new Map<string | number, Channel>();
  /** Event streams that are open, for keep-alives, resumption and shutdown. */
  readonly live = new Set<Channel>();
  standalone: Channel | undefined = undefined;
  log: EventLog | undefined = undefined;
  nextStream = 0;
  /** Where other processes' messages for this session's server stream arrive, while it is open here. */
  held: HeldStream | undefined = undefined;

  constructor(session: McpSession, credential: string) {
    this.session = session;
    this.credential = credential;
  }
}

const STANDALONE = 'get';

/**
 * The Streamable HTTP transport (protocol 2025-03-26 and later) on one path. A POST's requests
 * are answered with one JSON body when nothing else is sent before the answer, and with an event
 * stream (event ids kept for `Last-Event-ID` resumption) when the handler sends notifications or
 * requests first. GET opens the server's own stream; DELETE ends the session. Every response is
 * bounded: a client that stops reading has its stream closed and its requests cancelled.
 */
export function createStreamableHttpTransport(options: StreamableHttpOptions): StreamableHttpHandler {
  const sessions = new Map<string, HttpSession>();
  const { maxStreamBufferBytes: cap, logger, shared } = options;
  // Sessions of the store being loaded here, so concurrent requests of one share the load.
  const loading = new Map<string, Promise<HttpSession | Refusal | undefined>>();
  // Stateless requests running in this process, so a cancellation on another POST can reach them.
  const statelessRuns = new Map<string, McpSession>();
  // 2026-07-28 requests being answered (a subscriptions/listen stays open): kept alive and ended on shutdown.
  const modernOpen = new Set<HttpSession>();

  function newSession(id: string | undefined, client: string, credential: string, view: SessionView, record?: SharedSessionRecord): HttpSession | Refusal {
    // Made once the session exists (the sink reaches it only later).
    let made: HttpSession | undefined = undefined;
    const routed: MessageSink = (message, relatedId, json) => route(made!, message, relatedId, json);
    const sink = shared && id ? shared.gate(() => made?.session, 'http', routed) : routed;
    const session = options.createSession(id, sink, client, record ? viewOfRecord(record) : view);
    if (!('receive' in session)) return session;
    const entry = new HttpSession(session, credential);
    session.bindPrincipal(credential);
    if (shared && id) shared.adopt(session, record);
    made = entry;
    const releaseDropped = (requestId: string | number): void => release(entry, requestId);
    session.ondrop = releaseDropped;
    session.onclose = chain(session.onclose, () => {
      if (id && sessions.get(id) === entry) sessions.delete(id);
      for (const channel of entry.live) channel.res.end();
      if (entry.byRequest.size > 0) answerWaitingCalls(entry);
      if (id) logger.debug('http session closed', { sessionId: id });
    });
    return entry;
  }

  /** Calls of a closing session still waiting for a JSON answer get one, rather than a response that never ends. */
  function answerWaitingCalls(entry: HttpSession): void {
    for (const channel of new Set(entry.byRequest.values())) {
      if (channel.closed || channel.mode !== 'pending') continue;
      const errors = [...channel.pending].map((requestId) => JSON.stringify({ jsonrpc: '2.0', id: requestId, error: { code: RpcCode.serverError, message: 'Session closed' } }));
      sendJson(channel, [...channel.buffered, ...errors], {});
    }
  }

  /** Session headers: only once `initialize` succeeded is the id given out. */
  function headersOf(entry: HttpSession): Record<string, string> {
    return entry.session.id && entry.session.initialized ? { 'Mcp-Session-Id': entry.session.id } : {};
  }

  function route(entry: HttpSession, message: JsonRpcMessage, relatedId: string | number | undefined, json: string): Promise<void> | void {
    const channel = relatedId === undefined ? undefined : entry.byRequest.get(relatedId);
    const isResponse = message.method === undefined;
    if (!channel) {
      if (shared && entry.session.id && !options.stateless) return toSharedStream(entry, json);
      // Not tied to a request on an open POST: the server's own stream, or kept for a resume.
      const target = entry.standalone;
      if (target && !target.closed) return writeSse(entry, target, json);
      if (entry.session.id) log(entry).append(STANDALONE, json);
      return;
    }
    if (isResponse && message.id !== undefined) {
      channel.pending.delete(message.id);
      entry.byRequest.delete(message.id);
    }
    if (channel.closed) {
      if (entry.session.id) log(entry).append(channel.streamId, json);
      // Kept for a resume; a handler that awaits each message yields here instead of spinning.
      return new Promise((resolve) => setImmediate(resolve));
    }
    if (channel.mode === 'pending') {
      // Answers are held for one JSON body while they fit the cap; past it they stream, if the
      // client takes a stream, so what is held is only what the client has not read.
      const holding = channel.bufferedBytes + json.length <= cap || !channel.acceptsSse;
      if (isResponse && channel.acceptsJson && holding) {
        channel.buffered.push(json);
        channel.bufferedBytes += json.length;
        if (channel.pending.size === 0) {
          // A request over its rate, answered alone, is refused as HTTP says it: 429 with Retry-After.
          const limited = message.error?.code === RATE_LIMITED && !channel.isBatch;
          const headers = limited ? copyWith(headersOf(entry), rateLimitHeaders(message.error!.data)) : headersOf(entry);
          sendJson(channel, channel.buffered, headers, limited ? 429 : entry.session.modern ? modernStatus(message) : 200);
        }
        else if (channel.bufferedBytes > cap) overflow(entry, channel);
        return;
      }
      if (!channel.acceptsSse) {
        // A JSON-only client cannot take this now; its own stream may.
        if (entry.standalone && !entry.standalone.closed) return writeSse(entry, entry.standalone, json);
        return;
      }
      channel.mode = 'sse';
      openEventStream(channel.res, headersOf(entry));
      entry.live.add(channel);
      const held = channel.buffered;
      channel.buffered = [];
      for (const earlier of held) writeSse(entry, channel, earlier);
    }
    const written = writeSse(entry, channel, json);
    if (isResponse && channel.pending.size === 0) channel.res.end();
    return written;
  }

  /**
   * A message for the server stream of a shared session: logged in the store (for a resume on any
   * process) and sent to the process holding the stream; written here when this one holds it.
   */
  function toSharedStream(entry: HttpSession, json: string): Promise<void> {
    return shared!.appendEvent(entry.session.id!, json).then(
      (logged) => {
        if (logged?.heldHere) entry.held?.deliver(json, logged.eventId || undefined);
      },
      (error: Error) => {
        // The store is away: a stream open here still gets the message (with no id to resume from).
        logger.warn('session store: could not log a server stream event', { sessionId: entry.session.id, error: error.message });
        entry.held?.deliver(json, undefined);
      },
    );
  }

  /** Writes one message on a shared session's server stream (`eventId` from the store's log). */
  function writeShared(entry: HttpSession, channel: Channel, json: string, eventId: string | undefined): void {
    if (channel.closed) return;
    const outcome = writeBounded(channel.res, formatEvent(json, 'message', eventId === undefined ? undefined : `${STANDALONE}_${eventId}`), cap);
    if (outcome === 'overflow') overflow(entry, channel);
  }

  /** What other processes' messages for this session's server stream, now open here on `channel`, become. */
  function holdStream(entry: HttpSession, channel: Channel): HeldStream {
    return {
      session: entry.session,
      deliver(json, eventId) {
        if (channel.replaying) channel.replaying.push({ json, eventId });
        else writeShared(entry, channel, json, eventId);
      },
      release() {
        channel.res.end();
      },
    };
  }

  function writeSse(entry: HttpSession, channel: Channel, json: string): Promise<void> | void {
    const id = entry.session.id ? log(entry).append(channel.streamId, json) : undefined;
    const outcome = writeBounded(channel.res, formatEvent(json, 'message', id), cap);
    if (outcome === 'overflow') overflow(entry, channel);
    else if (outcome === 'congested') return whenDrained(channel.res);
  }

  /** Closes a response whose client does not read, and cancels the requests answering on it. */
  function overflow(entry: HttpSession, channel: Channel): void {
    if (channel.closed) return;
    logger.warn('closed a stream whose client does not read', {
      sessionId: entry.session.id,
      stream: channel.streamId,
      bufferedBytes: channel.res.writableLength + channel.bufferedBytes,
      limit: cap,
    });
    channel.closed = true;
    for (const requestId of [...channel.pending]) entry.session.cancel(requestId, 'the client stopped reading its stream');
    channel.res.destroy();
  }

  /** A request ended without an answer (cancelled): its response must not wait for one. */
  function release(entry: HttpSession, requestId: string | number): void {
    const channel = entry.byRequest.get(requestId);
    if (!channel) return;
    entry.byRequest.delete(requestId);
    channel.pending.delete(requestId);
    if (channel.closed || channel.pending.size > 0) return;
    if (channel.mode === 'sse') channel.res.end();
    else if (channel.buffered.length > 0) sendJson(channel, channel.buffered, headersOf(entry));
    else channel.res.writeHead(202, headersOf(entry)).end();
  }

  function log(entry: HttpSession): EventLog {
    return (entry.log ??= new EventLog(cap));
  }

  function track(entry: HttpSession, channel: Channel, stateless: boolean, onClose?: () => void): void {
    entry.open++;
    channel.res.once('close', () => {
      onClose?.();
      channel.closed = true;
      entry.live.delete(channel);
      entry.open--;
      entry.lastSeen = Date.now();
      if (entry.standalone === channel) entry.standalone = undefined;
      if (stateless) entry.session.close();
    });
  }

  function findSession(req: IncomingMessage, res: ServerResponse, credential = credentialOf(req)): HttpSession | undefined | Promise<HttpSession | undefined> {
    const header = req.headers['mcp-session-id'];
    const id = Array.isArray(header) ? header[0] : header;
    if (!id) {
      sendRpcError(res, 400, RpcCode.serverError, 'Bad Request: no Mcp-Session-Id header; send initialize first to get a session');
      return undefined;
    }
    const entry = sessions.get(id);
    if (shared) return findShared(req, res, id, credential, entry);
    // A session made with another credential does not exist for this one.
    if (!entry || entry.credential !== credential) return notFound(res, id);
    entry.lastSeen = Date.now();
    return entry;
  }

  /** A session is found only on the route it was opened on: its names and scopes are that route's. */
  function findOnRoute(req: IncomingMessage, res: ServerResponse, view: SessionView, credential?: string): HttpSession | undefined | Promise<HttpSession | undefined> {
    const onRoute = (entry: HttpSession | undefined): HttpSession | undefined => (entry && entry.session.route !== view.route ? notFound(res, entry.session.id!) : entry);
    const found = findSession(req, res, credential);
    return found instanceof Promise ? found.then(onRoute) : onRoute(found);
  }

  function notFound(res: ServerResponse, id: string): undefined {
    sendRpcError(res, 404, RpcCode.serverError, `Session "${id.slice(0, 100)}" not found or ended: initialize a new session`);
    return undefined;
  }

  /** A session of the store: served here from a copy made from its record, while it has not ended anywhere. */
  async function findShared(req: IncomingMessage, res: ServerResponse, id: string, credential: string, local: HttpSession | undefined): Promise<HttpSession | undefined> {
    let entry = local;
    try {
      if (!entry) {
        let load = loading.get(id);
        if (!load) {
          load = loadShared(id, credential, req.socket.remoteAddress ?? 'unknown').finally(() => loading.delete(id));
          loading.set(id, load);
        }
        const loaded = await load;
        // This process is at its session limits: the copy is refused as a new session would be.
        if (loaded && !('session' in loaded)) {
          sendRpcError(res, loaded.status, RpcCode.serverError, loaded.message, loaded.headers);
          return undefined;
        }
        entry = loaded;
      } else if (entry.credential === credential && !(await shared!.isOpen(id))) {
        entry.session.close();
        entry = undefined;
      }
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      sendStoreUnavailable(res, error);
      return undefined;
    }
    if (!entry || entry.credential !== credential || entry.session.closed) return notFound(res, id);
    entry.lastSeen = Date.now();
    return entry;
  }

  async function loadShared(id: string, credential: string, client: string): Promise<HttpSession | Refusal | undefined> {
    const found = await shared!.load(id, credential, 'http');
    if (!found) return undefined;
    const existing = sessions.get(id);
    if (existing) return existing;
    const entry = newSession(id, client, credential, {}, found.record);
    if ('session' in entry) sessions.set(id, entry);
    return entry;
  }

  /** Hands a client's message to its session, after what concerns other processes went there. */
  function deliver(entry: HttpSession, message: JsonRpcMessage): void {
    if (shared && entry.session.id && shared.intercept(entry.session, message)) return;
    entry.session.receive(message);
  }

  function handleStatelessPost(req: IncomingMessage, res: ServerResponse, messages: JsonRpcMessage[], entry: HttpSession, credential: string): boolean {
    // A cancellation arrives on its own POST: deliver it to the run it names, if it is here.
    const requests = messages.filter((m) => m.method !== undefined && m.id !== undefined);
    if (requests.length > 0) {
      for (const { id } of requests) statelessRuns.set(runKey(credential, id!), entry.session);
      entry.session.onclose = chain(entry.session.onclose, () => {
        for (const { id } of requests) if (statelessRuns.get(runKey(credential, id!)) === entry.session) statelessRuns.delete(runKey(credential, id!));
      });
      return false;
    }
    res.writeHead(202, headersOf(entry)).end();
    for (const message of messages) {
      const target = message.method === 'notifications/cancelled' ? statelessRuns.get(runKey(credential, message.params?.requestId)) : undefined;
      const session = target ?? entry.session;
      session.auth = claimsOf(req);
      if (target) session.receive(message);
      else deliver(entry, message);
    }
    entry.session.close();
    return true;
  }

  /**
   * The session of one stateless POST. With a store, `initialize` gets a session id and its record
   * (version, capabilities), and a later POST that sends the id is served with them, so its tools
   * may ask the client for sampling or elicitation; the answer may reach any process.
   */
  async function statelessSession(req: IncomingMessage, res: ServerResponse, initialize: boolean, client: string, credential: string, headerVersion: string | undefined, view: SessionView): Promise<HttpSession | Refusal | undefined> {
    const header = req.headers['mcp-session-id'];
    const id = Array.isArray(header) ? header[0] : header;
    if (shared && initialize) return newSession(randomUUID(), client, credential, view);
    if (shared && id) {
      let found: Awaited<ReturnType<SharedSessions['load']>>;
      try {
        found = await shared.load(id, credential, 'http');
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        sendStoreUnavailable(res, error);
        return undefined;
      }
      if (!found) return notFound(res, id);
      return newSession(id, client, credential, {}, found.record);
    }
    const entry = newSession(undefined, client, credential, view);
    if (!('session' in entry) || initialize) return entry;
    // Without a session, the version the client speaks is the one its header names (2025-03-26
    // when it names none, as the spec assumes): results are shaped for it (resource links, audio).
    entry.session.protocolVersion = headerVersion ?? '2025-03-26';
    entry.session.capabilityHint = shared
      ? 'the request carried no Mcp-Session-Id, so the capabilities the client declared in initialize are unknown here; send the session id initialize returned'
      : 'this server is stateless (--stateless) and keeps no session, so the capabilities the client declared in initialize are unknown here; run it with --store redis://… to keep them, or without --stateless';
    return entry;
  }

  /**
   * Opens a shared session's server stream here: this process becomes its holder (the one before
   * ends its own), and a resume first replays what the store logged after the client's last event.
   */
  async function openSharedStream(res: ServerResponse, entry: HttpSession, resumeFrom: string | undefined): Promise<void> {
    if (entry.standalone && !entry.standalone.closed) {
      sendRpcError(res, 409, RpcCode.serverError, `Conflict: stream "${STANDALONE}" of this session is still open`);
      return;
    }
    const id = entry.session.id!;
    // Its other requests may all reach other processes: a client that opens its stream here is past the handshake.
    entry.session.established = true;
    const channel = new Channel(res, STANDALONE, 'sse', new Set(), false, true, false);
    channel.replaying = [];
    const held = holdStream(entry, channel);
    entry.standalone = channel;
    entry.held = held;
    const letGo = (): void => {
      if (entry.standalone === channel) entry.standalone = undefined;
      if (entry.held === held) entry.held = undefined;
      shared!.release(id, held);
    };
    let replay: { eventId: string; json: string }[] = [];
    try {
      if (!(await shared!.hold(id, held))) {
        entry.session.close();
        notFound(res, id);
        return;
      }
      if (resumeFrom) replay = await shared!.eventsAfter(id, resumeFrom.slice(STANDALONE.length + 1));
    } catch (error) {
      letGo();
      sendStoreUnavailable(res, error);
      return;
    }
    // A client that went away while the store was asked leaves nothing open.
    if (res.destroyed) return letGo();
    openEventStream(res, headersOf(entry));
    entry.live.add(channel);
    track(entry, channel, false, letGo);
    const replayed = new Set<string>();
    for (const event of replay) {
      replayed.add(event.eventId);
      writeShared(entry, channel, event.json, event.eventId);
    }
    const arrived = channel.replaying;
    channel.replaying = undefined;
    for (const event of arrived) if (event.eventId === undefined || !replayed.has(event.eventId)) writeShared(entry, channel, event.json, event.eventId);
  }

  /**
   * A 2026-07-28 request: checked against its `_meta` and mirrored headers, then served by a
   * session that lives for this request alone, as the stateless protocol asks. Errors a 2026
   * client must tell apart by status get 400 (metadata, capabilities) or 404 (unknown method).
   */
  function handleModernPost(req: IncomingMessage, res: ServerResponse, message: JsonRpcMessage, isBatch: boolean, acceptsJson: boolean, acceptsSse: boolean, view: SessionView): void {
    const id = message.id ?? null;
    if (isBatch) return sendRpcError(res, 400, RpcCode.invalidRequest, 'Invalid Request: protocol 2026-07-28 takes one message per POST, not a batch');
    if (message.method === undefined) return sendRpcError(res, 400, RpcCode.invalidRequest, 'Invalid Request: protocol 2026-07-28 clients send no responses', {}, id);
    if (message.id === undefined) {
      res.writeHead(202).end();
      // Closing a stream cancels its request; a client that says so with notifications/cancelled
      // (a proxy relaying its own client's cancellation) is heard too, for its own requests only.
      if (message.method === 'notifications/cancelled') statelessRuns.get(runKey(credentialOf(req), message.params?.requestId))?.receive(message);
      return;
    }
    const meta = readRequestMeta(req, message);
    if (isRefusal(meta)) return sendRpcError(res, meta.status, meta.code, meta.message, {}, id, meta.data);
    const credential = credentialOf(req);
    const entry = newSession(undefined, req.socket.remoteAddress ?? 'unknown', credential, view);
    if (!('session' in entry)) return sendRpcError(res, entry.status, RpcCode.serverError, entry.message, entry.headers, id);
    if (!entry.session.servesModern(message.method)) {
      entry.session.close();
      const removed = message.method === 'initialize' ? ': protocol 2026-07-28 has no initialize; or send initialize without 2026-07-28 metadata for a session' : '';
      return sendRpcError(res, 404, RpcCode.methodNotFound, `Method not found: ${message.method.slice(0, 100)}${removed}`, {}, id);
    }
    entry.session.serveModern(meta, credential, req.headers);
    modernOpen.add(entry);
    // Found by a cancellation that names it, from the same credential.
    const key = runKey(credential, message.id);
    statelessRuns.set(key, entry.session);
    entry.session.onclose = chain(entry.session.onclose, () => void (statelessRuns.get(key) === entry.session && statelessRuns.delete(key)));
    const channel = new Channel(res, 'p1', 'pending', new Set([message.id]), acceptsJson, acceptsSse, false);
    entry.byRequest.set(message.id, channel);
    track(entry, channel, true, () => modernOpen.delete(entry));
    entry.session.auth = claimsOf(req);
    entry.session.receive(message);
  }

  return {
    async handlePost(req, res, messages, isBatch, view = {}) {
      const accept = String(req.headers.accept ?? '*/*');
      const acceptsJson = /application\/json|\*\/\*/.test(accept);
      const acceptsSse = /text\/event-stream|\*\/\*/.test(accept);
      if (!acceptsJson && !acceptsSse) {
        sendRpcError(res, 406, RpcCode.serverError, 'Not Acceptable: accept application/json and text/event-stream');
        return;
      }
      if (isModernRequest(req, messages)) return handleModernPost(req, res, messages[0]!, isBatch, acceptsJson, acceptsSse, view);
      const headerVersion = checkVersion(req, res, messages.length === 1 ? (messages[0]!.id ?? null) : null);
      if (headerVersion === false) return;
      const initialize = messages.find((m) => m.method === 'initialize');
      if (initialize && messages.length > 1) {
        sendRpcError(res, 400, RpcCode.invalidRequest, 'Invalid Request: initialize must be sent alone, not in a batch');
        return;
      }
      if (initialize && initialize.id === undefined) {
        sendRpcError(res, 400, RpcCode.invalidRequest, 'Invalid Request: initialize must be a request with an id, not a notification');
        return;
      }
      const client = req.socket.remoteAddress ?? 'unknown';
      const credential = credentialOf(req);
      let entry: HttpSession | Refusal | undefined;
      if (options.stateless) {
        if (isBatch && !supportsBatches(headerVersion ?? '2025-03-26')) return refuseBatch(res, headerVersion!);
        entry = await statelessSession(req, res, initialize !== undefined, client, credential, headerVersion, view);
      } else if (initialize) {
        if (req.headers['mcp-session-id']) {
          sendRpcError(res, 400, RpcCode.invalidRequest, 'Invalid Request: this session is already initialized; omit Mcp-Session-Id to start a new one');
          return;
        }
        entry = newSession(randomUUID(), client, credential, view);
      } else {
        entry = await findOnRoute(req, res, view, credential);
        if (entry && isBatch && !supportsBatches(entry.session.protocolVersion)) return refuseBatch(res, entry.session.protocolVersion);
      }
      if (!entry) return;
      if (!('session' in entry)) {
        sendRpcError(res, entry.status, RpcCode.serverError, entry.message, entry.headers);
        return;
      }
      const duplicate = findDuplicate(messages, entry.session);
      if (duplicate !== undefined) {
        if (options.stateless) entry.session.close();
        sendRpcError(res, 400, RpcCode.invalidRequest, `Invalid Request: id ${JSON.stringify(duplicate)} is already in use by a request in flight; use a new id`, {}, messages.length === 1 ? duplicate : null);
        return;
      }
      if (options.stateless && handleStatelessPost(req, res, messages, entry, credential)) return;
      const requests = messages.filter((m) => m.method !== undefined && m.id !== undefined);
      if (requests.length === 0) {
        res.writeHead(202, headersOf(entry)).end();
        entry.session.auth = claimsOf(req);
        for (const message of messages) deliver(entry, message);
        return;
      }
      const channel = new Channel(res, `p${++entry.nextStream}`, 'pending', new Set(requests.map((m) => m.id!)), acceptsJson, acceptsSse, isBatch);
      for (const id of channel.pending) entry.byRequest.set(id, channel);
      track(entry, channel, options.stateless);
      entry.session.auth = claimsOf(req);
      for (const message of messages) deliver(entry, message);
      if (!initialize || !entry.session.id || options.stateless) return;
      if (entry.session.initialized) {
        sessions.set(entry.session.id, entry);
        logger.debug('http session opened', { sessionId: entry.session.id, client });
      } else {
        entry.session.close(); // no session id for an initialize that failed
      }
    },

    async handleGet(req, res, view = {}) {
      if (options.stateless) {
        sendRpcError(res, 405, RpcCode.serverError, 'Method not allowed: this server is stateless, use POST', { Allow: 'POST' });
        return;
      }
      if (!/text\/event-stream|\*\/\*/.test(String(req.headers.accept ?? '*/*'))) {
        sendRpcError(res, 406, RpcCode.serverError, 'Not Acceptable: accept text/event-stream');
        return;
      }
      if (checkVersion(req, res) === false) return;
      const entry = await findOnRoute(req, res, view);
      if (!entry) return;
      const lastEventId = req.headers['last-event-id'];
      const resumeFrom = typeof lastEventId === 'string' && lastEventId ? lastEventId : undefined;
      const streamId = resumeFrom ? EventLog.streamOf(resumeFrom) : STANDALONE;
      if (shared && streamId === STANDALONE) return openSharedStream(res, entry, resumeFrom);
      // A stream is resumed only once it has ended: a live one keeps its events and its answers.
      const live = streamId === STANDALONE ? entry.standalone : [...entry.live].find((c) => c.streamId === streamId && !c.closed);
      const postOpen = [...entry.byRequest.values()].some((c) => c.streamId === streamId && !c.closed);
      if ((live && !live.closed) || postOpen) {
        sendRpcError(res, 409, RpcCode.serverError, `Conflict: stream "${streamId.slice(0, 100)}" of this session is still open`);
        return;
      }
      const channel = new Channel(res, streamId, 'sse', new Set(), false, true, false);
      openEventStream(res, headersOf(entry));
      entry.live.add(channel);
      track(entry, channel, false);
      if (resumeFrom) {
        for (const event of entry.log?.after(resumeFrom) ?? []) {
          if (writeBounded(res, formatEvent(event.json, 'message', event.id), cap) === 'overflow') return overflow(entry, channel);
        }
        // Requests of the dropped stream that are still running now answer here.
        for (const [id, old] of entry.byRequest) {
          if (old.streamId !== streamId) continue;
          entry.byRequest.set(id, channel);
          channel.pending.add(id);
        }
        if (streamId !== STANDALONE && channel.pending.size === 0) {
          res.end();
          return;
        }
      }
      if (streamId === STANDALONE) entry.standalone = channel;
    },

    async handleDelete(req, res, view = {}) {
      if (options.stateless) {
        sendRpcError(res, 405, RpcCode.serverError, 'Method not allowed: this server is stateless, use POST', { Allow: 'POST' });
        return;
      }
      const entry = await findOnRoute(req, res, view);
      if (!entry) return;
      if (shared) {
        // Ended in the store first: every process drops its copy, and no process serves it again.
        const ended = await shared.end(entry.session.id!).then(() => true, (error: Error) => {
          sendStoreUnavailable(res, error);
          return false;
        });
        if (!ended) return;
      }
      entry.session.close();
      res.writeHead(200, { 'Content-Length': 0 }).end();
    },

    keepAlive() {
      // A stream that still holds unsent bytes needs no keep-alive.
      for (const entry of [...sessions.values(), ...modernOpen]) for (const channel of entry.live) if (channel.res.writableLength === 0) channel.res.write(KEEP_ALIVE);
      // A session whose stream is open here is in use, though its requests may go to other processes.
      if (shared) for (const entry of sessions.values()) if (entry.live.size > 0) void shared.isOpen(entry.session.id!);
    },


    sweepIdle(idleMs) {
      const cutoff = Date.now() - idleMs;
      let closed = 0;
      for (const entry of sessions.values()) {
        if (entry.open > 0 || entry.session.inflightCount > 0 || entry.lastSeen >= cutoff) continue;
        closed++;
        entry.session.close();
      }
      return closed;
    },

    closeAll() {
      for (const entry of [...sessions.values(), ...modernOpen]) entry.session.close();
    },

    get size() {
      return sessions.size;
    },

    get streams() {
      let open = 0;
      for (const entry of sessions.values()) open += entry.live.size;
      for (const entry of modernOpen) open += entry.live.size;
      return open;
    },
  };
}

/** Ends a response with the JSON of one answer, or of a batch's answers as an array. */
function sendJson(channel: Channel, jsons: string[], headers: Record<string, string>, status = 200): void {
  const body = channel.isBatch ? `[${jsons.join(',')}]` : (jsons[0] ?? '');
  channel.closed = true;
  channel.res.writeHead(status, copyWith(headers, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })).end(body);
}

/** An id of this POST already in flight in the session, or repeated within the batch. */
function findDuplicate(messages: JsonRpcMessage[], session: McpSession): string | number | undefined {
  const seen = new Set<string | number>();
  for (const { method, id } of messages) {
    if (method === undefined || id === undefined) continue;
    if (seen.has(id) || session.isInflight(id)) return id;
    seen.add(id);
  }
  return undefined;
}

/** The HTTP status of a 2026-07-28 answer: errors a client tells apart by status get their own. */
function modernStatus(reply: JsonRpcMessage): number {
  const code = reply.error?.code;
  if (code === RpcCode.methodNotFound) return 404;
  if (code === RpcCode.missingRequiredClientCapability || code === RpcCode.headerMismatch || code === RpcCode.unsupportedProtocolVersion) return 400;
  return 200;
}

function refuseBatch(res: ServerResponse, version: string): void {
  sendRpcError(res, 400, RpcCode.invalidRequest, `Invalid Request: JSON-RPC batches are not part of protocol version ${version} (only 2025-03-26 and earlier); send one message per request`);
}

function runKey(credential: string, id: unknown): string {
  return `${credential}\u0000${typeof id}:${String(id)}`;
}

/** The version the header names (undefined when absent), or false once a refusal was sent. */
function checkVersion(req: IncomingMessage, res: ServerResponse, id: string | number | null = null): string | undefined | false {
  const version = req.headers['mcp-protocol-version'];
  if (version === undefined) return undefined;
  if (SUPPORTED_PROTOCOL_VERSIONS.includes(String(version))) return String(version);
  const refusal = unsupportedVersion(String(version));
  sendRpcError(res, refusal.status, refusal.code, refusal.message, {}, id, refusal.data);
  return false;
}
