// Once per run of the Docker tests: build the emulated images (cached by
// content hash); under MESOS_UP_TEST_IMAGES=official also make sure the official
// images are there, and tell the test files which images to use; at the end,
// fail if any io.mesos-up.* object survived.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { connectEngine } from '../src/engine/connect.js';
import type { MesosUpError } from '../src/errors.js';
import { ALL_ROLES, ensureEmulatedImages } from '../src/engine/emulated.js';
import { imagePresent, pullImage } from '../src/engine/images.js';
import { emulatedImage, OFFICIAL_IMAGES } from '../src/plan/images.js';
import type { Role } from '../src/config/schema.js';
import { version } from '../src/version.js';
import { leftovers } from './support/leftovers.js';
import { OFFICIAL_IMAGE_TESTS, TEST_IMAGES_ENV, testImagesFlavour, type TestImages } from './support/test-images.js';

type Engine = Awaited<ReturnType<typeof connectEngine>>;

const verbose = (line: string) => {
  if (process.env.MESOS_UP_TEST_VERBOSE) console.log(line);
};

/**
 * The official images, pulled where missing, decided as `images: auto` decides
 * (src/lifecycle/images.ts): all present, or the first missing one pulls (a
 * registry answers) and the rest follow. When that first pull fails, no
 * registry answers: the reason, in one line.
 */
async function pullOfficialImages(docker: Engine): Promise<{ ok: true } | { ok: false; reason: string }> {
  const missing: string[] = [];
  for (const role of ALL_ROLES) if (!(await imagePresent(docker, OFFICIAL_IMAGES[role]))) missing.push(OFFICIAL_IMAGES[role]);
  for (const [i, ref] of missing.entries()) {
    verbose(`pulling ${ref}`);
    try {
      await pullImage(docker, ref, verbose);
    } catch (err) {
      if (i > 0) throw err; // a registry answered for the first: this is a real failure
      return { ok: false, reason: (err as Error).message.split('\n')[0]!.trim() };
    }
  }
  return { ok: true };
}

/** The official-image test files in this run (vitest's file filters from the command line applied). */
async function officialImageFilesInRun(project: TestProject): Promise<string[]> {
  // The command line's file filters are not public API; without them every file counts.
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern ?? [];
  const root = project.config.root;
  const inRun = new Set((await project.globTestFiles(filters)).testFiles.map((f) => path.relative(root, f).split(path.sep).join('/')));
  return OFFICIAL_IMAGE_TESTS.filter((f) => inRun.has(f));
}

export async function setup(project: TestProject): Promise<void> {
  const flavour = testImagesFlavour();
  execFileSync(process.execPath, ['emulator/build.mjs'], { stdio: 'inherit' });
  const docker = await connectEngine({ timeoutMs: 5000 }).catch((err: MesosUpError) => {
    // One line that says what to do, instead of every Docker test failing on its own.
    throw new Error(`The Docker tests need a Docker Engine. ${err.message}. ${err.hint ?? ''}`);
  });
  const t0 = Date.now();
  await ensureEmulatedImages(docker, version, verbose);
  console.log(`emulated images ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

  const images = (pick: (role: Role) => string) => Object.fromEntries(ALL_ROLES.map((r) => [r, pick(r)])) as Record<Role, string>;
  let provided: TestImages = { flavour: 'emulated', images: images((r) => emulatedImage(r, version)) };
  if (flavour === 'official') {
    const t1 = Date.now();
    const got = await pullOfficialImages(docker);
    provided = { flavour: 'official', images: images((r) => OFFICIAL_IMAGES[r]) };
    const files = await officialImageFilesInRun(project);
    const n = `${files.length} official-image test file${files.length === 1 ? '' : 's'}`;
    if (got.ok) {
      console.log(`${TEST_IMAGES_ENV}=official: ${Object.values(provided.images).join(', ')} ready in ${((Date.now() - t1) / 1000).toFixed(1)}s; ${n} run against them`);
    } else {
      // One line for the run, rather than each file failing on its own: the run does not fail for this.
      provided.unavailable = got.reason;
      console.log(`${TEST_IMAGES_ENV}=official: no registry answers (${got.reason}): skipping ${n}${files.length ? ` (${files.join(', ')})` : ''}`);
    }
  }
  project.provide('mesosUpTestImages', provided);
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
