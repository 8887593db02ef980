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
import { undoSwarm } from './engines.js';

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
  const names = opts.engines ?? enginesFromLabels([...components, ...networks]);
  const spans = names.length > 1;
  // The other engines; one that does not answer is skipped (down stays idempotent when an engine is gone).
  const reachable = new Map<string, Docker | undefined>();
  const notes: string[] = [];
  await Promise.all(
    names.slice(1).map(async (name) => {
      const client = await engineClient(name).catch((err: unknown) => {
        notes.push(`${name}: skipped, it does not answer (${(err as Error).message.split('\n')[0]})`);
        return undefined;
      });
      reachable.set(name, client);
    }),
  );
  const others = [...reachable.values()].filter((c): c is Docker => !!c);
  const remote = await Promise.all(others.map(async (c) => ({ docker: c, components: await listContainers(c, scope).catch(() => []) })));
  // Components first, so no agent starts a task container while we clean up.
  const removeAll = (d: Docker, list: Docker.ContainerInfo[]) =>
    Promise.all(list.map(async (c) => { await removeContainer(d, c.Id); removed.containers.push(nameOf(c)); }));
  await Promise.all([removeAll(docker, components), ...remote.map((r) => removeAll(r.docker, r.components))]);
  const taskScope = [`${LABEL.cluster}=${cluster}`, `${LABEL.role}=task`];
  await Promise.all([docker, ...others].map(async (d) => removeAll(d, await listContainers(d, taskScope).catch(() => []))));
  await Promise.all(networks.map(async (n) => { await removeNetwork(docker, n.Id); removed.networks.push(n.Name); }));
  // Only volumes carrying the cluster's label were listed, so no other volume is touched.
  // One still in use (a container that would not go) is left for the next down.
  const removeVolumes = (d: Docker, list: Array<{ Name: string }>) =>
    Promise.all(list.map(async (v) => { if (await removeVolume(d, v.Name).then(() => true, () => false)) removed.volumes.push(v.Name); }));
  await Promise.all([removeVolumes(docker, volumes), ...others.map(async (d) => removeVolumes(d, await listVolumes(d, scope).catch(() => [])))]);
  // (with nothing left here, a down cut short may have left the swarm it made: finish that too)
  const nothing = !components.length && !networks.length && !volumes.length;
  if (spans || (nothing && !opts.runId)) notes.push(...(await undoSwarm(docker, cluster, reachable)));
  if (notes.length) removed.notes = notes;
  return removed;
}
