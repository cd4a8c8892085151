// What --metrics, --otel and --audit-log cost: server CPU per call of one SDK 1.x client session
// (greet) with all off, metrics on, tracing on (every request sampled, exported to a collector
// of this script's own that takes and drops OTLP batches), and the audit log on (to a file), over
// Streamable HTTP and legacy SSE. The four servers run side by side and are called in turn, so
// the machine's other work falls on each alike. Each cell: the CPU per call of the setting's least
// disturbed round (other work only ever adds), and its ratio to all off's.
//
//   node scripts/bench/metrics-cost.mjs [--calls 3000] [--rounds 3] [--warm 300]   (--warm: calls to each
//   server before the measured ones, for the JIT)
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { haveCallgrind, measureInstructions } from './instructions-per-call.mjs';
import { measureSdkCallsInTurn, pinSelf, startMcpServe } from './lib.mjs';

if (!pinSelf()) {
  const { values } = parseArgs({ options: { calls: { type: 'string', default: '3000' }, rounds: { type: 'string', default: '3' }, warm: { type: 'string', default: '300' }, instructions: { type: 'boolean', default: false } } });
  // A collector that answers every export at once, as a local OpenTelemetry Collector would.
  const collector = createServer((req, res) => req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}')));
  await new Promise((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const settings = {
    off: [],
    metrics: ['--metrics'],
    tracing: ['--otel', `http://127.0.0.1:${collector.address().port}`],
    audit: ['--audit-log', join(mkdtempSync(join(tmpdir(), 'audit-')), 'audit.jsonl')],
  };
  if (values.instructions) {
    // CPU time on a shared machine varies by more than these costs: instructions repeat.
    if (!haveCallgrind()) throw new Error('valgrind is not installed (apt-get install valgrind)');
    const kind = '2025-11-25 session tools/call';
    const counts = {};
    for (const [name, flags] of Object.entries(settings)) {
      const [row] = await measureInstructions({ flags, kinds: [kind], requests: Number(values.calls), warm: 3000, settleMs: 6000 });
      counts[name] = row.instructions;
    }
    console.log(`| server instructions per call (${kind}) | all off | metrics on | tracing on | audit log on |`);
    console.log('|---|---|---|---|---|');
    const cell = (name) => `${(counts[name] / 1000).toFixed(0)}k (${(counts[name] / counts.off).toFixed(2)}×)`;
    console.log(`| Streamable HTTP | ${(counts.off / 1000).toFixed(0)}k | ${cell('metrics')} | ${cell('tracing')} | ${cell('audit')} |`);
    collector.close();
    process.exit(0);
  }
  console.log('| transport | all off (µs/call) | metrics on | tracing on | audit log on |');
  console.log('|---|---|---|---|---|');
  const names = Object.keys(settings);
  for (const transport of ['http', 'sse']) {
    const perCall = Object.fromEntries(names.map((name) => [name, []]));
    for (let round = 0; round < Number(values.rounds); round++) {
      // All four servers at once, called in turn: the machine's other work falls on each alike.
      const servers = await Promise.all(names.map((name) => startMcpServe(settings[name])));
      const measured = await measureSdkCallsInTurn(transport, servers, Number(values.calls), { warm: Number(values.warm) });
      names.forEach((name, i) => perCall[name].push(measured[i]));
      await Promise.all(servers.map((server) => server.stop()));
    }
    // Other work only ever adds CPU time: each setting's least disturbed round is the figure.
    const least = (name) => Math.min(...perCall[name]);
    const cell = (name) => `${least(name).toFixed(0)} (${(least(name) / least('off')).toFixed(2)}×)`;
    console.log(`| ${transport === 'http' ? 'Streamable HTTP' : 'legacy SSE'} | ${least('off').toFixed(0)} | ${cell('metrics')} | ${cell('tracing')} | ${cell('audit')} |`);
  }
  collector.close();
}
