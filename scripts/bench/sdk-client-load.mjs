// What users' clients see: the official SDK client (1.x) at 16 sessions × 8 calls in flight,
// over legacy SSE and Streamable HTTP, against mcp-serve with its default limits (none of the
// raised caps the other benchmarks pass). Reports calls, calls/s and refused or failed calls.
//
//   node scripts/bench/sdk-client-load.mjs [--seconds 5] [--clients 16] [--in-flight 8]
import { parseArgs } from 'node:util';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { pinSelf, ROOT, startProcess } from './lib.mjs';

/** mcp-serve with the hello example and every limit at its default. */
function startDefaultServe() {
  return startProcess([`${ROOT}scripts/bench/serve-ipc.mjs`, '--config', `${ROOT}examples/hello/mcp-serve.config.ts`, '--port', '0', '--quiet'], /ready (http:\/\/\S+)/);
}

async function runLoad(url, transport, { seconds, clients, inFlight }) {
  const open = async () => {
    const client = new Client({ name: 'sdk-load', version: '1.0.0' });
    await client.connect(transport === 'sse' ? new SSEClientTransport(new URL(`${url}/sse`)) : new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
    return client;
  };
  const sessions = await Promise.all(Array.from({ length: clients }, open));
  const deadline = Date.now() + seconds * 1000;
  let calls = 0;
  const failures = new Map();
  const worker = async (client) => {
    while (Date.now() < deadline) {
      try {
        await client.callTool({ name: 'greet', arguments: { name: 'load' } });
        calls++;
      } catch (error) {
        const key = String(error.message).slice(0, 80);
        failures.set(key, (failures.get(key) ?? 0) + 1);
      }
    }
  };
  await Promise.all(sessions.flatMap((client) => Array.from({ length: inFlight }, () => worker(client))));
  await Promise.all(sessions.map((client) => client.close()));
  return { transport, calls, perSecond: calls / seconds, failed: [...failures.values()].reduce((a, b) => a + b, 0), failures: Object.fromEntries(failures) };
}

export async function measureSdkClientLoad(options = { seconds: 5, clients: 16, inFlight: 8 }) {
  const server = await startDefaultServe();
  try {
    const results = [];
    for (const transport of ['sse', 'http']) results.push(await runLoad(server.url, transport, options));
    return results;
  } finally {
    await server.stop();
  }
}

if (!pinSelf() && import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, clients: { type: 'string', default: '16' }, 'in-flight': { type: 'string', default: '8' } } });
  const options = { seconds: Number(values.seconds), clients: Number(values.clients), inFlight: Number(values['in-flight']) };
  console.log(`| SDK client, ${options.clients} sessions × ${options.inFlight} in flight, default limits | calls | calls/s | refused or failed |`);
  console.log('| --- | --- | --- | --- |');
  for (const r of await measureSdkClientLoad(options)) {
    console.log(`| ${r.transport === 'sse' ? 'legacy SSE' : 'Streamable HTTP'} | ${r.calls} | ${r.perSecond.toFixed(0)} | ${r.failed}${r.failed ? ` ${JSON.stringify(r.failures)}` : ''} |`);
  }
}
