import { createReadStream } from 'node:fs';

import { ExitCode, UsageError } from '@mcp-cli/core';

import { RpcError } from '../../client/json-rpc.ts';
import { listToolsIfSupported, type ToolInfo } from '../../client/operations.ts';
import { callAsListed } from '../call-as-listed.ts';
import type { CommandContext } from '../session-runner.ts';
import { writeOut } from '../terminal-text.ts';

/** Calls in flight at once over the one connection. */
const WINDOW = 32;

/**
 * `batch [file|-]`: reads JSON lines `{"tool": …, "args": {…}}` and writes one JSON line per call,
 * in input order: `{"line":N,"ok":true,"result":{…}}`, or `"ok":false` with an `error` string.
 * Calls are pipelined over one connection. Exit 0 when every call succeeded, 1 otherwise.
 */
export async function batchCommand(context: CommandContext, file: string | undefined): Promise<number> {
  // Listed once: each call then sends the Mcp-Param headers its schema asks for (2026-07-28),
  // and a tool that runs only as a task is called as one.
  const tools = new Map((await listToolsIfSupported(context.connection, context.signal))?.map((tool) => [tool.name, tool]));
  const input = !file || file === '-' ? process.stdin : createReadStream(file);
  input.on('error', () => undefined);
  // readline is loaded here, not at start-up: only batch mode needs it.
  const { createInterface } = await import('node:readline');
  const lines = createInterface({ input, crlfDelay: Infinity });
  const results: (string | undefined)[] = [];
  let next = 0;
  let failures = 0;
  const inFlight = new Set<Promise<void>>();
  let out = '';
  let scheduled = false;
  // Lines are written in order, gathered per turn of the event loop: one write, not one per call.
  const flush = (): void => {
    while (next < results.length && results[next] !== undefined) {
      out += `${results[next]}\n`;
      results[next++] = '';
    }
    if (!out || scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      writeOut(out);
      out = '';
    });
  };
  let lineNumber = 0;
  try {
    for await (const raw of lines) {
      lineNumber++;
      if (!raw.trim()) continue;
      const slot = results.length;
      results.push(undefined);
      const task = runLine(context, tools, raw, lineNumber).then((line) => {
        if (!line.ok) failures++;
        results[slot] = JSON.stringify(line);
        flush();
      });
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
      if (inFlight.size >= WINDOW) await Promise.race(inFlight);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') throw new UsageError(`Cannot read batch file ${file}: ${code}`, 'E_BATCH_FILE');
    throw error;
  }
  await Promise.all(inFlight);
  flush();
  await new Promise((resolve) => setImmediate(resolve));
  return failures > 0 ? ExitCode.toolError : ExitCode.ok;
}

async function runLine(context: CommandContext, tools: ReadonlyMap<string, ToolInfo>, raw: string, line: number): Promise<Record<string, unknown>> {
  let request: { tool?: unknown; args?: unknown };
  try {
    request = JSON.parse(raw) as typeof request;
  } catch (error) {
    return { line, ok: false, error: `invalid JSON: ${(error as Error).message}` };
  }
  if (typeof request !== 'object' || request === null || typeof request.tool !== 'string') {
    return { line, ok: false, error: 'each line must be {"tool": "name", "args": {...}}' };
  }
  const args = request.args ?? {};
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    return { line, tool: request.tool, ok: false, error: '"args" must be a JSON object' };
  }
  try {
    const result = await callAsListed(context.connection, tools.get(request.tool), request.tool, args as Record<string, unknown>, context.signal);
    return { line, tool: request.tool, ok: !result.isError, result };
  } catch (error) {
    if (error instanceof RpcError) return { line, tool: request.tool, ok: false, error: error.message, code: error.code };
    throw error;
  }
}
