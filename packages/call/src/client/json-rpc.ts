import type { JsonRpcMessage } from '@mcp-cli/core';

export type { JsonRpcMessage } from '@mcp-cli/core';
export { RpcError } from '@mcp-cli/core';

/** What every client transport offers the session above it. */
export interface ClientTransport {
  readonly kind: 'http' | 'sse' | 'stdio' | 'memory';
  /** Sends one message; replies and server messages arrive through `onMessage`. */
  send(message: JsonRpcMessage, signal: AbortSignal): Promise<void>;
  /**
   * Set by the session: every message from the server, with the id of the request it came in the
   * course of, where the transport knows it (the POST whose response stream carried it).
   */
  onMessage: (message: JsonRpcMessage, relatedTo?: string | number) => void;
  /** Set by the session: the transport can no longer deliver (stream closed, server gone). */
  onClose: (error: Error) => void;
  /** Tells the transport the negotiated protocol version (sent as a header on HTTP). */
  setProtocolVersion(version: string): void;
  /** Opens a stream for server-initiated messages where the transport needs one (HTTP GET). */
  listen(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** Parses a body that holds one message or a batch. */
export function parseMessages(text: string): JsonRpcMessage[] {
  const value = JSON.parse(text) as JsonRpcMessage | JsonRpcMessage[];
  return Array.isArray(value) ? value : [value];
}
