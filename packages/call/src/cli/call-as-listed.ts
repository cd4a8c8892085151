import type { CallToolResult } from '@mcp-cli/core';

import type { Connection } from '../client/connect.ts';
import { callTool, type ToolInfo } from '../client/operations.ts';
import { callToolAsTask } from '../client/tool-task.ts';
import { taskSupport } from './tool-help.ts';

/**
 * Calls a tool the way its listing asks: one that runs only as a task is called as a task
 * (2025-11-25; over 2026-07-28 the server decides), any other plainly.
 */
export function callAsListed(connection: Connection, tool: ToolInfo | undefined, name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult> {
  return tool && taskSupport(tool) === 'required' && !connection.session.modern
    ? callToolAsTask(connection, name, args, { signal })
    : callTool(connection, name, args, { signal });
}
