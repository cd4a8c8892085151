import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

import { RpcCode, sendRpcError } from '../http/http-errors.ts';
import type { SessionLimiter } from '../http/session-limiter.ts';
import type { Logger } from '../logger.ts';
import { BoundedEventStore } from './bounded-event-store.ts';

/** Options of the Streamable HTTP transport. */
export interface StreamableHttpOptions {
  /** No sessions: every POST gets a fresh server, so any process can answer it. */
  stateless: boolean;
  /** Interval of keep-alive comments on open SSE streams. */
  keepAliveMs: number;
  createServer: () => Server;
  limiter: SessionLimiter;
  logger: Logger;
}

/** The Streamable HTTP endpoint and its open sessions. */
export interface StreamableHttpHandler {
  /** `body` is the parsed POST body (undefined for GET and DELETE). */
  handle(req: IncomingMessage, res: ServerResponse, body: unknown, isInitialize: boolean): Promise<void>;
  /** True when the request names a session that exists (or needs none). */
  hasSession(sessionId: string): boolean;
  closeAll(): Promise<void>;
  /** Closes sessions with nothing open and no request for longer than `idleMs`; returns how many. */
  sweepIdle(idleMs: number): number;
  readonly size: number;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  lastSeen: number;
  /** Requests and streams still open: a session with any is never idle. */
  open: number;
}

/**
 * The Streamable HTTP transport (protocol 2025-03-26 and later) on one path: POST (answered as
 * JSON or an SSE stream), GET for the server's own stream, DELETE to end a session. An
 * `initialize` without a session id creates a session; any other request must name one.
 */
export function createStreamableHttpTransport(options: StreamableHttpOptions): StreamableHttpHandler {
  const sessions = new Map<string, Session>();

  async function startSession(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const release = options.limiter.acquire(req.socket.remoteAddress ?? 'unknown');
    if (typeof release !== 'function') {
      sendRpcError(res, release.status, RpcCode.serverError, release.message, release.headers);
      return;
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: options.stateless ? undefined : randomUUID,
      eventStore: options.stateless ? undefined : new BoundedEventStore(),
      keepAliveMs: options.keepAliveMs,
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, lastSeen: Date.now(), open: 0 });
        options.logger.debug('http session opened', { sessionId: id });
      },
    });
    transport.onclose = () => {
      release();
      if (transport.sessionId) sessions.delete(transport.sessionId);
      options.logger.debug('http session closed', { sessionId: transport.sessionId });
    };
    const server = options.createServer();
    await server.connect(transport);
    // A stateless server lives for one request; a session whose initialize failed never gets an id.
    res.on('close', () => {
      if (options.stateless || !transport.sessionId) void server.close().catch(() => undefined);
    });
    await transport.handleRequest(req, res, body);
  }

  return {
    async handle(req, res, body, isInitialize) {
      const header = req.headers['mcp-session-id'];
      const sessionId = Array.isArray(header) ? header[0] : header;
      if (options.stateless) {
        if (req.method !== 'POST') {
          sendRpcError(res, 405, RpcCode.serverError, 'Method not allowed: this server is stateless, use POST', {
            Allow: 'POST',
          });
          return;
        }
        await startSession(req, res, body);
        return;
      }
      if (!sessionId) {
        if (req.method === 'POST' && isInitialize) {
          await startSession(req, res, body);
          return;
        }
        sendRpcError(res, 400, RpcCode.serverError, 'Bad Request: no Mcp-Session-Id header; send initialize first to get a session');
        return;
      }
      const session = sessions.get(sessionId);
      if (!session) {
        sendRpcError(res, 404, RpcCode.serverError, `Session "${sessionId}" not found or ended: initialize a new session`);
        return;
      }
      session.lastSeen = Date.now();
      session.open++;
      res.once('close', () => {
        session.open--;
        session.lastSeen = Date.now();
      });
      await session.transport.handleRequest(req, res, body);
    },

    hasSession(sessionId) {
      return sessions.has(sessionId);
    },

    async closeAll() {
      await Promise.all([...sessions.values()].map((s) => s.transport.close().catch(() => undefined)));
    },

    sweepIdle(idleMs) {
      const cutoff = Date.now() - idleMs;
      let closed = 0;
      for (const session of sessions.values()) {
        if (session.open > 0 || session.lastSeen >= cutoff) continue;
        closed++;
        void session.transport.close().catch(() => undefined);
      }
      return closed;
    },

    get size() {
      return sessions.size;
    },
  };
}
