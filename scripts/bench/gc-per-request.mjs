// What one request costs mcp-serve's young generation: the built mcp-serve (examples/hello) runs
// under --trace-gc-nvp and a raw keep-alive client sends one kind of request after another. A
// request's objects should all die young; bytes that young GCs promote to the old generation are
// objects something kept past their request (an old object pointing at them, a closure V8 made in
// the old generation), and each promoted byte is copied, then collected by a full GC.
//
//   node scripts/bench/gc-per-request.mjs [--seconds 4]
import http from 'node:http';
import { parseArgs } from 'node:util';

import { pinSelf, REQUEST_KINDS, requestSender, startMcpServe } from './lib.mjs';

/** Starts mcp-serve under --trace-gc-nvp; its young GCs' trace lines collect in `lines`. */
async function startTracedServer() {
  const server = await startMcpServe([], { nodeFlags: ['--trace-gc-nvp'] });
  const lines = [];
  let partial = '';
  server.child.stdout.on('data', (chunk) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop();
    lines.push(...parts.filter((line) => line.includes(' gc=s ')));
  });
  return { ...server, lines };
}

async function measure(name, seconds) {
  const server = await startTracedServer();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send = await requestSender(`${server.url}/mcp`, name, agent);
  const loop = async (until) => {
    let calls = 0;
    while (Date.now() < until) {
      await send();
      calls++;
    }
    return calls;
  };
  await loop(Date.now() + 1500); // warm-up: start-up's GCs and the first, unoptimised requests
  const first = server.lines.length;
  const calls = await loop(Date.now() + seconds * 1000);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const scavenges = server.lines.slice(first);
  agent.destroy();
  await server.stop();
  const sum = (key) => scavenges.reduce((total, line) => total + Number(new RegExp(` ${key}=([\\d.]+)`).exec(line)?.[1] ?? 0), 0);
  const allocated = sum('allocated');
  return {
    name,
    allocatedPerCall: allocated / calls,
    promotedPerScavenge: scavenges.length ? sum('promoted') / scavenges.length : 0,
    promotedShare: allocated ? sum('promoted') / allocated : 0,
    pauseMs: scavenges.length ? sum('pause') / scavenges.length : 0,
    scavenges: scavenges.length,
  };
}

export async function measureGcPerRequest(seconds = 4) {
  const results = [];
  for (const name of Object.keys(REQUEST_KINDS)) results.push(await measure(name, seconds));
  return results;
}

if (process.argv[1] === new URL(import.meta.url).pathname && !pinSelf()) {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '4' } } });
  console.log(`Node ${process.version}, ${values.seconds} s of one request after another per kind.\n`);
  console.log('| request | allocated per request | promoted per young GC | promoted share | young GC pause |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of await measureGcPerRequest(Number(values.seconds))) {
    console.log(`| ${r.name} | ${(r.allocatedPerCall / 1024).toFixed(1)} KB | ${(r.promotedPerScavenge / 1024).toFixed(0)} KB | ${(r.promotedShare * 100).toFixed(1)}% | ${r.pauseMs.toFixed(2)} ms (${r.scavenges} GCs) |`);
  }
}
