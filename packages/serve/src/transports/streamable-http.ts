import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { type JsonRpcMessage, RpcCode, SUPPORTED_PROTOCOL_VERSIONS } from '@mcp-cli/core';

import { sendRpcError } from '../http/http-errors.ts';
import type { Refusal } from '../http/request-guard.ts';
import type { Logger } from '../logger.ts';
import type { MessageSink } from '../server/json-rpc.ts';
import type { McpSession } from '../server/mcp-session.ts';
import { EventLog } from './event-log.ts';
import { KEEP_ALIVE, openEventStream, writeEvent } from './sse-stream.ts';

/** Options of the Streamable HTTP transport. */
export interface StreamableHttpOptions {
  /** No sessions: every POST gets a fresh protocol session, so any process can answer it. */
  stateless: boolean;
  /** Creates a session whose messages go to `sink`, or refuses (limits). */
  createSession: (id: string | undefined, sink: MessageSink, client: string) => McpSession | Refusal;
  logger: Logger;
}

/** The Streamable HTTP endpoint and its sessions. */
export interface StreamableHttpHandler {
  handlePost(req: IncomingMessage, res: ServerResponse, messages: JsonRpcMessage[], isBatch: boolean): void;
  handleGet(req: IncomingMessage, res: ServerResponse): void;
  handleDelete(req: IncomingMessage, res: ServerResponse): void;
  /** Writes a keep-alive comment to every open event stream. */
  keepAlive(): void;
  /** Closes sessions with nothing open and no request for longer than `idleMs`; returns how many. */
  sweepIdle(idleMs: number): number;
  closeAll(): void;
  readonly size: number;
}

/** One HTTP response that carries messages: a POST's reply, or a GET stream. */
interface Channel {
  res: ServerResponse;
  streamId: string;
  /** `pending` until the first message decides between one JSON body and an event stream. */
  mode: 'pending' | 'sse';
  /** Requests of this POST still unanswered. */
  pending: Set<string | number>;
  /** Responses held back for a JSON body (a batch is answered as one array). */
  buffered: JsonRpcMessage[];
  acceptsJson: boolean;
  acceptsSse: boolean;
  isBatch: boolean;
  closed: boolean;
}

interface HttpSession {
  session: McpSession;
  headers: Record<string, string>;
  lastSeen: number;
  /** Requests and streams still open: a session with any is never idle. */
  open: number;
  /** The channel each unanswered request's messages go to. */
  byRequest: Map<string | number, Channel>;
  /** Event streams that are open, for keep-alives and shutdown. */
  live: Set<Channel>;
  standalone: Channel | undefined;
  log: EventLog | undefined;
  nextStream: number;
}

const STANDALONE = 'get';

/**
 * The Streamable HTTP transport (protocol 2025-03-26 and later) on one path. A POST's requests
 * are answered with one JSON body when nothing else is sent before the answer, and with an event
 * stream (event ids kept for `Last-Event-ID` resumption) when the handler sends notifications or
 * requests first. GET opens the server's own stream; DELETE ends the session.
 */
