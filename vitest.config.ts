import { defineConfig } from 'vitest/config';

// unit: pure, no Docker. docker: integration, emulator contract and e2e tests on
// the real engine; they share one global setup that bundles the emulator, builds
// its images once, and fails the run if anything labelled io.mesos-up.* is left.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 0 } } },
      {
        test: {
          name: 'docker',
          include: ['test/{integration,emulator,e2e}/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 240_000,
          hookTimeout: 600_000,
          // Clusters are heavy for a 2-core machine: a few files at a time.
          maxWorkers: 3,
          fileParallelism: true,
          // after the unit tests: a broken config or plan fails fast, before clusters start
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
