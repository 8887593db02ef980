// A cluster over several Docker engines: putting them in one swarm for up (or
// using the swarm they are in), and on down (or a rollback) undoing exactly
// what up did to it. What up did is written on the engines themselves: a
// labelled marker volume on each engine it put in a swarm, labels on the swarm
// it started and on the nodes it joined.
import type Docker from 'dockerode';
import type { ClusterSpec } from '../config/schema.js';
import { MesosUpError } from '../errors.js';
import { listContainers } from '../engine/containers.js';
import { listAllNetworks, removeNetwork } from '../engine/network.js';
import { endpointOf, initSwarm, joinSwarm, joinTokens, leaveSwarm, listServices, removeNode, setNodeLabel, swarmNodes, swarmState } from '../engine/swarm.js';
import { createOrReplaceVolume, removeVolume } from '../engine/volumes.js';
import { LABEL } from '../plan/labels.js';
import { atEngine, onEachEngine, where, type EngineSetup } from './engines-check.js';

/** The bridge swarm mode makes on every engine for containers' traffic off the overlay; left behind by swarm leave. */
const GWBRIDGE = 'docker_gwbridge';

const hasGwbridge = async (docker: Docker) => (await listAllNetworks(docker)).some((n) => n.Name === GWBRIDGE);

/** docker_gwbridge once nothing uses it; one still in use stays. */
async function removeGwbridge(docker: Docker): Promise<void> {
  for (const n of await listAllNetworks(docker).catch(() => [])) if (n.Name === GWBRIDGE) await removeNetwork(docker, n.Id).catch(() => undefined);
}

/** The volume that marks an engine as put in a swarm by up for a cluster: it lives on that engine, so down finds it even after the manager is gone. */
export const swarmMarkerName = (cluster: string): string => `mesos-up-${cluster}-swarm`;

/**
 * Marks `docker` before up starts or joins a swarm there. A marker left by an
 * earlier run (an engine that was away during its down) is replaced, so the
 * rollback of this run finds it by this run's labels.
 */
async function mark(docker: Docker, cluster: string, labels: Record<string, string>): Promise<void> {
  const made = !(await hasGwbridge(docker));
  await createOrReplaceVolume(docker, swarmMarkerName(cluster), { ...labels, [LABEL.swarmFor]: cluster, [LABEL.gwbridgeMade]: String(made) });
}

/** swarm's listen address for an advertised address that may carry its own port (as --advertise-addr takes it). */
const listenOn = (advertise: string) => (/:\d+$/.test(advertise) ? advertise : `${advertise}:2377`);

/**
 * Starts the swarm on the first engine if it is in none, and joins the engines
 * that are in none to it. `labels` go on the markers (the cluster's and the
 * run's, so a rollback finds them). Every engine's join runs to its end before
 * a failure is passed on (onEachEngine), so a rollback never races a join.
 */
export async function joinEngines(spec: ClusterSpec, setup: EngineSetup, labels: Record<string, string>, progress: (line: string) => void): Promise<void> {
  const [primary] = setup.clients as [Docker];
  if (setup.init) {
    const advertise = spec.engines[0]!.advertise;
    progress(`starting a swarm on ${spec.engines[0]!.endpoint}${advertise ? ` (advertising ${advertise})` : ''}`);
    try {
      await mark(primary, spec.name, labels);
      await initSwarm(primary, { ...(advertise ? { advertiseAddr: advertise, listenAddr: listenOn(advertise) } : {}), labels: { [LABEL.swarmFor]: spec.name } });
    } catch (err) {
      if (!advertise && err instanceof MesosUpError && /advertise|address|interface/i.test(err.message)) {
        throw new MesosUpError('CONFIG', `${where(spec, 0)}: the engine cannot tell which of its addresses the other engines reach it at (${err.message})`, {
          hint: 'set engines[0].advertise in cluster.yaml to that address (or interface), as docker swarm init --advertise-addr takes it',
          cause: err,
        });
      }
      atEngine(spec, 0, err);
    }
  }
  // The first engine's own address in its swarm (another manager's would do, but this one is known to answer).
  const state = await swarmState(primary);
  const remote = state.nodeAddr ? `${state.nodeAddr}:2377` : state.managerAddrs?.[0];
  if (!remote) throw new MesosUpError('INTERNAL', `${where(spec, 0)} manages a swarm but reports no address to join it at`, { hint: `see docker -H ${endpointOf(primary)} info` });
  const token = setup.join.length ? (await joinTokens(primary)).worker : '';
  await onEachEngine(spec, setup.join, async (i) => {
    const client = setup.clients[i]!;
    progress(`joining ${spec.engines[i]!.endpoint} to the swarm at ${remote}`);
    await mark(client, spec.name, labels);
    await joinSwarm(client, { remoteAddr: remote, token, manager: primary, ...(spec.engines[i]!.advertise ? { advertiseAddr: spec.engines[i]!.advertise } : {}) });
    const nodeId = (await swarmState(client)).nodeId;
    if (!nodeId) throw new MesosUpError('INTERNAL', 'the engine joined the swarm but reports no node ID');
    // (so down can take the node out of the manager's list even when that engine is gone)
    await setNodeLabel(primary, nodeId, LABEL.swarmFor, spec.name);
    await setNodeLabel(primary, nodeId, LABEL.engine, spec.engines[i]!.endpoint);
  });
}

/**
 * Takes the swarm nodes up joined for `cluster` on engines that did not answer
 * out of the manager's list, once the manager sees them down too (an engine
 * this shell cannot reach may still be running). Done before the overlay
 * network goes: the swarm keeps a gone node's network attachments, and refuses
 * to remove a network in use by them.
 */
