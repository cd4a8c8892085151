import type { ServerResponse } from 'node:http';

import { type JsonRpcMessage, RpcCode } from '@mcp-cli/core';

import { sendRpcError } from '../http/http-errors.ts';
import type { Logger } from '../logger.ts';
import type { MessageSink } from '../server/json-rpc.ts';
import type { McpSession, OutgoingIds } from '../server/mcp-session.ts';
import { existingUpdateSender, updateSender } from '../server/method-handlers.ts';
import type { SubscriptionHub } from '../server/subscription-hub.ts';
import { chain } from '../transports/chain.ts';
import type { EventLogBounds, SessionDirectory, SessionNotice, SharedSessionRecord } from '../store/session-directory.ts';

/** A session's stream held by this process: where the messages other processes send it go. */
export interface HeldStream {
  session: McpSession;
  /** Writes one message (with its event-log id, when it has one). */
  deliver(json: string, eventId: string | undefined): void;
  /** Another process took the stream over: end this one. */
  release(): void;
}

/** The store could not be reached: the request that needed it fails, the server goes on. */
export class StoreUnavailableError extends Error {}

/** What a client is told when a request needed the store and it could not be reached. */
export function storeUnavailableMessage(error: unknown): string {
  return `Service unavailable: ${(error as Error).message}; try again shortly`;
}

/** Answers 503, with `Retry-After`, a request that needed the store. */
export function sendStoreUnavailable(res: ServerResponse, error: unknown): void {
  sendRpcError(res, 503, RpcCode.serverError, storeUnavailableMessage(error), { 'Retry-After': '1' });
}

/** Options of {@link SharedSessions}. */
export interface SharedSessionsOptions {
  /** The store as errors name it (no credentials). */
  storeName: string;
  /** A session lives this long after its last request anywhere. */
  ttlMs: number;
  /** What a session's event log keeps for clients that resume. */
  bounds: EventLogBounds;
  subscriptions: SubscriptionHub;
  logger: Logger;
}

/** A session's own record is touched at most this often per process: a request costs no store round trip. */
const TOUCH_EVERY_MS = 5_000;

/**
 * Sessions that any process serving the endpoint answers, through a {@link SessionDirectory}. A
 * process serves a session it did not open with a local copy made from the session's record; what
 * the copy changes (version, capabilities, log level) is written back before the client sees the
 * next message. What must reach another process goes there as a notice: a message for a stream it
 * holds, a client's answer to a request it sent, a cancellation of a request it runs.
 */
export class SharedSessions {
  readonly directory: SessionDirectory;
  readonly #options: SharedSessionsOptions;
  /** Sessions served here, by id (a stateless endpoint serves several at once for one id). */
  readonly #local = new Map<string, Set<McpSession>>();
  readonly #held = new Map<string, HeldStream>();
  /** Requests sent to clients that wait on an answer here, by id. */
  readonly #waiting = new Map<string, McpSession>();
  readonly #touched = new Map<string, number>();
  /** The state of each session as the store has it: a change is written before the next message. */
  readonly #synced = new WeakMap<McpSession, SyncedState>();
  #nextOutgoing = 0;
  readonly outgoingIds: OutgoingIds;