export function createStreamableHttpTransport(options: StreamableHttpOptions): StreamableHttpHandler {
  const sessions = new Map<string, HttpSession>();

  function newSession(id: string | undefined, client: string): HttpSession | Refusal {
    const entry = {} as HttpSession;
    const session = options.createSession(id, (message, relatedId) => route(entry, message, relatedId), client);
    if (!('receive' in session)) return session;
    Object.assign(entry, {
      session,
      headers: id ? { 'Mcp-Session-Id': id } : {},
      lastSeen: Date.now(),
      open: 0,
      byRequest: new Map(),
      live: new Set(),
      standalone: undefined,
      log: undefined,
      nextStream: 0,
    } satisfies HttpSession);
    session.onclose = chain(session.onclose, () => {
      if (id) sessions.delete(id);
      for (const channel of entry.live) channel.res.end();
      // Calls still waiting for a JSON answer get one, rather than a response that never ends.
      for (const channel of new Set(entry.byRequest.values())) {
        if (channel.closed || channel.mode !== 'pending') continue;
        const errors = [...channel.pending].map((requestId) => ({ jsonrpc: '2.0', id: requestId, error: { code: RpcCode.serverError, message: 'Session closed' } }));
        const body = JSON.stringify(channel.isBatch ? [...channel.buffered, ...errors] : (channel.buffered[0] ?? errors[0]));
        channel.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
      }
      options.logger.debug('http session closed', { sessionId: id });
    });
    if (id) {
      sessions.set(id, entry);
      options.logger.debug('http session opened', { sessionId: id, client });
    }
    return entry;
  }

  function route(entry: HttpSession, message: JsonRpcMessage, relatedId: string | number | undefined): void {
    const channel = relatedId === undefined ? undefined : entry.byRequest.get(relatedId);
    const isResponse = message.method === undefined;
    if (!channel) {
      // Not tied to a request on an open POST: the server's own stream, or kept for a resume.
      const target = entry.standalone;
      if (target && !target.closed) writeSse(entry, target, message);
      else if (entry.session.id) log(entry).append(STANDALONE, message);
      return;
    }
    if (isResponse && message.id !== undefined) {
      channel.pending.delete(message.id);
      entry.byRequest.delete(message.id);
    }
    if (channel.closed) {
      if (entry.session.id) log(entry).append(channel.streamId, message);
      return;
    }
    if (channel.mode === 'pending') {
      if (isResponse && channel.acceptsJson) {
        channel.buffered.push(message);
        if (channel.pending.size === 0) {
          const body = JSON.stringify(channel.isBatch ? channel.buffered : channel.buffered[0]);
          channel.res.writeHead(200, { ...entry.headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
        }
        return;
      }
      if (!channel.acceptsSse) {
        // A JSON-only client cannot take this now; its own stream may.
        if (entry.standalone && !entry.standalone.closed) writeSse(entry, entry.standalone, message);
        return;
      }
      channel.mode = 'sse';
      openEventStream(channel.res, entry.headers);
      entry.live.add(channel);
      for (const held of channel.buffered) writeSse(entry, channel, held);
      channel.buffered = [];
    }
    writeSse(entry, channel, message);
    if (isResponse && channel.pending.size === 0) channel.res.end();
  }

  function writeSse(entry: HttpSession, channel: Channel, message: JsonRpcMessage): void {
    const id = entry.session.id ? log(entry).append(channel.streamId, message) : undefined;
    writeEvent(channel.res, JSON.stringify(message), 'message', id);
  }

  function log(entry: HttpSession): EventLog {
    return (entry.log ??= new EventLog());
  }

  function track(entry: HttpSession, channel: Channel, stateless: boolean): void {
    entry.open++;
    channel.res.once('close', () => {
      channel.closed = true;
      entry.live.delete(channel);
      entry.open--;
      entry.lastSeen = Date.now();
      if (entry.standalone === channel) entry.standalone = undefined;
      if (stateless) entry.session.close();
    });
  }

  function findSession(req: IncomingMessage, res: ServerResponse): HttpSession | undefined {
    const header = req.headers['mcp-session-id'];
    const id = Array.isArray(header) ? header[0] : header;
    if (!id) {
      sendRpcError(res, 400, RpcCode.serverError, 'Bad Request: no Mcp-Session-Id header; send initialize first to get a session');
      return undefined;
    }
    const entry = sessions.get(id);
    if (!entry) {
      sendRpcError(res, 404, RpcCode.serverError, `Session "${id}" not found or ended: initialize a new session`);
      return undefined;
    }
    entry.lastSeen = Date.now();
    return entry;
  }

  return {
    handlePost(req, res, messages, isBatch) {
      const accept = String(req.headers.accept ?? '*/*');
      const acceptsJson = /application\/json|\*\/\*/.test(accept);
      const acceptsSse = /text\/event-stream|\*\/\*/.test(accept);
      if (!acceptsJson && !acceptsSse) {
        sendRpcError(res, 406, RpcCode.serverError, 'Not Acceptable: accept application/json and text/event-stream');
        return;
      }
      if (!checkVersion(req, res)) return;
      const initialize = messages.some((m) => m.method === 'initialize');
      if (initialize && messages.length > 1) {
        sendRpcError(res, 400, RpcCode.invalidRequest, 'Invalid Request: initialize must be sent alone, not in a batch');
        return;
      }
      const client = req.socket.remoteAddress ?? 'unknown';
      let entry: HttpSession | Refusal | undefined;
      if (options.stateless) {
        entry = newSession(undefined, client);
      } else if (initialize) {
        if (req.headers['mcp-session-id']) {
          sendRpcError(res, 400, RpcCode.invalidRequest, 'Invalid Request: this session is already initialized; omit Mcp-Session-Id to start a new one');
          return;
        }
        entry = newSession(randomUUID(), client);
      } else {
        entry = findSession(req, res);
      }
      if (!entry) return;
      if (!('session' in entry)) {
        sendRpcError(res, entry.status, RpcCode.serverError, entry.message, entry.headers);
        return;
      }
      const requests = messages.filter((m) => m.method !== undefined && m.id !== undefined);
      if (requests.length === 0) {
        res.writeHead(202, entry.headers).end();
        for (const message of messages) entry.session.receive(message);
        if (options.stateless) entry.session.close();
        return;
      }
      const channel: Channel = {
        res,
        streamId: `p${++entry.nextStream}`,
        mode: 'pending',
        pending: new Set(requests.map((m) => m.id!)),
        buffered: [],
        acceptsJson,
        acceptsSse,
        isBatch,
        closed: false,
      };
      for (const id of channel.pending) entry.byRequest.set(id, channel);
      track(entry, channel, options.stateless);
      for (const message of messages) entry.session.receive(message);
    },

    handleGet(req, res) {
      if (options.stateless) {
        sendRpcError(res, 405, RpcCode.serverError, 'Method not allowed: this server is stateless, use POST', { Allow: 'POST' });
        return;
      }
      if (!/text\/event-stream|\*\/\*/.test(String(req.headers.accept ?? '*/*'))) {
        sendRpcError(res, 406, RpcCode.serverError, 'Not Acceptable: accept text/event-stream');
        return;
      }
      if (!checkVersion(req, res)) return;
      const entry = findSession(req, res);
      if (!entry) return;
      const lastEventId = req.headers['last-event-id'];
      const resumeFrom = typeof lastEventId === 'string' && lastEventId ? lastEventId : undefined;
      const streamId = resumeFrom ? EventLog.streamOf(resumeFrom) : STANDALONE;
      if (streamId === STANDALONE && entry.standalone && !entry.standalone.closed) {
        sendRpcError(res, 409, RpcCode.serverError, 'Conflict: this session already has an open GET stream');
        return;
      }
      const channel: Channel = { res, streamId, mode: 'sse', pending: new Set(), buffered: [], acceptsJson: false, acceptsSse: true, isBatch: false, closed: false };
      openEventStream(res, entry.headers);
      entry.live.add(channel);
      track(entry, channel, false);
      if (resumeFrom) {
        for (const event of entry.log?.after(resumeFrom) ?? []) writeEvent(res, JSON.stringify(event.message), 'message', event.id);
        // Requests of the dropped stream that are still running now answer here.
        for (const [id, old] of entry.byRequest) {
          if (old.streamId !== streamId) continue;
          entry.byRequest.set(id, channel);
          channel.pending.add(id);
        }
        if (streamId !== STANDALONE && channel.pending.size === 0) {
          res.end();
          return;
        }
      }
      if (streamId === STANDALONE) entry.standalone = channel;
    },

    handleDelete(req, res) {
      if (options.stateless) {
        sendRpcError(res, 405, RpcCode.serverError, 'Method not allowed: this server is stateless, use POST', { Allow: 'POST' });
        return;
      }
      const entry = findSession(req, res);
      if (!entry) return;
      entry.session.close();
      res.writeHead(200, { 'Content-Length': 0 }).end();
    },

    keepAlive() {
      for (const entry of sessions.values()) for (const channel of entry.live) channel.res.write(KEEP_ALIVE);
    },

    sweepIdle(idleMs) {
      const cutoff = Date.now() - idleMs;
      let closed = 0;
      for (const entry of sessions.values()) {
        if (entry.open > 0 || entry.session.inflightCount > 0 || entry.lastSeen >= cutoff) continue;
        closed++;
        entry.session.close();
      }
      return closed;
    },

    closeAll() {
      for (const entry of [...sessions.values()]) entry.session.close();
    },

    get size() {
      return sessions.size;
    },
  };
}

function checkVersion(req: IncomingMessage, res: ServerResponse): boolean {
  const version = req.headers['mcp-protocol-version'];
  if (version === undefined || SUPPORTED_PROTOCOL_VERSIONS.includes(String(version))) return true;
  sendRpcError(res, 400, RpcCode.serverError, `Bad Request: unsupported protocol version "${String(version)}" (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`);
  return false;
}

function chain(first: (() => void) | undefined, second: () => void): () => void {
  return () => {
    first?.();
    second();
  };
}
