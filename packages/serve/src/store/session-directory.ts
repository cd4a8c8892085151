import type { JsonRpcMessage, LogLevel } from '@mcp-cli/core';

/** What every process needs to serve a session it did not open: the state `initialize` set. */
export interface SharedSessionRecord {
  /** `http`: Streamable HTTP (2025); `sse`: the legacy transport, whose stream one process holds. */
  kind: 'http' | 'sse';
  /** Digest of the credential that opened it: no other credential may use it, on any process. */
  owner: string;
  protocolVersion: string;
  clientCapabilities: Record<string, unknown>;
  clientInfo?: Record<string, unknown> | undefined;
  logLevel: LogLevel | undefined;
  /** The tools the client selected in its URL, when it did. */
  tools?: string[] | undefined;
  /** The gateway server the session serves alone (`/mcp/<server>`), when it does. */
  route?: string | undefined;
}

/** A message between the processes serving sessions, over Redis pub/sub. */
export type SessionNotice =
  /** To the holder of a session's stream: write this message on it (`eventId`: its id in the session's event log). */
  | { type: 'deliver'; sessionId: string; json: string; eventId?: string }
  /** To the process that asked: the client's answer to its request. */
  | { type: 'answer'; sessionId: string; message: JsonRpcMessage }
  /** To the process that held a stream another process took over: end it. */
  | { type: 'release'; sessionId: string }
  /** To all: the client cancelled a request that runs elsewhere. */
  | { type: 'cancel'; sessionId: string; owner: string; requestId: string | number; reason: string }
  /** To all: the session's version, capabilities or log level changed. */
  | { type: 'refresh'; sessionId: string; record: SharedSessionRecord }
  /** To the holder of the session's stream: watch this resource for it. */
  | { type: 'subscribe'; sessionId: string; uri: string }
  /** To all: the client dropped a resource subscription, which another process may hold. */
  | { type: 'unsubscribe'; sessionId: string; uri: string }
  /** To all: the session ended (DELETE, or its stream closed). */
  | { type: 'end'; sessionId: string };

/** Bounds of what a session's event log keeps for clients that resume. */
export interface EventLogBounds {
  maxEvents: number;
  maxBytes: number;
}

/**
 * Sessions kept where every process serving the endpoint reaches them (Redis): their records, the
 * event log of their server streams (for `Last-Event-ID`), which process holds each stream, and
 * the notices between processes. Every record lives for `ttlMs` after it was last touched.
 */
export interface SessionDirectory {
  /** This process, as the notices sent to it name it (and the ids of the requests it sends clients start). */
  readonly processTag: string;
  /** Writes a session's record (and, for a legacy stream opened here, makes this process its holder). */
  save(sessionId: string, record: SharedSessionRecord, ttlMs: number, holdHere?: boolean): Promise<void>;
  get(sessionId: string): Promise<{ record: SharedSessionRecord; holder: string | undefined } | undefined>;
  /** Extends the session's life; false when it has ended or expired. */
  touch(sessionId: string, ttlMs: number): Promise<boolean>;
  /** Ends the session on every process: its record and events are deleted. */
  end(sessionId: string): Promise<void>;
  /** Makes this process the holder of the session's stream; returns the one it replaces, null when the session is gone. */
  hold(sessionId: string): Promise<string | undefined | null>;
  /** Gives up holding the stream, unless another process holds it now. */
  release(sessionId: string): Promise<void>;
  /**
   * Logs an event of the session's server stream and sends it to the holder when that is another
   * process; returns its id (empty for an event larger than the whole log, which is not kept) and
   * whether this process holds the stream (then the caller writes it); undefined once the session is gone.
   */
  appendEvent(sessionId: string, json: string, bounds: EventLogBounds, ttlMs: number): Promise<{ eventId: string; heldHere: boolean } | undefined>;
  /** Adds a resource subscription of the session; returns the holder of its stream (null when the session is gone). */
  addSubscription(sessionId: string, uri: string): Promise<string | undefined | null>;
  removeSubscription(sessionId: string, uri: string): Promise<void>;
  subscriptionsOf(sessionId: string): Promise<string[]>;
  /** Sends each message to every live session's server stream (logged like {@link appendEvent}); returns how many sessions. */
  announce(jsons: string[], bounds: EventLogBounds, ttlMs: number): Promise<number>;
  /** The logged events after `eventId`, oldest first. */
  eventsAfter(sessionId: string, eventId: string): Promise<{ eventId: string; json: string }[]>;
  /** Sends a notice to one process; resolves to false when no process took it (it has stopped). */
  send(processTag: string, notice: SessionNotice): Promise<boolean>;
  /** Sends a notice to every process, this one included. */
  broadcast(notice: SessionNotice): Promise<void>;
  onNotice(handler: (notice: SessionNotice) => void): void;
}
