import { type CallToolResult, ConnectionError } from '@mcp-cli/core';

import type { RequestOptions } from './client-session.ts';
import { RpcError } from './json-rpc.ts';
import type { Connection } from './connect.ts';
import type { Schema } from '../tool-args.ts';

/** A tool as tools/list describes it. */
export interface ToolInfo {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Schema;
  outputSchema?: Schema;
  annotations?: Record<string, unknown>;
  /** Whether the tool runs as a task (MCP 2025-11-25): `forbidden` (the default), `optional` or `required`. */
  execution?: { taskSupport?: string };
}

/**
 * Fetches every page of a list method (`tools/list`, `resources/list`, …).
 *
 * @throws ConnectionError when the server hands back a cursor it already gave (an endless list).
 */
export async function listAll<T>(connection: Connection, method: string, key: string, signal: AbortSignal): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  do {
    const ask = () => connection.session.request(method, cursor ? { cursor } : {}, { signal });
    const prefetched = cursor === undefined ? takePrefetched(connection, method) : undefined;
    // A prefetched page that failed is asked for again, so the error is the one a plain request gets.
    const page = await (prefetched ? prefetched.catch(ask) : ask());
    const listed = page[key];
    // One at a time: spreading a page of 200,000 entries into push() overflows the stack.
    if (Array.isArray(listed)) for (const item of listed as T[]) items.push(item);
    cursor = typeof page.nextCursor === 'string' && page.nextCursor !== '' ? page.nextCursor : undefined;
    if (cursor !== undefined) {
      if (seen.has(cursor)) throw new ConnectionError(`The server repeated the cursor of ${method}: its list never ends`, 'E_PROTOCOL');
      seen.add(cursor);
    }
  } while (cursor);
  return items;
}

/** The first page of `method` asked for while connecting, if any; it is handed out once. */
function takePrefetched(connection: Connection, method: string): Promise<Record<string, unknown>> | undefined {
  const page = connection.prefetched?.get(method);
  connection.prefetched?.delete(method);
  return page;
}

/** Lists the server's tools. */
export function listTools(connection: Connection, signal: AbortSignal): Promise<ToolInfo[]> {
  return listAll<ToolInfo>(connection, 'tools/list', 'tools', signal);
}

/** The server's tools, or undefined for a server without tools/list (it can still be called). */
export async function listToolsIfSupported(connection: Connection, signal: AbortSignal): Promise<ToolInfo[] | undefined> {
  try {
    return await listTools(connection, signal);
  } catch (error) {
    if (error instanceof RpcError && error.code === -32601) return undefined;
    throw error;
  }
}

/** Calls a tool and returns its result as the server sent it. */
export async function callTool(
  connection: Connection,
  name: string,
  args: Record<string, unknown>,
  options: RequestOptions,
): Promise<CallToolResult> {
  await connection.streamReady;
  return (await connection.session.request('tools/call', { name, arguments: args }, options)) as unknown as CallToolResult;
}
