// Heap and RSS per idle session: open N sessions (legacy SSE streams, or initialized Streamable
// HTTP sessions), measure after a full GC, check a call is still answered, close them all and
// check the heap returns to its baseline.
//
//   node scripts/bench/idle-sessions.mjs [--sessions 1000,10000] [--client raw|sdk]
//
// `--client sdk` opens the sessions with the official SDK client (what users run) against
// mcp-serve with its default limits, and closes them with client.close().
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { callTool, connect, destroyAgents } from '../../packages/call/dist/index.js';
import { pinSelf, postJson, ROOT, startMcpServe, startProcess, startSdkServer } from './lib.mjs';

/** A session opened by the SDK client, idle until closed. */
async function openSdk(url, transport) {
  const client = new Client({ name: 'idle-sdk', version: '1.0.0' });
  await client.connect(transport === 'sse' ? new SSEClientTransport(new URL(`${url}/sse`)) : new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
  return client;
}

/** mcp-serve with the hello example and every limit at its default. */
function startDefaultServe() {
  return startProcess([`${ROOT}scripts/bench/serve-ipc.mjs`, '--config', `${ROOT}examples/hello/mcp-serve.config.ts`, '--port', '0', '--quiet'], /ready (http:\/\/\S+)/);
}

const INIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'idle', version: '1' } } });
const INITIALIZED = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });

function openSse(url) {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/sse`, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk) => {
        text += chunk;
        const match = /data: (\S+)/.exec(text);
        if (match && !res.sessionPath) {
          res.sessionPath = match[1];
          // The legacy protocol still needs its handshake before the session is usable.
          postJson(`${url}${match[1]}`, INIT, {}, agent).then(() => postJson(`${url}${match[1]}`, INITIALIZED, {}, agent)).then(() => resolve(res), reject);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
async function openHttp(url) {
  const { headers } = await postJson(`${url}/mcp`, INIT, {}, agent);
  const id = headers['mcp-session-id'];
  await postJson(`${url}/mcp`, INITIALIZED, { 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' }, agent);
  return id;
}

async function inBatches(count, open) {
  const results = [];
  for (let i = 0; i < count; i += 200) results.push(...(await Promise.all(Array.from({ length: Math.min(200, count - i) }, (_, j) => open(undefined, i + j)))));
  return results;
}

/** Opens `count` idle sessions of one kind against a fresh server; returns per-session costs. */
export async function measureIdle(serverName, start, transport, count, client = 'raw') {
  const server = await start();
  // Warm both paths so lazy modules and JIT are not counted as session cost.
  const warm = await connect({ url: `${server.url}/${transport === 'sse' ? 'sse' : 'mcp'}`, transport, headers: {}, signal: AbortSignal.timeout(60_000), waitMs: 0, capabilities: {}, clientInfo: { name: 'w', version: '1' } });
  await callTool(warm, 'greet', { name: 'warm' }, { signal: AbortSignal.timeout(10_000) });
  await warm.close();
  destroyAgents();
  const before = await server.stats();
  const opened = await Promise.allSettled([client === 'sdk' ? inBatches(count, () => openSdk(server.url, transport)) : transport === 'sse' ? inBatches(count, () => openSse(server.url)) : inBatches(count, () => openHttp(server.url))]);
  if (opened[0].status === 'rejected') {
    await server.stop();
    return { server: serverName, transport, sessions: count, refused: String(opened[0].reason?.message ?? opened[0].reason).slice(0, 120) };
  }
  const handles = opened[0].value;
  const during = await server.stats();
  // A call is still answered: on one of the open sessions (the SDK's), or on one more (at the
  // default session cap, a session more would be refused).
  let answered;
  if (client === 'sdk') {
    answered = (await handles[0].callTool({ name: 'greet', arguments: { name: 'probe' } })).content[0]?.text === 'Hello Hello, probe!';
  } else {
    const probe = await connect({ url: `${server.url}/${transport === 'sse' ? 'sse' : 'mcp'}`, transport, headers: {}, signal: AbortSignal.timeout(60_000), waitMs: 0, capabilities: {}, clientInfo: { name: 'p', version: '1' } });
    answered = (await callTool(probe, 'greet', { name: 'probe' }, { signal: AbortSignal.timeout(30_000) })).content[0]?.text === 'Hello Hello, probe!';
    await probe.close();
  }
  destroyAgents();
  if (client === 'sdk') await inBatches(handles.length, (_, i) => handles[i].close());
  else if (transport === 'sse') for (const res of handles) res.destroy();
  else await inBatches(handles.length, (_, i) => new Promise((resolve) => request(`${server.url}/mcp`, { method: 'DELETE', agent, headers: { 'mcp-session-id': handles[i] } }, (r) => r.resume().on('end', resolve)).end()));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = await server.stats();
  await server.stop();
  agent.destroy();
  return {
    server: serverName,
    transport,
    sessions: count,
    heapPerSessionKb: (during.heapUsed - before.heapUsed) / count / 1024,
    rssPerSessionKb: (during.rss - before.rss) / count / 1024,
    heapAfterCloseKb: (after.heapUsed - before.heapUsed) / 1024,
    answered,
  };
}

if (import.meta.url === `file://${process.argv[1]}` && !pinSelf()) {
  const { values } = parseArgs({ options: { sessions: { type: 'string', default: '1000,10000' }, servers: { type: 'string', default: 'mcp-serve,SDK server' }, client: { type: 'string', default: 'raw' } } });
  // The SDK client meets mcp-serve as users start it: every limit at its default.
  const servers = { 'mcp-serve': values.client === 'sdk' ? startDefaultServe : startMcpServe, 'SDK server': startSdkServer };
  console.log('server      transport sessions  heap/session  rss/session  heap after close  call answered');
  for (const count of values.sessions.split(',').map(Number)) {
    for (const name of values.servers.split(',')) {
      for (const transport of ['sse', 'http']) {
        const r = await measureIdle(name, servers[name], transport, count, values.client);
        if (r.refused) {
          console.log(`${r.server.padEnd(11)} ${r.transport.padEnd(9)} ${String(r.sessions).padStart(8)}  refused: ${r.refused}`);
          continue;
        }
        console.log(`${r.server.padEnd(11)} ${r.transport.padEnd(9)} ${String(r.sessions).padStart(8)} ${r.heapPerSessionKb.toFixed(1).padStart(10)} KB ${r.rssPerSessionKb.toFixed(1).padStart(9)} KB ${r.heapAfterCloseKb.toFixed(0).padStart(13)} KB  ${r.answered}`);
      }
    }
  }
}
