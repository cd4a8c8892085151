/** A JSON-RPC message as it travels (validated for shape at the HTTP layer). */
export interface JsonRpcMessage {
  jsonrpc: '2.0';
  id?: string | number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

/** Where a session's outgoing messages go; `relatedId` ties them to the request being served. */
export type MessageSink = (message: JsonRpcMessage, relatedId: string | number | undefined) => void;
