#!/usr/bin/env node
// CommonJS on purpose: Node 20's ESM loader adds about 5 ms to every start, a quarter of a plain
// call's own time (scripts/bench/cli-startup.mjs). Compiled code is kept between runs: by Node
// itself from Node 22, by dist/compile-cache.cjs on Node 20.
const { enableCompileCache } = require('node:module');
if (enableCompileCache) enableCompileCache();
else require('../dist/compile-cache.cjs').keepCompiledCode(require('node:path').join(__dirname, '..', 'dist'));
const { run } = require('../dist/cli.cjs');

run(process.argv).then((code) => {
  process.exitCode = code;
});
