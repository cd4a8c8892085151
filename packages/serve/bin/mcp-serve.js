#!/usr/bin/env node
// --debug prints stack traces: only then are the bundle's source maps read, so that they name
// src/… files. Node maps only the modules loaded after this line, hence the dynamic import.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
const { run } = await import('../dist/cli.js');

process.exitCode = await run(process.argv);
