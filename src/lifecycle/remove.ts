// Removes exactly what carries a cluster's labels: its containers (task
// containers the agents started included), then its networks and volumes.
import type Docker from 'dockerode';
import { listContainers, removeContainer } from '../engine/containers.js';
import { listNetworks, removeNetwork } from '../engine/network.js';
import { listVolumes, removeVolume } from '../engine/volumes.js';
import { LABEL } from '../plan/labels.js';

export interface Removed {
  containers: string[];
  networks: string[];
  volumes: string[];
}

const nameOf = (c: Docker.ContainerInfo) => c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12);

/**
 * `runId` limits removal to what one run of `up` made (its rollback); task
 * containers carry no run label and go whenever their cluster's agents went.
 */
export async function removeCluster(docker: Docker, cluster: string, opts: { runId?: string } = {}): Promise<Removed> {
  const scope = [`${LABEL.cluster}=${cluster}`, ...(opts.runId ? [`${LABEL.run}=${opts.runId}`] : [])];
  const removed: Removed = { containers: [], networks: [], volumes: [] };
  // One round of listing, in parallel; nothing new gets these labels once the components are gone.
  const [components, networks, volumes] = await Promise.all([listContainers(docker, scope), listNetworks(docker, scope), listVolumes(docker, scope)]);
  // Components first, so no agent starts a task container while we clean up.
  await Promise.all(components.map(async (c) => { await removeContainer(docker, c.Id); removed.containers.push(nameOf(c)); }));
  const tasks = await listContainers(docker, [`${LABEL.cluster}=${cluster}`, `${LABEL.role}=task`]);
  await Promise.all(tasks.map(async (c) => { await removeContainer(docker, c.Id); removed.containers.push(nameOf(c)); }));
  await Promise.all(networks.map(async (n) => { await removeNetwork(docker, n.Id); removed.networks.push(n.Name); }));
  // Only volumes carrying the cluster's label were listed, so no other volume is touched.
  // One still in use (a container that would not go) is left for the next down.
  await Promise.all(volumes.map(async (v) => {
    if (await removeVolume(docker, v.Name).then(() => true, () => false)) removed.volumes.push(v.Name);
  }));
  return removed;
}
