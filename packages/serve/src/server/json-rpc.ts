import type { JsonRpcMessage } from '@mcp-cli/core';

/**
 * Where a session's outgoing messages go: the message, its JSON (serialised once, by the
 * session), and `relatedId`, which ties it to the request being served. A sink whose stream is
 * congested returns a promise that settles when the stream can take more.
 */
export type MessageSink = (message: JsonRpcMessage, relatedId: string | number | undefined, json: string) => Promise<void> | void;
