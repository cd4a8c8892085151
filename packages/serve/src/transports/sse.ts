import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

import { RpcCode, sendRpcError } from '../http/http-errors.ts';
import type { SessionLimiter } from '../http/session-limiter.ts';
import type { Logger } from '../logger.ts';

/** Options of the legacy HTTP+SSE transport. */
export interface SseTransportOptions {
  /** Path announced in the `endpoint` event, including any public base path. */
  messagesEndpoint: string;
  keepAliveMs: number;
  createServer: () => Server;
  limiter: SessionLimiter;
  logger: Logger;
}

/** The legacy transport's two routes and its open sessions. */
export interface SseTransportHandler {
  handleStream(res: ServerResponse, client: string): Promise<void>;
  handleMessages(res: ServerResponse, sessionId: string | null, messages: unknown[], req: IncomingMessage): void;
  closeAll(): Promise<void>;
  /** Closes streams whose client has posted nothing for longer than `idleMs`; returns how many. */
  sweepIdle(idleMs: number): number;
  readonly size: number;
}

/**
 * The HTTP+SSE transport of protocol 2024-11-05: `GET` opens a stream whose first event names
 * the POST endpoint with the session id; each POST is answered 202 and its reply rides the stream.
 * Streams carry keep-alive comments and headers that stop proxies from buffering.
 */
export function createSseTransport(options: SseTransportOptions): SseTransportHandler {
  const sessions = new Map<string, { transport: SSEServerTransport; lastSeen: number }>();

  return {
    async handleStream(res, client) {
      const release = options.limiter.acquire(client);
      if (typeof release !== 'function') {
        sendRpcError(res, release.status, RpcCode.serverError, release.message, release.headers);
        return;
      }
      disableProxyBuffering(res);
      const transport = new SSEServerTransport(options.messagesEndpoint, res);
      const sessionId = transport.sessionId;
      sessions.set(sessionId, { transport, lastSeen: Date.now() });
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), options.keepAliveMs);
      keepAlive.unref();
      res.socket?.setNoDelay(true);
      const server = options.createServer();
      transport.onclose = () => {
        clearInterval(keepAlive);
        sessions.delete(sessionId);
        release();
        options.logger.debug('sse session closed', { sessionId, client });
      };
      await server.connect(transport);
      options.logger.debug('sse session opened', { sessionId, client });
    },

    handleMessages(res, sessionId, messages, req) {
      if (!sessionId) {
        sendRpcError(res, 400, RpcCode.invalidRequest, 'Missing sessionId query parameter: open GET /sse first and POST to the endpoint it names');
        return;
      }
      const session = sessions.get(sessionId);
      if (!session) {
        sendRpcError(res, 404, RpcCode.serverError, `Unknown or closed session "${sessionId}": open a new stream with GET /sse`);
        return;
      }
      session.lastSeen = Date.now();
      const { transport } = session;
      res.writeHead(202, { 'Content-Type': 'text/plain' }).end('Accepted');
      const requestInfo = { headers: req.headers };
      for (const message of messages) {
        void transport.handleMessage(message as JSONRPCMessage, { requestInfo }).catch((error: unknown) => {
          options.logger.debug('sse message rejected', { sessionId, error: String(error) });
        });
      }
    },

    async closeAll() {
      await Promise.all([...sessions.values()].map((s) => s.transport.close().catch(() => undefined)));
    },

    sweepIdle(idleMs) {
      const cutoff = Date.now() - idleMs;
      let closed = 0;
      for (const session of sessions.values()) {
        if (session.lastSeen >= cutoff) continue;
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

function disableProxyBuffering(res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (status: number, headers?: Record<string, string>) => ServerResponse;
  res.writeHead = ((status: number, headers?: Record<string, string>) =>
    writeHead(status, { ...headers, 'X-Accel-Buffering': 'no' })) as typeof res.writeHead;
}
