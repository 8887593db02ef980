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
  opts: { roles?: Role[]; force?: boolean; log?: LogFile } = {},
): Promise<string[]> {
  const hash = contextHash();
  const stale: Role[] = [];
  for (const role of opts.roles ?? ALL_ROLES) {
    if (opts.force || !(await emulatedImageFresh(docker, emulatedImage(role, version), hash))) stale.push(role);
  }
  if (!stale.length) return [];
  // The full output goes to a file; the terminal gets one progress line.
  const log = opts.log ?? openLog('build');
  try {
    await ensureBaseImage(docker, progress, undefined, log);
    const bar = new BuildProgress(progress, log);
    // Two chains at once: ZooKeeper's JRE, and node-base with the targets that
    // reuse it (one after another, so they share its cached layers).
    const chains = [stale.filter((r) => r === 'zookeeper'), stale.filter((r) => r !== 'zookeeper')].filter((c) => c.length);
    const built: string[] = [];
    await Promise.all(
      chains.map(async (chain) => {
        for (const role of chain) {
          const ref = emulatedImage(role, version);
          await buildTarget(docker, EMULATED_TARGETS[role], ref, hash, bar.target(EMULATED_TARGETS[role]));
          bar.done(EMULATED_TARGETS[role]);
          built.push(ref);
        }
      }),
    );
    return (opts.roles ?? ALL_ROLES).map((r) => emulatedImage(r, version)).filter((ref) => built.includes(ref));
  } catch (err) {
    if (err instanceof MesosUpError) {
      throw new MesosUpError(err.code, err.message, { hint: `${err.hint ? `${err.hint}; ` : ''}the full build log is in ${log.path}`, ...(err.logs ? { logs: err.logs } : {}), cause: err });
    }
    throw err;
  } finally {
    if (!opts.log) await log.close();
  }
}
