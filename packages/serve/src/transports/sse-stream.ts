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

/** The text of one event; `id` lets the client resume after it. */
export function formatEvent(data: string, event = 'message', id?: string): string {
  return id === undefined ? `event: ${event}\ndata: ${data}\n\n` : `event: ${event}\nid: ${id}\ndata: ${data}\n\n`;
}

/** The keep-alive comment written to idle streams. */
export const KEEP_ALIVE = ': keep-alive\n\n';

/** What became of a write to a bounded stream. */
export type WriteOutcome = 'sent' | 'congested' | 'overflow' | 'closed';

/**
 * Writes to a response whose unsent bytes are capped: a client that does not read must not make
 * the server buffer without bound. `overflow` means the caller should close the stream. One
 * message always fits into an empty buffer, so a large result still reaches a slow reader.
 */
export function writeBounded(res: ServerResponse, chunk: string, maxBufferedBytes: number): WriteOutcome {
  if (res.writableEnded || res.destroyed) return 'closed';
  const before = res.writableLength;
  if (before > 0 && before + chunk.length > maxBufferedBytes) return 'overflow';
  return res.write(chunk) ? 'sent' : 'congested';
}

/** Settles when a congested response can take more, or has closed. */
export function whenDrained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
