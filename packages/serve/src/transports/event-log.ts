interface LoggedEvent {
  id: string;
  streamId: string;
  json: string;
}

/**
 * The last events of one session, so a client whose stream dropped can resume with
 * `Last-Event-ID`. Bounded by count and by bytes: a client that never resumes costs no more.
 * Event ids are `<streamId>_<sequence>`: the stream of an id needs no lookup.
 */
export class EventLog {
  readonly #events: LoggedEvent[] = [];
  readonly #capacity: number;
  readonly #maxBytes: number;
  #bytes = 0;
  #sequence = 0;

  constructor(maxBytes: number, capacity = 64) {
    this.#maxBytes = maxBytes;
    this.#capacity = capacity;
  }

  /** Records an event and returns its id (an event larger than the whole log is not kept). */
  append(streamId: string, json: string): string {
    const id = `${streamId}_${++this.#sequence}`;
    if (json.length > this.#maxBytes) return id;
    this.#events.push({ id, streamId, json });
    this.#bytes += json.length;
    while (this.#events.length > this.#capacity || this.#bytes > this.#maxBytes) this.#bytes -= this.#events.shift()!.json.length;
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
