import { randomUUID } from 'node:crypto';

import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

import type { Logger } from '../logger.ts';

/**
 * Runs module code for a non-tool request. A module's own error message is passed on; anything
 * that is not an Error is logged with an id that the client sees instead of the details.
 */
export async function guard<T>(fn: () => T | Promise<T>, logger: Logger, what: string): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof McpError) throw error;
    if (error instanceof Error) throw new McpError(ErrorCode.InternalError, error.message);
    const id = randomUUID().slice(0, 8);
    logger.error(`${what} failed`, { errorId: id, error: String(error) });
    throw new McpError(ErrorCode.InternalError, `Internal error (id ${id})`);
  }
}
