import { request } from 'node:http';

/** A whole HTTP response. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * Sends one raw HTTP request with node:http (any header, `Host` included; any body bytes) and
 * reads the whole response. For streams, `maxMs` ends the read early.
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; maxMs?: number } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      // A response the server cut off ends with close, not end: both settle it, once.
      const finish = (): void =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', finish);
      res.on('close', finish);
      if (options.maxMs !== undefined) {
        setTimeout(() => {
          res.destroy();
          finish();
        }, options.maxMs);
      }
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** JSON-RPC initialize body for raw Streamable HTTP requests. */
export const INITIALIZE_BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

/** Headers a Streamable HTTP POST needs. */
export const MCP_POST_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
