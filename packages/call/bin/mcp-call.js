#!/usr/bin/env node
// Node 22+ keeps compiled code between runs (a no-op on Node 20): most of a short call's own time.
import module from 'node:module';

module.enableCompileCache?.();
const { run } = await import('../dist/cli.js');
process.exitCode = await run(process.argv);
