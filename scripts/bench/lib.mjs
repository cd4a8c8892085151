// Shared pieces of the benchmarks: starting servers, percentiles, CPU time of a process.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { setMaxListeners } from 'node:events';
import { availableParallelism } from 'node:os';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export const ROOT = new URL('../../', import.meta.url).pathname;

const TASKSET = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p));
/** With two cores or more, servers run on core 1 and the load generator on core 0. */
export const PINNED = TASKSET !== undefined && (process.env.MCP_BENCH_PINNED === '1' || availableParallelism() >= 2);

/**
 * Re-runs the calling benchmark pinned to core 0 (once), so that it and the server under test
 * do not compete for one core. Returns true when the caller should exit (the child ran).
 */
export function pinSelf() {
  if (!PINNED || process.env.MCP_BENCH_PINNED) return false;
  const result = spawnSync(TASKSET, ['-c', '0', process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, MCP_BENCH_PINNED: '1' },
  });
  process.exitCode = result.status ?? 1;
  return true;
}

/**
 * Starts a node script (with --expose-gc and IPC, on core 1 when pinned); resolves once `pattern`
 * matches its output. `wrapper` runs node under another program (valgrind).
 */
export async function startProcess(args, pattern, env = {}, pin = true, wrapper = []) {
  const command = [...(PINNED && pin ? [TASKSET, '-c', '1'] : []), ...wrapper, process.execPath];
  const child = spawn(command[0], [...command.slice(1), '--expose-gc', ...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, ...env },
  });
  const url = await new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk) => {
      text += chunk;
      const match = pattern.exec(text);
      if (!match) return;
      // Output after the ready line is not kept: a traced server writes a lot of it.
      child.stdout.off('data', onData);
      child.stderr.off('data', onData);
      resolve(match[1]);
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('exit', () => reject(new Error(`${args.join(' ')} exited:\n${text}`)));
  });
  const stats = () =>
    new Promise((resolve) => {
      child.once('message', resolve);
      child.send({ type: 'stats' });
    });
  /** The process's CPU time so far, in microseconds (scripts started with the stats channel only). */
  const cpuMicros = () =>
    new Promise((resolve) => {
      child.once('message', (message) => resolve(message.micros));
      child.send({ type: 'cpu' });
    });
  const stop = () =>
    new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
  return { child, url, stats, cpuMicros, stop };
}

/**
 * Starts the built mcp-serve with the hello example on a free port (`nodeFlags` go to node:
 * `--trace-gc-nvp`; `wrapper` runs node under valgrind).
 */
export function startMcpServe(extra = [], { pin = true, nodeFlags = [], wrapper = [] } = {}) {
  return startProcess(
    [...nodeFlags, `${ROOT}scripts/bench/serve-ipc.mjs`, '--config', `${ROOT}examples/hello/mcp-serve.config.ts`, '--port', '0', '--quiet', '--max-sessions', '100000', '--max-sessions-per-client', '100000', '--max-connections', '100000', '--max-connections-per-client', '100000', ...extra],
    /ready (http:\/\/\S+)/,
    {},
    pin,
    wrapper,
  );
}

/** Starts the minimal server written directly on the SDK's transports. */
export function startSdkServer() {
  return startProcess([`${ROOT}scripts/bench/sdk-server.mjs`], /listening (http:\/\/\S+)/);
}

/** Where benchmark-only packages (supergateway, the SDK 2.x) are installed, pinned, on first use. */
export const BENCH_CLIENTS = `${ROOT}node_modules/.cache/bench-clients`;

/** Installs pinned packages into BENCH_CLIENTS unless `probe` (a path inside it) is there already. */
export function installBenchPackages(probe, specs) {
  if (existsSync(`${BENCH_CLIENTS}/node_modules/${probe}`)) return;
  mkdirSync(BENCH_CLIENTS, { recursive: true });
  if (!existsSync(`${BENCH_CLIENTS}/package.json`)) writeFileSync(`${BENCH_CLIENTS}/package.json`, '{"name":"bench-clients","private":true}');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...specs], { cwd: BENCH_CLIENTS, stdio: 'inherit' });
}

/** Starts the same greet tool on the SDK 2.x packages (2026-07-28, with a stateless 2025 fallback). */
export function startSdk2Server() {
  installBenchPackages('@modelcontextprotocol/node/package.json', ['@modelcontextprotocol/server@2.4.0', '@modelcontextprotocol/node@2.1.2', 'zod@4']);
  return startProcess([`${ROOT}scripts/bench/sdk2-server.mjs`, '0'], /ready (http:\/\/\S+)/, { BENCH_CLIENTS });
}

/** CPU time (user + system) of a process so far, in milliseconds, from /proc. */
export function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
}

/** Percentile of a sorted array. */
export function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];
}

/** Median of numbers. */
export function median(values) {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

/** POSTs a JSON-RPC body to an MCP endpoint; resolves with the status, headers and body text. */
export function postJson(url, body, headers = {}, agent = undefined) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk) => (text += chunk)).on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } },
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
};
const GREET = { name: 'greet', arguments: { name: 'bench' } };

