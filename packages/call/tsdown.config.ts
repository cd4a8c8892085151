import { defineConfig } from 'tsdown';

// Two builds: the library (ESM) with its types, and the CLI as one minified CommonJS file, since
// Node 20 starts a CommonJS entry about 5 ms sooner (scripts/bench/cli-startup.mjs). commander
// (bundled) and the terminal prompt load on demand, so a plain tool call parses little.
// chalk, ora and the SDK stay external ESM, imported with import() only when needed.
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
    entry: { cli: 'src/cli/run.ts' },
    format: 'cjs',
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
