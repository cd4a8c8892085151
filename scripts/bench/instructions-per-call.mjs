// CPU instructions mcp-serve executes per request, counted by valgrind's callgrind: unlike CPU
// time on a shared machine, the count repeats to within a fraction of a percent, so it can tell
// a 2026-07-28 call from a session call. The built mcp-serve (examples/hello) runs under
// callgrind; a raw keep-alive client warms each kind of request up, then callgrind's counters are
// zeroed, `--requests` requests of one kind are sent, and the counters are dumped and read.
// User-space instructions only: the kernel's share of a request (its socket calls) is not counted.
// Then the same for whole `mcp-call greet` processes, each way of calling: what one command costs
// the server, connections, a session's initialize and its DELETE included.
//
//   node scripts/bench/instructions-per-call.mjs [--requests 1000] [--warm 3000]
//     [--commands 100] [--warm-commands 400]   (--requests 0 or --commands 0 skips that part)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { MCP_CALL_BIN, mcpCallCommands, pinSelf, REQUEST_KINDS, requestSender, startMcpServe } from './lib.mjs';

/** True when valgrind is installed (Debian's `valgrind` package). */
export function haveCallgrind() {
  return spawnSync('valgrind', ['--version']).status === 0;
}

/**
 * Server instructions per request of each kind (`kinds`, names of REQUEST_KINDS), with mcp-serve
 * started with `flags`. `settleMs` is waited before each dump, so that work a server defers (a
 * batch of spans, of audit lines) lands in the round that caused it.
 */
export async function measureInstructions({ requests = 1000, warm = 3000, rounds = 2, flags = [], kinds = Object.keys(REQUEST_KINDS), settleMs = 0 } = {}) {
  const dumps = mkdtempSync(join(tmpdir(), 'mcp-callgrind-'));
  // Under callgrind a round of the other kinds takes minutes: the session must outlive it.
  const server = await startMcpServe(['--session-idle', String(3600_000), ...flags], { wrapper: ['valgrind', '--tool=callgrind', `--callgrind-out-file=${dumps}/out.%p`, '--dump-instr=no'] });
  const pid = String(server.child.pid);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const senders = {};
    for (const name of kinds) senders[name] = await requestSender(`${server.url}/mcp`, name, agent);
    // Until V8 has optimised every kind's path: three rounds of each, interleaved.
    for (let round = 0; round < 3; round++) for (const send of Object.values(senders)) for (let i = 0; i < warm; i++) await send();
    const counts = Object.fromEntries(Object.keys(senders).map((name) => [name, []]));
    for (let round = 0; round < rounds; round++) {
      for (const [name, send] of Object.entries(senders)) {
        execFileSync('callgrind_control', ['-z', pid], { stdio: 'ignore' });
        for (let i = 0; i < requests; i++) await send();
        if (settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs));
        execFileSync('callgrind_control', ['-d', pid], { stdio: 'ignore' });
        counts[name].push(totalOfNewestDump(dumps) / requests);
      }
    }
    return Object.entries(counts).map(([name, list]) => ({ name, instructions: Math.min(...list), spread: Math.max(...list) / Math.min(...list) - 1 }));
  } finally {
    agent.destroy();
    await server.stop();
    rmSync(dumps, { recursive: true, force: true });
  }
}

/**
 * Server instructions per `mcp-call greet` process, for each way of calling (mcpCallCommands):
 * everything one command costs mcp-serve, its connections and a session's initialize and DELETE
 * included. The server is first warmed up by `warm` commands of each kind, interleaved; then, per
 * kind, the counters are zeroed, `commands` commands run one after another, and the counters are
 * dumped once the server has had time to handle what each process left behind (a DELETE, a
 * closed stream). The lowest of `rounds` rounds is kept.
 */
