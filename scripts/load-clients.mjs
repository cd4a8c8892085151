// What the soak and hostile-clients scripts share: starting the built server, reading its memory
// and handles, and well-behaved clients that check every answer.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

import { callTool, connect } from '../packages/call/dist/index.js';

const root = new URL('../', import.meta.url).pathname;

/** Starts the built mcp-serve with `args` on a free port; resolves with its URL once ready. */
export async function startServer(args) {
  const server = spawn(process.execPath, [`${root}packages/serve/bin/mcp-serve.js`, '--port', '0', '--quiet', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const url = await new Promise((resolve, reject) => {
    server.stderr.setEncoding('utf8').on('data', (c) => {
      log += c;
      const m = /ready (http:\/\/\S+)/.exec(log);
      if (m) resolve(m[1]);
    });
    server.once('exit', () => reject(new Error(log)));
  });
  return { server, url, sessionsOpen: async () => (await (await fetch(`${url}/health`)).json()).sessions };
}

/** RSS (MB) and open file handles of a process, from /proc. */
export function processStats(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssMb: Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
}

/**
 * `count` clients, half on legacy SSE and half on Streamable HTTP, each calling `tool` until the
 * deadline with arguments made by `argsFor(name)`; `expected(name)` is the text each answer must
 * carry. Counts calls, failures, mismatched answers and answers that arrived twice.
 */
export async function runWellBehavedClients({ url, count, deadline, tool, argsFor, expected, timeoutMs }) {
  const stats = { calls: 0, failed: 0, mismatched: 0, duplicates: 0, latencies: [] };
  const worker = async (index) => {
    const transport = index % 2 === 0 ? 'sse' : 'http';
    const connection = await connect({
      url: `${url}/${transport === 'sse' ? 'sse' : 'mcp'}`, transport, headers: {}, signal: AbortSignal.timeout(timeoutMs),
      waitMs: 0, capabilities: {}, clientInfo: { name: 'load', version: '1' },
    });
    const seen = new Set();
    const receive = connection.session.transport.onMessage;
    connection.session.transport.onMessage = (message) => {
      if (message.id !== undefined && message.method === undefined) {
        if (seen.has(message.id)) stats.duplicates++;
        seen.add(message.id);
      }
      receive(message);
    };
    for (let i = 0; Date.now() < deadline; i++) {
      const name = `s${index}-c${i}`;
      const started = performance.now();
      try {
        const result = await callTool(connection, tool, argsFor(name), { signal: AbortSignal.timeout(30_000) });
        stats.latencies.push(performance.now() - started);
        stats.calls++;
        if (result.content[0]?.text !== expected(name)) stats.mismatched++;
      } catch {
        stats.failed++;
      }
    }
    await connection.close();
  };
  await Promise.all(Array.from({ length: count }, (_, i) => worker(i)));
  return stats;
}
