import type { ServerResponse } from 'node:http';

/** Headers of every event stream: no caching or transforming, no proxy buffering. */
export const EVENT_STREAM_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
} as const;

/** Starts an event stream and sends its headers at once. */
export function openEventStream(res: ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(200, { ...EVENT_STREAM_HEADERS, ...headers });
  res.flushHeaders();
  res.socket?.setNoDelay(true);
}

/** Writes one event; `id` lets the client resume after it. */
export function writeEvent(res: ServerResponse, data: string, event = 'message', id?: string): void {
  res.write(id === undefined ? `event: ${event}\ndata: ${data}\n\n` : `event: ${event}\nid: ${id}\ndata: ${data}\n\n`);
}

/** The keep-alive comment written to idle streams. */
export const KEEP_ALIVE = ': keep-alive\n\n';
