// Removes exactly what carries a cluster's labels: its containers (task
// containers the agents started included), then its networks and volumes, on
// every engine the cluster spans; then what up did to a swarm for it.
import type Docker from 'dockerode';
import { listContainers, removeContainer } from '../engine/containers.js';
import { engineClient } from '../engine/engines.js';
import { listNetworks, removeNetwork } from '../engine/network.js';
import { listVolumes, removeVolume } from '../engine/volumes.js';
import { enginesFromLabels } from '../plan/engines.js';
import { LABEL } from '../plan/labels.js';
import { dropGoneNodes, undoSwarm, type EngineAtDown } from './engines.js';

export interface Removed {
  containers: string[];
  networks: string[];
  volumes: string[];
  /** a cluster spanning engines: engines that did not answer, and what happened to the swarm */
  notes?: string[];
}

const nameOf = (c: Docker.ContainerInfo) => c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12);

/**
 * `runId` limits removal to what one run of `up` made (its rollback); task
 * containers carry no run label and go whenever their cluster's agents went.
 * `engines` (the rollback of up) names the engines when nothing labelled may
 * exist yet; otherwise they are read from the labels.
 */
export async function removeCluster(docker: Docker, cluster: string, opts: { runId?: string; engines?: string[] } = {}): Promise<Removed> {
  const scope = [`${LABEL.cluster}=${cluster}`, ...(opts.runId ? [`${LABEL.run}=${opts.runId}`] : [])];
  const removed: Removed = { containers: [], networks: [], volumes: [] };
  // One round of listing, in parallel; nothing new gets these labels once the components are gone.
  const [components, networks, volumes] = await Promise.all([listContainers(docker, scope), listNetworks(docker, scope), listVolumes(docker, scope)]);
  // The engines: those the caller names (a rollback, a cluster file) and those the labels name.
  const fromLabels = enginesFromLabels([...components, ...networks, ...volumes]);
  const names = [...new Set([...(opts.engines ?? []), ...fromLabels])];
  // The other engines; one that does not answer is skipped (down stays idempotent when an engine is gone).
  const notes: string[] = [];
  const engines: EngineAtDown[] = await Promise.all(
    names.map(async (name, i) => {
      if (i === 0) return { name, docker };
      const client = await engineClient(name).catch((err: unknown) => {
        notes.push(`${name}: skipped, it does not answer (${(err as Error).message.split('\n')[0]})`);
        return undefined;
      });
      return client ? { name, docker: client } : { name };
    }),
  );
  if (!engines.length) engines.push({ name: 'local', docker });
  const reachable = engines.filter((e): e is EngineAtDown & { docker: Docker } => !!e.docker);
  const others = reachable.slice(1);
  const remote = await Promise.all(others.map(async (e) => ({ docker: e.docker, components: await listContainers(e.docker, scope).catch(() => []) })));
  // Components first, so no agent starts a task container while we clean up.
  const removeAll = (d: Docker, list: Docker.ContainerInfo[]) =>
    Promise.all(list.map(async (c) => { await removeContainer(d, c.Id); removed.containers.push(nameOf(c)); }));
  await Promise.all([removeAll(docker, components), ...remote.map((r) => removeAll(r.docker, r.components))]);
  const taskScope = [`${LABEL.cluster}=${cluster}`, `${LABEL.role}=task`];
  await Promise.all(reachable.map(async (e) => removeAll(e.docker, await listContainers(e.docker, taskScope).catch(() => []))));
  if (names.length > 1) notes.push(...(await dropGoneNodes(cluster, engines)));
  await Promise.all(
    networks.map(async (n) => {
      try {
        await removeNetwork(docker, n.Id);
        removed.networks.push(n.Name);
      } catch (err) {
        // (an overlay still held by a swarm node: leaving the swarm below removes it with the swarm)
        if (names.length < 2) throw err;
        notes.push(`${n.Name}: not removed yet (${(err as Error).message.split('\n')[0]})`);
      }
    }),
  );
  // Only volumes carrying the cluster's label were listed, so no other volume is touched.
  // One still in use (a container that would not go) is left for the next down.
  // The swarm markers (lifecycle/engines.ts) go last, with what they mark.
  const isMarker = (v: Docker.VolumeInspectInfo) => v.Labels?.[LABEL.swarmFor] === cluster;
  const removeVolumes = (d: Docker, list: Docker.VolumeInspectInfo[]) =>
    Promise.all(list.filter((v) => !isMarker(v)).map(async (v) => { if (await removeVolume(d, v.Name).then(() => true, () => false)) removed.volumes.push(v.Name); }));
  const lists = await Promise.all(reachable.map(async (e, i) => (i === 0 ? volumes : listVolumes(e.docker, scope).catch(() => []))));
  await Promise.all(reachable.map((e, i) => removeVolumes(e.docker, lists[i]!)));
  reachable.forEach((e, i) => {
    const marker = lists[i]!.find(isMarker);
    if (marker) e.marker = marker;
  });
  // (up puts engines in a swarm only for clusters spanning engines; a marker says it did)
  if (reachable.some((e) => e.marker) || names.length > 1) notes.push(...(await undoSwarm(cluster, engines)));
  if (notes.length) removed.notes = notes;
  return removed;
}
