import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { INITIALIZE_BODY, MCP_POST_HEADERS, rawRequest, REDIS_BIN, REPO_ROOT, runCall, startRedis, startServe, writeTempFiles, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { TRANSPORTS, type TransportName } from './sdk-client.ts';

// `/mcp/<server>` serves one upstream of the gateway alone, as if a client had reached it
// directly: its own tool names, its own serverInfo and instructions, nothing of the others. The
// upstreams are the real server-memory and server-everything from npm, driven by the SDK's client.
const env = { PATH: `${REPO_ROOT}packages/call/node_modules/.bin:${process.env.PATH}` };
const required = process.env.CI !== undefined;

const config = (dir: string) => `export default {
  tools: './tools.mjs',
  servers: {
    memory: { command: 'mcp-server-memory', env: { MEMORY_FILE_PATH: ${JSON.stringify(join(dir, 'memory.jsonl'))} }, deny: ['delete_entities'] },
    everything: { command: 'mcp-server-everything', args: ['stdio'] },
  },
};`;
const TOOLS = `export const local = { kind: 'tool', name: 'local', description: 'a module tool', handler: () => 'from a module' };
export const note = { kind: 'resource', uri: 'local://note', name: 'note', text: 'a module note', subscribe: () => () => undefined };`;

/** The SDK client on one server route, over Streamable HTTP or legacy SSE. */
async function connectRoute(url: string, transport: TransportName, server: string): Promise<Client> {
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(transport === 'sse' ? new SSEClientTransport(new URL(`${url}/sse/${server}`)) : new StreamableHTTPClientTransport(new URL(`${url}/mcp/${server}`)));
  return client;
}

/** What the server says of itself and lists when the SDK client starts it directly on stdio. */
async function direct(command: string, args: string[], extraEnv: Record<string, string> = {}) {
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command, args, env: { ...env, ...extraEnv }, stderr: 'ignore' }));
  try {
    return { info: client.getServerVersion(), instructions: client.getInstructions(), tools: (await client.listTools()).tools.map((t) => t.name).sort() };
  } finally {
    await client.close();
  }
}

