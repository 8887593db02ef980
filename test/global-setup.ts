// Once per run of the Docker tests: build the emulated images (cached by
// content hash), and at the end fail if any io.mesos-up.* object survived.
import { execFileSync } from 'node:child_process';
import { connectEngine } from '../src/engine/connect.js';
import type { MesosUpError } from '../src/errors.js';
import { ensureEmulatedImages } from '../src/engine/emulated.js';
import { version } from '../src/version.js';
import { leftovers } from './support/leftovers.js';

export async function setup(): Promise<void> {
  execFileSync(process.execPath, ['emulator/build.mjs'], { stdio: 'inherit' });
  const docker = await connectEngine({ timeoutMs: 5000 }).catch((err: MesosUpError) => {
    // One line that says what to do, instead of every Docker test failing on its own.
    throw new Error(`The Docker tests need a Docker Engine. ${err.message}. ${err.hint ?? ''}`);
  });
  const t0 = Date.now();
  await ensureEmulatedImages(docker, version, (line) => {
    if (process.env.MESOS_UP_TEST_VERBOSE) console.log(line);
  });
  console.log(`emulated images ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}

export async function teardown(): Promise<void> {
  // No engine: setup has said so already, and nothing can have been left on it.
  const docker = await connectEngine({ timeoutMs: 5000 }).catch(() => undefined);
  if (!docker) return;
  // A reaper removes a session's leftovers a few seconds after its process ended: allow for that.
  let left = await leftovers(docker);
  for (let i = 0; i < 20 && left.length; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    left = await leftovers(docker);
  }
  if (left.length) {
    // vitest reports an error thrown from teardown but still exits 0: set the status ourselves.
    process.exitCode = 1;
    throw new Error(`Docker objects labelled io.mesos-up.* survived the test run:\n  ${left.join('\n  ')}`);
  }
}