  constructor(directory: SessionDirectory, options: SharedSessionsOptions) {
    this.directory = directory;
    this.#options = options;
    const tag = directory.processTag;
    this.outgoingIds = {
      take: (session) => {
        const id = `${tag}:${++this.#nextOutgoing}`;
        this.#waiting.set(id, session);
        return id;
      },
      release: (id) => void this.#waiting.delete(id),
    };
    directory.onNotice((notice) => this.#onNotice(notice));
  }

  get ttlMs(): number {
    return this.#options.ttlMs;
  }

  /**
   * Makes `session` serve the shared session `id`: from its record when it was opened elsewhere,
   * with ids for its requests to the client that any process routes back here.
   */
  adopt(session: McpSession, record?: SharedSessionRecord): void {
    const id = session.id!;
    if (record) this.#apply(session, record, true);
    session.outgoingIds = this.outgoingIds;
    let local = this.#local.get(id);
    if (!local) this.#local.set(id, (local = new Set()));
    local.add(session);
    const forget = (): void => {
      const sessions = this.#local.get(id);
      sessions?.delete(session);
      if (sessions?.size === 0) {
        this.#local.delete(id);
        this.#touched.delete(id);
      }
    };
    session.onclose = chain(session.onclose, forget);
  }

  /**
   * Wraps a session's sink: once its version, capabilities or log level changed, the record is
   * written (and the other processes told) before the client sees the next message, so a request
   * the client sends next finds them on any process. Messages keep their order. A record that
   * cannot be written turns the answer to `initialize` into an error, for a session no other
   * process would know.
   */
  gate(sessionOf: () => McpSession | undefined, kind: SharedSessionRecord['kind'], sink: MessageSink): MessageSink {
    let pending: Promise<void> | undefined;
    const queue = (send: () => Promise<void> | void): Promise<void> => {
      const next = (pending ?? Promise.resolve()).then(send);
      pending = next;
      void next.then(() => {
        if (pending === next) pending = undefined;
      });
      return next;
    };
    return (message, relatedId, json) => {
      if (pending) return queue(() => sink(message, relatedId, json));
      const session = sessionOf();
      if (!session?.id || !session.initialized) return sink(message, relatedId, json);
      const synced = this.#synced.get(session);
      if (synced && isSynced(session, synced)) return sink(message, relatedId, json);
      this.#synced.set(session, stateOf(session));
      const record = recordOf(session, kind);
      return queue(() =>
        this.#publish(session.id!, record).then(
          () => sink(message, relatedId, json),
          (error: unknown) => {
            this.#options.logger.warn('session store: could not save a session', { sessionId: session.id, error: (error as Error).message });
            if (synced !== undefined || message.id === undefined) return sink(message, relatedId, json);
            const refusal: JsonRpcMessage = { jsonrpc: '2.0', id: message.id, error: { code: RpcCode.serverError, message: storeUnavailableMessage(error) } };
            // No session id goes out with it: the session ends here.
            session.initialized = false;
            const sent = sink(refusal, relatedId, JSON.stringify(refusal));
            session.close();
            return sent;
          },
        ),
      );
    };
  }

  /** Writes a session's record at its start (a legacy stream opened here is held here). */
  async save(sessionId: string, record: SharedSessionRecord, holdHere = false): Promise<void> {
    await this.#store(() => this.directory.save(sessionId, record, this.#options.ttlMs, holdHere));
    this.#touched.set(sessionId, Date.now());
  }

  /**
   * The record of a session opened elsewhere, when `owner` may use it; undefined when there is none.
   * @throws StoreUnavailableError when the store cannot be reached.
   */
  async load(sessionId: string, owner: string, kind: SharedSessionRecord['kind']): Promise<{ record: SharedSessionRecord; holder: string | undefined } | undefined> {
    const found = await this.#store(() => this.directory.get(sessionId));
    if (!found || found.record.owner !== owner || found.record.kind !== kind) return undefined;
    this.#touched.set(sessionId, Date.now());
    return found;
  }

  /**
   * False when the session has ended or expired. The store is asked at most every few seconds per
   * session; while it cannot be reached the session is taken as open (served from here).
   */
  async isOpen(sessionId: string): Promise<boolean> {
    const now = Date.now();
    if (now - (this.#touched.get(sessionId) ?? 0) < TOUCH_EVERY_MS) return true;
    this.#touched.set(sessionId, now);
    return this.directory.touch(sessionId, this.#options.ttlMs).catch((error: Error) => {
      this.#options.logger.warn('session store: could not extend a session', { sessionId, error: error.message });
      return true;
    });
  }

  /** True while the session's record exists, without extending it (a legacy stream whose client posts to other processes). */
  async exists(sessionId: string): Promise<boolean> {
    return this.directory.get(sessionId).then((found) => found !== undefined, () => true);
  }

  /** Ends a session on every process. @throws StoreUnavailableError */
  async end(sessionId: string): Promise<void> {
    await this.#store(() => this.directory.end(sessionId));
  }

  /**
   * Holds the session's stream here: messages for it come to `stream`, and the process that held it
   * before ends its own. False when the session is gone. @throws StoreUnavailableError
   */
  async hold(sessionId: string, stream: HeldStream): Promise<boolean> {
    this.#held.set(sessionId, stream);
    const previous = await this.#store(() => this.directory.hold(sessionId)).catch((error: unknown) => {
      if (this.#held.get(sessionId) === stream) this.#held.delete(sessionId);
      throw error;
    });
    if (previous === null) {
      this.#held.delete(sessionId);
      return false;
    }
    if (previous !== undefined && previous !== this.directory.processTag) void this.directory.send(previous, { type: 'release', sessionId }).catch(() => undefined);
    // The session's resource subscriptions follow its stream: watched here from now on.
    for (const uri of await this.directory.subscriptionsOf(sessionId).catch(() => [])) this.#watchHere(sessionId, uri);
    return true;
  }

