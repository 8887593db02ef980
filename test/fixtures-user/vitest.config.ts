// A user's project: one mesos-up cluster for the whole run, from 'mesos-up/vitest'.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['*.test.ts'],
    globalSetup: ['./mesos-up.setup.ts'],
    hookTimeout: 300_000,
    testTimeout: 120_000,
  },
});
