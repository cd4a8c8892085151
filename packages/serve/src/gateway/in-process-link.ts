import type { ClientTransport, JsonRpcMessage } from 'mcp-call';

/** The transport interface of the official SDK, as a server connects to it. */
export interface SdkTransport {
  start(): Promise<void>;
  send(message: JsonRpcMessage, options?: { relatedRequestId?: string | number }): Promise<void>;
  close(): Promise<void>;
  onmessage?: (message: JsonRpcMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
}

/** What mcp-serve needs of an SDK `McpServer` (or its low-level `Server`). */
export interface SdkServerLike {
  connect(transport: SdkTransport): Promise<void>;
  close?(): Promise<void>;
}

/**
 * A pair of transports joined in memory: mcp-call's client session on one side, an SDK server
 * on the other. Messages are handed over on the next microtask, as if they had travelled.
 */
export function linkInProcess(name: string): { client: ClientTransport; server: SdkTransport } {
  let closed = false;
  const server: SdkTransport = {
    start: async () => undefined,
    // The SDK names the request a message belongs to: the gateway routes it to that call's client.
    send: async (message, options) => {
      if (!closed) queueMicrotask(() => client.onMessage(structuredClone(message), options?.relatedRequestId));
    },
    close: async () => {
      if (closed) return;
      closed = true;
      client.onClose(new Error(`The in-process server "${name}" closed`));
    },
  };
  const client: ClientTransport = {
    kind: 'memory',
    onMessage: () => undefined,
    onClose: () => undefined,
    send: async (message) => {
      if (closed) throw new Error(`The in-process server "${name}" is closed`);
      // A copy, so neither side sees the other change what it sent.
      queueMicrotask(() => server.onmessage?.(structuredClone(message)));
    },
    setProtocolVersion: () => undefined,
    listen: async () => undefined,
    close: async () => {
      if (closed) return;
      closed = true;
      server.onclose?.();
    },
  };
  return { client, server };
}

/** True for an SDK `McpServer` (it has `server` and `connect`) or a low-level SDK `Server`. */
export function isSdkServer(value: unknown): value is SdkServerLike {
  if (!value || typeof value !== 'object') return false;
  const v = value as { connect?: unknown; server?: unknown; setRequestHandler?: unknown };
  return typeof v.connect === 'function' && ((typeof v.server === 'object' && v.server !== null) || typeof v.setRequestHandler === 'function');
}
