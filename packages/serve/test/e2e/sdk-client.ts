import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** The two transports every e2e test runs over. */
export const TRANSPORTS = ['sse', 'http'] as const;
export type TransportName = (typeof TRANSPORTS)[number];

/** Connects the SDK's own client to a running mcp-serve over one transport. */
export async function connectSdkClient(
  baseUrl: string,
  transport: TransportName,
  capabilities: Record<string, unknown> = {},
  headers: Record<string, string> = {},
  query = '',
): Promise<Client> {
  const client = new Client({ name: 'e2e', version: '1.0.0' }, { capabilities });
  const requestInit = { headers };
  const t =
    transport === 'sse'
      ? new SSEClientTransport(new URL(`${baseUrl}/sse${query && `?${query}`}`), { requestInit })
      : new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp${query && `?${query}`}`), { requestInit });
  await client.connect(t);
  return client;
}
