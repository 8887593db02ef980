import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.js'],
    // Starting a cluster takes seconds, building the emulated images once about a minute.
    hookTimeout: 300_000,
    testTimeout: 120_000,
  },
});