/** Requests the raw benchmarks send to the hello example: a session's are sent after its initialize. */
export const REQUEST_KINDS = {
  '2026-07-28 tools/call': { headers: { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'greet' }, method: 'tools/call', params: { ...GREET, _meta: MODERN_META } },
  '2026-07-28 tools/list': { headers: { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' }, method: 'tools/list', params: { _meta: MODERN_META } },
  '2025-11-25 session tools/call': { session: true, headers: { 'mcp-protocol-version': '2025-11-25' }, method: 'tools/call', params: GREET },
};

/** The mcp-call binary the benchmarks run. */
export const MCP_CALL_BIN = `${ROOT}packages/call/bin/mcp-call.cjs`;

/**
 * One `mcp-call greet` command per way of calling `serverUrl` (mcp-serve's base URL): the default
 * (2026-07-28), a 2025-11-25 session (initialize, the call, DELETE) and legacy SSE.
 */
export function mcpCallCommands(serverUrl) {
  return {
    'mcp-call greet (default: 2026-07-28)': ['--url', `${serverUrl}/mcp`, 'greet', '--name', 'x'],
    'mcp-call greet (2025-11-25 session)': ['--url', `${serverUrl}/mcp`, '--protocol-version', '2025-11-25', 'greet', '--name', 'x'],
    'mcp-call greet (SSE, 2024-11-05 session)': ['--url', `${serverUrl}/sse`, 'greet', '--name', 'x'],
  };
}

/**
 * Opens one kind of request on `url` (initializing a session when it needs one) and returns a
 * function that sends one such request over `agent` and throws unless it is answered with 200.
 */
export async function requestSender(url, name, agent) {
  const kind = REQUEST_KINDS[name];
  let headers = kind.headers;
  if (kind.session) {
    const init = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } };
    const opened = await postJson(url, JSON.stringify(init), {}, agent);
    headers = { ...headers, 'mcp-session-id': opened.headers['mcp-session-id'] };
    // As a client does: the handshake is over (a session that says nothing more is closed).
    await postJson(url, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), headers, agent);
  }
  let id = 0;
  return async () => {
    const { status, text } = await postJson(url, JSON.stringify({ jsonrpc: '2.0', id: ++id, method: kind.method, params: kind.params }), headers, agent);
    if (status !== 200) throw new Error(`${name}: HTTP ${status}: ${text.slice(0, 200)}`);
  };
}

/** A session of the SDK client on `streamUrl` whose POSTs go to `postUrl`. */
async function connectSdk(transport, streamUrl, postUrl) {
  const redirect = (input, init) => {
    const url = new URL(input instanceof URL ? input.href : typeof input === 'string' ? input : input.url);
    if ((init?.method ?? 'GET') === 'POST') url.host = new URL(postUrl).host;
    return fetch(url, init);
  };
  const client = new Client({ name: 'bench', version: '1.0.0' });
  const t = transport === 'sse' ? new SSEClientTransport(new URL(`${streamUrl}/sse`), { fetch: redirect }) : new StreamableHTTPClientTransport(new URL(`${streamUrl}/mcp`), { fetch: redirect });
  await client.connect(t);
  return client;
}

/**
 * Server CPU per call (µs) of each of `servers`, measured side by side: one SDK 1.x client
 * session per server, called in turn in blocks of `block` calls, in a new random order each turn,
 * so that whatever else the machine does falls on all of them alike (blocks, not single calls: a
 * server whose caches the others just emptied would pay for it). For comparing settings on a
 * shared machine, where runs one after another differ by more than the costs compared.
 *
 * Returns each server's mean CPU per call.
 */
export async function measureSdkCallsInTurn(transport, servers, calls, { block = 100, warm = 300 } = {}) {
  setMaxListeners(0);
  const clients = await Promise.all(servers.map((server) => connectSdk(transport, server.url, server.url)));
  const callMany = async (client, count) => {
    for (let i = 0; i < count; i++) await client.callTool({ name: 'greet', arguments: { name: 'x' } });
  };
  for (const client of clients) await callMany(client, warm); // warm the JIT
  const spent = servers.map(() => 0);
  for (let done = 0; done < calls; done += block) {
    const count = Math.min(block, calls - done);
    for (const i of shuffled(servers.map((_, index) => index))) {
      const before = await servers[i].cpuMicros();
      await callMany(clients[i], count);
      spent[i] += (await servers[i].cpuMicros()) - before;
    }
  }
  await Promise.all(clients.map((client) => client.close()));
  return spent.map((micros) => micros / calls);
}

function shuffled(items) {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/**
 * Server CPU per call (µs) of one SDK 1.x client session calling greet `calls` times, after 300 to
 * warm up: the stream on the first of `servers`, every POST sent to the last; the CPU of all of
 * them is summed, and Redis's (`redisPid`) is given apart.
 */
export async function measureSdkCalls(transport, servers, calls, redisPid) {
  // The SDK's SSE client adds an abort listener per POST to one signal: thousands of calls are expected.
  setMaxListeners(0);
  const streamServer = servers[0];
  const postServer = servers.at(-1);
  const client = await connectSdk(transport, streamServer.url, postServer.url);
  const call = () => client.callTool({ name: 'greet', arguments: { name: 'x' } });
  for (let i = 0; i < 300; i++) await call(); // warm the JIT
  const cpu = () => Promise.all(servers.map((s) => s.cpuMicros()));
  const before = await cpu();
  const redisBefore = redisPid ? cpuMs(redisPid) : 0;
  for (let i = 0; i < calls; i++) await call();
  const after = await cpu();
  const each = after.map((micros, i) => (micros - before[i]) / calls);
  if (process.env.BENCH_VERBOSE) console.log(transport, servers.length, each.map((us) => us.toFixed(0)).join(' + '));
  const serverUs = each.reduce((a, b) => a + b, 0);
  const redisUs = redisPid ? ((cpuMs(redisPid) - redisBefore) * 1000) / calls : 0;
  await client.close();
  return { serverUs, redisUs };
}