  /** Gives the stream up (it closed here), and the subscriptions watched for it. */
  release(sessionId: string, stream: HeldStream): void {
    if (this.#held.get(sessionId) !== stream) return;
    this.#held.delete(sessionId);
    const send = existingUpdateSender(stream.session);
    if (send) this.#options.subscriptions.unsubscribe(send);
    void this.directory.release(sessionId).catch(() => undefined);
  }

  /**
   * Subscribes a session to a resource: kept in the store, and watched by the process holding the
   * session's stream (the next holder takes it over, so a subscription outlives the process that
   * took it). False for a URI that names no resource to watch. @throws StoreUnavailableError
   */
  async subscribe(session: McpSession, uri: string): Promise<boolean> {
    if (!this.#options.subscriptions.canWatch(uri, session)) return false;
    const sessionId = session.id!;
    const holder = await this.#store(() => this.directory.addSubscription(sessionId, uri));
    if (holder === this.directory.processTag) this.#watchHere(sessionId, uri);
    else if (holder) await this.#store(() => this.directory.send(holder, { type: 'subscribe', sessionId, uri }));
    return true;
  }

  #watchHere(sessionId: string, uri: string): void {
    const held = this.#held.get(sessionId);
    if (held) this.#options.subscriptions.subscribe(uri, updateSender(held.session), held.session);
  }

  /** Logs an event of the session's server stream, sent to its holder; see {@link SessionDirectory.appendEvent}. */
  appendEvent(sessionId: string, json: string): Promise<{ eventId: string; heldHere: boolean } | undefined> {
    return this.directory.appendEvent(sessionId, json, this.#options.bounds, this.#options.ttlMs);
  }

  /** The logged events after `eventId`. @throws StoreUnavailableError */
  eventsAfter(sessionId: string, eventId: string): Promise<{ eventId: string; json: string }[]> {
    return this.#store(() => this.directory.eventsAfter(sessionId, eventId));
  }

  /** Sends one message to the stream another process holds; false when that process has stopped. */
  deliverTo(holder: string, sessionId: string, json: string): Promise<boolean> {
    return this.directory.send(holder, { type: 'deliver', sessionId, json });
  }

  /** Tells every session in the store, on every process, that lists changed (logged for a resume, like any stream event). */
  announceListChanged(lists: readonly ('tools' | 'prompts' | 'resources')[]): void {
    const jsons = lists.map((list) => JSON.stringify({ jsonrpc: '2.0', method: `notifications/${list}/list_changed`, params: {} }));
    this.directory.announce(jsons, this.#options.bounds, this.#options.ttlMs).catch((error: Error) => {
      this.#options.logger.warn('session store: could not tell the sessions that lists changed', { lists, error: error.message });
    });
  }

  /**
   * Takes what a client sent that concerns another process before its session sees it: an answer to
   * a request another process sent (true: consumed here), a cancellation of a request running
   * elsewhere, a dropped subscription another process may hold.
   */
  intercept(session: McpSession, message: JsonRpcMessage): boolean {
    const { method, id } = message;
    if (method === undefined) {
      if (typeof id !== 'string') return false;
      const tag = id.slice(0, id.indexOf(':'));
      if (tag === this.directory.processTag) this.#answer(session.id!, message);
      else if (tag) void this.directory.send(tag, { type: 'answer', sessionId: session.id!, message }).catch(() => undefined);
      return true;
    }
    if (method === 'notifications/cancelled') {
      const requestId = message.params?.requestId;
      if ((typeof requestId === 'string' || typeof requestId === 'number') && !session.isInflight(requestId)) {
        const reason = typeof message.params?.reason === 'string' ? message.params.reason : 'cancelled by the client';
        void this.directory.broadcast({ type: 'cancel', sessionId: session.id!, owner: session.principal, requestId, reason }).catch(() => undefined);
      }
    } else if (method === 'resources/unsubscribe' && typeof message.params?.uri === 'string') {
      const uri = message.params.uri;
      void this.directory.removeSubscription(session.id!, uri).then(() => this.directory.broadcast({ type: 'unsubscribe', sessionId: session.id!, uri })).catch(() => undefined);
    }
    return false;
  }

  async #publish(sessionId: string, record: SharedSessionRecord): Promise<void> {
    await this.#store(async () => {
      await this.directory.save(sessionId, record, this.#options.ttlMs);
      await this.directory.broadcast({ type: 'refresh', sessionId, record });
    });
  }

  async #store<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      // ioredis says "Stream isn't writeable…" or "Connection is closed" while it reconnects.
      const message = (error as Error).message;
      const reason = /writeable|closed|ECONNREFUSED/.test(message) ? 'not connected' : message.replace(/\.+$/, '');
      throw new StoreUnavailableError(`the session store ${this.#options.storeName} is unreachable (${reason})`);
    }
  }

  /** Settles the request an answer is for, when the session that sent it is the one it was asked in: no client answers for another. */
  #answer(sessionId: string, message: JsonRpcMessage): void {
    const waiting = typeof message.id === 'string' ? this.#waiting.get(message.id) : undefined;
    if (waiting?.id === sessionId) waiting.receive(message);
  }

  #apply(session: McpSession, record: SharedSessionRecord, established: boolean): void {
    applyRecord(session, record, established);
    this.#synced.set(session, stateOf(session));
  }

  #onNotice(notice: SessionNotice): void {
    switch (notice.type) {
      case 'deliver':
        this.#held.get(notice.sessionId)?.deliver(notice.json, notice.eventId || undefined);
        return;
      case 'release':
        this.#held.get(notice.sessionId)?.release();
        return;
      case 'subscribe':
        this.#watchHere(notice.sessionId, notice.uri);
        return;
      case 'answer':
        this.#answer(notice.sessionId, notice.message);
        return;
      default:
    }
    for (const session of [...(this.#local.get(notice.sessionId) ?? [])]) {
      if (notice.type === 'end') session.close();
      else if (notice.type === 'refresh') this.#apply(session, notice.record, notice.record.kind === 'sse');
      else if (notice.type === 'cancel' && session.principal === notice.owner) session.cancel(notice.requestId, notice.reason);
      else if (notice.type === 'unsubscribe') {
        const send = existingUpdateSender(session);
        if (send) this.#options.subscriptions.unsubscribe(send, notice.uri);
      }
    }
  }
}

