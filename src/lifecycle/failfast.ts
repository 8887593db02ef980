// Stops a wait once a cluster container has exited, naming it with its exit
// code and last log lines.
import type Docker from 'dockerode';
import { MesosUpError } from '../errors.js';
import { listContainers, tailLogs } from '../engine/containers.js';
import { LABEL } from '../plan/labels.js';

/**
 * Waits poll every 50 ms, but a container list costs the engine a lock and an
 * inspect per container while it is still starting the others (measured: 8
 * agents came up ~0.3 s sooner with one list a second), so the check runs at
 * most once every `everyMs`: an exit is still reported within a second.
 */
export function containersAlive(docker: Docker, cluster: string, opts: { everyMs?: number; others?: Docker[] } = {}): () => Promise<void> {
  let lastAt = -Infinity;
  const engines = [docker, ...(opts.others ?? [])];
  return async () => {
    if (Date.now() - lastAt < (opts.everyMs ?? 1000)) return;
    lastAt = Date.now();
    // (a cluster spanning engines: its containers on each of them)
    const lists = await Promise.all(engines.map(async (d) => ({ d, all: await listContainers(d, [`${LABEL.cluster}=${cluster}`, LABEL.role]) })));
    const found = lists.map(({ d, all }) => ({ d, dead: all.find((c) => c.State === 'exited' || c.State === 'dead') })).find((x) => x.dead);
    if (!found) return;
    const { d: engine, dead } = found as { d: Docker; dead: Docker.ContainerInfo };
    const name = dead.Names[0]?.replace(/^\//, '') ?? dead.Id.slice(0, 12);
    const info = await engine.getContainer(dead.Id).inspect().catch(() => undefined);
    const code = info?.State?.ExitCode ?? /Exited \((\d+)\)/.exec(dead.Status)?.[1];
    const logs = await tailLogs(engine, dead.Id, 20);
    throw new MesosUpError('CONTAINER_EXITED', `Container ${name} exited with code ${code} while the cluster was starting`, {
      hint: `its last log lines are above; mesos-up logs ${name} shows more (add --retain to keep the containers)`,
      logs,
    });
  };
}
