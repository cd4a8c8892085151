import type { JsonRpcMessage } from '@mcp-cli/core';

interface LoggedEvent {
  id: string;
  streamId: string;
  message: JsonRpcMessage;
}

/**
 * The last `capacity` events of one session, so a client whose stream dropped can resume with
 * `Last-Event-ID`. Event ids are `<streamId>_<sequence>`: the stream of an id needs no lookup.
 */
export class EventLog {
  readonly #events: LoggedEvent[] = [];
  readonly #capacity: number;
  #sequence = 0;

  constructor(capacity = 64) {
    this.#capacity = capacity;
  }

  /** Records an event and returns its id. */
  append(streamId: string, message: JsonRpcMessage): string {
    const id = `${streamId}_${++this.#sequence}`;
    this.#events.push({ id, streamId, message });
    if (this.#events.length > this.#capacity) this.#events.shift();
    return id;
  }

  /** The stream an event id belongs to. */
  static streamOf(eventId: string): string {
    const cut = eventId.lastIndexOf('_');
    return cut > 0 ? eventId.slice(0, cut) : eventId;
  }

  /** The events of the same stream after `eventId`, oldest first. */
  after(eventId: string): LoggedEvent[] {
    const streamId = EventLog.streamOf(eventId);
    const start = this.#events.findIndex((e) => e.id === eventId);
    return this.#events.slice(start + 1).filter((e) => e.streamId === streamId);
  }
}
