// Object shapes that Node 20's V8 (11.3) builds the slow way, each against the form mcp-serve
// uses instead: a literal that starts with a spread and goes on with more properties (core's
// copyWith instead), and a literal with a getter (a class with the getter on its prototype
// instead, as the handler context is). Each case runs in a process of its own under
// --trace-gc-nvp, which reports the bytes each young-generation GC promoted to the old one.
//
//   node scripts/bench/object-shapes.mjs [--count 3000000]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const META = Object.freeze({ server: 'bench' });

class Context {
  #request;
  constructor(request) {
    this.#request = request;
    this.requestId = request.id;
    this.log = async (level) => `${level}${request.id}`;
  }
  get signal() {
    return this.#request.signal;
  }
}

/** Each case makes one object from a fresh request-like object, as a server does per request. */
const CASES = {
  'spread, then properties': (i) => ({ ...{ content: [{ type: 'text', text: `x${i}` }] }, resultType: 'complete', _meta: META }),
  'copyWith (Object.assign)': (i) => Object.assign({}, { content: [{ type: 'text', text: `x${i}` }] }, { resultType: 'complete', _meta: META }),
  'literal with a getter': (i) => {
    const request = { id: i, signal: null };
    return { requestId: i, log: async (level) => `${level}${i}`, get signal() { return request.signal; } };
  },
  'class, getter on the prototype': (i) => new Context({ id: i, signal: null }),
};

/** Runs one case in this process and prints its time per object. */
function runCase(name, count) {
  const make = CASES[name];
  // The last few objects stay reachable, as a server's in-flight requests do, so none is optimised away.
  const recent = new Array(64);
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) recent[i & 63] = make(i);
  const ns = Number(process.hrtime.bigint() - start) / count;
  console.log(JSON.stringify({ ns, kept: recent.length }));
}

/** Runs one case in a child under --trace-gc-nvp: time per object, bytes allocated and promoted. */
function measure(name, count) {
  const out = execFileSync(process.execPath, ['--trace-gc-nvp', fileURLToPath(import.meta.url), '--case', name, '--count', String(count)], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const lines = out.split('\n');
  const { ns } = JSON.parse(lines.find((line) => line.startsWith('{')));
  let allocated = 0;
  let promoted = 0;
  for (const line of lines.filter((l) => l.includes(' gc=s '))) {
    allocated += Number(/ allocated=(\d+)/.exec(line)?.[1] ?? 0);
    promoted += Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0);
  }
  return { name, ns, allocatedMb: allocated / 2 ** 20, promotedShare: allocated ? promoted / allocated : 0 };
}

export function measureObjectShapes(count = 3_000_000) {
  return Object.keys(CASES).map((name) => measure(name, count));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { case: { type: 'string' }, count: { type: 'string', default: '3000000' } } });
  if (values.case) runCase(values.case, Number(values.count));
  else {
    console.log(`Node ${process.version}, ${values.count} objects per case.\n`);
    console.log('| object made per request | time per object | allocated | promoted by young GCs |');
    console.log('| --- | --- | --- | --- |');
    for (const r of measureObjectShapes(Number(values.count))) console.log(`| ${r.name} | ${r.ns.toFixed(0)} ns | ${r.allocatedMb.toFixed(0)} MB | ${(r.promotedShare * 100).toFixed(1)}% |`);
  }
}