describe('each upstream served alone at /mcp/<server>', () => {
  let dir: string;
  let server: ServeProcess;
  beforeAll(async () => {
    dir = await writeTempFiles({ 'tools.mjs': TOOLS });
    await writeFile(join(dir, 'mcp-serve.config.mjs'), config(dir));
    server = await startServe(['--audit-log', join(dir, 'audit.jsonl')], { cwd: dir, env });
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  for (const transport of TRANSPORTS) {
    it(`serves server-memory under its own names, name and instructions over ${transport}, and nothing of the others`, async () => {
      const own = await direct('mcp-server-memory', [], { MEMORY_FILE_PATH: join(dir, 'direct.jsonl') });
      const client = await connectRoute(server.url, transport, 'memory');
      expect(client.getServerVersion()).toEqual(own.info);
      expect(client.getInstructions()).toBe(own.instructions);
      // The upstream's own names, the config's deny list still applied; no module tool, no other upstream's.
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(own.tools.filter((name) => name !== 'delete_entities'));
      expect((await client.listResources()).resources.map((r) => r.uri)).toEqual(['memory://knowledge-graph']);
      expect((await client.listPrompts()).prompts).toEqual([]);
      const entity = `Ada-${transport}`;
      await client.callTool({ name: 'create_entities', arguments: { entities: [{ name: entity, entityType: 'person', observations: ['alone'] }] } });
      await expect(client.callTool({ name: 'memory_read_graph', arguments: {} })).rejects.toThrow(/Unknown tool "memory_read_graph"/);
      await client.close();
      // The combined endpoint serves the same upstream, prefixed: it sees what the route wrote.
      const combined = await runCall(['--url', `${server.url}/mcp`, 'memory_read_graph']);
      expect(combined.code, combined.stderr).toBe(0);
      expect(combined.stdout).toContain(entity);
    });
  }

  it("serves server-everything's instructions, prompts and resources on its route, and mcp-call reaches it by URL", async () => {
    const own = await direct('mcp-server-everything', ['stdio']);
    expect(own.instructions).toMatch(/Everything/);
    const client = await connectRoute(server.url, 'http', 'everything');
    expect(client.getInstructions()).toBe(own.instructions);
    expect(client.getServerVersion()).toEqual(own.info);
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toContain('simple-prompt');
    expect((await client.listResources()).resources.map((r) => r.uri)).not.toContain('memory://knowledge-graph');
    expect((await client.callTool({ name: 'echo', arguments: { message: 'alone' } })).content).toEqual([{ type: 'text', text: 'Echo: alone' }]);
    await client.close();
    // mcp-call speaks 2026-07-28 where it can: server/discover answers with the route's instructions too.
    const info = await runCall(['--url', `${server.url}/mcp/everything`, 'info']);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(new RegExp(`^name:\\s+${own.info!.name}$`, 'm'));
    expect(info.stdout).toContain('Everything Server');
    const echoed = await runCall(['--url', `${server.url}/mcp/everything`, 'echo', '--message', 'by mcp-call']);
    expect(echoed.stdout.trim()).toBe('Echo: by mcp-call');
    // The banner names the routes.
    expect(server.stderr()).toMatch(/each alone at\s+http:\/\/127\.0\.0\.1:\d+\/mcp\/memory, \/mcp\/everything/);
  });

  it('names a route call in the audit log as the combined endpoint does', async () => {
    const called = await runCall(['--url', `${server.url}/mcp/memory`, 'search_nodes', '--query', 'nobody']);
    expect(called.code, called.stderr).toBe(0);
    // The log is written in batches: read until the call's line is there, or for at most ten seconds.
    const deadline = Date.now() + 10_000;
    let text = '';
    while (!text.includes('search_nodes') && Date.now() < deadline) {
      text = await readFile(join(dir, 'audit.jsonl'), 'utf8');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const lines = text.trim().split('\n').map((line) => JSON.parse(line) as { name: string; method: string });
    expect(lines.filter((line) => line.method === 'tools/call').map((line) => line.name)).toContain('memory_search_nodes');
    expect(lines.map((line) => line.name)).not.toContain('search_nodes');
  });

  it('answers an unknown route with 404 naming the routes, and keeps a session on the route it was opened on', async () => {
    const unknown = await rawRequest(`${server.url}/mcp/nope`, { method: 'POST', headers: MCP_POST_HEADERS, body: INITIALIZE_BODY });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text).error.message).toBe('Not found: no server "nope" here (servers served alone: /mcp/memory, /mcp/everything)');
    const nested = await rawRequest(`${server.url}/mcp/memory/more`, { method: 'POST', headers: MCP_POST_HEADERS, body: INITIALIZE_BODY });
    expect(nested.status).toBe(404);
    const opened = await rawRequest(`${server.url}/mcp/memory`, { method: 'POST', headers: MCP_POST_HEADERS, body: INITIALIZE_BODY });
    const sessionId = opened.headers['mcp-session-id'] as string;
    expect(sessionId).toBeTruthy();
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
    const headers = { ...MCP_POST_HEADERS, 'Mcp-Session-Id': sessionId, 'MCP-Protocol-Version': '2025-11-25' };
    // Elsewhere the session does not exist: its names are the route's, and so are the scopes checked for it.
    for (const path of ['/mcp', '/mcp/everything']) {
      const elsewhere = await rawRequest(`${server.url}${path}`, { method: 'POST', headers, body: list });
      expect(elsewhere.status, path).toBe(404);
    }
    const here = await rawRequest(`${server.url}/mcp/memory`, { method: 'POST', headers, body: list });
    expect(here.status).toBe(200);
    expect(here.text).toContain('"read_graph"');
    // A module's resource is not the route's to read or watch, though /mcp serves it.
    for (const method of ['resources/read', 'resources/subscribe']) {
      const asked = await rawRequest(`${server.url}/mcp/memory`, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 3, method, params: { uri: 'local://note' } }) });
      expect(JSON.parse(asked.text).error?.message, method).toMatch(/Unknown resource|not found/i);
    }
  });
});

describe.skipIf(!REDIS_BIN && !required)('a server route across processes sharing a store', () => {
  it('serves a session opened on /mcp/<server> in one process with the same view in another', async () => {
    expect(REDIS_BIN, 'redis-server is not installed (apt-get install redis-server)').toBeDefined();
    const dir = await writeTempFiles({ 'tools.mjs': TOOLS });
    await writeFile(join(dir, 'mcp-serve.config.mjs'), config(dir));
    const redis = await startRedis();
    const [a, b] = await Promise.all([startServe(['--store', redis.url], { cwd: dir, env }), startServe(['--store', redis.url], { cwd: dir, env })]);
    try {
      const opened = await rawRequest(`${a!.url}/mcp/everything`, { method: 'POST', headers: MCP_POST_HEADERS, body: INITIALIZE_BODY });
      expect(JSON.parse(opened.text).result.serverInfo.name).not.toBe('mcp-serve');
      const headers = { ...MCP_POST_HEADERS, 'Mcp-Session-Id': opened.headers['mcp-session-id'] as string, 'MCP-Protocol-Version': '2025-11-25' };
      const call = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { message: 'from b' } } });
      const there = await rawRequest(`${b!.url}/mcp/everything`, { method: 'POST', headers, body: call });
      expect(there.status, there.text).toBe(200);
      expect(there.text).toContain('Echo: from b');
      const combined = await rawRequest(`${b!.url}/mcp`, { method: 'POST', headers, body: call });
      expect(combined.status).toBe(404);
    } finally {
      await Promise.all([a!.stop(), b!.stop()]);
      await redis.stop();
    }
  });
});
