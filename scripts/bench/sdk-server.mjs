// A minimal server written directly on the SDK's own transports (legacy SSE and Streamable HTTP)
// and its McpServer class, serving the same greet tool: the baseline mcp-serve is measured against.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

import { installStatsChannel } from './stats-channel.mjs';

installStatsChannel();

function createMcpServer() {
  const server = new McpServer({ name: 'Hello Server', version: '1.0.0' });
  server.registerTool('greet', { description: 'Greet someone by name', inputSchema: { name: z.string().default('world') } }, ({ name }) => ({
    content: [{ type: 'text', text: `Hello Hello, ${name}!` }],
  }));
  return server;
}

const sse = new Map();
const http = new Map();

async function readJson(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return JSON.parse(body);
}

const httpServer = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/sse' && req.method === 'GET') {
    const transport = new SSEServerTransport('/messages', res);
    sse.set(transport.sessionId, transport);
    transport.onclose = () => sse.delete(transport.sessionId);
    await createMcpServer().connect(transport);
    return;
  }
  if (url.pathname === '/messages' && req.method === 'POST') {
    const transport = sse.get(url.searchParams.get('sessionId'));
    if (!transport) return res.writeHead(404).end();
    return transport.handlePostMessage(req, res, await readJson(req));
  }
  if (url.pathname === '/mcp') {
    const id = req.headers['mcp-session-id'];
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    let transport = id ? http.get(id) : undefined;
    if (!transport) {
      if (id || body?.method !== 'initialize') return res.writeHead(400).end();
      transport = new StreamableHTTPServerTransport({ sessionIdGenerator: randomUUID, onsessioninitialized: (sid) => http.set(sid, transport) });
      transport.onclose = () => http.delete(transport.sessionId);
      await createMcpServer().connect(transport);
    }
    return transport.handleRequest(req, res, body);
  }
  res.writeHead(404).end();
});
httpServer.listen(0, '127.0.0.1', () => console.error(`listening http://127.0.0.1:${httpServer.address().port}`));
process.on('SIGTERM', () => process.exit(0));
