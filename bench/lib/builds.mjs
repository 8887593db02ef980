// Image build times.
//   cold:   every layer built from scratch (apt-get update + install from the Debian
//           mirror included), in the order and with the build context `images build`
//           uses. The engine keeps its classic-builder cache as image layers, which
//           other images on a shared engine (and other people's builds) also hold, so
//           removing "the cache of our images only" is not possible without removing
//           images the bench did not make. Instead the bench builds with nocache=1
//           for the first target of each base (zookeeper, mesos-master: the
//           node-base layer) and with the cache for the targets that reuse node-base
//           in a real cold build too (mesos-agent, marathon), under bench-only tags
//           (mesos-up-bench/<target>:cold-<id>) that it removes afterwards; only
//           layers no other image uses go with them.
//   cached: `mesos-up images build --force` (every step a cache hit).
//   check:  `mesos-up images build` when the images are up to date (a hash of the
//           build context and four image inspects).
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

export const COLD_TARGETS = [
  { target: 'zookeeper', nocache: true },
  { target: 'mesos-master', nocache: true },
  { target: 'mesos-agent', nocache: false },
  { target: 'marathon', nocache: false },
];

/** Builds the four targets as a cold `images build` would; returns per-target ms and the tags made. */
export async function coldBuild(ctx, runId, log) {
  const dir = path.join(ctx.p.root, 'emulator');
  const hash = ctx.dist.contextHash(dir);
  // the same file list mesos-up itself sends to the engine
  const files = ctx.dist.contextFiles(dir);
  const perTarget = [];
  const t0 = process.hrtime.bigint();
  for (const { target, nocache } of COLD_TARGETS) {
    const tag = `mesos-up-bench/${target}:cold-${runId}`;
    ctx.benchImages.add(tag);
    const h0 = process.hrtime.bigint();
    log(`  cold build: ${target}${nocache ? ' (nocache)' : ' (reuses node-base, as a cold images build does)'}`);
    const stream = await ctx.docker.buildImage(
      { context: dir, src: files },
      { t: tag, target, nocache, rm: true, forcerm: true, labels: { 'io.mesos-up.context': hash, 'io.mesos-up.bench': 'cold-build' } },
    );
    await follow(ctx.docker, stream);
    perTarget.push({ target, nocache, ms: Number(process.hrtime.bigint() - h0) / 1e6 });
  }
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
