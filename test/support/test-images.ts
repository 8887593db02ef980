// Which images the Docker tests run against: MESOS_UP_TEST_IMAGES=official|emulated
// (default emulated). The global setup decides once and hands the answer to the
// test files (vitest provide/inject); harness.ts reads it. Pure: no vitest
// runtime, so the global setup can import it too.
import type { Role } from '../../src/config/schema.js';
import type { Flavour } from '../../src/plan/types.js';

export const TEST_IMAGES_ENV = 'MESOS_UP_TEST_IMAGES';

/**
 * The files that run against the official images under the switch (and skip
 * when no registry answers). Each wraps its tests in
 * `describe.skipIf(officialImagesMissing)` from harness.ts; the global setup
 * counts the ones in the run for its skip line. Every other Docker test runs
 * with the emulated images either way.
 */
export const OFFICIAL_IMAGE_TESTS = [
  'test/emulator/master.test.ts',
  'test/emulator/agent.test.ts',
  'test/emulator/marathon.test.ts',
  'test/emulator/third-party-clients.test.ts',
  'test/e2e/walkthrough.test.ts',
] as const;

export interface TestImages {
  flavour: Flavour;
  images: Record<Role, string>;
  /** official images asked for but no registry answers: why (the files above skip) */
  unavailable?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    mesosUpTestImages: TestImages;
  }
}

/** The flavour the switch asks for; anything but the two names is a mistake worth stopping for. */
export function testImagesFlavour(env: NodeJS.ProcessEnv = process.env): Flavour {
  const v = env[TEST_IMAGES_ENV]?.trim() || 'emulated';
  if (v !== 'official' && v !== 'emulated') throw new Error(`${TEST_IMAGES_ENV}=${v}: expected official or emulated`);
  return v;
}
