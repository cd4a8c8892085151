import { randomUUID } from 'node:crypto';

import { isRpcError, RpcCode, RpcError } from '@mcp-cli/core';

import type { Logger } from '../logger.ts';

/**
 * Turns an error thrown while serving a request into the JSON-RPC error the client sees. A
 * module's own Error message is passed on; a system error (it names server paths) or anything
 * else is logged with an id that the client sees instead of the details.
 */
export function toRpcError(error: unknown, logger: Logger, method: string): RpcError {
  // Whatever a module throws (an object with no prototype, a getter or toString that throws, a
  // Proxy), the request is answered once: reading the error never throws out of here.
  try {
    if (error instanceof RpcError) return error;
    if (isRpcError(error)) return new RpcError(error.code, String(error.message), error.data);
    if (error instanceof Error && !isSystemError(error)) return new RpcError(RpcCode.internalError, String(error.message));
  } catch {
    // an error that cannot be read is reported by id below
  }
  return new RpcError(RpcCode.internalError, `Internal error (id ${logWithId(logger, `${method} failed`, error)})`);
}

/** The error sent instead of a result that JSON cannot carry (a BigInt, a cycle). */
export function unsendableError(error: unknown, logger: Logger, method: string, name: string | undefined): RpcError {
  const what = method === 'tools/call' && name !== undefined ? `Tool "${name}"` : `${method || 'The request'}`;
  const id = logWithId(logger, `${what} returned a result that cannot be serialised as JSON`, error);
  return new RpcError(RpcCode.internalError, `${what} returned a result that cannot be sent as JSON (id ${id})`);
}

/**
 * The message a client may see for an error thrown by a module: its own message, or an id in
 * place of a system error's, whose message names server paths (`ENOENT … open '/srv/…'`).
 */
export function publicMessage(error: unknown, logger: Logger, what: string): string {
  try {
    if (error instanceof Error && !isSystemError(error)) return String(error.message);
    if (!(error instanceof Error) && typeof error !== 'object' && typeof error !== 'function') return String(error);
  } catch {
    // an error that cannot be read is reported by id below
  }
  return `Internal error (id ${logWithId(logger, what, error)})`;
}

/** Node's errors from the file system, network and processes: they carry `syscall` or `path`. */
function isSystemError(error: Error): boolean {
  const fields = error as { syscall?: unknown; path?: unknown; errno?: unknown };
  return typeof fields.syscall === 'string' || typeof fields.path === 'string' || typeof fields.errno === 'number';
}

function logWithId(logger: Logger, message: string, error: unknown): string {
  const id = randomUUID().slice(0, 8);
  logger.error(message, { errorId: id, error: describeThrown(error) });
  return id;
}

/** What was thrown, as text for the log, whatever it is. */
function describeThrown(error: unknown): string {
  try {
    return error instanceof Error ? `${String(error.name)}: ${String(error.message)}` : String(error);
  } catch {
    try {
      return Object.prototype.toString.call(error);
    } catch {
      return '(a value that cannot be shown)';
    }
  }
}
