import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

import { type JsonRpcMessage, RpcCode, supportsBatches } from '@mcp-cli/core';

import { sendRpcError } from '../http/http-errors.ts';
import type { Refusal } from '../http/request-guard.ts';
import { type SessionView, viewOfRecord } from '../http/session-view.ts';
import type { Logger } from '../logger.ts';
import type { MessageSink } from '../server/json-rpc.ts';
import type { McpSession } from '../server/mcp-session.ts';
import { recordOf, sendStoreUnavailable, type SharedSessions, StoreUnavailableError } from '../sessions/shared-sessions.ts';
import { chain } from './chain.ts';
import { formatEvent, KEEP_ALIVE, openEventStream, whenDrained, writeBounded } from './sse-stream.ts';

/** Options of the legacy HTTP+SSE transport. */
export interface SseTransportOptions {
  /** Path announced in the `endpoint` event, including any public base path. */
  messagesEndpoint: string;
  /** Creates a session whose messages go to `sink`, or refuses (limits). */
  createSession: (id: string, sink: MessageSink, client: string, view: SessionView) => McpSession | Refusal;
  /** Unsent bytes one stream may hold for a client that does not read. */
  maxStreamBufferBytes: number;
  /** Sessions every process serves (`--store redis://…`): a POST may reach any process, its answers the one holding the stream. */
  shared?: SharedSessions | undefined;
  logger: Logger;
}

/** The legacy transport's two routes and its open streams. */
export interface SseTransportHandler {
  /** Opens a stream; `credential` (a digest) is the only one its messages will be taken with. */
  /** `view`: what the stream's URL selects (a server route, tools), for the session it opens. */
  handleStream(res: ServerResponse, client: string, credential: string, view?: SessionView): Promise<void> | void;
  handleMessages(res: ServerResponse, sessionId: string | null, messages: JsonRpcMessage[], isBatch: boolean, credential: string, client: string, auth?: Readonly<Record<string, unknown>>): Promise<void> | void;
  /** Writes a keep-alive comment to every stream. */
  keepAlive(): void;
  /** Closes streams whose client has posted nothing for longer than `idleMs`; returns how many. */
  sweepIdle(idleMs: number): number;
  closeAll(): void;
  readonly size: number;
}

interface SseSession {
  session: McpSession;
  res: ServerResponse;
  credential: string;
  lastSeen: number;
}

/** A shared session whose stream another process holds: its answers go there through the store. */
interface SseCopy {
  session: McpSession;
  credential: string;
  lastSeen: number;
}

/**
 * The HTTP+SSE transport of protocol 2024-11-05: `GET` opens a stream whose first event names
 * the POST endpoint with the session id; each POST is answered 202 and every reply rides the
 * stream. Closing the stream ends the session and aborts its running calls, and so does a client
 * that stops reading while the server has more to send than the stream may buffer.
 */
