// What --metrics costs: server CPU per call of one SDK 1.x client session (greet) with metrics off
// and on, over Streamable HTTP and legacy SSE. Rounds alternate the two; medians are reported.
//
//   node scripts/bench/metrics-cost.mjs [--calls 3000] [--rounds 3]
import { parseArgs } from 'node:util';

import { measureSdkCalls, median, pinSelf, startMcpServe } from './lib.mjs';

if (!pinSelf()) {
  const { values } = parseArgs({ options: { calls: { type: 'string', default: '3000' }, rounds: { type: 'string', default: '3' } } });
  const settings = { off: [], metrics: ['--metrics'] };
  console.log('| transport | metrics off (µs/call) | metrics on | × |');
  console.log('|---|---|---|---|');
  for (const transport of ['http', 'sse']) {
    const costs = { off: [], metrics: [] };
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const [name, flags] of Object.entries(settings)) {
        const server = await startMcpServe(flags);
        costs[name].push((await measureSdkCalls(transport, [server], Number(values.calls))).serverUs);
        await server.stop();
      }
    }
    const off = median(costs.off);
    const on = median(costs.metrics);
    console.log(`| ${transport === 'http' ? 'Streamable HTTP' : 'legacy SSE'} | ${off.toFixed(0)} | ${on.toFixed(0)} | ${(on / off).toFixed(2)}× |`);
  }
}
