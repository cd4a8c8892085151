import type { Readable, Writable } from 'node:stream';

import { type JsonRpcMessage, RpcCode, supportsBatches } from '@mcp-cli/core';

import { parseJsonRpc } from '../http/read-json-body.ts';
import { isModernMessage, isRefusal, readMessageMeta } from '../http/request-metadata.ts';
import type { Refusal } from '../http/request-guard.ts';
import type { Logger } from '../logger.ts';
import type { MessageSink } from '../server/json-rpc.ts';
import type { McpSession } from '../server/mcp-session.ts';
import { chain } from './chain.ts';

/** Requests served at once from one stdio client; its further lines wait (and no more is read). */
const MAX_INFLIGHT = 256;
/** Unsent output past `maxUnsentBytes` times this (a handler that logs without waiting): the client is gone. */
const HARD_LIMIT_FACTOR = 16;

/** Options of the stdio transport. */
export interface StdioTransportOptions {
  input: Readable;
  output: Writable;
  createSession: (id: string | undefined, sink: MessageSink, client: string) => McpSession | Refusal;
  /** The longest line (one message or batch) accepted. */
  maxMessageBytes: number;
  maxBatch: number;
  /** Unsent output held for a client that does not read: past it, the client is taken as gone. */
  maxUnsentBytes: number;
  logger: Logger;
}

/**
 * The stdio transport: one session over newline-delimited JSON-RPC, requests on `input`,
 * answers and notifications on `output` (nothing else ever goes there: logs are on stderr). A
 * line that is not valid JSON-RPC is answered with an error, as an HTTP body would be. Resolves
 * `done`, with the reason, when the client closes its input or its output, or stops reading: the
 * session is closed by then.
 */
