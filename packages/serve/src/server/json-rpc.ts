import type { JsonRpcMessage } from '@mcp-cli/core';

/** Where a session's outgoing messages go; `relatedId` ties them to the request being served. */
export type MessageSink = (message: JsonRpcMessage, relatedId: string | number | undefined) => void;
