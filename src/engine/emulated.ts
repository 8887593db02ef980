// Makes sure the emulated images exist and match this package's build context.
import type Docker from 'dockerode';
import type { Role } from '../config/schema.js';
import { EMULATED_TARGETS, emulatedImage } from '../plan/images.js';
import { ensureBaseImage } from './base-image.js';
import { buildTarget, contextHash, emulatedImageFresh, type Progress } from './images.js';

export const ALL_ROLES: Role[] = ['zookeeper', 'master', 'agent', 'marathon'];

/** Builds the emulated images that are missing or stale; returns the refs built. */
export async function ensureEmulatedImages(
  docker: Docker,
  version: string,
  progress: Progress,
  opts: { roles?: Role[]; force?: boolean } = {},
): Promise<string[]> {
  const hash = contextHash();
  const built: string[] = [];
  // One at a time: the targets share the node-base layers, so later ones are cache hits.
  for (const role of opts.roles ?? ALL_ROLES) {
    const ref = emulatedImage(role, version);
    if (!opts.force && (await emulatedImageFresh(docker, ref, hash))) continue;
    if (!built.length) await ensureBaseImage(docker, progress);
    progress(`building ${ref}`);
    await buildTarget(docker, EMULATED_TARGETS[role], ref, hash, progress);
    built.push(ref);
  }
  return built;
}
