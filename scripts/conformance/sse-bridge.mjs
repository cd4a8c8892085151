#!/usr/bin/env node
// Puts a Streamable HTTP endpoint in front of a legacy HTTP+SSE MCP server, so the conformance
// suite (whose client speaks Streamable HTTP only) can test the legacy transport end to end.
//
//   node scripts/conformance/sse-bridge.mjs SSE_URL PORT      serves http://127.0.0.1:PORT/mcp
//
// Each downstream session gets its own upstream SSE session; messages pass through unchanged.
// Legacy SSE does not say which request a notification or server request belongs to, so each
// rides the stream of the newest request still waiting for its answer (a tool call's logs,
// progress, sampling and elicitation then arrive on that call's POST stream, as they would from
// a Streamable HTTP server). The bridge's own HTTP layer is the SDK's (Host and Origin checks).
import { randomUUID } from 'node:crypto';

import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

const [upstreamUrl, portText] = process.argv.slice(2);
if (!upstreamUrl || !portText) {
  console.error('usage: node sse-bridge.mjs SSE_URL PORT');
  process.exit(2);
}
const sessions = new Map();
const app = createMcpExpressApp();

async function openSession(req, res) {
  const waiting = [];
  const upstream = new SSEClientTransport(new URL(upstreamUrl));
  const downstream = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (id) => sessions.set(id, downstream) });
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    if (downstream.sessionId) sessions.delete(downstream.sessionId);
    void upstream.close().catch(() => undefined);
    void downstream.close().catch(() => undefined);
  };
  downstream.onmessage = (message) => {
    const isRequest = 'method' in message && 'id' in message;
    if (isRequest) waiting.push(message.id);
    upstream.send(message).catch((error) => {
      if (!isRequest) return;
      waiting.splice(waiting.indexOf(message.id), 1);
      void downstream.send({ jsonrpc: '2.0', id: message.id, error: { code: -32603, message: `sse-bridge: the upstream did not take the message: ${error.message}` } }).catch(() => undefined);
    });
  };
  upstream.onmessage = (message) => {
    if (!('method' in message) && 'id' in message) {
      const at = waiting.indexOf(message.id);
      if (at !== -1) waiting.splice(at, 1);
      void downstream.send(message).catch(() => undefined);
      return;
    }
    const related = waiting.at(-1);
    void downstream.send(message, related === undefined ? undefined : { relatedRequestId: related }).catch(() => undefined);
  };
  downstream.onclose = close;
  upstream.onclose = close;
  upstream.onerror = (error) => console.error(`sse-bridge: upstream error: ${error?.message ?? error}`);
  await upstream.start();
  await downstream.start();
  await downstream.handleRequest(req, res, req.body);
}

app.post('/mcp', async (req, res) => {
  try {
    const id = req.headers['mcp-session-id'];
    if (id && sessions.has(id)) return await sessions.get(id).handleRequest(req, res, req.body);
    if (!id && req.body?.method === 'initialize') return await openSession(req, res);
    // An ended session is 404, as a Streamable HTTP server answers it; no id at all is 400.
    res.status(id ? 404 : 400).json({ jsonrpc: '2.0', error: { code: -32000, message: 'sse-bridge: unknown or missing Mcp-Session-Id' }, id: null });
  } catch (error) {
    if (!res.headersSent) res.status(502).json({ jsonrpc: '2.0', error: { code: -32603, message: `sse-bridge: ${error.message}` }, id: null });
  }
});
for (const method of ['get', 'delete']) {
  app[method]('/mcp', async (req, res) => {
    const session = sessions.get(req.headers['mcp-session-id']);
    if (!session) return void res.status(req.headers['mcp-session-id'] ? 404 : 400).send('sse-bridge: unknown or missing Mcp-Session-Id');
    await session.handleRequest(req, res).catch((error) => res.headersSent || res.status(500).send(String(error)));
  });
}
const server = app.listen(Number(portText), '127.0.0.1', () => console.error(`sse-bridge: http://127.0.0.1:${portText}/mcp -> ${upstreamUrl}`));
const stop = () => {
  for (const session of sessions.values()) void session.close().catch(() => undefined);
  server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
