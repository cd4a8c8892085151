import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';

import { type JsonRpcMessage, RpcCode } from '@mcp-cli/core';

import { deadlines } from '../server/deadlines.ts';

/** Why a body was refused: the HTTP status and JSON-RPC error to answer with. */
export interface BodyError {
  status: number;
  code: number;
  message: string;
  /** Close the connection after answering (the rest of the body is not worth waiting for). */
  close?: boolean;
}

const MAX_DEPTH = 64;
/**
 * Most structural tokens (`{`, `[`, `:`, `,`) in a body: JSON.parse spends far more per byte on
 * keys and containers than on text (1.4M empty objects cost 240 ms, 300k keys 120 ms), and no MCP
 * message needs this many.
 */
const MAX_ELEMENTS = 100_000;

/** Limits of one body. */
export interface BodyLimits {
  maxBytes: number;
  /** Most messages in one JSON-RPC batch. */
  maxBatch: number;
  /** Time allowed to receive the whole body (a client trickling bytes is cut off with 408). */
  timeoutMs: number;
}

/**
 * Reads a POST body as JSON-RPC: checks the content type, the size limit, the time limit, UTF-8,
 * nesting depth (before parsing, so depth costs no more than length), JSON syntax, batch size, and
 * that every message is a JSON-RPC 2.0 object whose id can be echoed exactly. Returns the messages
 * (a batch gives several) or the error to answer with.
 */
export async function readJsonBody(
  req: IncomingMessage,
  limits: BodyLimits,
): Promise<{ messages: JsonRpcMessage[]; isBatch: boolean } | BodyError> {
  const { maxBytes } = limits;
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    req.resume();
    return {
      status: 415,
      code: RpcCode.invalidRequest,
      message: `Unsupported Content-Type "${type || '(none)'}": send application/json`,
    };
  }
  const declared = Number(req.headers['content-length']);
  if (declared > maxBytes) {
    req.resume();
    return tooLarge(maxBytes);
  }
  const read = await readChunks(req, maxBytes, limits.timeoutMs);
  if (read === 'too large') return tooLarge(maxBytes);
  if (read === 'too slow') {
    return { status: 408, code: RpcCode.invalidRequest, message: `Request body not received within ${limits.timeoutMs} ms (limits.bodyTimeoutMs)`, close: true };
  }
  return parseJsonRpc(read.length === 1 ? read[0]! : Buffer.concat(read), limits.maxBatch);
}

/**
 * Parses one JSON-RPC payload (an HTTP body, or a line of stdio): UTF-8, nesting and size of the
 * structure (checked before parsing, so the work is linear in the bytes), JSON syntax, batch
 * size, and that every message is a JSON-RPC 2.0 object whose id can be echoed exactly.
 */
export function parseJsonRpc(bytes: Buffer, maxBatch: number): { messages: JsonRpcMessage[]; isBatch: boolean } | BodyError {
  if (!isUtf8(bytes)) return { status: 400, code: RpcCode.parseError, message: 'Parse error: body is not valid UTF-8' };
  // What makes parsing slow is checked first, in one linear pass: short bodies cannot be either.
  const shape = mayBeTooComplex(bytes) ? scanShape(bytes) : undefined;
  if (shape === 'too deep') {
    return { status: 400, code: RpcCode.invalidRequest, message: `Invalid Request: JSON nested deeper than ${MAX_DEPTH} levels` };
  }
  if (shape === 'too many elements') {
    return { status: 400, code: RpcCode.invalidRequest, message: `Invalid Request: JSON with more than ${MAX_ELEMENTS} keys, values and containers` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    return { status: 400, code: RpcCode.parseError, message: `Parse error: ${(error as Error).message}` };
  }
  const isBatch = Array.isArray(raw);
  const messages = isBatch ? (raw as unknown[]) : [raw];
  if (messages.length === 0) {
    return { status: 400, code: RpcCode.invalidRequest, message: 'Invalid Request: empty batch' };
  }
  if (messages.length > maxBatch) {
    return { status: 400, code: RpcCode.invalidRequest, message: `Invalid Request: a batch of ${messages.length} messages exceeds the limit of ${maxBatch} (limits.maxBatchSize)` };
  }
  for (const message of messages) {
    const problem = checkJsonRpc(message);
    if (problem) return { status: 400, code: RpcCode.invalidRequest, message: `Invalid Request: ${problem}` };
  }
  return { messages: messages as JsonRpcMessage[], isBatch };
}

function readChunks(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<Buffer[] | 'too large' | 'too slow'> {
  // Plain events: cheaper per request than an async iterator over the stream.
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (outcome: 'too large' | 'too slow'): void => {
      deadlines.forget(tooSlow);
      req.off('data', onData);
      req.resume();
      resolve(outcome);
    };
    const tooSlow = (): void => stop('too slow');
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) return stop('too large');
      chunks.push(chunk);
    };
    deadlines.watch(tooSlow, timeoutMs);
    req.on('data', onData);
    req.once('end', () => {
      deadlines.forget(tooSlow);
      resolve(chunks);
    });
    req.once('error', () => stop('too large'));
  });
}

function tooLarge(maxBytes: number): BodyError {
  return {
    status: 413,
    code: RpcCode.invalidRequest,
    message: `Request body exceeds ${maxBytes} bytes (limits.maxBodyBytes)`,
  };
}

function checkJsonRpc(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return 'each message must be a JSON object';
  }
  const m = message as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') return '"jsonrpc" must be "2.0"';
  const hasId = 'id' in m;
  if (hasId && typeof m.id !== 'string' && typeof m.id !== 'number') return '"id" must be a string or a number';
  // A number that JSON cannot carry exactly (1e400, 2^64+1, 0.1000000000000000001) would be echoed altered.
  if (typeof m.id === 'number' && !Number.isSafeInteger(m.id)) return '"id" must be a string or an integer between -(2^53-1) and 2^53-1';
  if ('method' in m) return typeof m.method === 'string' ? undefined : '"method" must be a string';
  if (hasId && ('result' in m || 'error' in m)) return undefined;
  return 'not a request, notification or response';
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

const COLON = 0x3a;
const COMMA = 0x2c;

/**
 * False when a body cannot break either limit: fewer bytes than elements allowed, and fewer
 * brackets than levels allowed (counted with native searches, cheaper than the scan).
 */
function mayBeTooComplex(bytes: Buffer): boolean {
  if (bytes.length <= 2 * MAX_DEPTH) return false;
  if (bytes.length > MAX_ELEMENTS) return true;
  let brackets = 0;
  for (const open of [OPEN_BRACE, OPEN_BRACKET]) {
    for (let at = bytes.indexOf(open); at !== -1; at = bytes.indexOf(open, at + 1)) if (++brackets > MAX_DEPTH) return true;
  }
  return false;
}

/**
 * One pass over the bytes, outside strings: nesting of `[` and `{` deeper than MAX_DEPTH, or more
 * than MAX_ELEMENTS structural tokens, either of which would cost more to parse than its bytes.
 */
function scanShape(bytes: Buffer): 'too deep' | 'too many elements' | undefined {
  let depth = 0;
  let elements = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > MAX_DEPTH) return 'too deep';
      if (++elements > MAX_ELEMENTS) return 'too many elements';
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
    } else if ((byte === COLON || byte === COMMA) && ++elements > MAX_ELEMENTS) {
      return 'too many elements';
    }
  }
  return undefined;
}

/** True when the value is a read body, not an error. */
export function isBodyError(value: object): value is BodyError {
  return 'status' in value;
}
