// Runs every benchmark and prints Markdown tables (kept in scripts/bench/RESULTS.md and docs/performance.md).
//
//   node scripts/bench/run.mjs [--quick]      (pnpm bench builds first)
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';

import { measureBatch } from './batch.mjs';
import { measureCallServerCost } from './call-server-cost.mjs';
import { measureCliStartup } from './cli-startup.mjs';
import { measureGcPerRequest } from './gc-per-request.mjs';
import { measureIdle } from './idle-sessions.mjs';
import { haveCallgrind, measureCommandInstructions, measureInstructions } from './instructions-per-call.mjs';
import { measureJwtAuth } from './jwt-auth.mjs';
import { PINNED, pinSelf, startMcpServe, startSdkServer } from './lib.mjs';
import { runLoadBenchmark } from './server-load.mjs';

if (!pinSelf()) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  const quick = values.quick;
  const out = (line = '') => console.log(line);
  out(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}${PINNED ? '; servers on core 1, load generator on core 0' : ''}.`);
  out();
  out('| server CPU per call, calls/s, latency | SDK server | mcp-serve | ratio |');
  out('| --- | --- | --- | --- |');
  const load = await runLoadBenchmark({ seconds: quick ? 1 : 3, rounds: quick ? 1 : 3 });
  const fmt = (r) => `${r.cpuPerCallMs.toFixed(3)} ms CPU, ${r.callsPerSecond.toFixed(0)}/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms${r.errors ? `, ${r.errors} errors` : ''}`;
  const compare = (baseline, transports) => {
    for (const transport of transports) {
      for (const name of ['1×1', '16×8']) {
        const theirs = load.find((r) => r.server === baseline && r.transport === transport && r.load === name);
        const ours = load.find((r) => r.server === 'mcp-serve' && r.transport === transport && r.load === name);
        const label = transport === 'sse' ? 'SSE' : transport === 'http' ? 'Streamable HTTP' : 'Streamable HTTP, 2026-07-28';
        out(`| ${label} ${name} | ${fmt(theirs)} | ${fmt(ours)} | ${(ours.cpuPerCallMs / theirs.cpuPerCallMs).toFixed(2)}× CPU |`);
      }
    }
  };
  compare('SDK server', ['sse', 'http']);
  out();
  out('| server CPU per call, calls/s, latency | SDK 2.x (server 2.4.0, node 2.1.2) | mcp-serve | ratio |');
  out('| --- | --- | --- | --- |');
  compare('SDK 2.x', ['http', 'http-2026']);
  out();
  out('| idle sessions | SDK server heap (RSS) per session | mcp-serve heap (RSS) per session | mcp-serve heap after all closed | call answered with all open |');
  out('| --- | --- | --- | --- | --- |');
  for (const count of quick ? [500] : [1000, 10000]) {
    for (const transport of ['sse', 'http']) {
      const sdk = await measureIdle('SDK server', startSdkServer, transport, count);
      const ours = await measureIdle('mcp-serve', startMcpServe, transport, count);
      out(`| ${count} × ${transport === 'sse' ? 'SSE' : 'Streamable HTTP'} | ${sdk.heapPerSessionKb.toFixed(1)} KB (${sdk.rssPerSessionKb.toFixed(1)} KB) | ${ours.heapPerSessionKb.toFixed(1)} KB (${ours.rssPerSessionKb.toFixed(1)} KB) | +${ours.heapAfterCloseKb.toFixed(0)} KB total | ${ours.answered ? 'yes' : 'NO'} |`);
    }
  }
  out();
  out('| request, one after another | allocated per request | promoted per young GC | promoted share | young GC pause |');
  out('| --- | --- | --- | --- | --- |');
  for (const r of await measureGcPerRequest(quick ? 2 : 4)) {
    out(`| ${r.name} | ${(r.allocatedPerCall / 1024).toFixed(1)} KB | ${(r.promotedPerScavenge / 1024).toFixed(0)} KB | ${(r.promotedShare * 100).toFixed(1)}% | ${r.pauseMs.toFixed(2)} ms |`);
  }
  out();
  if (haveCallgrind()) {
    const rows = await measureInstructions({ requests: quick ? 200 : 1000, warm: quick ? 1000 : 3000 });
    const session = rows.find((r) => r.name.includes('session'));
    out('| request, one after another, under callgrind | instructions per request | × a session call |');
    out('| --- | --- | --- |');
    for (const r of rows) out(`| ${r.name} | ${Math.round(r.instructions).toLocaleString('en')} | ${(r.instructions / session.instructions).toFixed(2)}× |`);
    out();
    const commands = await measureCommandInstructions({ commands: quick ? 20 : 100, warm: quick ? 30 : 400 });
    const sessionCommand = commands.find((r) => r.name.includes('2025-11-25'));
    out('| one mcp-call process, under callgrind | server instructions per command | × a 2025-11-25 session command |');
    out('| --- | --- | --- |');
    for (const r of commands) out(`| ${r.name} | ${Math.round(r.instructions).toLocaleString('en')} | ${(r.instructions / sessionCommand.instructions).toFixed(2)}× |`);
  } else {
    out('(instructions per request: skipped, valgrind is not installed)');
  }
  out();
  out('| whole process, median (fastest) | time | × node -e 0 |');
  out('| --- | --- | --- |');
  for (const r of await measureCliStartup(quick ? 10 : 40)) {
    out(`| ${r.name} | ${r.medianMs.toFixed(1)} ms (${r.minMs.toFixed(1)} ms) | ${r.ratio.toFixed(2)}× (${r.minRatio.toFixed(2)}×) |`);
  }
  out();
  out('| one mcp-call process | server CPU (median) |');
  out('| --- | --- |');
  for (const r of await measureCallServerCost(quick ? 10 : 40)) out(`| ${r.name} | ${r.serverCpuMs.toFixed(3)} ms |`);
  out();
  out('| mcp-call batch, one process, one connection | calls/s |');
  out('| --- | --- |');
  for (const r of await measureBatch(quick ? 2000 : 10_000)) out(`| ${r.calls} greet calls over ${r.transport} | ${r.callsPerSecond.toFixed(0)} (${r.ok} ok) |`);
  out();
  const auth = await measureJwtAuth({ seconds: quick ? 1 : 3, rounds: quick ? 1 : 3 });
  out(`One full JWT check (jose, RS256, keys cached): ${auth.fullCheckMs.toFixed(4)} ms CPU; a token is checked once, then remembered until it expires.`);
  out();
  out('| credential, Streamable HTTP sessions | server CPU per call |');
  out('| --- | --- |');
  for (const { key, cpuPerCallMs } of auth.rows) out(`| ${key.replace('|', ', ')} | ${cpuPerCallMs.toFixed(4)} ms |`);
}
