import { defineConfig } from 'vitest/config';

// One run over every package; e2e tests spawn the built bins, so `pnpm test` builds first.
export default defineConfig({
  test: {
    projects: ['packages/core', 'packages/serve', 'packages/call'],
  },
});
