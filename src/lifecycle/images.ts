// Chooses the image flavour and makes sure every image is there: official ones
// are pulled, emulated ones built; `auto` falls back to emulated when no
// registry answers.
import type Docker from 'dockerode';
import type { ClusterSpec, Role } from '../config/schema.js';
import { ALL_ROLES, ensureEmulatedImages, ensureOwnImage } from '../engine/emulated.js';
import { imagePresent, pullImage } from '../engine/images.js';
import { imageSet, OFFICIAL_IMAGES } from '../plan/images.js';
import type { ImageSet } from '../plan/types.js';
import type { Step } from './actions.js';

async function ensurePulled(docker: Docker, ref: string, step: Step, signal: AbortSignal): Promise<void> {
  if (await imagePresent(docker, ref)) return;
  step.progress(`pulling ${ref}`);
  await pullImage(docker, ref, (l) => step.progress(l), signal);
}

export async function resolveImages(docker: Docker, spec: ClusterSpec, version: string, step: Step, signal: AbortSignal): Promise<ImageSet> {
  let flavour: 'official' | 'emulated' = spec.images === 'auto' ? 'official' : spec.images;
  if (spec.images === 'auto') {
    const missing: string[] = [];
    for (const role of ALL_ROLES) if (!spec.imageOverrides[role] && !(await imagePresent(docker, OFFICIAL_IMAGES[role]))) missing.push(OFFICIAL_IMAGES[role]);
    if (missing.length) {
      try {
        // One pull tells whether a registry answers; the rest follow below.
        await ensurePulled(docker, missing[0]!, step, signal);
      } catch (err) {
        flavour = 'emulated';
        step.note(`No registry answered for ${missing[0]} (${(err as Error).message.split('\n')[0]}); using the emulated images, built locally.`);
      }
    }
  }
  const set = imageSet(spec, flavour, version);
  if (flavour === 'emulated') {
    const roles = ALL_ROLES.filter((r) => !spec.imageOverrides[r]);
    await ensureEmulatedImages(docker, version, (l) => step.progress(l), { roles });
  }
  for (const role of ALL_ROLES as Role[]) {
    if (flavour === 'official' || spec.imageOverrides[role]) await ensurePulled(docker, set[role], step, signal);
  }
  await ensureOwnImage(docker, 'gateway', set.gateway, (l) => step.progress(l));
  if (spec.addons.mesosDns) {
    if (flavour === 'official') await ensurePulled(docker, set.mesosDns, step, signal);
    else await ensureOwnImage(docker, 'mesos-dns', set.mesosDns, (l) => step.progress(l));
  }
  if (spec.addons.marathonLb) {
    if (flavour === 'official') await ensurePulled(docker, set.marathonLb, step, signal);
    else await ensureOwnImage(docker, 'marathon-lb', set.marathonLb, (l) => step.progress(l));
  }
  if (spec.addons.metronome) await ensureOwnImage(docker, 'metronome', set.metronome, (l) => step.progress(l));
  return set;
}
