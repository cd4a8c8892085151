import { defineConfig } from 'tsdown';

// Two entries: the programmatic API (with types) and the CLI, which bin/mcp-serve.js imports.
export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli/run.ts' },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  dts: { entry: 'src/index.ts', eager: true, resolve: ['@mcp-cli/core'] },
  clean: true,
  fixedExtension: false,
});
