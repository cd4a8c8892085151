import type { IncomingHttpHeaders } from 'node:http';

import { copyWith, type JsonRpcMessage, LATEST_PROTOCOL_VERSION, type LogLevel, type RequestSpan, RpcCode, RpcError, SUPPORTED_PROTOCOL_VERSIONS } from '@mcp-cli/core';

import { type Asker, InputRound } from './input-round.ts';
import type { MessageSink } from './json-rpc.ts';

/** What a method handler gets besides the params. */
export interface RequestContext {
  session: McpSession;
  requestId: string | number;
  signal: AbortSignal;
  /** Aborts this request's signal (the per-call timeout uses it). */
  abort(reason: unknown): void;
  /** Calls `listener` when this request is aborted, with no AbortSignal made (a gateway's hot path). */
  onAbort(listener: (reason: unknown) => void): void;
  progressToken: string | number | undefined;
  /** Sends a notification on the stream of this request; resolves once the stream can take more. */
  notify(method: string, params: Record<string, unknown>): Promise<void> | void;
  /**
   * Asks the client and awaits its answer: a request on this request's stream in a session, or
   * (2026-07-28) a question of the input-required result, named `key`.
   */
  request(method: string, params: Record<string, unknown>, signal: AbortSignal, key?: string): Promise<Record<string, unknown>>;
  /** From now on the handler's questions go to `asker` (a call that became a task). */
  askThrough(asker: Asker): void;
  /** A 2026-07-28 request's input-required round, when its method may ask the client. */
  readonly inputRound?: InputRound | undefined;
  /** This request's span when the server traces: a gateway sends its trace context upstream. */
  readonly span: RequestSpan | undefined;
}

/** Serves one method; throws RpcError for protocol errors. */
export type MethodHandler = (params: Record<string, unknown>, ctx: RequestContext) => unknown;

/** How a request ended, as metrics count it. */
export type RequestOutcome = 'ok' | 'tool_error' | 'protocol_error' | 'cancelled' | 'timed_out';

/** A request as the observers see it. */
export interface ObservedRequest {
  readonly method: string;
  readonly params: Record<string, unknown>;
  readonly session: McpSession;
  readonly requestId: string | number;
  /** Set by the tracing observer when the request starts. */
  span: RequestSpan | undefined;
}

/** Told of each request a method handler serves, when the server keeps metrics, traces or an audit log. */
export interface RequestObserver {
  requestStarted?(request: ObservedRequest): void;
  /** `error` is the protocol error the request was answered with, if any. */
  requestEnded(request: ObservedRequest, outcome: RequestOutcome, seconds: number, error?: { code: number; message: string }): void;
}

/** The reason a call's signal is aborted with when its per-call timeout fires. */
export const CALL_TIMEOUT = 'timeout';

/** What every session of one server shares: the method table and the server's identity. */
export interface SessionProtocol {
  methods: ReadonlyMap<string, MethodHandler>;
  initializeResult(requestedVersion: unknown): Record<string, unknown>;
  /** The answer to `server/discover` (2026-07-28): versions, capabilities, identity. */
  discoverResult(): Record<string, unknown>;
  /** Who the server is, as the `_meta` of every 2026-07-28 result says it (frozen: results share it). */
  serverMeta: Readonly<Record<string, unknown>>;
  /** Whether shared caches may keep a result: `private` when the server needs credentials. */
  cacheScope: 'public' | 'private';
  /** Signs the `requestState` of input-required results. */
  stateSecret: Buffer;
  /** Told of each request served (metrics); undefined costs nothing. */
  observer?: RequestObserver | undefined;
  /** Tells every session that follows list changes that a list changed (set by the server that owns the sessions). */
  announceListChanged?: (list: 'tools' | 'prompts' | 'resources') => void;
  onError(error: unknown, method: string): RpcError;
  /** The error sent instead of a result that cannot be serialised (a BigInt, a cycle). */
  onUnsendable(error: unknown, method: string, name: string | undefined): RpcError;
}

/**
 * A request being served, and the context its handler gets: one object per request, with no
 * closures made, and an AbortController only when someone needs the signal.
 */
