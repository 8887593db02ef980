// Removes exactly what carries a cluster's labels: its containers (task
// containers the agents started included), then its networks and volumes; for
// a cluster spanning engines on every one of them, then what up did to a swarm
// for it (lifecycle/swarm-setup.ts).
import type Docker from 'dockerode';
import { MesosUpError } from '../errors.js';
import { listContainers, removeContainer } from '../engine/containers.js';
import { engineClient } from '../engine/engines.js';
import { listNetworks, removeNetwork } from '../engine/network.js';
import { endpointOf, engineIdentity } from '../engine/swarm.js';
import { listVolumes, removeVolume } from '../engine/volumes.js';
import { enginesFromLabels } from '../plan/engines.js';
import { LABEL } from '../plan/labels.js';
import { dropGoneNodes, undoSwarm, type EngineAtDown } from './swarm-setup.js';

export interface Removed {
  containers: string[];
  networks: string[];
  volumes: string[];
  /** a cluster spanning engines: engines that did not answer, and what happened to the swarm */
  notes?: string[];
}

const nameOf = (c: Docker.ContainerInfo) => c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12);

type Listed = { components: Docker.ContainerInfo[]; networks: Docker.NetworkInspectInfo[]; volumes: Docker.VolumeInspectInfo[] };

/**
 * `runId` limits removal to what one run of `up` made (its rollback); task
 * containers carry no run label and go whenever their cluster's agents went.
 * `engines` (the rollback of up, a cluster file) names engines the labels may
 * not name (yet, or any more).
 */
