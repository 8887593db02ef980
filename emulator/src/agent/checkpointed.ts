// The dynamic reservations and persistent volumes an agent keeps: the set the
// master sends after each operation (1.7.1 agents compute it from the
// operation, ApplyOperationMessage), kept in the work
// directory so the agent reports it to the next leader and after a restart,
// and the volume directories under <work_dir>/volumes/roles/<role>/<id>
// (paths::getPersistentVolumePath), made when a volume is created and removed
// when it is destroyed (Slave::syncCheckpointedResources).
import fs from 'node:fs';
import path from 'node:path';
import * as L from '../common/resource-list.js';
import type { Res, ResList } from '../common/resource-list.js';

/** meta/resources/resources.json: our own JSON form (Mesos keeps protobuf in resources.info). */
export const checkpointPath = (workDir: string): string => path.join(workDir, 'meta', 'resources', 'resources.json');

/** <work_dir>/volumes/roles/<role, '/' as ' '>/<persistence id> */
export function volumePath(workDir: string, volume: Res): string {
  return path.join(workDir, 'volumes', 'roles', L.reservationRole(volume).replaceAll('/', ' '), volume.disk!.persistence!.id);
}

export function loadCheckpointed(workDir: string): ResList {
  try {
    const list = JSON.parse(fs.readFileSync(checkpointPath(workDir), 'utf8'));
    return Array.isArray(list) ? L.upgrade(list) : [];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`Failed to read checkpointed resources: ${(err as Error).message}`);
  }
}

const volumes = (l: ResList) => l.filter((r) => r.disk?.persistence);

/**
 * Keeps `next` as the checkpointed set: new volumes get their directory, the
 * directories of volumes no longer in the set are removed, then the file is
 * replaced. Returns what was logged, for the caller's log.
 */
export function syncCheckpointed(workDir: string, previous: ResList, next: ResList): string[] {
  const said: string[] = [];
  const known = new Set(volumes(previous).map((v) => volumePath(workDir, v)));
  const kept = new Set(volumes(next).map((v) => volumePath(workDir, v)));
  for (const v of volumes(next)) {
    const dir = volumePath(workDir, v);
    if (known.has(dir) && fs.existsSync(dir)) continue;
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new Error(`Failed to create the persistent volume ${v.disk!.persistence!.id} at '${dir}': ${(err as Error).message}`);
    }
    said.push(`Created persistent volume ${v.disk!.persistence!.id} at '${dir}'`);
  }
  for (const dir of known) {
    if (kept.has(dir)) continue;
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      throw new Error(`Failed to remove persistent volume '${path.basename(dir)}' at '${dir}': ${(err as Error).message}`);
    }
    said.push(`Removed persistent volume at '${dir}'`);
  }
  const file = checkpointPath(workDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.target`, JSON.stringify(L.format(next, 'post')));
  fs.renameSync(`${file}.target`, file);
  return said;
}

/** The volumes among a task's resources that go into its sandbox: those whose container_path is one name (no `/`). */
export function sandboxVolumes(workDir: string, resources: ResList): Array<{ hostDir: string; name: string; id: string }> {
  return volumes(resources).flatMap((v) => {
    const name = v.disk!.volume?.container_path ?? '';
    if (!name || name.includes('/')) return [];
    return [{ hostDir: volumePath(workDir, v), name, id: v.disk!.persistence!.id }];
  });
}
