import type { ServerResponse } from 'node:http';

import { copyWith } from '@mcp-cli/core';

/** Headers of every event stream: no caching or transforming, no proxy buffering. */
export const EVENT_STREAM_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
} as const;

/** Starts an event stream and sends its headers at once. */
export function openEventStream(res: ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(200, copyWith(EVENT_STREAM_HEADERS, headers));
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
 * the server buffer without bound. While the unsent bytes are within the cap, any message is
 * taken (so one large result still reaches a reader); once a client is more than the cap behind,
 * `overflow` tells the caller to close the stream. Memory per stream: the cap plus one message.
 */
export function writeBounded(res: ServerResponse, chunk: string, maxBufferedBytes: number): WriteOutcome {
  if (res.writableEnded || res.destroyed) return 'closed';
  if (res.writableLength > maxBufferedBytes) return 'overflow';
  return res.write(chunk) ? 'sent' : 'congested';
}

const draining = new WeakMap<ServerResponse, Promise<void>>();

/** Settles when a congested response can take more, or has closed; one wait per response. */
export function whenDrained(res: ServerResponse): Promise<void> {
  let wait = draining.get(res);
  if (!wait) {
    wait = new Promise((resolve) => {
      const done = (): void => {
        res.off('drain', done);
        res.off('close', done);
        draining.delete(res);
        resolve();
      };
      res.once('drain', done);
      res.once('close', done);
    });
    draining.set(res, wait);
  }
  return wait;
}