class Inflight implements RequestContext {
  readonly session: McpSession;
  readonly requestId: string | number;
  readonly method: string;
  readonly name: string | undefined;
  readonly progressToken: string | number | undefined;
  #controller: AbortController | undefined;
  #reason: unknown;
  readonly params: Record<string, unknown>;
  /** When it started (`performance.now()`), when the server keeps metrics. */
  startedAt = 0;
  /** Its span, when the server traces. */
  span: RequestSpan | undefined = undefined;
  #aborted = false;
  #listeners: ((reason: unknown) => void)[] | undefined;
  /** A 2026-07-28 request's input-required round, once its handler has asked (or it carried answers). */
  inputRound: InputRound | undefined;
  /** Where a 2026-07-28 request's questions go: its input-required round, or its task. */
  #asker: Asker | undefined;
  /** Makes the round when the handler first asks: most calls never do, and make none. */
  #roundOnAsk: (() => InputRound) | undefined;

  constructor(session: McpSession, requestId: string | number, method: string, params: Record<string, unknown>) {
    this.session = session;
    this.requestId = requestId;
    this.method = method;
    this.params = params;
    this.name = typeof params.name === 'string' ? params.name : undefined;
    this.progressToken = (params._meta as { progressToken?: string | number } | undefined)?.progressToken;
  }

  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    if (this.#aborted && !this.#controller.signal.aborted) this.#controller.abort(this.#reason);
    return this.#controller.signal;
  }