export function createSseTransport(options: SseTransportOptions): SseTransportHandler {
  const sessions = new Map<string, SseSession>();
  const copies = new Map<string, SseCopy>();
  const { maxStreamBufferBytes: cap, logger, shared } = options;

  /** A copy of a shared session opened on another process, made from its record; undefined when there is none for `credential`. */
  async function loadCopy(res: ServerResponse, sessionId: string, credential: string, client: string): Promise<SseCopy | undefined> {
    let found: Awaited<ReturnType<SharedSessions['load']>>;
    try {
      found = await shared!.load(sessionId, credential, 'sse');
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      sendStoreUnavailable(res, error);
      return undefined;
    }
    const holder = found?.holder;
    if (!found || !holder) return undefined;
    const existing = copies.get(sessionId);
    if (existing) return existing;
    let made: McpSession | undefined = undefined;
    const toHolder: MessageSink = (_message, _relatedId, json) =>
      shared!.deliverTo(holder, sessionId, json).then(
        (taken) => {
          if (taken) return;
          // The process holding the stream stopped: the session cannot answer any more.
          logger.info('ended a session whose stream was held by a process that stopped', { sessionId });
          void shared!.end(sessionId).catch(() => undefined);
          made?.close();
        },
        (error: Error) => logger.warn('session store: could not send an answer to the process holding the stream', { sessionId, error: error.message }),
      );
    const session = options.createSession(sessionId, shared!.gate(() => made, 'sse', toHolder), client, viewOfRecord(found.record));
    if (!('receive' in session)) {
      sendRpcError(res, session.status, RpcCode.serverError, session.message, session.headers);
      return undefined;
    }
    made = session;
    session.bindPrincipal(credential);
    shared!.adopt(session, found.record);
    const copy: SseCopy = { session, credential, lastSeen: Date.now() };
    copies.set(sessionId, copy);
    session.onclose = chain(session.onclose, () => void (copies.get(sessionId) === copy && copies.delete(sessionId)));
    return copy;
  }

  return {
    async handleStream(res, client, credential, view = {}) {
      const id = randomUUID();
      // Events written in one turn of the event loop leave in one write: under load many
      // answers share a syscall, and a lone answer waits only for the end of the turn.
      let corked = false;
      const sink: MessageSink = (_message, _relatedId, json) => {
        if (!corked && !res.writableEnded) {
          corked = true;
          res.cork();
          setImmediate(() => {
            corked = false;
            res.uncork();
          });
        }
        const outcome = writeBounded(res, formatEvent(json), cap);
        if (outcome === 'congested') return whenDrained(res);
        if (outcome !== 'overflow') return undefined;
        logger.warn('closed a stream whose client does not read', { sessionId: id, client, bufferedBytes: res.writableLength, limit: cap });
        res.destroy(); // the close below ends the session and aborts what it runs
        return undefined;
      };
      let made: McpSession | undefined = undefined;
      const session = options.createSession(id, shared ? shared.gate(() => made, 'sse', sink) : sink, client, view);
      if (!('receive' in session)) {
        sendRpcError(res, session.status, RpcCode.serverError, session.message, session.headers);
        return;
      }
      made = session;
      session.bindPrincipal(credential);
      if (shared) {
        // In the store before the client learns the id: its first POST may reach any process.
        shared.adopt(session);
        const held = { session, deliver: (json: string) => void sink({ jsonrpc: '2.0' }, undefined, json), release: () => undefined };
        try {
          await shared.save(id, recordOf(session, 'sse'), true);
          await shared.hold(id, held);
        } catch (error) {
          session.close();
          sendStoreUnavailable(res, error);
          return;
        }
        const ended = (): void => {
          shared.release(id, held);
          // The stream was the session: it ends on every process.
          void shared.end(id).catch(() => undefined);
        };
        // A client that went away while the store was asked gets no session.
        if (res.destroyed) {
          ended();
          session.close();
          return;
        }
        res.once('close', ended);
      }
      sessions.set(id, { session, res, credential, lastSeen: Date.now() });
      openEventStream(res);
      res.write(formatEvent(`${options.messagesEndpoint}?sessionId=${id}`, 'endpoint'));
      // A session closed by the server (handshake timeout, shutdown) ends its stream.
      session.onclose = chain(session.onclose, () => res.end());
      res.once('close', () => {
        sessions.delete(id);
        session.close();
        logger.debug('sse session closed', { sessionId: id, client });
      });
      logger.debug('sse session opened', { sessionId: id, client });
    },

    async handleMessages(res, sessionId, messages, isBatch, credential, client, auth) {
      if (!sessionId) {
        sendRpcError(res, 400, RpcCode.invalidRequest, 'Missing sessionId query parameter: open GET /sse first and POST to the endpoint it names');
        return;
      }
      let entry: SseSession | SseCopy | undefined = sessions.get(sessionId) ?? copies.get(sessionId);
      if (shared) {
        if (!entry) entry = await loadCopy(res, sessionId, credential, client);
        else if (entry.credential === credential && !(await shared.isOpen(sessionId))) {
          entry.session.close();
          entry = undefined;
        }
        if (res.headersSent) return;
      }
      // A session opened with another credential does not exist for this one.
      if (!entry || entry.credential !== credential) {
        sendRpcError(res, 404, RpcCode.serverError, `Unknown or closed session "${sessionId.slice(0, 100)}": open a new stream with GET /sse`);
        return;
      }
      const { session } = entry;
      if (isBatch && !supportsBatches(session.protocolVersion)) {
        sendRpcError(res, 400, RpcCode.invalidRequest, `Invalid Request: JSON-RPC batches are not part of protocol version ${session.protocolVersion}; send one message per request`);
        return;
      }
      const seen = new Set<string | number>();
      for (const { method, id } of messages) {
        if (method === undefined || id === undefined) continue;
        if (seen.has(id) || session.isInflight(id)) {
          sendRpcError(res, 400, RpcCode.invalidRequest, `Invalid Request: id ${JSON.stringify(id)} is already in use by a request in flight; use a new id`, {}, isBatch ? null : id);
          return;
        }
        seen.add(id);
      }
      entry.lastSeen = Date.now();
      res.writeHead(202, { 'Content-Type': 'text/plain', 'Content-Length': 8 }).end('Accepted');
      session.auth = auth;
      for (const message of messages) if (!shared?.intercept(session, message)) session.receive(message);
    },

    keepAlive() {
      // A stream that still holds unsent bytes needs no keep-alive.
      for (const { res } of sessions.values()) if (res.writableLength === 0) res.write(KEEP_ALIVE);
    },

    sweepIdle(idleMs) {
      const cutoff = Date.now() - idleMs;
      let closed = 0;
      for (const copy of copies.values()) if (copy.lastSeen < cutoff && copy.session.inflightCount === 0) copy.session.close();
      for (const [id, entry] of sessions) {
        if (entry.lastSeen >= cutoff || entry.session.inflightCount > 0) continue;
        // Its client may post to other processes: the session is idle once its record has expired.
        if (shared) {
          void shared.exists(id).then((open) => open || entry.res.end());
          continue;
        }
        closed++;
        entry.res.end();
      }
      return closed;
    },


    closeAll() {
      for (const { session } of copies.values()) session.close();
      for (const { res } of sessions.values()) res.end();
    },

    get size() {
      return sessions.size;
    },
  };
}
