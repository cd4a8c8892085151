/** Default bind address: loopback only, so nothing is exposed by accident. */
export const DEFAULT_HOST = '127.0.0.1';
/** Default port, the one the protocol walkthrough uses. */
export const DEFAULT_PORT = 8000;
/** Default path of the legacy HTTP+SSE stream (protocol 2024-11-05). */
export const DEFAULT_SSE_PATH = '/sse';
/** Default path where legacy SSE clients POST their messages. */
export const DEFAULT_MESSAGES_PATH = '/messages';
/** Default path of the Streamable HTTP transport. */
export const DEFAULT_MCP_PATH = '/mcp';
/** Default path of the health check. */
export const DEFAULT_HEALTH_PATH = '/health';
/** The newest protocol version both CLIs speak. */
export const LATEST_PROTOCOL_VERSION = '2025-11-25';
/** Every protocol version both CLIs accept, newest first. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = [
  '2025-11-25',
  '2025-06-18',
  '2025-03-26',
  '2024-11-05',
  '2024-10-07',
];

/**
 * Protocol versions without sessions (2026-07-28 and later): every request carries its version,
 * the client's capabilities and identity in `_meta`, and no `initialize` comes first.
 */
export const MODERN_PROTOCOL_VERSIONS: readonly string[] = ['2026-07-28'];

/** The `_meta` keys of a 2026-07-28 request and result. */
export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;

/** The tasks extension of 2026-07-28 (SEP-2663), as capabilities name it. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** True when a protocol version has JSON-RPC batches (they were removed in 2025-06-18). */
export function supportsBatches(version: string): boolean {
  return version <= '2025-03-26';
}
