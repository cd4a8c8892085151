import { randomUUID } from 'node:crypto';

import type { Logger } from '../logger.ts';
import { RpcCode, RpcError } from '@mcp-cli/core';

/**
 * Turns an error thrown while serving a request into the JSON-RPC error the client sees. A
 * module's own Error message is passed on; anything else is logged with an id that the client
 * sees instead of the details.
 */
export function toRpcError(error: unknown, logger: Logger, method: string): RpcError {
  if (error instanceof RpcError) return error;
  if (error instanceof Error) return new RpcError(RpcCode.internalError, error.message);
  const id = randomUUID().slice(0, 8);
  logger.error(`${method} failed`, { errorId: id, error: String(error) });
  return new RpcError(RpcCode.internalError, `Internal error (id ${id})`);
}
