import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { ErrorCode, McpError, type ServerNotification, type ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * Registers a request handler whose params failing the schema give JSON-RPC -32602 (invalid
 * params) naming the field, where the SDK alone would answer -32603 (internal error).
 */
export function setValidatedHandler<S extends z.ZodType<{ method: string }>>(
  server: Server,
  method: string,
  schema: S,
  handler: (request: z.output<S>, extra: Extra) => unknown,
): void {
  const envelope = z.looseObject({ method: z.literal(method) });
  server.setRequestHandler(envelope, (request, extra) => {
    const parsed = schema.safeParse(request);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new McpError(ErrorCode.InvalidParams, `Invalid ${method} request: ${detail}`);
    }
    return handler(parsed.data, extra) as never;
  });
}
