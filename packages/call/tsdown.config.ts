import { defineConfig } from 'tsdown';

// Two builds: the library with its types, and the CLI as one minified file. commander (bundled)
// and the terminal prompt load on demand, so a plain tool call parses little.
// chalk and ora stay external and are imported only on a TTY.
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
    format: 'esm',
    platform: 'node',
    target: 'node20',
    deps: { alwaysBundle: ['commander'], onlyBundle: ['commander'] },
    checks: { pluginTimings: false },
    minify: true,
    clean: false,
    fixedExtension: false,
  },
]);
