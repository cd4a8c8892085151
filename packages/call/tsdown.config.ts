import { defineConfig, type UserConfig } from 'tsdown';

import { importThroughHelper } from './build/import-through-helper.ts';
import packageJson from './package.json' with { type: 'json' };

// The CLI is minified CommonJS, since Node 20 starts a CommonJS entry about 5 ms sooner
// (scripts/bench/cli-startup.mjs). The bin keeps the CLI's compiled code between runs
// (compile-cache), which on Node 20 needs every import() to go through bin/import-module.cjs.
const cli: UserConfig = {
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  checks: { pluginTimings: false },
  // Function and class names are kept, so that --verbose stack traces and error names read as the
  // sources do; the source maps then give their files and lines.
  minify: { compress: { keepNames: { function: true, class: true } }, mangle: { keepNames: { function: true, class: true } } },
  // Read only under --verbose (bin/mcp-call.cjs), so that its stack traces name the sources.
  sourcemap: true,
  clean: false,
  fixedExtension: true,
};

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: 'esm',
    platform: 'node',
    target: 'node20',
    dts: { entry: 'src/index.ts', eager: true, resolve: ['@mcp-cli/core'], tsconfig: 'tsconfig.build.json' },
    checks: { pluginTimings: false },
    clean: true,
    fixedExtension: false,
  },
  // A build of its own, so that it shares no chunk with the CLI and loads nothing else.
  { ...cli, entry: { 'compile-cache': 'src/cli/compile-cache.ts' } },
  {
    ...cli,
    entry: { cli: 'src/cli/run.ts' },
    // Everything a plain tool call runs is one chunk (each chunk costs a resolve, a stat and two
    // reads). commander (bundled), the terminal prompt and the other commands load on demand, in
    // chunks of their own. chalk, ora and the SDK stay external ESM, imported only when needed.
    outputOptions: { codeSplitting: { groups: [{ name: 'call-path', tags: ['$initial'] }] } },
    plugins: [importThroughHelper()],
    // src/cli/version.ts: the version is part of the bundle, not read from package.json per call.
    define: { MCP_CALL_VERSION: JSON.stringify(packageJson.version) },
    // import.meta.url (the package version) becomes __filename's URL.
    shims: true,
    deps: { alwaysBundle: ['commander'], onlyBundle: ['commander'] },
  },
]);
