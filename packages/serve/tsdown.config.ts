import { defineConfig } from 'tsdown';

// Two entries: the programmatic API (with types) and the CLI, which bin/mcp-serve.js imports.
export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli/run.ts' },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  dts: { entry: 'src/index.ts', eager: true, resolve: ['@mcp-cli/core'], tsconfig: 'tsconfig.build.json' },
  checks: { pluginTimings: false },
  clean: true,
  fixedExtension: false,
  // Read only under --debug (bin/mcp-serve.js), so that its stack traces name the sources.
  sourcemap: true,
  // examples/hello is the built-in default: its modules import 'mcp-serve', which is this source.
  alias: { 'mcp-serve': new URL('./src/index.ts', import.meta.url).pathname },
  copy: [{ from: '../../examples/hello/resources/greeting.txt', to: 'dist/hello/resources' }],
});
