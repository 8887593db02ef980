// Makes sure the emulated images exist and match this package's build context.
import type Docker from 'dockerode';
import type { Role } from '../config/schema.js';
import { MesosUpError } from '../errors.js';
import { EMULATED_TARGETS, emulatedImage } from '../plan/images.js';
import { openLog, type LogFile } from '../util/log-file.js';
import { ensureBaseImage } from './base-image.js';
import { BuildProgress } from './build-progress.js';
import { buildTarget, contextHash, emulatedImageFresh, type Progress } from './images.js';

export const ALL_ROLES: Role[] = ['zookeeper', 'master', 'agent', 'marathon'];

/** Builds the emulated images that are missing or stale; returns the refs built. */
export async function ensureEmulatedImages(
  docker: Docker,
  version: string,
  progress: Progress,
  opts: {
    roles?: Role[];
    force?: boolean;
    log?: LogFile;
    /** build FROM this image instead of debian:bookworm-slim, as these tags (the bench's cold build: no layer cache applies) */
    cold?: { base: string; refFor: (role: Role) => string };
  } = {},
): Promise<string[]> {
  const refOf = (role: Role) => opts.cold?.refFor(role) ?? emulatedImage(role, version);
  const base = opts.cold ? { base: opts.cold.base } : {};
  const hash = contextHash();
  const stale: Role[] = [];
  for (const role of opts.roles ?? ALL_ROLES) {
    if (opts.force || opts.cold || !(await emulatedImageFresh(docker, refOf(role), hash))) stale.push(role);
  }
  if (!stale.length) return [];
  // The full output goes to a file; the terminal gets one progress line.
  const log = opts.log ?? openLog('build');
  try {
    if (!opts.cold) await ensureBaseImage(docker, progress, undefined, log);
    const bar = new BuildProgress(progress, log);
    // Both Dockerfiles start with the same slim-base stage. Built first, once, so
    // both chains reuse that one layer: racing, each made its own copy and the
    // later Node targets missed node-base's cache (apt-get install again).
    await buildTarget(docker, 'slim-base', 'slim-base', hash, bar.target('slim-base'), { untagged: true, ...base });
    // Two chains at once: ZooKeeper's JRE, and node-base with the targets that
    // reuse it (one after another, so they share its cached layers).
    const chains = [stale.filter((r) => r === 'zookeeper'), stale.filter((r) => r !== 'zookeeper')].filter((c) => c.length);
    const built: string[] = [];
    await Promise.all(
      chains.map(async (chain) => {
        for (const role of chain) {
          const ref = refOf(role);
          await buildTarget(docker, EMULATED_TARGETS[role], ref, hash, bar.target(EMULATED_TARGETS[role]), base);
          bar.done(EMULATED_TARGETS[role]);
          built.push(ref);
        }
      }),
    );
    return (opts.roles ?? ALL_ROLES).map(refOf).filter((ref) => built.includes(ref));
  } catch (err) {
    if (err instanceof MesosUpError) {
      throw new MesosUpError(err.code, err.message, { hint: `${err.hint ? `${err.hint}; ` : ''}the full build log is in ${log.path}`, ...(err.logs ? { logs: err.logs } : {}), cause: err });
    }
    throw err;
  } finally {
    if (!opts.log) await log.close();
  }
}

/**
 * An image of ours beside the emulated ones: the gateway (both flavours,
 * src/plan/gateway.ts) or an add-on of ours (Mesos-DNS, Marathon-LB, Metronome). Built from the same
 * Dockerfile on node-base, so each adds one small layer. Returns whether it
 * had to be built.
 */
export async function ensureOwnImage(docker: Docker, target: 'gateway' | 'mesos-dns' | 'marathon-lb' | 'metronome', ref: string, progress: Progress, opts: { force?: boolean; log?: LogFile } = {}): Promise<boolean> {
  const hash = contextHash();
  if (!opts.force && (await emulatedImageFresh(docker, ref, hash))) return false;
  const log = opts.log ?? openLog('build');
  try {
    await ensureBaseImage(docker, progress, undefined, log);
    const bar = new BuildProgress(progress, log);
    await buildTarget(docker, target, ref, hash, bar.target(target));
    bar.done(target);
    return true;
  } finally {
    if (!opts.log) await log.close();
  }
}
