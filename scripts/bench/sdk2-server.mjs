// The same greet tool on the SDK's 2.x packages (`@modelcontextprotocol/server` 2.4.0 and
// `@modelcontextprotocol/node` 2.1.2, installed pinned into node_modules/.cache/bench-clients by
// server-load.mjs): `createMcpHandler` serves 2026-07-28 and falls back to stateless serving for
// 2025 clients, mounted on node:http with `toNodeHandler`. The second baseline of the benchmark.
//
//   node scripts/bench/sdk2-server.mjs PORT
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

import { installStatsChannel } from './stats-channel.mjs';

const require = createRequire(`${process.env.BENCH_CLIENTS}/package.json`);
const { McpServer, createMcpHandler } = await import(require.resolve('@modelcontextprotocol/server'));
const { toNodeHandler } = await import(require.resolve('@modelcontextprotocol/node'));
const { z } = await import(require.resolve('zod'));

installStatsChannel();

const handler = createMcpHandler(() => {
  const server = new McpServer({ name: 'Hello Server', version: '1.0.0' });
  server.registerTool('greet', { description: 'Greet someone by name', inputSchema: z.object({ name: z.string().default('world') }) }, ({ name }) => ({
    content: [{ type: 'text', text: `Hello Hello, ${name}!` }],
  }));
  return server;
});
const nodeHandler = toNodeHandler(handler);

const httpServer = createServer((req, res) => {
  if (req.url?.startsWith('/mcp')) return void nodeHandler(req, res);
  res.writeHead(404).end();
});
httpServer.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => console.log(`ready http://127.0.0.1:${httpServer.address().port}`));
