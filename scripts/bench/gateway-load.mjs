// The same stdio upstream (stdio-server.mjs) served on the network by mcp-serve (`mcp-serve --
// node stdio-server.mjs`), by supergateway 4.0.0 (installed pinned into
// node_modules/.cache/bench-clients on first use) and, over SSE, by a bare pass-through with no
// checks (gateway-floor.mjs, the floor under any Node gateway), all driven by the same load generator.
// Server CPU counts the gateway process and its upstream; a direct stdio call to the upstream
// (mcp-call's client in-process) gives the gateway's overhead per call.
//
//   node scripts/bench/gateway-load.mjs [--seconds 3] [--rounds 3] [--only 'mcp-serve sse'] [--warm-up 0.5]
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { callTool, connectStdio } from '../../packages/call/dist/index.js';
import { BENCH_CLIENTS, cpuMs, installBenchPackages, median, PINNED, pinSelf, ROOT } from './lib.mjs';
import { measureLoad } from './server-load.mjs';

const UPSTREAM = `${ROOT}scripts/bench/stdio-server.mjs`;
/** The bare pass-through: what any Node gateway costs at least. */
const FLOOR = 'bare pass-through, no checks (floor)';

function installSupergateway() {
  installBenchPackages('supergateway', ['supergateway@4.0.0']);
}

/** A process and its descendants' CPU time, in ms. */
function treeCpuMs(pid) {
  let total = cpuMs(pid);
  for (const entry of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      if (ppid === pid) total += treeCpuMs(Number(entry));
    } catch {
      // gone
    }
  }
  return total;
}

async function startGateway(name, port) {
  const taskset = PINNED ? ['taskset', '-c', '1'] : [];
  const args =
    name === 'mcp-serve'
      ? [process.execPath, `${ROOT}packages/serve/bin/mcp-serve.js`, '--port', String(port), '--quiet', '--max-connections-per-client', '100000', '--', process.execPath, UPSTREAM]
      : name === FLOOR
      ? [process.execPath, `${ROOT}scripts/bench/gateway-floor.mjs`, String(port), process.execPath, UPSTREAM]
      : [process.execPath, `${BENCH_CLIENTS}/node_modules/.bin/supergateway`, '--stdio', `${process.execPath} ${UPSTREAM}`, '--port', String(port), '--logLevel', 'none', ...(name.endsWith('HTTP') ? ['--outputTransport', 'streamableHttp', '--streamableHttpPath', '/mcp', '--stateful'] : ['--outputTransport', 'sse', '--ssePath', '/sse', '--messagePath', '/message'])];
  const command = [...taskset, ...args];
  const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
  const url = `http://127.0.0.1:${port}`;
  let up = false;
  for (let i = 0; i < 100 && !up; i++) {
    up = await fetch(`${url}/${name === 'mcp-serve' ? 'health' : 'healthz'}`).then(() => true, () => false);
    if (!up) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!up) {
    child.kill('SIGKILL');
    throw new Error(`${name} did not start on port ${port}: ${stderr.trim() || `exit code ${child.exitCode}`}`);
  }
  await new Promise((resolve) => setTimeout(resolve, 300)); // the upstream starts
  return { url, child: { pid: child.pid }, cpu: () => treeCpuMs(child.pid), stop: () => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM'))) };
}

/**
 * Starts a gateway on a random port below Linux's ephemeral range (32768 and up), where the load
 * generator's own closed connections linger; tries another port if that one is taken.
 */
async function startOnFreePort(name) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startGateway(name, 10_000 + Math.floor(Math.random() * 20_000));
    } catch (error) {
      if (attempt === 3 || !/EADDRINUSE/.test(error.message)) throw error;
    }
  }
}

/** CPU per call of the upstream alone, called directly over stdio (the floor under any gateway). */
async function directCpuPerCall(seconds) {
  const connection = await connectStdio({ command: process.execPath, args: [UPSTREAM] }, { signal: AbortSignal.timeout(600_000), capabilities: {}, clientInfo: { name: 'bench', version: '1' } });
  const pid = Number(readdirSync('/proc').find((p) => /^\d+$/.test(p) && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('stdio-server.mjs')));
  const run = async (until) => {
    let calls = 0;
    while (Date.now() < until) {
      await callTool(connection, 'greet', { name: 'bench' }, { signal: AbortSignal.timeout(30_000) });
      calls++;
    }
    return calls;
  };
  await run(Date.now() + 500);
  const before = cpuMs(pid);
  const calls = await run(Date.now() + seconds * 1000);
  const perCall = (cpuMs(pid) - before) / calls;
  await connection.close();
  return perCall;
}

export async function measureGateways({ seconds = 3, rounds = 3, only, warmUp = 0.5 } = {}) {
  installSupergateway();
  const rows = [];
  const gateways = [
    ['mcp-serve', 'http'],
    ['supergateway Streamable HTTP', 'http'],
    ['mcp-serve', 'sse'],
    ['supergateway SSE', 'sse'],
    [FLOOR, 'sse'],
  ].filter(([name, transport]) => !only || `${name} ${transport}`.toLowerCase().includes(only.toLowerCase()));
  const results = new Map();
  for (let round = 0; round < rounds; round++) {
    for (const [name, transport] of gateways) {
      for (const load of [{ name: '1×1', clients: 1, inFlight: 1 }, { name: '8×4', clients: 8, inFlight: 4 }]) {
        const gateway = await startOnFreePort(name);
        // The CPU of the gateway and its upstream together, over the measured calls only.
        const result = await measureLoad({ url: gateway.url, child: gateway.child, cpu: gateway.cpu }, transport, load, seconds, warmUp);
        await gateway.stop();
        const key = `${name}|${transport}|${load.name}`;
        const list = results.get(key) ?? [];
        list.push({ ...result, treeCpuPerCallMs: result.cpuPerCallMs });
        results.set(key, list);
      }
    }
  }
  for (const [key, list] of results) {
    const [name, transport, load] = key.split('|');
    rows.push({ name, transport, load, cpuPerCallMs: median(list.map((r) => r.treeCpuPerCallMs)), callsPerSecond: median(list.map((r) => r.callsPerSecond)), p50: median(list.map((r) => r.p50)), p99: median(list.map((r) => r.p99)), errors: list.reduce((a, r) => a + r.errors, 0) });
  }
  return { rows, directCpuPerCallMs: await directCpuPerCall(seconds) };
}

if (import.meta.url === `file://${process.argv[1]}` && !pinSelf()) {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' }, rounds: { type: 'string', default: '3' }, only: { type: 'string' }, 'warm-up': { type: 'string', default: '0.5' } } });
  const { rows, directCpuPerCallMs } = await measureGateways({ seconds: Number(values.seconds), rounds: Number(values.rounds), only: values.only, warmUp: Number(values['warm-up']) });
  console.log('| gateway, transport, load | CPU per call (gateway + upstream) | calls/s | p50 | p99 |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.name}, ${r.transport === 'sse' ? 'SSE' : 'Streamable HTTP'}, ${r.load} | ${r.cpuPerCallMs.toFixed(3)} ms | ${r.callsPerSecond.toFixed(0)} | ${r.p50.toFixed(2)} ms | ${r.p99.toFixed(2)} ms${r.errors ? ` (${r.errors} errors)` : ''} |`);
  console.log(`\nThe upstream alone, called directly over stdio: ${directCpuPerCallMs.toFixed(3)} ms CPU per call.`);
}
