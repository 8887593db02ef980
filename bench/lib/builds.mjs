// Image build times and sizes.
//   cold:   every layer built from scratch (apt-get update + install from the Debian
//           mirror included) by mesos-up's own build code (ensureEmulatedImages:
//           slim-base, then the ZooKeeper and Node chains side by side). The
//           classic builder's cache is keyed by the parent image, so the bench
//           makes a fresh base (debian:bookworm-slim plus one bench label: a new
//           image id, which no cached layer has as parent) and builds from it
//           under bench-only tags (mesos-up-bench/<role>:cold-<id>), removed
//           afterwards with the layers only they used. Nothing the user built is
//           touched, and no cache applies: what a first `images build` does.
//   cached: `mesos-up images build --force` (every step a cache hit).
//   check:  `mesos-up images build` when the images are up to date (a hash of the
//           build context and four image inspects).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runOk } from './proc.mjs';

function follow(docker, stream) {
  return new Promise((resolve, reject) => {
    let failure;
    docker.modem.followProgress(
      stream,
      (err) => (err ? reject(err) : failure ? reject(new Error(failure)) : resolve()),
      (e) => {
        if (e.error) failure = e.errorDetail?.message ?? e.error;
      },
    );
  });
}

/** A copy of debian:bookworm-slim with its own image id, so no cached layer applies above it. */
async function freshBase(ctx, tag) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mesos-up-bench-base-'));
  try {
    writeFileSync(path.join(dir, 'Dockerfile'), `FROM debian:bookworm-slim\nLABEL io.mesos-up.bench=${tag}\n`);
    await follow(ctx.docker, await ctx.docker.buildImage({ context: dir, src: ['Dockerfile'] }, { t: tag, rm: true }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds the four images as a first `images build` would; returns the total and when each target was built. */
export async function coldBuild(ctx, runId, log) {
  const base = `mesos-up-bench/base:cold-${runId}`;
  ctx.benchImages.add(base);
  await freshBase(ctx, base);
  const refFor = (role) => `mesos-up-bench/${role}:cold-${runId}`;
  for (const role of ['zookeeper', 'master', 'agent', 'marathon']) ctx.benchImages.add(refFor(role));
  const perTarget = [];
  const t0 = process.hrtime.bigint();
  log('  cold build: slim-base, then zookeeper beside mesos-master, mesos-agent and marathon (as images build does)');
  await ctx.dist.ensureEmulatedImages(ctx.docker, '0.1.0', (line) => {
    // BuildProgress lines: "zookeeper: built · mesos-master: step 3/11, …"
    for (const m of line.matchAll(/(\S+): built/g)) {
      if (!perTarget.some((t) => t.target === m[1])) perTarget.push({ target: m[1], ms: Number(process.hrtime.bigint() - t0) / 1e6 });
    }
  }, { cold: { base, refFor } });
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, perTarget };
}

/** Removes the bench-only tags (and the layers only they used). */
export async function removeBenchImages(ctx) {
  for (const tag of [...ctx.benchImages].reverse()) {
    try {
      await ctx.docker.getImage(tag).remove({ noprune: false });
    } catch (err) {
      if (err?.statusCode !== 404) throw err;
    }
    ctx.benchImages.delete(tag);
  }
}

export async function cachedBuild(ctx) {
  const r = await runOk(process.execPath, [ctx.p.cli, 'images', 'build', '--force'], { cwd: ctx.workDir, env: { CI: '1' } });
  return { ms: r.ms };
}

export async function checkBuild(ctx) {
  const r = await runOk(process.execPath, [ctx.p.cli, 'images', 'build', '--json'], { cwd: ctx.workDir, env: { CI: '1' } });
  return { ms: r.ms, built: JSON.parse(r.stdout).built };
}

/** Sizes of the emulated images (the engine's Size: all layers, the base included). */
export async function imageSizes(ctx, refs) {
  const out = [];
  for (const ref of refs) {
    try {
      const info = await ctx.docker.getImage(ref).inspect();
      out.push({ ref, size: info.Size });
    } catch {
      out.push({ ref, size: undefined });
    }
  }
  return out;
}

/** Bytes on disk for these images together: each layer once, however many images share it. */
export async function diskTotal(ctx, refs) {
  const layers = new Map();
  for (const ref of refs) {
    let history;
    try {
      history = await ctx.docker.getImage(ref).history();
    } catch {
      return undefined;
    }
    // Layers built here carry their image id; pulled ones show <missing>, keyed by their place in this image.
    history.forEach((h, i) => layers.set(h.Id && h.Id !== '<missing>' ? h.Id : `${ref}#${history.length - i}`, h.Size));
  }
  return [...layers.values()].reduce((a, b) => a + b, 0);
}
