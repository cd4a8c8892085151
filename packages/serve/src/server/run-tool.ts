import { type CallToolResult, type HandlerContext, isRpcError } from '@mcp-cli/core';

import type { Logger } from '../logger.ts';
import { deadlines } from './deadlines.ts';
import { createHandlerContext } from './handler-context.ts';
import { CALL_TIMEOUT, type RequestContext } from './mcp-session.ts';
import type { RegisteredTool } from './registry.ts';
import { publicMessage } from './to-rpc-error.ts';
import { errorResult, toToolResult } from './tool-result.ts';
import { isPromiseLike } from './is-promise-like.ts';

/**
 * Validates the arguments, runs the handler under the per-call timeout and turns every outcome
 * into a result: invalid arguments, a throw, a rejection or a timeout give `isError: true` with a
 * message that names what went wrong; an RpcError thrown on purpose is a JSON-RPC error instead.
 * The handler's signal fires on cancel, disconnect or timeout.
 */
export function runTool(
  tool: RegisteredTool,
  rawArgs: Record<string, unknown> | undefined,
  ctx: RequestContext,
  /** Undefined for a task, which its own TTL and cancellation bound instead. */
  callTimeoutMs: number | undefined,
  logger: Logger,
): CallToolResult | Promise<CallToolResult> {
  const name = tool.def.name;
  const parsed = tool.checkedElsewhere ? ({ ok: true, value: rawArgs ?? {} } as const) : tool.input.parse(rawArgs ?? {});
  if (!parsed.ok) return errorResult(`Invalid arguments for tool "${name}": ${parsed.message}`);

  const handlerContext: HandlerContext = createHandlerContext(ctx);
  let returned: unknown;
  try {
    // The handler's own type is narrowed by its input schema; here the args are validated data.
    returned = (tool.def.handler as (args: unknown, ctx: HandlerContext) => unknown)(parsed.value, handlerContext);
  } catch (error) {
    if (isRpcError(error)) throw error;
    return errorResult(publicMessage(error, logger, `tool "${name}" failed`));
  }
  // A synchronous handler has finished: no timer, no race.
  if (!isPromiseLike(returned)) return checkOutput(tool, toToolResult(returned));
  // One promise settled by whichever comes first, the handler or the timer (cheaper than a race).
  return new Promise<CallToolResult>((resolve, reject) => {
    const timedOut = (): void => {
      ctx.abort(new Error(CALL_TIMEOUT));
      logger.warn('call timed out', { tool: name, sessionId: ctx.session.id, timeoutMs: callTimeoutMs });
      resolve(errorResult(`Tool "${name}" timed out after ${callTimeoutMs} ms`));
    };
    const forget = (): void => deadlines.forget(timedOut);
    if (callTimeoutMs !== undefined) {
      deadlines.watch(timedOut, callTimeoutMs);
      // A call cancelled, or abandoned for input the client gives in a retry, is not watched.
      ctx.onAbort(forget);
    }
    (returned as PromiseLike<unknown>).then(
      (value) => {
        forget();
        try {
          resolve(checkOutput(tool, toToolResult(value)));
        } catch (error) {
          resolve(errorResult(publicMessage(error, logger, `tool "${name}" failed`)));
        }
      },
      (error: unknown) => {
        forget();
        if (isRpcError(error)) reject(error);
        else resolve(errorResult(publicMessage(error, logger, `tool "${name}" failed`)));
      },
    );
  });
}

function checkOutput(tool: RegisteredTool, result: CallToolResult): CallToolResult {
  if (!tool.output || result.isError || tool.checkedElsewhere) return result;
  if (result.structuredContent === undefined) {
    return errorResult(`Tool "${tool.def.name}" declares an output schema but returned no structured content`);
  }
  // A copy: validating fills in defaults, and the handler's own object (perhaps shared) stays as it was.
  const checked = tool.output.parse(structuredClone(result.structuredContent));
  if (!checked.ok) {
    return errorResult(`Tool "${tool.def.name}" returned output that fails its schema: ${checked.message}`);
  }
  return result;
}
