import { type CallToolResult, ConnectionError } from '@mcp-cli/core';

import { abortableSleep } from './abortable-sleep.ts';
import type { Connection } from './connect.ts';

/** A task as the server describes it (MCP 2025-11-25 tasks). */
export interface TaskInfo {
  taskId: string;
  status: string;
  statusMessage?: string;
  pollInterval?: number;
}

/** Options of a call made as a task. */
export interface TaskCallOptions {
  signal: AbortSignal;
  /** Each status the task reports while it runs. */
  onStatus?: (task: TaskInfo) => void;
  /** Start the task and resolve with it (as 2026-07-28 shows a task, `resultType: "task"`), not with its result. */
  detach?: boolean;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
/** The pace of status polling: the server's pollInterval, kept within these bounds. */
const MIN_POLL_MS = 100;
const MAX_POLL_MS = 5000;
/** How long a cancellation sent on the way out may take. */
const CANCEL_TIMEOUT_MS = 2000;

/**
 * Calls a tool as a task: starts it, reports its status while it runs (polling `tasks/get` at the
 * pace the server asks), and resolves with its result from `tasks/result`, which the server holds
 * until the task ends (and on which it asks what it needs, an elicitation say). When the call is
 * aborted (Ctrl-C, --timeout) the task is cancelled on the server before the error goes on.
 *
 * @throws RpcError for the task's own JSON-RPC error; ConnectionError for a server that answers
 * a task-augmented call without a task.
 */
export async function callToolAsTask(connection: Connection, name: string, args: Record<string, unknown>, options: TaskCallOptions): Promise<CallToolResult> {
  await connection.streamReady;
  const created = await connection.session.request('tools/call', { name, arguments: args, task: {} }, { signal: options.signal });
  const task = created.task as TaskInfo | undefined;
  if (typeof task?.taskId !== 'string') throw new ConnectionError(`The server answered a task-augmented call of "${name}" without a task`, 'E_PROTOCOL');
  options.onStatus?.(task);
  if (options.detach) return { resultType: 'task', ...task } as unknown as CallToolResult;
  const finished = new AbortController();
  const polling = pollStatus(connection, task, AbortSignal.any([options.signal, finished.signal]), options.onStatus);
  try {
    return (await connection.session.request('tasks/result', { taskId: task.taskId }, { signal: options.signal })) as unknown as CallToolResult;
  } catch (error) {
    // Giving up on tasks/result leaves the task running: it is cancelled, as the user asked.
    if (options.signal.aborted) await cancelTask(connection, task.taskId);
    throw error;
  } finally {
    finished.abort();
    await polling;
  }
}

/** Sends `tasks/cancel`, waiting a bounded time; a task that already ended is left as it is. */
export async function cancelTask(connection: Connection, taskId: string): Promise<void> {
  await connection.session.request('tasks/cancel', { taskId }, { signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS) }).catch(() => undefined);
}

async function pollStatus(connection: Connection, first: TaskInfo, signal: AbortSignal, onStatus: TaskCallOptions['onStatus']): Promise<void> {
  let task = first;
  while (!signal.aborted && !TERMINAL.has(task.status)) {
    const interval = Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, typeof task.pollInterval === 'number' ? task.pollInterval : 1000));
    try {
      await abortableSleep(interval, signal);
      task = (await connection.session.request('tasks/get', { taskId: first.taskId }, { signal })) as unknown as TaskInfo;
    } catch {
      return; // status is only shown: the result decides the outcome
    }
    onStatus?.(task);
  }
}