  /** A listener that needs no signal: making an AbortController costs more than a forwarded call's other work. */
  onAbort(listener: (reason: unknown) => void): void {
    if (this.#aborted) listener(this.#reason);
    else (this.#listeners ??= []).push(listener);
  }

  /** What the request was aborted with, if it was. */
  get abortReason(): unknown {
    return this.#reason;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    for (const listener of this.#listeners ?? []) listener(reason);
    this.#listeners = undefined;
  }

  notify(method: string, params: Record<string, unknown>): Promise<void> | void {
    return this.session.notify(method, params, this.requestId);
  }

  request(method: string, params: Record<string, unknown>, signal: AbortSignal, key?: string): Promise<Record<string, unknown>> {
    if (!this.#asker && this.#roundOnAsk) this.useRound(this.#roundOnAsk());
    if (this.#asker) return this.#asker.ask(method, params, key);
    if (this.session.modern) return Promise.reject(new RpcError(RpcCode.internalError, `${this.method} cannot ask the client for input over protocol ${this.session.protocolVersion}`));
    return this.session.request(method, params, this.requestId, signal);
  }

  askThrough(asker: Asker): void {
    this.#asker = asker;
    this.#roundOnAsk = undefined;
  }

  /** The handler's questions go to this input-required round. */
  useRound(round: InputRound): void {
    this.askThrough(round);
    this.inputRound = round;
  }

  /** The handler's questions go to a round made by `make` when it first asks. */
  roundOnAsk(make: () => InputRound): void {
    this.#roundOnAsk = make;
  }
}

interface Outgoing {
  resolve(result: Record<string, unknown>): void;
  reject(error: Error): void;
}

/**
 * Ids for the requests sessions send their clients, when the answer may reach another process:
 * each names the process that asked, and the process finds the session that waits on it.
 */
export interface OutgoingIds {
  take(session: McpSession): string;
  release(id: string): void;
}

/**
 * The protocol state of one client session: negotiated version, log level, requests in flight
 * (each with an AbortController for cancellation), and requests the server sent to the client.
 * Maps are created on first use, so an idle session costs a few hundred bytes.
 */
export class McpSession {
  readonly id: string | undefined;
  protocolVersion = LATEST_PROTOCOL_VERSION;
  clientCapabilities: Record<string, unknown> = {};
  /** The tools this client asked for (`?tools=a,b`): it lists and calls only those; undefined for all. */
  toolSelection: ReadonlySet<string> | undefined;
  /** The gateway server this session serves alone (`/mcp/<server>`): its protocol is that server's. */
  route: string | undefined;
  /** The client's network address, as the per-client limits count it (the audit log names it). */
  clientAddress: string | undefined;
  /** Who the client says it is, in `initialize`. */
  clientInfo: Record<string, unknown> | undefined;
  logLevel: LogLevel | undefined;
  closed = false;
  /** True once `initialize` was answered with a result. */
  initialized = false;
  /** True once the client sent anything but `initialize`: the handshake is over. */
  established = false;
  /**
   * A 2026-07-28 request's own session: it lives for one request, its version, capabilities and
   * log level come from the request's `_meta`, and its result says `resultType` and `serverInfo`.
   */
  modern = false;
  /** A 2026-07-28 `subscriptions/listen` this session serves: its id and the notifications agreed. */
  listening: { id: string | number; notifications: Record<string, unknown> } | undefined;
  /** The verified claims of the access token of the request being served (OAuth `auth`). */
  auth: Readonly<Record<string, unknown>> | undefined;
  /** A 2026-07-28 HTTP request's headers: its `Mcp-Param-*` ones are checked against the arguments they mirror. */
  requestHeaders: IncomingHttpHeaders | undefined;
  #inflight: Map<string | number, Inflight> | undefined;
  #outgoing: Map<string | number, Outgoing> | undefined;
  /** Where the ids of requests to the client come from when several processes serve the session. */
  outgoingIds: OutgoingIds | undefined;
  /** Why the client's capabilities are unknown here, when they may be (a stateless request with no session). */
  capabilityHint: string | undefined;
  #nextOutgoingId = 0;
  #principal = '';
  readonly #protocol: SessionProtocol;
  readonly #sink: MessageSink;
  /** Called when the client cancels a request (for logs). */
  oncancel: ((requestId: string | number, request: { method: string; name: string | undefined }, reason: string) => void) | undefined;
  /** Notifications from the client other than cancellations (a gateway passes roots changes on). */
  onnotification: ((method: string, params: Record<string, unknown>) => void) | undefined;
  /** Called when a request ends without an answer (cancelled), so its transport can let go. */
  ondrop: ((requestId: string | number) => void) | undefined;
  /** Runs once when the session closes (subscriptions, registries). */
  onclose: (() => void) | undefined;

  constructor(id: string | undefined, protocol: SessionProtocol, sink: MessageSink) {
    this.id = id;
    this.#protocol = protocol;
    this.#sink = sink;
  }

  /** Requests being served right now. */
  get inflightCount(): number {
    return this.#inflight?.size ?? 0;
  }

  /** True while a request with this id is being served: a second one with the same id is refused. */
  isInflight(id: string | number): boolean {
    return this.#inflight?.has(id) === true;
  }

  /**
   * Makes this the session of one 2026-07-28 request, with the client as its `_meta` describes it;
   * `principal` (a credential digest) binds the request states it hands out to that client.
   */
  serveModern(meta: { protocolVersion: string; clientCapabilities: Record<string, unknown>; logLevel: LogLevel | undefined }, principal: string, requestHeaders: IncomingHttpHeaders | undefined): void {
    this.modern = true;
    this.#principal = principal;
    this.requestHeaders = requestHeaders;
    this.initialized = true;
    this.established = true;
    this.protocolVersion = meta.protocolVersion;
    this.clientCapabilities = meta.clientCapabilities;
    this.logLevel = meta.logLevel;
  }

  /** True when a 2026-07-28 request for `method` is served here (not `initialize`, `ping` or the other removed ones). */
  servesModern(method: string): boolean {
    return method === 'server/discover' || (this.#protocol.methods.has(method) && !REMOVED_IN_MODERN.has(method));
  }

  /** Tells the server's clients that one of its lists changed. */
  announceListChanged(list: 'tools' | 'prompts' | 'resources'): void {
    this.#protocol.announceListChanged?.(list);
  }

  /** Who made this session's requests (a credential digest): tasks and request states are bound to it. */
  get principal(): string {
    return this.#principal;
  }

  /** Binds the session to the credential that opened it (HTTP; stdio has one client and none). */
  bindPrincipal(principal: string): void {
    this.#principal = principal;
  }

  /** Takes one message from the client. Requests are answered through the sink. */
  receive(message: JsonRpcMessage): void {
    if (this.closed) return;
    const { method, id } = message;
    if (method !== 'initialize') this.established = true;
    if (method === undefined) {
      this.#settleOutgoing(message);
      return;
    }
    if (id === undefined) {
      this.#notification(method, message.params ?? {});
      return;
    }
    void this.#request(id, method, message.params ?? {});
  }

  /** Sends a notification, tied to a request's stream when `relatedId` is given. */
  notify(method: string, params: Record<string, unknown>, relatedId?: string | number): Promise<void> | void {
    if (this.closed) return;
    const message: JsonRpcMessage = { jsonrpc: '2.0', method, params };
    // A notification that cannot be serialised throws into the handler that sent it.
    return this.#sink(message, relatedId, JSON.stringify(message));
  }

  /** Sends a request to the client and awaits its answer. */
  request(method: string, params: Record<string, unknown>, relatedId: string | number | undefined, signal: AbortSignal): Promise<Record<string, unknown>> {
    if (this.closed) return Promise.reject(new RpcError(RpcCode.serverError, 'Connection closed'));
    const ids = this.outgoingIds;
    const id = ids ? ids.take(this) : ++this.#nextOutgoingId;
    this.#outgoing ??= new Map();
    const outgoing = this.#outgoing;
    const forget = (): void => {
      outgoing.delete(id);
      if (ids) ids.release(id as string);
    };
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        forget();
        this.notify('notifications/cancelled', { requestId: id, reason: 'request aborted' }, relatedId);
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      outgoing.set(id, {
        resolve: (result) => {
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      const message: JsonRpcMessage = { jsonrpc: '2.0', id, method, params };
      try {
        void this.#sink(message, relatedId, JSON.stringify(message));
      } catch (error) {
        forget();
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      }
    });
  }

  /**
   * Stops serving a request without answering it (the client cancelled it, or its stream was
   * closed for not reading). Returns false when no such request runs.
   */
  cancel(requestId: string | number, reason: string): boolean {
    const inflight = this.#inflight?.get(requestId);
    if (!inflight) return false;
    this.#inflight!.delete(requestId);
    this.#ended(inflight, 'cancelled');
    this.oncancel?.(requestId, inflight, reason);
    inflight.abort(reason);
    this.ondrop?.(requestId);
    return true;
  }

  /** Ends the session: aborts what runs, fails what waits, and tells the owner once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // A 2026-07-28 request's session ends with its response: closed early, the client cancelled it.
    const reason = this.modern ? 'the client closed the request' : 'session closed';
    for (const [requestId, inflight] of this.#inflight ?? []) {
      this.#ended(inflight, 'cancelled');
      this.oncancel?.(requestId, inflight, reason);
      inflight.abort(new Error(reason));
    }
    // Made only when someone waits: an Error's stack costs more than the rest of a short session.
    if (this.#outgoing && this.#outgoing.size > 0) {
      const error = new RpcError(RpcCode.serverError, 'Connection closed');
      for (const [id, outgoing] of this.#outgoing) {
        this.outgoingIds?.release(id as string);
        outgoing.reject(error);
      }
    }
    this.#inflight = undefined;
    this.#outgoing = undefined;
    this.onclose?.();
  }

  async #request(id: string | number, method: string, params: Record<string, unknown>): Promise<void> {
    if (this.#inflight?.has(id)) {
      // Transports refuse these before they get here; answering on no stream keeps the original's.
      this.#reply(id, errorReply(id, new RpcError(RpcCode.invalidRequest, `Invalid Request: id ${JSON.stringify(id)} is already in use by a request in flight`)), undefined);
      return;
    }
    if (method === 'initialize') {
      this.clientCapabilities = (params.capabilities as Record<string, unknown> | undefined) ?? {};
      this.clientInfo = params.clientInfo as Record<string, unknown> | undefined;
      const result = this.#protocol.initializeResult(params.protocolVersion);
      this.protocolVersion = String(result.protocolVersion);
      this.initialized = true;
      this.#reply(id, { jsonrpc: '2.0', id, result }, id);
      return;
    }
    if (method === 'ping') {
      this.#reply(id, { jsonrpc: '2.0', id, result: {} }, id);
      return;
    }
    if (method === 'server/discover') {
      this.#reply(id, { jsonrpc: '2.0', id, result: this.#protocol.discoverResult() }, id, method);
      return;
    }
    const handler = this.#protocol.methods.get(method);
    if (!handler) {
      this.#reply(id, errorReply(id, new RpcError(RpcCode.methodNotFound, `Method not found: ${method}`)), id);
      return;
    }
    const inflight = new Inflight(this, id, method, params);
    this.#inflight ??= new Map();
    this.#inflight.set(id, inflight);
    if (this.#protocol.observer) {
      inflight.startedAt = performance.now();
      this.#protocol.observer.requestStarted?.(inflight);
    }
    let reply: JsonRpcMessage;
    try {
      if (this.modern && ASKING_METHODS.has(method)) this.#askInRounds(id, method, params, inflight);
      reply = { jsonrpc: '2.0', id, result: (await handler(params, inflight)) as Record<string, unknown> };
    } catch (error) {
      reply = errorReply(id, this.#protocol.onError(error, method));
    }
    if (!this.#settle(id, inflight)) return; // cancelled, or answered early: counted then
    this.#ended(inflight, outcomeOf(reply, inflight), reply.error);
    this.#reply(id, reply, id, method, inflight.name);
  }

  /** Tells the observer (metrics) that a request left flight, once. */
  #ended(inflight: Inflight, outcome: RequestOutcome, error?: { code: number; message: string }): void {
    this.#protocol.observer?.requestEnded(inflight, outcome, (performance.now() - inflight.startedAt) / 1000, error);
  }

  /** Takes a request out of flight to answer it; false when it was cancelled, or its session closed, meanwhile (no answer is sent). */
  #settle(id: string | number, inflight: Inflight): boolean {
    if (this.#inflight?.get(id) !== inflight) return false;
    this.#inflight.delete(id);
    return !this.closed;
  }

  /**
   * Sends a 2026-07-28 handler's questions through input-required rounds: a round is made when it
   * first asks (or at once when the request carries answers, which are checked before the handler
   * runs: a bad state is -32602). Once the handler waits on a question the client has not answered,
   * the question is the request's answer (see {@link #answerWhileWaiting}).
   */
  #askInRounds(id: string | number, method: string, params: Record<string, unknown>, inflight: Inflight): void {
    const newRound = (): InputRound =>
      new InputRound(method, params, this.#principal, this.#protocol.stateSecret, (result) => this.#answerWhileWaiting(id, inflight, method, result));
    if (params.inputResponses !== undefined || params.requestState !== undefined) inflight.useRound(newRound());
    else inflight.roundOnAsk(newRound);
  }

  /** Answers a request whose handler still waits (on a question for the client): the handler is abandoned. */
  #answerWhileWaiting(id: string | number, inflight: Inflight, method: string, result: Record<string, unknown>): void {
    if (!this.#settle(id, inflight)) return;
    this.#ended(inflight, 'ok');
    inflight.abort(new Error('input required'));
    this.#reply(id, { jsonrpc: '2.0', id, result }, id, method, inflight.name);
  }

  /** What a 2026-07-28 result carries besides its own fields: its type, the server, caching hints. */
  #decorate(method: string, result: Record<string, unknown>): Record<string, unknown> {
    const own = result._meta as Record<string, unknown> | undefined;
    // Most results carry no _meta of their own: they share one object naming the server.
    const meta = own ? copyWith(own, this.#protocol.serverMeta) : this.#protocol.serverMeta;
    // Lists and reads change without notice to a 2026 client (it has no listen stream here): not cached.
    const type = result.resultType === 'input_required' || result.resultType === 'task' ? result.resultType : 'complete';
    // A result may carry its own hints (a resource's `cache`); the defaults fill what it lacks.
    if (!(CACHEABLE.has(method) && type === 'complete')) return copyWith(result, { resultType: type, _meta: meta });
    const decorated = { ttlMs: 0, cacheScope: this.#protocol.cacheScope, ...result, resultType: type, _meta: meta };
    // A server that needs a credential answers each client for itself: never "public", whatever a definition says.
    if (this.#protocol.cacheScope === 'private') decorated.cacheScope = 'private';
    return decorated;
  }

  /**
   * A 2026-07-28 answer's JSON: the result with its type and the server's identity in `_meta` (and
   * caching hints on lists and reads). Most results set none of these themselves: their JSON gets
   * the constant fields spliced in, with no copy of the result made (the same JSON as
   * {@link #decorate}'s, for less work).
   */
  #modernJson(id: string | number, result: Record<string, unknown>, method: string): string {
    const cacheable = CACHEABLE.has(method);
    const setsOwn = result._meta !== undefined || result.resultType !== undefined || (cacheable && (result.ttlMs !== undefined || result.cacheScope !== undefined));
    const body = setsOwn ? '' : JSON.stringify(result);
    if (!body.startsWith('{') || !body.endsWith('}')) return JSON.stringify({ jsonrpc: '2.0', id, result: this.#decorate(method, result) });
    const { hints, tail } = spliceParts(this.#protocol);
    const own = body.length > 2 ? `${body.slice(1, -1)},` : '';
    return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{${cacheable ? hints : ''}${own}${tail}}}`;
  }

  /**
   * Sends an answer; one that cannot be serialised is replaced by an error, so every request gets
   * one. A 2026-07-28 result goes out decorated ({@link #modernJson}); `reply` keeps the handler's.
   */
  #reply(id: string | number, reply: JsonRpcMessage, relatedId: string | number | undefined, method = '', name?: string): void {
    let json: string;
    try {
      json = this.modern && reply.result !== undefined ? this.#modernJson(id, reply.result, method) : JSON.stringify(reply);
    } catch (error) {
      reply = errorReply(id, this.#protocol.onUnsendable(error, method, name));
      json = JSON.stringify(reply);
    }
    void this.#sink(reply, relatedId, json);
  }

  #notification(method: string, params: Record<string, unknown>): void {
    if (method === 'notifications/cancelled') {
      const requestId = params.requestId;
      if (typeof requestId !== 'string' && typeof requestId !== 'number') return;
      this.cancel(requestId, typeof params.reason === 'string' ? params.reason : 'cancelled by the client');
    }
    this.onnotification?.(method, params);
  }

  #settleOutgoing(message: JsonRpcMessage): void {
    // Ids are numbers, or strings naming the process (outgoingIds); a client may echo a number as a string.
    const id = this.outgoingIds ? message.id : typeof message.id === 'number' ? message.id : Number(message.id);
    const outgoing = id === undefined ? undefined : this.#outgoing?.get(id);
    if (!outgoing) return;
    this.#outgoing!.delete(id!);
    if (this.outgoingIds) this.outgoingIds.release(id as string);
    if (message.error) outgoing.reject(new RpcError(message.error.code, message.error.message, message.error.data));
    else outgoing.resolve(message.result ?? {});
  }
}

/** Methods of earlier versions that 2026-07-28 removed (`initialize` and `ping` are not in the table). */
const REMOVED_IN_MODERN = new Set(['logging/setLevel', 'resources/subscribe', 'resources/unsubscribe', 'tasks/list', 'tasks/result']);

/** Methods that may answer a 2026-07-28 request with an input-required result (SEP-2322). */
const ASKING_METHODS = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** Methods whose 2026-07-28 results carry caching hints (`ttlMs`, `cacheScope`). */
const CACHEABLE = new Set(['server/discover', 'tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read', 'skills/list', 'skills/get']);

/**
 * The constant fields a plain 2026-07-28 result's JSON gets, made once per server: the caching
 * hints that lead a list's or read's (`"ttlMs":0,"cacheScope":…,`), and the tail of every one
 * (`"resultType":"complete","_meta":…`).
 */
const SPLICE_PARTS = new WeakMap<SessionProtocol, { hints: string; tail: string }>();
function spliceParts(protocol: SessionProtocol): { hints: string; tail: string } {
  let parts = SPLICE_PARTS.get(protocol);
  if (parts === undefined) {
    parts = { hints: `"ttlMs":0,"cacheScope":${JSON.stringify(protocol.cacheScope)},`, tail: `"resultType":"complete","_meta":${JSON.stringify(protocol.serverMeta)}` };
    SPLICE_PARTS.set(protocol, parts);
  }
  return parts;
}

function outcomeOf(reply: JsonRpcMessage, inflight: Inflight): RequestOutcome {
  if (reply.error) return 'protocol_error';
  if (reply.result?.isError !== true) return 'ok';
  const reason = inflight.abortReason;
  return reason instanceof Error && reason.message === CALL_TIMEOUT ? 'timed_out' : 'tool_error';
}

function errorReply(id: string | number, rpc: RpcError): JsonRpcMessage {
  const error = rpc.data === undefined ? { code: rpc.code, message: rpc.message } : { code: rpc.code, message: rpc.message, data: rpc.data };
  return { jsonrpc: '2.0', id, error };
}

/** The version to answer an initialize with: the client's when supported, else the newest. */
export function negotiateVersion(requested: unknown): string {
  return typeof requested === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION;
}
