/** A JSON-RPC 2.0 message as it travels. */
export interface JsonRpcMessage {
  jsonrpc: '2.0';
  id?: string | number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

/** JSON-RPC and MCP error codes. */
export const RpcCode = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** Generic server error; MCP also uses it for "connection closed". */
  serverError: -32000,
  resourceNotFound: -32002,
  /** 2026-07-28: an HTTP header does not match the body, or a required one is missing. */
  headerMismatch: -32020,
  /** 2026-07-28: the request needs a client capability its `_meta` did not declare. */
  missingRequiredClientCapability: -32021,
  /** 2026-07-28: the server does not speak the requested protocol version. */
  unsupportedProtocolVersion: -32022,
} as const;

/** A JSON-RPC error object, sent or received. */
export class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.data = data;
  }
}

/**
 * An RpcError, matched by shape too: a module, or a program that bundles its own copy of this
 * class (mcp-call inside mcp-serve's gateway), throws one that is not this class. Never throws,
 * whatever it is given (a Proxy, a getter that throws).
 */
export function isRpcError(error: unknown): error is { name: 'RpcError'; code: number; message: unknown; data?: unknown } {
  const e = error as { name?: unknown; code?: unknown } | null;
  try {
    return error instanceof RpcError || (typeof e === 'object' && e !== null && e.name === 'RpcError' && typeof e.code === 'number');
  } catch {
    return false;
  }
}

