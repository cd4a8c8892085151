import { ExitCode, UsageError } from '@mcp-cli/core';

import { renderResult } from '../../render.ts';
import type { CommandContext } from '../session-runner.ts';
import { writeOut } from '../terminal-text.ts';

/** What `mcp-call task` does with a task id. */
export const TASK_ACTIONS = ['get', 'result', 'cancel'] as const;

/**
 * `task get|result|cancel ID`, for tasks of protocol 2026-07-28 (a `--detach`ed call's, say):
 * `get` prints its state as JSON, `result` waits for its end and prints it as a call's result
 * (exit 1 for a tool error), `cancel` asks the server to stop it.
 */
export async function taskCommand(context: CommandContext, action: string, taskId: string): Promise<number> {
  const { connection, signal, opts, ui } = context;
  if (!(TASK_ACTIONS as readonly string[]).includes(action)) {
    const listed = action === 'list' ? ' (tasks/list is not part of the 2026-07-28 tasks extension)' : '';
    throw new UsageError(`Unknown task action "${action}"${listed}: use get, result or cancel`, 'E_INVALID_OPTION');
  }
  if (!connection.session.modern) throw new UsageError('mcp-call task needs --protocol-version 2026-07-28 (a 2025 session\'s tasks end with the session)', 'E_INVALID_OPTION');
  if (action === 'get') {
    writeOut(`${JSON.stringify(await connection.session.request('tasks/get', { taskId }, { signal }), null, 2)}\n`);
    return ExitCode.ok;
  }
  if (action === 'cancel') {
    await connection.session.request('tasks/cancel', { taskId }, { signal });
    ui.note(`asked the server to cancel task ${taskId}`);
    return ExitCode.ok;
  }
  const result = await connection.session.followTask(taskId, { signal, onTaskStatus: (task) => ui.status(`task ${taskId}: ${String(task.status)}`) });
  ui.stop();
  if (opts.json) writeOut(`${JSON.stringify(result)}\n`);
  else {
    const text = await renderResult(result as never, { outDir: opts.outDir, baseName: 'task' });
    if (text) writeOut(text.endsWith('\n') ? text : `${text}\n`);
  }
  return result.isError ? ExitCode.toolError : ExitCode.ok;
}
