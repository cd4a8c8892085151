import { ConnectionError } from '@mcp-cli/core';

/** One server-sent event. */
export interface SseEvent {
  event: string;
  data: string;
  id: string | undefined;
  retry: number | undefined;
}

/** Characters one event (and so one line) may hold when no limit is given. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * An incremental parser of `text/event-stream` (WHATWG rules: `event`, `data`, `id`, `retry`
 * fields, comments ignored, CRLF/LF/CR line ends). Feed it chunks; it calls `onEvent` per event.
 * Each chunk is scanned once, so a line that never ends costs linear time, and a line or an event
 * larger than `maxBytes` throws a ConnectionError instead of growing without bound.
 */
export class SseParser {
  /** Pieces of the line still waiting for its end. */
  #partial: string[] = [];
  #partialLength = 0;
  /** The previous chunk ended with CR: a LF that starts the next one belongs to it. */
  #skipLf = false;
  #event = '';
  #data: string[] = [];
  #dataLength = 0;
  #id: string | undefined;
  #retry: number | undefined;
  readonly #onEvent: (event: SseEvent) => void;
  readonly #maxBytes: number;

  constructor(onEvent: (event: SseEvent) => void, maxBytes = DEFAULT_MAX_MESSAGE_BYTES) {
    this.#onEvent = onEvent;
    this.#maxBytes = maxBytes;
  }

  /** @throws ConnectionError when a line or an event exceeds the limit. */
  push(chunk: string): void {
    let start = 0;
    if (this.#skipLf && chunk.startsWith('\n')) start = 1;
    this.#skipLf = false;
    let nextLf = chunk.indexOf('\n', start);
    let nextCr = chunk.indexOf('\r', start);
    while (nextLf !== -1 || nextCr !== -1) {
      const end = nextCr !== -1 && (nextLf === -1 || nextCr < nextLf) ? nextCr : nextLf;
      let next = end + 1;
      if (end === nextCr) {
        if (next === chunk.length) this.#skipLf = true;
        else if (chunk[next] === '\n') next++;
      }
      let line = chunk.slice(start, end);
      if (this.#partialLength > 0) {
        line = this.#partial.join('') + line;
        this.#partial = [];
        this.#partialLength = 0;
      }
      this.#checkSize(line.length);
      this.#line(line);
      start = next;
      // Each search moves forward only: the chunk is scanned once in all.
      if (nextLf !== -1 && nextLf < start) nextLf = chunk.indexOf('\n', start);
      if (nextCr !== -1 && nextCr < start) nextCr = chunk.indexOf('\r', start);
    }
    if (start < chunk.length) {
      this.#partialLength += chunk.length - start;
      this.#checkSize(this.#partialLength);
      this.#partial.push(chunk.slice(start));
    }
  }

  #checkSize(length: number): void {
    if (length + this.#dataLength > this.#maxBytes) {
      throw new ConnectionError(`The server sent an event larger than ${this.#maxBytes} bytes (raise it with --max-message-bytes)`, 'E_MESSAGE_TOO_LARGE');
    }
  }

  #line(line: string): void {
    if (line === '') {
      if (this.#data.length > 0 || this.#id !== undefined || this.#retry !== undefined) {
        this.#onEvent({ event: this.#event || 'message', data: this.#data.join('\n'), id: this.#id, retry: this.#retry });
      }
      this.#event = '';
      this.#data = [];
      this.#dataLength = 0;
      this.#retry = undefined;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#event = value;
        break;
      case 'data':
        this.#data.push(value);
        this.#dataLength += value.length + 1;
        break;
      case 'id':
        if (!value.includes('\0')) this.#id = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.#retry = Number(value);
        break;
    }
  }
}
