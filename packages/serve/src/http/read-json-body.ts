import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';

import { RpcCode } from '@mcp-cli/core';

/** Why a body was refused: the HTTP status and JSON-RPC error to answer with. */
export interface BodyError {
  status: number;
  code: number;
  message: string;
}

const MAX_DEPTH = 64;

/**
 * Reads a POST body as JSON-RPC: checks the content type, the size limit, UTF-8, JSON syntax,
 * nesting depth and that every message is a JSON-RPC 2.0 object. Returns the messages (a batch
 * gives several) or the error to answer with.
 */
export async function readJsonBody(
  req: IncomingMessage,
  maxBytes: number,
): Promise<{ messages: unknown[]; isBatch: boolean } | BodyError> {
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
  let chunks: Buffer[];
  try {
    chunks = await readChunks(req, maxBytes);
  } catch {
    return tooLarge(maxBytes);
  }
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  if (!isUtf8(bytes)) return { status: 400, code: RpcCode.parseError, message: 'Parse error: body is not valid UTF-8' };
  const text = bytes.toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { status: 400, code: RpcCode.parseError, message: `Parse error: ${(error as Error).message}` };
  }
  // Nesting deeper than MAX_DEPTH needs at least 2 × MAX_DEPTH characters: short bodies skip the walk.
  if (text.length > 2 * MAX_DEPTH && depthOf(raw) > MAX_DEPTH) {
    return { status: 400, code: RpcCode.invalidRequest, message: `Invalid Request: JSON nested deeper than ${MAX_DEPTH} levels` };
  }
  const isBatch = Array.isArray(raw);
  const messages = isBatch ? (raw as unknown[]) : [raw];
  if (messages.length === 0) {
    return { status: 400, code: RpcCode.invalidRequest, message: 'Invalid Request: empty batch' };
  }
  for (const message of messages) {
    const problem = checkJsonRpc(message);
    if (problem) return { status: 400, code: RpcCode.invalidRequest, message: `Invalid Request: ${problem}` };
  }
  return { messages, isBatch };
}

function readChunks(req: IncomingMessage, maxBytes: number): Promise<Buffer[]> {
  // Plain events: cheaper per request than an async iterator over the stream.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.resume();
        reject(new Error('too large'));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks));
    req.once('error', reject);
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
  if ('method' in m) return typeof m.method === 'string' ? undefined : '"method" must be a string';
  if (hasId && ('result' in m || 'error' in m)) return undefined;
  return 'not a request, notification or response';
}

function depthOf(value: unknown): number {
  // Iterative, so a hostile body cannot overflow the stack.
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > max) max = depth;
    if (max > MAX_DEPTH) return max;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return max;
}

/** True when the value is a read body, not an error. */
export function isBodyError(value: object): value is BodyError {
  return 'status' in value;
}