/**
 * Gives a session the state its record holds. `established` (past the handshake) is set for a copy
 * made for a request after `initialize`, and for a legacy session, whose holder sees none of the
 * POSTs other processes take; a Streamable HTTP session's own process keeps its handshake timeout.
 */
function applyRecord(session: McpSession, record: SharedSessionRecord, established: boolean): void {
  session.protocolVersion = record.protocolVersion;
  session.clientCapabilities = record.clientCapabilities;
  session.clientInfo = record.clientInfo;
  session.toolSelection = record.tools && new Set(record.tools);
  session.logLevel = record.logLevel;
  session.initialized = true;
  if (established) session.established = true;
}

/** What the store keeps of a session, for another process to serve it. */
export function recordOf(session: McpSession, kind: SharedSessionRecord['kind']): SharedSessionRecord {
  return { kind, owner: session.principal, protocolVersion: session.protocolVersion, clientCapabilities: session.clientCapabilities, clientInfo: session.clientInfo, logLevel: session.logLevel, ...(session.toolSelection ? { tools: [...session.toolSelection] } : {}), ...(session.route === undefined ? {} : { route: session.route }) };
}

/** What a copy of a session may change and the others must learn (`initialize` sets new capabilities). */
interface SyncedState {
  protocolVersion: string;
  logLevel: string | undefined;
  clientCapabilities: Record<string, unknown>;
}

function stateOf(session: McpSession): SyncedState {
  return { protocolVersion: session.protocolVersion, logLevel: session.logLevel, clientCapabilities: session.clientCapabilities };
}

function isSynced(session: McpSession, synced: SyncedState): boolean {
  return session.clientCapabilities === synced.clientCapabilities && session.protocolVersion === synced.protocolVersion && session.logLevel === synced.logLevel;
}
