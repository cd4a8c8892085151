import type { ServerResponse } from 'node:http';

/**
 * Ends a response with a JSON-RPC error body and the given HTTP status. Used for every refusal at
 * the HTTP layer, so clients always get a machine-readable reason. `id` is the refused request's
 * when it is known, else null; `data` is the error's data, when it has some.
 */
export function sendRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
  id: string | number | null = null,
  data?: unknown,
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify({ jsonrpc: '2.0', error: data === undefined ? { code, message } : { code, message, data }, id });
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}
