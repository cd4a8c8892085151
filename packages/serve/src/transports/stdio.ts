import type { Readable, Writable } from 'node:stream';

import { type JsonRpcMessage, RpcCode, supportsBatches } from '@mcp-cli/core';

import { parseJsonRpc } from '../http/read-json-body.ts';
import type { Refusal } from '../http/request-guard.ts';
import type { Logger } from '../logger.ts';
import type { MessageSink } from '../server/json-rpc.ts';
import type { McpSession } from '../server/mcp-session.ts';

/** Options of the stdio transport. */
export interface StdioTransportOptions {
  input: Readable;
  output: Writable;
  createSession: (id: string | undefined, sink: MessageSink, client: string) => McpSession | Refusal;
  /** The longest line (one message or batch) accepted. */
  maxMessageBytes: number;
  maxBatch: number;
  logger: Logger;
}

/**
 * The stdio transport: one session over newline-delimited JSON-RPC, requests on `input`,
 * answers and notifications on `output` (nothing else ever goes there: logs are on stderr). A
 * line that is not valid JSON-RPC is answered with an error, as an HTTP body would be. Resolves
 * `done` when the input ends (the client closed it), after closing the session.
 */
export function serveStdioSession(options: StdioTransportOptions): { session: McpSession; done: Promise<void> } {
  const { input, output, logger } = options;
  let drained: Promise<void> | undefined;
  const write = (json: string): Promise<void> | void => {
    if (output.writableEnded || output.destroyed) return undefined;
    if (output.write(`${json}\n`)) return undefined;
    // A client that reads slowly paces handlers that await their notifications.
    drained ??= new Promise<void>((resolve) => output.once('drain', () => ((drained = undefined), resolve())));
    return drained;
  };
  const session = options.createSession('stdio', (_message, _relatedId, json) => write(json), 'stdio');
  if (!('receive' in session)) throw new Error(session.message);
  const refuse = (code: number, message: string, id: string | number | null = null): void => void write(JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } }));

  const receiveLine = (line: Buffer): void => {
    if (line.length === 0 || (line.length === 1 && line[0] === 0x0d)) return;
    const parsed = parseJsonRpc(line, options.maxBatch);
    if ('status' in parsed) return refuse(parsed.code, parsed.message);
    if (parsed.isBatch && !supportsBatches(session.protocolVersion)) {
      return refuse(RpcCode.invalidRequest, `Invalid Request: JSON-RPC batches are not part of protocol version ${session.protocolVersion}; send one message per line`);
    }
    for (const message of parsed.messages as JsonRpcMessage[]) {
      if (message.method !== undefined && message.id !== undefined && session.isInflight(message.id)) {
        refuse(RpcCode.invalidRequest, `Invalid Request: id ${JSON.stringify(message.id)} is already in use by a request in flight; use a new id`, message.id);
        continue;
      }
      session.receive(message);
    }
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
      receiveLine(pendingBytes > 0 ? Buffer.concat([...pending, piece]) : piece);
      pending = [];
      pendingBytes = 0;
    }
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
  const done = new Promise<void>((resolve) => {
    const finish = (): void => {
      session.close();
      resolve();
    };
    input.once('end', finish);
    input.once('close', finish);
    input.once('error', finish);
  });
  output.on('error', () => session.close()); // the client is gone: nothing can be answered
  return { session, done };
}
