#!/usr/bin/env node
// CommonJS on purpose: Node 20's ESM loader adds about 5 ms to every start, a quarter of a plain
// call's own time (scripts/bench/cli-startup.mjs). Node 22+ also keeps compiled code between
// runs (a no-op on Node 20).
require('node:module').enableCompileCache?.();
const { run } = require('../dist/cli.cjs');

run(process.argv).then((code) => {
  process.exitCode = code;
});
