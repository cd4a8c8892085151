import { ExitCode, UsageError } from '@mcp-cli/core';

import { listAll } from '../../client/operations.ts';
import { renderResult } from '../../render.ts';
import type { CommandContext } from '../session-runner.ts';
import { writeNone, writeOut } from '../terminal-text.ts';

/** What `mcp-call task` does: with a task id, or `list`. */
export const TASK_ACTIONS = ['get', 'result', 'cancel', 'list'] as const;

/**
 * `task get|result|cancel ID` and `task list`: `get` prints a task's state as JSON, `result`
 * waits for its end and prints it as a call's result (exit 1 for a tool error), `cancel` asks
 * the server to stop it, `list` lists the tasks the server shows this client. Over 2026-07-28
 * (the tasks extension) a task is polled to its end; over a 2025-11-25 session `tasks/result`
 * waits for it, and `tasks/list` exists (the 2026-07-28 extension has no list).
 */
export async function taskCommand(context: CommandContext, action: string, taskId: string | undefined): Promise<number> {
  const { connection, signal, opts, ui } = context;
  const { session } = connection;
  if (!(TASK_ACTIONS as readonly string[]).includes(action)) throw new UsageError(`Unknown task action "${action}": use get, result, cancel or list`, 'E_INVALID_OPTION');
  if (action === 'list') {
    if (taskId !== undefined) throw new UsageError('mcp-call task list takes no task id', 'E_UNEXPECTED_ARGUMENT');
    if (session.modern) throw new UsageError('The 2026-07-28 tasks extension has no tasks/list: keep the ids --detach prints (or pin --protocol-version 2025-11-25 for a server that lists them)', 'E_INVALID_OPTION');
    const tasks = await listAll<{ taskId: string; status: string; statusMessage?: string }>(connection, 'tasks/list', 'tasks', signal);
    if (!opts.json && tasks.length === 0) writeNone('(no tasks)');
    else writeOut(opts.json ? `${JSON.stringify(tasks, null, 2)}\n` : tasks.map((t) => `${t.taskId}  ${t.status}${t.statusMessage ? `  ${t.statusMessage}` : ''}\n`).join(''));
    return ExitCode.ok;
  }
  if (taskId === undefined) throw new UsageError(`mcp-call task ${action} needs a task id (as --detach prints it)`, 'E_MISSING_ARGUMENT');
  if (action === 'get') {
    writeOut(`${JSON.stringify(await session.request('tasks/get', { taskId }, { signal }), null, 2)}\n`);
    return ExitCode.ok;
  }
  if (action === 'cancel') {
    await session.request('tasks/cancel', { taskId }, { signal });
    ui.note(`asked the server to cancel task ${taskId}`);
    return ExitCode.ok;
  }
  ui.status(`task ${taskId}: waiting for its end`);
  const result = session.modern
    ? await session.followTask(taskId, { signal, onTaskStatus: (task) => ui.status(`task ${taskId}: ${String(task.status)}`) })
    : await session.request('tasks/result', { taskId }, { signal });
  ui.stop();
  if (opts.json) writeOut(`${JSON.stringify(result)}\n`);
  else {
    const text = await renderResult(result as never, { outDir: opts.outDir, baseName: 'task' });
    if (text) writeOut(text.endsWith('\n') ? text : `${text}\n`);
  }
  return result.isError ? ExitCode.toolError : ExitCode.ok;
}
