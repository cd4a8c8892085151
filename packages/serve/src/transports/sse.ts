import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

import { type JsonRpcMessage, RpcCode } from '@mcp-cli/core';

import { sendRpcError } from '../http/http-errors.ts';
import type { Refusal } from '../http/request-guard.ts';
import type { Logger } from '../logger.ts';
import type { MessageSink } from '../server/json-rpc.ts';
import type { McpSession } from '../server/mcp-session.ts';
import { KEEP_ALIVE, openEventStream, writeEvent } from './sse-stream.ts';

/** Options of the legacy HTTP+SSE transport. */
export interface SseTransportOptions {
  /** Path announced in the `endpoint` event, including any public base path. */
  messagesEndpoint: string;
  /** Creates a session whose messages go to `sink`, or refuses (limits). */
  createSession: (id: string, sink: MessageSink, client: string) => McpSession | Refusal;
  logger: Logger;
}

/** The legacy transport's two routes and its open streams. */
export interface SseTransportHandler {
  handleStream(res: ServerResponse, client: string): void;
  handleMessages(res: ServerResponse, sessionId: string | null, messages: unknown[]): void;
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
  lastSeen: number;
}

/**
 * The HTTP+SSE transport of protocol 2024-11-05: `GET` opens a stream whose first event names
 * the POST endpoint with the session id; each POST is answered 202 and every reply rides the
 * stream. Closing the stream ends the session and aborts its running calls.
 */
export function createSseTransport(options: SseTransportOptions): SseTransportHandler {
  const sessions = new Map<string, SseSession>();

  return {
    handleStream(res, client) {
      const id = randomUUID();
      // Events written in one turn of the event loop leave in one write: under load many
      // answers share a syscall, and a lone answer waits only for the end of the turn.
      let corked = false;
      const sink: MessageSink = (message) => {
        if (res.writableEnded) return;
        if (!corked) {
          corked = true;
          res.cork();
          setImmediate(() => {
            corked = false;
            res.uncork();
          });
        }
        writeEvent(res, JSON.stringify(message));
      };
      const session = options.createSession(id, sink, client);
      if (!('receive' in session)) {
        sendRpcError(res, session.status, RpcCode.serverError, session.message, session.headers);
        return;
      }
      sessions.set(id, { session, res, lastSeen: Date.now() });
      openEventStream(res);
      writeEvent(res, `${options.messagesEndpoint}?sessionId=${id}`, 'endpoint');
      res.once('close', () => {
        sessions.delete(id);
        session.close();
        options.logger.debug('sse session closed', { sessionId: id, client });
      });
      options.logger.debug('sse session opened', { sessionId: id, client });
    },

    handleMessages(res, sessionId, messages) {
      if (!sessionId) {
        sendRpcError(res, 400, RpcCode.invalidRequest, 'Missing sessionId query parameter: open GET /sse first and POST to the endpoint it names');
        return;
      }
      const entry = sessions.get(sessionId);
      if (!entry) {
        sendRpcError(res, 404, RpcCode.serverError, `Unknown or closed session "${sessionId}": open a new stream with GET /sse`);
        return;
      }
      entry.lastSeen = Date.now();
      res.writeHead(202, { 'Content-Type': 'text/plain', 'Content-Length': 8 }).end('Accepted');
      for (const message of messages) entry.session.receive(message as JsonRpcMessage);
    },

    keepAlive() {
      for (const { res } of sessions.values()) res.write(KEEP_ALIVE);
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
