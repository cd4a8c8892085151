import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

import type { Logger } from '../logger.ts';

/** Caps of open TCP connections. */
export interface ConnectionCaps {
  maxConnections: number;
  /** Infinity unless the operator sets one: many honest clients share one address (a proxy, a NAT). */
  maxConnectionsPerClient: number;
}

/** What is known of an open connection: requests in flight on it, and when it last did something. */
interface Held {
  client: string;
  busy: number;
  lastActive: number;
}

/**
 * Caps open connections in total (and per client address when configured), defending by
 * behaviour: at the cap, the connection idle the longest (a keep-alive socket with no request in
 * flight) is closed to make room, so a well-behaved client is not refused while others merely
 * hold sockets open. Only when every connection is busy is a new one answered 503 with
 * `Retry-After` and closed before any request is read.
 */
export function limitConnections(server: Server, caps: ConnectionCaps, logger: Logger): void {
  const perClient = new Map<string, number>();
  const held = new Map<Socket, Held>();
  let warned = false;
  let shed = 0;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const entry = held.get(req.socket);
    if (!entry) return;
    entry.busy++;
    res.once('close', () => {
      entry.busy--;
      entry.lastActive = Date.now();
    });
  });
  server.on('connection', (socket: Socket) => {
    const client = socket.remoteAddress ?? 'unknown';
    const mine = perClient.get(client) ?? 0;
    const full = held.size >= caps.maxConnections && !closeIdlest(held);
    if (full || mine >= caps.maxConnectionsPerClient) {
      const which = full ? `the server's ${caps.maxConnections} (limits.maxConnections), every one busy` : `${caps.maxConnectionsPerClient} per client (limits.maxConnectionsPerClient)`;
      if (!warned) {
        warned = true; // once until the load falls, so a flood does not flood the log too
        logger.warn('refusing connections over the cap', { client, limit: which });
      }
      refuse(socket, `Too many open connections: ${which}; retry later`);
      return;
    }
    if (held.size >= caps.maxConnections - 1 && ++shed % 1000 === 1) logger.info('at the connection cap: closing the idlest connections to make room', { limit: caps.maxConnections });
    held.set(socket, { client, busy: 0, lastActive: Date.now() });
    perClient.set(client, mine + 1);
    socket.once('close', () => {
      held.delete(socket);
      const left = (perClient.get(client) ?? 1) - 1;
      if (left === 0) perClient.delete(client);
      else perClient.set(client, left);
      if (held.size < caps.maxConnections / 2) warned = false;
    });
  });
}

/** Closes the connection with no request in flight that has been idle the longest; false when none is idle. */
function closeIdlest(held: Map<Socket, Held>): boolean {
  let idlest: Socket | undefined;
  let since = Infinity;
  for (const [socket, entry] of held) {
    if (entry.busy === 0 && entry.lastActive < since) {
      idlest = socket;
      since = entry.lastActive;
    }
  }
  if (!idlest) return false;
  held.delete(idlest); // counted as gone now: its close event comes later
  idlest.destroy();
  return true;
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
