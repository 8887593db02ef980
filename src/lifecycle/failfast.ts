// Stops a wait as soon as a cluster container has exited, naming it with its
// exit code and last log lines.
import type Docker from 'dockerode';
import { MesosUpError } from '../errors.js';
import { listContainers, tailLogs } from '../engine/containers.js';
import { LABEL } from '../plan/labels.js';

export function containersAlive(docker: Docker, cluster: string): () => Promise<void> {
  return async () => {
    const all = await listContainers(docker, [`${LABEL.cluster}=${cluster}`, LABEL.role]);
    const dead = all.find((c) => c.State === 'exited' || c.State === 'dead');
    if (!dead) return;
    const name = dead.Names[0]?.replace(/^\//, '') ?? dead.Id.slice(0, 12);
    const info = await docker.getContainer(dead.Id).inspect().catch(() => undefined);
    const code = info?.State?.ExitCode ?? /Exited \((\d+)\)/.exec(dead.Status)?.[1];
    const logs = await tailLogs(docker, dead.Id, 20);
    throw new MesosUpError('CONTAINER_EXITED', `Container ${name} exited with code ${code} while the cluster was starting`, {
      hint: `its last log lines are above; mesos-up logs ${name} shows more (add --retain to keep the containers)`,
      logs,
    });
  };
}
