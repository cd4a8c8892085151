// CPU the server spends on one hostile body within the size limit (4 MB by default): each shape
// is sent alone to a fresh session and the server's CPU time is read from /proc before and after.
// The goal: no body within the limit costs more than 100 ms of server CPU.
//
//   node scripts/bench/hostile-bodies.mjs [--runs 5]
import { parseArgs } from 'node:util';

import { cpuMs, median, pinSelf, postJson, startMcpServe } from './lib.mjs';

const LIMIT = 4 * 1024 * 1024 - 1024;

/** Bodies that cost as much as possible per byte, each just under the limit. */
export const SHAPES = {
  'nested 2M levels deep': () => `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":${'['.repeat(LIMIT / 2 - 100)}${']'.repeat(LIMIT / 2 - 100)}}}`,
  'object with 300k keys': () => wrap(`{${Array.from({ length: 300_000 }, (_, i) => `"k${i}":1`).join(',')}}`),
  'array of 1M small numbers': () => wrap(`[${'1,'.repeat(LIMIT / 2 - 100)}1]`),
  'array of 1.4M empty objects': () => wrap(`[${'{},'.repeat(LIMIT / 3 - 100)}{}]`),
  'array of 1.4M empty arrays': () => wrap(`[${'[],'.repeat(LIMIT / 3 - 100)}[]]`),
  'string of escapes': () => wrap(`"${'\\u0041'.repeat(LIMIT / 6 - 50)}"`),
  'object with 50k keys (the most allowed)': () => wrap(`{${Array.from({ length: 49_990 }, (_, i) => `"k${i}":"${'v'.repeat(60)}"`).join(',')}}`),
  'array of 50k empty objects (the most allowed)': () => wrap(`[${'{},'.repeat(49_990)}{}]`),
  'tools/call with 300k-key arguments': () => `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"greet","arguments":{${Array.from({ length: 300_000 }, (_, i) => `"k${i}":1`).join(',')}}}}`,
  'batch of 100 calls with 40 KB arguments': () => JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'greet', arguments: { name: 'x'.repeat(40_000) } } }))),
  'batch of 100k pings (over the batch cap)': () => JSON.stringify(Array.from({ length: 100_000 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' }))).slice(0, LIMIT).replace(/,[^,]*$/, ']'),
};

function wrap(value) {
  return `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":${value}}}`;
}

/** Server CPU per shape: median over `runs` sends, with the HTTP status. */
export async function measureHostileBodies(runs = 5) {
  const server = await startMcpServe(['--max-body-bytes', String(4 * 1024 * 1024)]);
  const url = `${server.url}/mcp`;
  const results = [];
  try {
    for (const [name, make] of Object.entries(SHAPES)) {
      const body = make();
      const samples = [];
      let status = 0;
      for (let i = 0; i < runs; i++) {
        const init = await postJson(url, JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'b', version: '1' } } }));
        const headers = { 'mcp-session-id': init.headers['mcp-session-id'], 'mcp-protocol-version': '2025-03-26' };
        await new Promise((resolve) => setTimeout(resolve, 50)); // let the server go idle
        const before = cpuMs(server.child.pid);
        status = (await postJson(url, body, headers)).status;
        await new Promise((resolve) => setTimeout(resolve, 30));
        samples.push(cpuMs(server.child.pid) - before);
      }
      results.push({ name, bytes: Buffer.byteLength(body), status, cpuMs: median(samples), maxMs: Math.max(...samples) });
    }
  } finally {
    await server.stop();
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}` && !pinSelf()) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
  console.log('| body (just under 4 MB) | bytes | status | server CPU, median (max) |');
  console.log('| --- | --- | --- | --- |');
  for (const r of await measureHostileBodies(Number(values.runs))) {
    console.log(`| ${r.name} | ${r.bytes} | ${r.status} | ${r.cpuMs.toFixed(0)} ms (${r.maxMs.toFixed(0)} ms) |`);
  }
}
