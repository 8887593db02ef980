// Named volumes: created labelled before the container that mounts them (the
// engine would otherwise create them unlabelled on first use, and nothing would
// ever find them again), listed and removed by label only.
import type Docker from 'dockerode';
import { MesosUpError } from '../errors.js';
import { LABEL } from '../plan/labels.js';
import type { VolumeMount } from '../plan/types.js';
import { statusOf } from './errors.js';

/**
 * Creates the volume with its labels. One that exists already is refused rather
 * than reused: the engine would hand back the old one, data and labels (another
 * run's) included, and a master would start on an earlier cluster's log.
 */
export async function createVolume(docker: Docker, volume: VolumeMount): Promise<void> {
  const existing = await docker.getVolume(volume.name).inspect().catch((err: unknown) => {
    if (statusOf(err) === 404) return undefined;
    throw err;
  });
  if (existing) {
    const owner = (existing.Labels ?? {})[LABEL.cluster];
    throw new MesosUpError('NAME_IN_USE', `A Docker volume named ${volume.name} already exists${owner ? ` (left by an earlier cluster ${owner})` : ''}`, {
      hint: owner
        ? `remove what is left of that cluster with mesos-up down --name ${owner}`
        : `it is not mesos-up's, so mesos-up leaves it alone: remove it yourself (docker volume rm ${volume.name}) or pick another --name`,
    });
  }
  await docker.createVolume({ Name: volume.name, Driver: 'local', Labels: volume.labels });
}

export async function listVolumes(docker: Docker, labelFilter: string[]): Promise<Docker.VolumeInspectInfo[]> {
  return (await docker.listVolumes({ filters: { label: labelFilter } })).Volumes ?? [];
}

/** Removes a volume; gone already is fine. */
export async function removeVolume(docker: Docker, name: string): Promise<void> {
  try {
    await docker.getVolume(name).remove();
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
}

/** Creates `name` with `labels`, removing first a volume of that name (one of ours left by an earlier run; the engine would hand it back with its old labels). */
export async function createOrReplaceVolume(docker: Docker, name: string, labels: Record<string, string>): Promise<void> {
  await removeVolume(docker, name);
  await docker.createVolume({ Name: name, Driver: 'local', Labels: labels });
}