export async function removeCluster(docker: Docker, cluster: string, opts: { runId?: string; engines?: string[] } = {}): Promise<Removed> {
  const scope = [`${LABEL.cluster}=${cluster}`, ...(opts.runId ? [`${LABEL.run}=${opts.runId}`] : [])];
  // One round of listing, in parallel; nothing new gets these labels once the components are gone.
  const [components, networks, volumes] = await Promise.all([listContainers(docker, scope), listNetworks(docker, scope), listVolumes(docker, scope)]);
  const names = [...new Set([...(opts.engines ?? []), ...enginesFromLabels([...components, ...networks, ...volumes])])];
  if (names.length > 1) return removeSpanning(docker, cluster, scope, names, { components, networks, volumes }, !opts.runId);
  const removed: Removed = { containers: [], networks: [], volumes: [] };
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

/**
 * A cluster spanning engines. On the other engines only what carries the first
 * engine's ID is its own (a cluster of the same name there is someone else's).
 * An engine that does not answer is skipped (down stays idempotent when an
 * engine is gone); `adopt` (a down, not a rollback) also takes over the swarm
 * markers of an earlier cluster that is gone, which had to leave its swarm to
 * this one.
 */
async function removeSpanning(docker: Docker, cluster: string, scope: string[], names: string[], here: Listed, adopt: boolean): Promise<Removed> {
  const removed: Removed = { containers: [], networks: [], volumes: [] };
  const notes: string[] = [];
  const firstId = [...here.components, ...here.networks, ...here.volumes].map((x) => x.Labels?.[LABEL.firstEngine]).find(Boolean);
  const ownId = (await engineIdentity(docker)).id;
  if (firstId && firstId !== ownId) {
    throw new MesosUpError('CONFIG', `Cluster ${cluster} spans engines, and its first engine (daemon ${firstId.slice(0, 12)}) is not the one mesos-up talks to (${endpointOf(docker)})`, {
      hint: 'point mesos-up at the engine that runs its gateway (DOCKER_HOST, or the context it was started with), then run down again',
    });
  }
  const id = firstId ?? ownId;
  const remoteScope = [...scope, `${LABEL.firstEngine}=${id}`];
  const engines: EngineAtDown[] = await Promise.all(
    names.map(async (name, i) => {
      if (i === 0) return { name, docker };
      // (engineClient keeps one client per engine for the process: in up's rollback it is
      // the one the check connected, maybe before the engine went away, so ask it now)
      const client = await engineClient(name).then(async (c) => (await engineIdentity(c, { timeoutMs: 5000 }), c)).catch((err: unknown) => {
        // (a context that does not exist here is a mistake to show, not an engine that is gone)
        if (err instanceof MesosUpError && err.code === 'CONFIG') throw err;
        notes.push(`${name}: skipped, it does not answer (${(err as Error).message.split('\n')[0]}); when it is back, mesos-up down --name ${cluster} (or -f with the cluster file) finishes there`);
        return undefined;
      });
      return client ? { name, docker: client } : { name };
    }),
  );
  const reachable = engines.filter((e): e is EngineAtDown & { docker: Docker } => !!e.docker);
  const listed = await Promise.all(reachable.map(async (e, i) => (i === 0 ? here.components : listContainers(e.docker, remoteScope).catch(() => []))));
  const removeAll = (d: Docker, list: Docker.ContainerInfo[]) =>
    Promise.all(list.map(async (c) => { await removeContainer(d, c.Id); removed.containers.push(nameOf(c)); }));
  // Components first, so no agent starts a task container while we clean up.
  await Promise.all(reachable.map((e, i) => removeAll(e.docker, listed[i]!)));
  const taskScope = [`${LABEL.cluster}=${cluster}`, `${LABEL.role}=task`];
  // (an engine that went away since it answered above: what it runs stays for a later down)
  await Promise.all(
    reachable.map(async (e, i) => removeAll(e.docker, await (i === 0 ? listContainers(e.docker, taskScope) : listContainers(e.docker, [...taskScope, `${LABEL.firstEngine}=${id}`]).catch(() => [])))),
  );
  notes.push(...(await dropGoneNodes(cluster, engines)));
  await Promise.all(
    here.networks.map(async (n) => {
      try {
        await removeNetwork(docker, n.Id);
        removed.networks.push(n.Name);
      } catch (err) {
        // (an overlay a swarm node still holds goes with the swarm below, or at the next down)
        notes.push(`${n.Name}: not removed yet (${(err as Error).message.split('\n')[0]})`);
      }
    }),
  );
  // Volumes carrying the cluster's labels; the swarm markers go last, with what they mark.
  const isMarker = (v: Docker.VolumeInspectInfo) => !!v.Labels?.[LABEL.swarmFor];
  const volumes = await Promise.all(reachable.map(async (e, i) => (i === 0 ? here.volumes : listVolumes(e.docker, remoteScope).catch(() => []))));
  await Promise.all(reachable.map((e, i) => Promise.all(volumes[i]!.filter((v) => !isMarker(v)).map(async (v) => {
    if (await removeVolume(e.docker, v.Name).then(() => true, () => false)) removed.volumes.push(v.Name);
  }))));
  const gone = adopt ? await goneClusters(docker, id) : new Set<string>();
  await Promise.all(
    reachable.map(async (e, i) => {
      const own = volumes[i]!.find(isMarker);
      const orphan = gone.size ? (await listVolumes(e.docker, [LABEL.swarmFor, `${LABEL.firstEngine}=${id}`]).catch(() => [])).find((v) => gone.has(v.Labels![LABEL.swarmFor]!)) : undefined;
      const marker = own ?? orphan;
      if (marker) e.marker = marker;
    }),
  );
  notes.push(...(await undoSwarm(cluster, engines)));
  if (notes.length) removed.notes = notes;
  return removed;
}

/** Clusters whose swarm markers name this first engine but that have nothing left on it: their markers are for the next down to take over. */
async function goneClusters(primary: Docker, firstId: string): Promise<Set<string>> {
  const [markers, containers, networks] = await Promise.all([
    listVolumes(primary, [LABEL.swarmFor, `${LABEL.firstEngine}=${firstId}`]),
    listContainers(primary, [LABEL.cluster]),
    listNetworks(primary, [LABEL.cluster]),
  ]);
  const alive = new Set([...containers.map((c) => c.Labels[LABEL.cluster]), ...networks.map((n) => n.Labels?.[LABEL.cluster])]);
  return new Set(markers.map((m) => m.Labels![LABEL.swarmFor]!).filter((c) => !alive.has(c)));
}
