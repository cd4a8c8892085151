import { type HandlerContext, LOG_LEVELS, type LogLevel } from '@mcp-cli/core';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CreateMessageResultSchema,
  ElicitResultSchema,
  ResultSchema,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';

/** Per-session state a context reads: the log level the client chose. */
export interface SessionState {
  logLevel: LogLevel | undefined;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * Builds the context a handler gets. Notifications and requests it sends carry the id of the
 * request being served, so on Streamable HTTP they ride that request's stream.
 */
export function createHandlerContext(extra: Extra, session: SessionState, signal: AbortSignal): HandlerContext {
  const progressToken = extra._meta?.progressToken;
  return {
    signal,
    sessionId: extra.sessionId,
    requestId: extra.requestId,
    async log(level, data, logger) {
      if (!shouldLog(level, session.logLevel)) return;
      await extra.sendNotification({
        method: 'notifications/message',
        params: logger === undefined ? { level, data } : { level, data, logger },
      });
    },
    async progress(progress, total, message) {
      if (progressToken === undefined) return;
      const params: Record<string, unknown> = { progressToken, progress };
      if (total !== undefined) params.total = total;
      if (message !== undefined) params.message = message;
      await extra.sendNotification({ method: 'notifications/progress', params } as ServerNotification);
    },
    async elicit(message, requestedSchema) {
      const result = await extra.sendRequest(
        { method: 'elicitation/create', params: { message, requestedSchema } } as ServerRequest,
        ElicitResultSchema,
        { signal },
      );
      return result as Awaited<ReturnType<HandlerContext['elicit']>>;
    },
    async sample(params) {
      const result = await extra.sendRequest(
        { method: 'sampling/createMessage', params } as ServerRequest,
        CreateMessageResultSchema,
        { signal },
      );
      return result as Awaited<ReturnType<HandlerContext['sample']>>;
    },
    async request(method, params) {
      return extra.sendRequest({ method, params } as ServerRequest, ResultSchema, { signal });
    },
  };
}

/** True when a message at `level` passes the level the client set (all pass when none is set). */
export function shouldLog(level: LogLevel, minimum: LogLevel | undefined): boolean {
  if (minimum === undefined) return true;
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(minimum);
}
