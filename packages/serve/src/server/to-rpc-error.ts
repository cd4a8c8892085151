import { randomUUID } from 'node:crypto';

import { RpcCode, RpcError } from '@mcp-cli/core';

import type { Logger } from '../logger.ts';

/**
 * Turns an error thrown while serving a request into the JSON-RPC error the client sees. A
 * module's own Error message is passed on; a system error (it names server paths) or anything
 * else is logged with an id that the client sees instead of the details.
 */
export function toRpcError(error: unknown, logger: Logger, method: string): RpcError {
  if (error instanceof RpcError) return error;
  if (isRpcError(error)) return new RpcError(error.code, String(error.message), error.data);
  if (error instanceof Error && !isSystemError(error)) return new RpcError(RpcCode.internalError, error.message);
  return new RpcError(RpcCode.internalError, `Internal error (id ${logWithId(logger, `${method} failed`, error)})`);
}

/**
 * An RpcError, which a module throws on purpose for a JSON-RPC error: matched by shape too, since a
 * module may hold its own copy of the class.
 */
export function isRpcError(error: unknown): error is { name: 'RpcError'; code: number; message: unknown; data?: unknown } {
  const e = error as { name?: unknown; code?: unknown } | null;
  return error instanceof RpcError || (typeof e === 'object' && e !== null && e.name === 'RpcError' && typeof e.code === 'number');
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
  if (error instanceof Error && !isSystemError(error)) return error.message;
  if (!(error instanceof Error) && typeof error !== 'object') return String(error);
  return `Internal error (id ${logWithId(logger, what, error)})`;
}

/** Node's errors from the file system, network and processes: they carry `syscall` or `path`. */
function isSystemError(error: Error): boolean {
  const fields = error as { syscall?: unknown; path?: unknown; errno?: unknown };
  return typeof fields.syscall === 'string' || typeof fields.path === 'string' || typeof fields.errno === 'number';
}

function logWithId(logger: Logger, message: string, error: unknown): string {
  const id = randomUUID().slice(0, 8);
  logger.error(message, { errorId: id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  return id;
}
