import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * Keeps the last `capacity` events of one session so a client whose stream dropped can resume
 * with `Last-Event-ID`. Bounded, so a session that never resumes costs a fixed amount of memory.
 * Event ids are `<streamId>_<sequence>`, so the stream of an id is known without a lookup.
 */
export class BoundedEventStore implements EventStore {
  readonly #events: { id: string; streamId: string; message: JSONRPCMessage }[] = [];
  #sequence = 0;

  readonly #capacity: number;

  constructor(capacity = 64) {
    this.#capacity = capacity;
  }

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const id = `${streamId}_${++this.#sequence}`;
    this.#events.push({ id, streamId, message });
    if (this.#events.length > this.#capacity) this.#events.shift();
    return id;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    const cut = eventId.lastIndexOf('_');
    return cut > 0 ? eventId.slice(0, cut) : undefined;
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const streamId = (await this.getStreamIdForEventId(lastEventId)) ?? '';
    const start = this.#events.findIndex((e) => e.id === lastEventId);
    if (start === -1) return streamId;
    for (const event of this.#events.slice(start + 1)) {
      if (event.streamId === streamId) await send(event.id, event.message);
    }
    return streamId;
  }
}
