import { defineConfig } from 'tsdown';

import { importThroughHelper } from './build/import-through-helper.ts';
import packageJson from './package.json' with { type: 'json' };

// Two builds: the library (ESM) with its types, and the CLI as one minified CommonJS file, since
// Node 20 starts a CommonJS entry about 5 ms sooner (scripts/bench/cli-startup.mjs). commander
// (bundled) and the terminal prompt load on demand, so a plain tool call parses little.
// chalk, ora and the SDK stay external ESM, imported with import() only when needed. The bin keeps
// the CLI's compiled code between runs (compile-cache), which on Node 20 needs every import() to
// go through bin/import-module.cjs.
export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: 'esm',
    platform: 'node',
    target: 'node20',
    dts: { entry: 'src/index.ts', eager: true, resolve: ['@mcp-cli/core'] },
    checks: { pluginTimings: false },
    clean: true,
    fixedExtension: false,
  },
  {
    entry: { cli: 'src/cli/run.ts', 'compile-cache': 'src/cli/compile-cache.ts' },
    format: 'cjs',
    plugins: [importThroughHelper()],
    // src/cli/version.ts: the version is part of the bundle, not read from package.json per call.
    define: { MCP_CALL_VERSION: JSON.stringify(packageJson.version) },
    // import.meta.url (the package version) becomes __filename's URL.
    shims: true,
    platform: 'node',
    target: 'node20',
    deps: { alwaysBundle: ['commander'], onlyBundle: ['commander'] },
    checks: { pluginTimings: false },
    minify: true,
    clean: false,
    fixedExtension: true,
  },
]);
