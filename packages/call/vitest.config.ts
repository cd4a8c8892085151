import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'call',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    setupFiles: ['../test-utils/src/stop-started.ts'],
  },
});
