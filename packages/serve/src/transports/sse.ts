import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

import { type JsonRpcMessage, RpcCode, supportsBatches } from '@mcp-cli/core';

import { sendRpcError } from '../http/http-errors.ts';
import type { Refusal } from '../http/request-guard.ts';
import type { Logger } from '../logger.ts';
import type { MessageSink } from '../server/json-rpc.ts';
import type { McpSession } from '../server/mcp-session.ts';
import { chain } from './chain.ts';
import { formatEvent, KEEP_ALIVE, openEventStream, whenDrained, writeBounded } from './sse-stream.ts';

/** Options of the legacy HTTP+SSE transport. */
export interface SseTransportOptions {
  /** Path announced in the `endpoint` event, including any public base path. */
  messagesEndpoint: string;
  /** Creates a session whose messages go to `sink`, or refuses (limits). */
  createSession: (id: string, sink: MessageSink, client: string) => McpSession | Refusal;
  /** Unsent bytes one stream may hold for a client that does not read. */
  maxStreamBufferBytes: number;
  logger: Logger;
}

/** The legacy transport's two routes and its open streams. */
export interface SseTransportHandler {
  /** Opens a stream; `credential` (a digest) is the only one its messages will be taken with. */
  handleStream(res: ServerResponse, client: string, credential: string): void;
  handleMessages(res: ServerResponse, sessionId: string | null, messages: JsonRpcMessage[], isBatch: boolean, credential: string, auth?: Readonly<Record<string, unknown>>): void;
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

/**
 * The HTTP+SSE transport of protocol 2024-11-05: `GET` opens a stream whose first event names
 * the POST endpoint with the session id; each POST is answered 202 and every reply rides the
 * stream. Closing the stream ends the session and aborts its running calls, and so does a client
 * that stops reading while the server has more to send than the stream may buffer.
 */
export function createSseTransport(options: SseTransportOptions): SseTransportHandler {
  const sessions = new Map<string, SseSession>();
  const { maxStreamBufferBytes: cap, logger } = options;

  return {
    handleStream(res, client, credential) {
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
      const session = options.createSession(id, sink, client);
      if (!('receive' in session)) {
        sendRpcError(res, session.status, RpcCode.serverError, session.message, session.headers);
        return;
      }
      session.bindPrincipal(credential);
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

    handleMessages(res, sessionId, messages, isBatch, credential, auth) {
      if (!sessionId) {
        sendRpcError(res, 400, RpcCode.invalidRequest, 'Missing sessionId query parameter: open GET /sse first and POST to the endpoint it names');
        return;
      }
      const entry = sessions.get(sessionId);
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
      for (const message of messages) session.receive(message);
    },

    keepAlive() {
      // A stream that still holds unsent bytes needs no keep-alive.
      for (const { res } of sessions.values()) if (res.writableLength === 0) res.write(KEEP_ALIVE);
    },

    sweepIdle(idleMs) {
      const cutoff = Date.now() - idleMs;
      let closed = 0;
      for (const entry of sessions.values()) {
        if (entry.lastSeen >= cutoff || entry.session.inflightCount > 0) continue;
        closed++;
        entry.res.end();
      }
      return closed;
    },

    closeAll() {
      for (const { res } of sessions.values()) res.end();
    },

    get size() {
      return sessions.size;
    },
  };
}