export async function dropGoneNodes(cluster: string, engines: EngineAtDown[]): Promise<string[]> {
  const primary = engines[0]!.docker!;
  const gone = new Set(engines.filter((e) => !e.docker).map((e) => e.name));
  if (!gone.size) return [];
  const s = await swarmState(primary).catch(() => undefined);
  if (s?.state !== 'active' || !s.isManager) return [];
  const notes: string[] = [];
  for (const node of await swarmNodes(primary).catch(() => [])) {
    const name = node.labels[LABEL.engine];
    if (node.labels[LABEL.swarmFor] !== cluster || !name || !gone.has(name)) continue;
    if (node.status === 'ready') {
      notes.push(`${name}: its swarm node is still ready, so it stays; when that engine answers, mesos-up down --name ${cluster} finishes there`);
      continue;
    }
    await removeNode(primary, node.id, { force: true }).catch(() => undefined);
    notes.push(`${name}: did not answer and its node is ${node.status}: taken out of the swarm`);
  }
  return notes;
}

/** An engine of a cluster as down sees it: its client (undefined: it does not answer) and up's marker there, if any. */
export interface EngineAtDown {
  name: string;
  docker?: Docker;
  marker?: { Name: string; Labels?: Record<string, string> | null };
}

/** What, beside mesos-up's own, a swarm holds: services, overlay networks and nodes someone else added. */
async function othersInSwarm(primary: Docker): Promise<string[]> {
  const [services, networks, nodes, own] = await Promise.all([listServices(primary), listAllNetworks(primary), swarmNodes(primary), swarmState(primary)]);
  return [
    ...services.map((s) => `service ${s}`),
    ...networks.filter((n) => n.Scope === 'swarm' && n.Name !== 'ingress' && !n.Labels?.[LABEL.cluster]).map((n) => `network ${n.Name}`),
    ...nodes.filter((n) => n.id !== own.nodeId && !n.labels[LABEL.swarmFor]).map((n) => `node ${n.hostname || n.id}`),
  ];
}

/**
 * Undoes what up did to swarms for `cluster` (or for an earlier cluster whose
 * markers it took over: that cluster is gone): the engines it joined leave
 * (their nodes go from the manager's list), then the swarm it started ends,
 * unless another mesos-up cluster spread over engines, or anything of the
 * user's, still uses it. The first of `engines` is the one the CLI talks to.
 * When an engine did not answer, the first engine's marker stays, so a later
 * down finds that engine again. Returns a line for each thing done or left.
 */
export async function undoSwarm(cluster: string, engines: EngineAtDown[]): Promise<string[]> {
  const notes: string[] = [];
  const [first, ...rest] = engines;
  const primary = first!.docker!;
  const managerState = await swarmState(primary).catch(() => undefined);
  const manages = managerState?.state === 'active' && managerState.isManager;
  // Another cluster spanning engines may use a swarm too (as one it found).
  const othersOn = async (docker: Docker) => [...new Set((await listContainers(docker, [LABEL.engines])).map((c) => c.Labels[LABEL.cluster]).filter((c) => c !== cluster))];
  const unmark = (e: EngineAtDown) => (e.marker && e.docker ? removeVolume(e.docker, e.marker.Name).catch(() => undefined) : Promise.resolve());
  let kept = false;
  await Promise.all(
    rest.map(async (e) => {
      if (!e.docker || !e.marker) return;
      const s = await swarmState(e.docker).catch(() => undefined);
      if (s && s.state !== 'inactive') {
        const users = await othersOn(e.docker).catch(() => []);
        if (users.length) {
          kept = true;
          notes.push(`${e.name}: stays in the swarm while cluster ${users.join(', ')} runs there; its down finishes this`);
          return;
        }
        const left = await leaveSwarm(e.docker, { force: true }).then(() => true, (err: unknown) => (notes.push(`${e.name}: could not leave the swarm (${(err as Error).message}); ${e.name.startsWith('local') ? '' : 'on that engine, '}docker swarm leave --force`), false));
        if (!left) return;
        if (manages && s.nodeId) await removeNode(primary, s.nodeId, { force: true }).catch(() => undefined);
        notes.push(`${e.name}: left the swarm`);
      }
      if (e.marker.Labels?.[LABEL.gwbridgeMade] === 'true') await removeGwbridge(e.docker);
      await unmark(e);
    }),
  );
  if (!first!.marker) return notes;
  if (manages) {
    const otherClusters = (await listAllNetworks(primary)).filter((n) => n.Scope === 'swarm' && n.Labels?.[LABEL.cluster] && n.Labels[LABEL.cluster] !== cluster);
    if (otherClusters.length || kept) {
      const users = [...new Set(otherClusters.map((n) => n.Labels![LABEL.cluster]!))];
      notes.push(`${first!.name}: its swarm stays while ${users.length ? `cluster ${users.join(', ')} uses it` : 'engines of it are in use'}; that cluster's down ends it`);
      return notes;
    }
    const foreign = await othersInSwarm(primary).catch(() => []);
    if (foreign.length) {
      notes.push(`${first!.name}: the swarm mesos-up started for ${cluster} now also holds ${foreign.join(', ')}: left as it is (docker swarm leave --force ends it)`);
      await unmark(first!);
      return notes;
    }
    await leaveSwarm(primary, { force: true });
    notes.push(`${first!.name}: left the swarm mesos-up started for ${cluster}`);
  }
  if (first!.marker.Labels?.[LABEL.gwbridgeMade] === 'true') await removeGwbridge(primary);
  if (rest.some((e) => !e.docker)) notes.push(`${first!.name}: keeps ${first!.marker.Name} until the engines that did not answer are done: mesos-up down --name ${cluster} when they are back`);
  else await unmark(first!);
  return notes;
}