export function serveStdioSession(options: StdioTransportOptions): { session: McpSession; done: Promise<string> } {
  const { input, output, logger } = options;
  let ended: ((reason: string) => void) | undefined;
  const done = new Promise<string>((resolve) => (ended = resolve));
  const finish = (reason: string): void => {
    (session as McpSession).close();
    for (const own of modern.values()) own.close();
    ended!(reason);
  };
  // Lines read but not yet served (see pump below).
  const held: Buffer[] = [];
  let drained: Promise<void> | undefined;
  let pumping = false;
  const pumpSoon = (): void => {
    if (pumping) return;
    pumping = true;
    setImmediate(() => ((pumping = false), pump()));
  };
  const write = (json: string): Promise<void> | void => {
    if (output.writableEnded || output.destroyed) return undefined;
    const flowing = output.write(`${json}\n`);
    if (held.length > 0) pumpSoon(); // an answer went out: a waiting line may be served now
    if (flowing) return undefined;
    // Bounded memory: output far beyond what a reading client leaves unsent means it has gone.
    if (output.writableLength > options.maxUnsentBytes * HARD_LIMIT_FACTOR) {
      logger.warn('the client stopped reading stdout: ending the session', { unsentBytes: output.writableLength, limit: options.maxUnsentBytes * HARD_LIMIT_FACTOR });
      finish('the client stopped reading stdout');
      return undefined;
    }
    // A client that reads slowly paces handlers that await their notifications, and its requests.
    drained ??= new Promise<void>((resolve) => output.once('drain', () => ((drained = undefined), pump(), resolve())));
    return drained;
  };
  const session = options.createSession('stdio', (_message, _relatedId, json) => write(json), 'stdio');
  if (!('receive' in session)) throw new Error(session.message);
  const refuse = (code: number, message: string, id: string | number | null = null, data?: unknown): void =>
    void write(JSON.stringify({ jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } }));

  // A 2026-07-28 request has no session: as over HTTP, a protocol session of its own serves it
  // (its result then carries resultType and the server's identity), and ends with its answer.
  const modern = new Map<string | number, McpSession>();
  const serveModern = (message: JsonRpcMessage): void => {
    const id = message.id!;
    const meta = readMessageMeta(message);
    if (isRefusal(meta)) return refuse(meta.code, meta.message, id, meta.data);
    const own = options.createSession(undefined, (sent, _relatedId, json) => {
      const written = write(json);
      if (sent.method === undefined && sent.id === id) own.close();
      return written;
    }, 'stdio') as McpSession;
    if (!own.servesModern(message.method!)) {
      own.close();
      return refuse(RpcCode.methodNotFound, `Method not found: ${message.method!.slice(0, 100)}`, id);
    }
    own.serveModern(meta, '', undefined);
    modern.set(id, own);
    own.onclose = chain(own.onclose, () => modern.get(id) === own && modern.delete(id));
    own.receive(message);
  };

  const receiveLine = (line: Buffer): void => {
    if (line.length === 0 || (line.length === 1 && line[0] === 0x0d)) return;
    const parsed = parseJsonRpc(line, options.maxBatch);
    if ('status' in parsed) return refuse(parsed.code, parsed.message);
    if (parsed.isBatch && !supportsBatches(session.protocolVersion)) {
      return refuse(RpcCode.invalidRequest, `Invalid Request: JSON-RPC batches are not part of protocol version ${session.protocolVersion}; send one message per line`);
    }
    for (const message of parsed.messages as JsonRpcMessage[]) {
      if (message.method !== undefined && message.id !== undefined && (session.isInflight(message.id) || modern.has(message.id))) {
        refuse(RpcCode.invalidRequest, `Invalid Request: id ${JSON.stringify(message.id)} is already in use by a request in flight; use a new id`, message.id);
        continue;
      }
      if (!session.initialized && isModernMessage(message)) {
        serveModern(message);
        continue;
      }
      // A cancellation of a 2026-07-28 request reaches the session that serves it.
      const cancelled = message.method === 'notifications/cancelled' ? modern.get(message.params?.requestId as string | number) : undefined;
      (cancelled ?? session).receive(message);
    }
  };

  // Lines read but not yet served: served while the client keeps up (few requests in flight, little
  // output unsent); the rest wait, and nothing more is read meanwhile, so a client that sends
  // without reading is paced and holds bounded memory.
  const backedUp = (): boolean => output.writableLength > options.maxUnsentBytes || (session as McpSession).inflightCount >= MAX_INFLIGHT;
  const pump = (): void => {
    while (held.length > 0 && !backedUp()) receiveLine(held.shift()!);
    if (held.length > 0 || output.writableLength > options.maxUnsentBytes) input.pause();
    else input.resume();
  };

  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;
  input.on('data', (chunk: Buffer) => {
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, end);
      start = end + 1;
      if (skipping) {
        skipping = false; // the end of an oversized line: what follows is read again
        pending = [];
        pendingBytes = 0;
        continue;
      }
      held.push(pendingBytes > 0 ? Buffer.concat([...pending, piece]) : piece);
      pending = [];
      pendingBytes = 0;
    }
    pump();
    if (start >= chunk.length || skipping) return;
    pendingBytes += chunk.length - start;
    if (pendingBytes > options.maxMessageBytes) {
      // Bounded memory: an oversized line is dropped up to its end and answered once.
      refuse(RpcCode.invalidRequest, `Request exceeds ${options.maxMessageBytes} bytes (limits.maxBodyBytes)`);
      logger.warn('dropped an oversized stdio message', { limit: options.maxMessageBytes });
      skipping = true;
      pending = [];
      pendingBytes = 0;
      return;
    }
    pending.push(chunk.subarray(start));
  });
  input.once('end', () => finish('stdin closed'));
  input.once('close', () => finish('stdin closed'));
  input.once('error', () => finish('stdin closed'));
  // The client closed its end of stdout: nothing can be answered any more.
  output.on('error', () => finish('stdout closed'));
  output.once('close', () => finish('stdout closed'));
  return { session, done };
}
