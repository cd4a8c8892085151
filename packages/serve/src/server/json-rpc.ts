import type { JsonRpcMessage } from '@mcp-cli/core';

/**
 * Where a session's outgoing messages go: the message, its JSON (serialised once, by the
 * session), and `relatedId`, which ties it to the request being served. The JSON is what is sent:
 * a 2026-07-28 result's also carries its `resultType` and `_meta`, which the message, there for
 * routing (its id, method, error), does not. A sink whose stream is congested returns a promise
 * that settles when the stream can take more.
 */
export type MessageSink = (message: JsonRpcMessage, relatedId: string | number | undefined, json: string) => Promise<void> | void;
