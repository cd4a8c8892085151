#!/usr/bin/env node
// CommonJS on purpose: Node 20's ESM loader adds about 5 ms to every start, a quarter of a plain
// call's own time (scripts/bench/cli-startup.mjs). Compiled code is kept between runs: by Node
// itself from Node 22, by dist/compile-cache.cjs on Node 20.
// --verbose prints stack traces: only then are the bundle's source maps read, so that they name
// src/… files and functions instead of minified ones. Node maps only modules it compiles itself
// after this line, so such a run skips the compiled-code cache.
const { enableCompileCache } = require('node:module');
if (process.argv.includes('--verbose')) process.setSourceMapsEnabled(true);
else if (enableCompileCache) enableCompileCache();
else require('../dist/compile-cache.cjs').keepCompiledCode(require('node:path').join(__dirname, '..', 'dist'));
const { run } = require('../dist/cli.cjs');

run(process.argv).then((code) => {
  process.exitCode = code;
});
