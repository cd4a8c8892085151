import type { Server } from 'node:http';
import type { Socket } from 'node:net';

import type { Logger } from '../logger.ts';

/** Caps of open TCP connections. */
export interface ConnectionCaps {
  maxConnections: number;
  maxConnectionsPerClient: number;
}

/**
 * Caps open connections in total and per client address, so clients that hold connections open
 * (slow bodies, idle keep-alives, unread streams) cannot lock everyone else out. A connection
 * over a cap is answered 503 with `Retry-After` and closed before any request is read.
 */
export function limitConnections(server: Server, caps: ConnectionCaps, logger: Logger): void {
  const perClient = new Map<string, number>();
  let total = 0;
  let warned = false;
  server.on('connection', (socket: Socket) => {
    const client = socket.remoteAddress ?? 'unknown';
    const held = perClient.get(client) ?? 0;
    if (total >= caps.maxConnections || held >= caps.maxConnectionsPerClient) {
      const which = total >= caps.maxConnections ? `the server's ${caps.maxConnections} (limits.maxConnections)` : `${caps.maxConnectionsPerClient} per client (limits.maxConnectionsPerClient)`;
      if (!warned) {
        warned = true; // once until the load falls, so a flood does not flood the log too
        logger.warn('refusing connections over the cap', { client, limit: which });
      }
      refuse(socket, `Too many open connections: ${which}; retry later`);
      return;
    }
    total++;
    perClient.set(client, held + 1);
    socket.once('close', () => {
      total--;
      const left = (perClient.get(client) ?? 1) - 1;
      if (left === 0) perClient.delete(client);
      else perClient.set(client, left);
      if (total < caps.maxConnections / 2) warned = false;
    });
  });
}

function refuse(socket: Socket, message: string): void {
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
  socket.on('error', () => undefined);
  socket.end(
    `HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  // A client that never reads must not keep even this socket.
  setTimeout(() => socket.destroy(), 1000).unref();
}