export async function measureCommandInstructions({ commands = 100, warm = 400, rounds = 3 } = {}) {
  const dumps = mkdtempSync(join(tmpdir(), 'mcp-callgrind-'));
  const server = await startMcpServe([], { wrapper: ['valgrind', '--tool=callgrind', `--callgrind-out-file=${dumps}/out.%p`, '--dump-instr=no'] });
  const pid = String(server.child.pid);
  const kinds = mcpCallCommands(server.url);
  const runCommand = async (name) => {
    const result = spawnSync(process.execPath, [MCP_CALL_BIN, ...kinds[name]], { encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0) throw new Error(`${name} failed: ${result.stderr || result.error}`);
  };
  try {
    for (let i = 0; i < warm; i++) for (const name of Object.keys(kinds)) await runCommand(name);
    const counts = Object.fromEntries(Object.keys(kinds).map((name) => [name, []]));
    for (let round = 0; round < rounds; round++) {
      for (const name of Object.keys(kinds)) {
        execFileSync('callgrind_control', ['-z', pid], { stdio: 'ignore' });
        for (let i = 0; i < commands; i++) await runCommand(name);
        // Under callgrind the server is slow: let it finish what the last process left behind.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        execFileSync('callgrind_control', ['-d', pid], { stdio: 'ignore' });
        counts[name].push(totalOfNewestDump(dumps) / commands);
      }
    }
    return Object.entries(counts).map(([name, list]) => ({ name, instructions: Math.min(...list), rounds: list, spread: Math.max(...list) / Math.min(...list) - 1 }));
  } finally {
    await server.stop();
    rmSync(dumps, { recursive: true, force: true });
  }
}

/** The instruction total of the last dump callgrind wrote (`out.PID.N`, N counting up). */
function totalOfNewestDump(dir) {
  const newest = readdirSync(dir)
    .filter((name) => /^out\.\d+\.\d+$/.test(name))
    .sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()))
    .pop();
  const total = /^(?:summary|totals): (\d+)/m.exec(readFileSync(join(dir, newest), 'utf8'));
  if (!total) throw new Error(`no totals in callgrind dump ${newest}`);
  return Number(total[1]);
}

if (process.argv[1] === new URL(import.meta.url).pathname && !pinSelf()) {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '1000' },
      warm: { type: 'string', default: '3000' },
      commands: { type: 'string', default: '100' },
      'warm-commands': { type: 'string', default: '400' },
    },
  });
  if (!haveCallgrind()) {
    console.error('instructions-per-call: valgrind is not installed (apt-get install valgrind)');
    process.exit(1);
  }
  console.log(`Node ${process.version}, mcp-serve under callgrind.`);
  if (Number(values.requests) > 0) {
    const rows = await measureInstructions({ requests: Number(values.requests), warm: Number(values.warm) });
    const session = rows.find((r) => r.name.includes('session'));
    console.log(`\n${values.requests} requests per kind, lowest of 2 rounds.\n`);
    console.log('| request, one after another | instructions per request | × a session call | spread of the rounds |');
    console.log('| --- | --- | --- | --- |');
    for (const r of rows) console.log(`| ${r.name} | ${Math.round(r.instructions).toLocaleString('en')} | ${(r.instructions / session.instructions).toFixed(2)}× | ${(r.spread * 100).toFixed(1)}% |`);
  }
  if (Number(values.commands) > 0) {
    const perCommand = await measureCommandInstructions({ commands: Number(values.commands), warm: Number(values['warm-commands']) });
    const sessionCommand = perCommand.find((r) => r.name.includes('2025-11-25'));
    console.log(`\nWhole commands after ${values['warm-commands']} of each kind, ${values.commands} per round, lowest of 3 rounds.\n`);
    console.log('| one mcp-call process | server instructions per command | × a 2025-11-25 session command | each round |');
    console.log('| --- | --- | --- | --- |');
    const thousands = (n) => `${Math.round(n / 1000).toLocaleString('en')}k`;
    for (const r of perCommand) console.log(`| ${r.name} | ${Math.round(r.instructions).toLocaleString('en')} | ${(r.instructions / sessionCommand.instructions).toFixed(2)}× | ${r.rounds.map(thousands).join(', ')} |`);
  }
}
