import { defineConfig } from 'tsdown';

// The CLI is bundled into one file so that a call loads as little as possible; chalk and ora
// stay external and are imported only on a TTY.
export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli/run.ts' },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  dts: { entry: 'src/index.ts', eager: true, resolve: ['@mcp-cli/core'] },
  noExternal: ['commander'],
  clean: true,
  fixedExtension: false,
});
