// A cluster over several Docker engines: checking the engines before anything
// starts, putting them in one swarm (or using the swarm they are in), and on
// down undoing exactly what up did to the swarm. Containers stay plain
// containers, each created through its own engine's API; the swarm only
// carries the cluster's attachable overlay network between the engines.
import type Docker from 'dockerode';
import type { ClusterSpec } from '../config/schema.js';
import { MesosUpError } from '../errors.js';
import { engineClient } from '../engine/engines.js';
import {
  endpointOf, engineIdentity, initSwarm, joinSwarm, joinTokens, leaveSwarm, removeNode, requireSwarmCapable, setNodeLabel, swarmNodes, swarmState, type SwarmState,
} from '../engine/swarm.js';
import { listContainers } from '../engine/containers.js';
import { listNetworks, removeNetwork } from '../engine/network.js';
import { removeVolume } from '../engine/volumes.js';
import { engineMessage } from '../engine/errors.js';
import { copyImage } from '../engine/image-copy.js';
import { imagePresent, pullImage } from '../engine/images.js';
import { LABEL } from '../plan/labels.js';
import { overlaps, parseCidr } from '../plan/subnets.js';

/** The bridge swarm mode makes on every engine for containers' traffic off the overlay; left behind by swarm leave. */
const GWBRIDGE = 'docker_gwbridge';

export interface EngineSetup {
  /** connected clients, in the order of spec.engines; [0] is the engine the CLI talks to */
  clients: Docker[];
  /** a new swarm starts on the first engine */
  init: boolean;
  /** the engines (indexes) that join the first engine's swarm */
  join: number[];
}

const where = (spec: ClusterSpec, i: number) => `engines[${i}] (${spec.engines[i]!.endpoint})`;

/** Prefixes an engine's error with where in the engines list it is. */
function atEngine(spec: ClusterSpec, i: number, err: unknown): never {
  if (err instanceof MesosUpError && err.code === 'ENGINE_UNREACHABLE' && i > 0) {
    // (not the local engine: installing Docker here would not help)
    const at = spec.engines[i]!.endpoint;
    throw new MesosUpError(err.code, `${where(spec, i)}: ${err.message}`, {
      hint: `check that the engine runs and answers there (${/^[a-z]+:\/\//.test(at) ? `docker -H ${at} info` : `docker --context ${at} info`}), or leave it out of the engines (cluster.yaml engines, --engine)`,
      cause: err,
    });
  }
  if (err instanceof MesosUpError) throw new MesosUpError(err.code, `${where(spec, i)}: ${err.message}`, { ...(err.hint ? { hint: err.hint } : {}), cause: err });
  throw new MesosUpError('ENGINE_UNREACHABLE', `${where(spec, i)}: ${engineMessage(err)}`, { cause: err });
}

/**
 * Everything about the engines that can be checked before anything starts:
 * each answers, is new enough, is a different engine from the others, and is in
 * no swarm or in the first engine's; the first is the one the CLI talks to and
 * manages the swarm (or is in none yet).
 */
export async function checkEngines(spec: ClusterSpec, primary: Docker): Promise<EngineSetup> {
  const clients = await Promise.all(
    spec.engines.map((e, i) => (i === 0 && e.endpoint === 'local' ? Promise.resolve(primary) : engineClient(e.endpoint).catch((err: unknown) => atEngine(spec, i, err)))),
  );
  const ids = await Promise.all(
    clients.map(async (c, i) => {
      try {
        await requireSwarmCapable(c);
        return await engineIdentity(c);
      } catch (err) {
        return atEngine(spec, i, err);
      }
    }),
  );
  const own = clients[0] === primary ? ids[0]! : await engineIdentity(primary);
  if (ids[0]!.id !== own.id) throw notTheCliEngine(spec, primary);
  ids.forEach((x, i) => {
    const j = ids.findIndex((y) => y.id === x.id);
    if (j < i) throw new MesosUpError('CONFIG', `${where(spec, i)} and ${where(spec, j)} are the same engine (ID ${x.id.slice(0, 12)}, ${x.name})`, { hint: 'give each engine once, with all the agents it should run' });
  });
  const first = ids[0]!.swarm;
  const usable = (s: SwarmState, i: number) => {
    if (s.state === 'locked') throw new MesosUpError('CONFIG', `${where(spec, i)} is in a locked swarm`, { hint: `unlock it (docker -H ${endpointOf(clients[i]!)} swarm unlock) or leave it out` });
    if (s.state === 'error' || s.state === 'pending') {
      throw new MesosUpError('CONFIG', `${where(spec, i)} is in swarm state ${s.state}${s.error ? ` (${s.error})` : ''}`, {
        hint: `see docker -H ${endpointOf(clients[i]!)} info; docker swarm leave --force resets it if nothing else uses that swarm`,
      });
    }
  };
  ids.forEach((x, i) => usable(x.swarm, i));
  if (first.state === 'active' && !first.isManager) {
    throw new MesosUpError('CONFIG', `${where(spec, 0)} is a worker of a swarm (managers ${first.managerAddrs?.join(', ') ?? 'unknown'}): the cluster's overlay network is made on the first engine, which must manage its swarm`, {
      hint: 'promote it (docker node promote, on a manager) or use an engine that manages the swarm as the first',
    });
  }
  const members = first.state === 'active' ? new Set((await swarmNodes(primary)).map((n) => n.id)) : new Set<string>();
  const join: number[] = [];
  ids.forEach((x, i) => {
    if (i === 0) return;
    if (x.swarm.state === 'inactive') join.push(i);
    else if (!(x.swarm.nodeId && members.has(x.swarm.nodeId))) {
      throw new MesosUpError('CONFIG', `${where(spec, i)} is already in ${first.state === 'active' ? 'another swarm than the first engine' : 'a swarm, while the first engine is in none'}${x.swarm.managerAddrs?.length ? ` (managers ${x.swarm.managerAddrs.join(', ')})` : ''}`, {
        hint: `mesos-up never changes a swarm it did not make: list engines of one swarm only (with its manager first), or take that engine out of its swarm yourself (docker -H ${endpointOf(clients[i]!)} swarm leave) if nothing else uses it`,
      });
    }
  });
  if (spec.network.subnet) await checkSubnet(spec, clients);
  return { clients, init: first.state === 'inactive', join };
}

/** network.subnet for the overlay: no network of any engine (its bridges, the swarm's overlays) may overlap it. */
async function checkSubnet(spec: ClusterSpec, clients: Docker[]): Promise<void> {
  const wanted = parseCidr(spec.network.subnet!)!;
  for (const [i, client] of clients.entries()) {
    for (const n of await client.listNetworks()) {
      const clash = (n.IPAM?.Config ?? []).map((c) => c.Subnet).find((x) => x && !x.includes(':') && overlaps(parseCidr(x)!, wanted));
      if (clash) {
        throw new MesosUpError('CONFIG', `network.subnet ${spec.network.subnet} overlaps ${clash} of network ${n.Name} on ${where(spec, i)}: the cluster's overlay would not reach there`, {
          hint: 'choose a subnet no engine uses (docker network ls, then network inspect, on each), or leave network.subnet out: mesos-up then picks a free one from 10.128.0.0/24 up',
        });
      }
    }
  }
}

function notTheCliEngine(spec: ClusterSpec, primary: Docker): MesosUpError {
  return new MesosUpError('CONFIG', `${where(spec, 0)} is not the engine mesos-up talks to (${endpointOf(primary)}): the first engine runs ZooKeeper, the masters, Marathon and the gateway, whose ports this machine must reach`, {
    hint: `list local first (engines: [{ endpoint: local, agents: … }, …] or --engine local=N), or point DOCKER_HOST at ${spec.engines[0]!.endpoint}`,
  });
}

/** One engine listed by name: it must be the engine the CLI talks to (the cluster is a plain single-engine one). */
export async function checkOnlyEngine(spec: ClusterSpec, primary: Docker): Promise<void> {
  const only = spec.engines[0];
  if (!only || only.endpoint === 'local') return;
  const client = await engineClient(only.endpoint).catch((err: unknown) => atEngine(spec, 0, err));
  const [a, b] = await Promise.all([engineIdentity(client), engineIdentity(primary)]);
  if (a.id !== b.id) throw notTheCliEngine(spec, primary);
}

const hasGwbridge = async (docker: Docker) => (await docker.listNetworks({ filters: { name: [GWBRIDGE] } })).some((n) => n.Name === GWBRIDGE);

/** The volume that marks an engine as put in a swarm by up for a cluster: it lives on that engine, so down finds it even after the manager is gone. */
export const swarmMarkerName = (cluster: string): string => `mesos-up-${cluster}-swarm`;

/** Marks `docker` before up starts or joins a swarm there: down reads it back (labels: the cluster's, swarm-for, gwbridge-made). */
async function mark(docker: Docker, cluster: string, labels: Record<string, string>): Promise<void> {
  const made = !(await hasGwbridge(docker));
  await docker.createVolume({ Name: swarmMarkerName(cluster), Driver: 'local', Labels: { ...labels, [LABEL.swarmFor]: cluster, [LABEL.gwbridgeMade]: String(made) } });
}

/**
 * Starts the swarm on the first engine if it is in none, and joins the engines
 * that are in none to it. Each engine up puts in a swarm gets a marker volume
 * first, and each node it joined a label on the manager, so down (and a
 * rollback) undoes exactly that and nothing else. `labels` go on the markers
 * (the cluster's and the run's, so a rollback finds them).
 */
export async function joinEngines(spec: ClusterSpec, setup: EngineSetup, labels: Record<string, string>, progress: (line: string) => void): Promise<void> {
  const [primary] = setup.clients as [Docker];
  if (setup.init) {
    const advertise = spec.engines[0]!.advertise;
    progress(`starting a swarm on ${spec.engines[0]!.endpoint}${advertise ? ` (advertising ${advertise})` : ''}`);
    try {
      await mark(primary, spec.name, labels);
      await initSwarm(primary, {
        ...(advertise ? { advertiseAddr: advertise, listenAddr: `${advertise}:2377` } : {}),
        labels: { [LABEL.swarmFor]: spec.name },
      });
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
  const state = await swarmState(primary);
  const remote = state.managerAddrs?.[0] ?? (state.nodeAddr ? `${state.nodeAddr}:2377` : undefined);
  if (!remote) throw new MesosUpError('INTERNAL', `${where(spec, 0)} manages a swarm but reports no address to join it at`, { hint: `see docker -H ${endpointOf(primary)} info` });
  const token = setup.join.length ? (await joinTokens(primary)).worker : '';
  await Promise.all(
    setup.join.map(async (i) => {
      const client = setup.clients[i]!;
      progress(`joining ${spec.engines[i]!.endpoint} to the swarm at ${remote}`);
      try {
        await mark(client, spec.name, labels);
        await joinSwarm(client, { remoteAddr: remote, token, manager: primary, ...(spec.engines[i]!.advertise ? { advertiseAddr: spec.engines[i]!.advertise } : {}) });
        const nodeId = (await swarmState(client)).nodeId;
        if (!nodeId) throw new MesosUpError('INTERNAL', 'the engine joined the swarm but reports no node ID');
        // (so down can take the node out of the manager's list even when that engine is gone)
        await setNodeLabel(primary, nodeId, LABEL.swarmFor, spec.name);
        await setNodeLabel(primary, nodeId, LABEL.engine, spec.engines[i]!.endpoint);
      } catch (err) {
        atEngine(spec, i, err);
      }
    }),
  );
}

/**
 * Takes the swarm nodes up joined for `cluster` on engines that do not answer
 * out of the manager's list. Done before the overlay network goes: the swarm
 * keeps a gone node's network attachments, and refuses to remove a network in
 * use by them. The engine keeps its marker, so a later down -f finishes there.
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
    await removeNode(primary, node.id, { force: true }).catch(() => undefined);
    notes.push(`${name}: did not answer; its node was taken out of the swarm (when it is back, mesos-up down -f <cluster file> finishes there)`);
  }
  return notes;
}

/** An engine of a cluster as down sees it: its client (undefined: it does not answer) and up's marker there, if any. */
export interface EngineAtDown {
  name: string;
  docker?: Docker;
  marker?: { Name: string; Labels?: Record<string, string> | null };
}

/**
 * Undoes what up did to swarms for `cluster`: the engines it joined leave (and
 * their nodes go from the manager's list), then the swarm it started ends.
 * Engines still used by another mesos-up cluster spanning engines stay. The
 * first of `engines` is the one the CLI talks to. Returns a line for each thing
 * done or left, for down's report.
 */
export async function undoSwarm(cluster: string, engines: EngineAtDown[]): Promise<string[]> {
  const notes: string[] = [];
  const [first, ...rest] = engines;
  const primary = first!.docker!;
  const managerState = await swarmState(primary).catch(() => undefined);
  const manages = managerState?.state === 'active' && managerState.isManager;
  // Another cluster spanning engines may use a swarm too (as one it found): it keeps it.
  const othersOn = async (docker: Docker) => (await listContainers(docker, [LABEL.engines])).some((c) => c.Labels[LABEL.cluster] !== cluster);
  const unmark = (e: EngineAtDown) => (e.marker && e.docker ? removeVolume(e.docker, e.marker.Name).catch(() => undefined) : Promise.resolve());
  await Promise.all(
    rest.map(async (e) => {
      if (!e.docker || !e.marker) return;
      const s = await swarmState(e.docker).catch(() => undefined);
      if (s && s.state !== 'inactive') {
        if (await othersOn(e.docker).catch(() => false)) {
          notes.push(`${e.name}: stays in the swarm (another mesos-up cluster runs there)`);
          return;
        }
        const left = await leaveSwarm(e.docker, { force: true }).then(() => true, (err: unknown) => (notes.push(`${e.name}: could not leave the swarm (${(err as Error).message})`), false));
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
    const otherNets = (await listNetworks(primary, [LABEL.cluster])).filter((n) => n.Labels?.[LABEL.cluster] !== cluster && n.Scope === 'swarm');
    if (otherNets.length) {
      notes.push(`${first!.name}: its swarm stays (another mesos-up cluster uses it)`);
      return notes;
    }
    await leaveSwarm(primary, { force: true });
    notes.push(`${first!.name}: left the swarm mesos-up started for ${cluster}`);
  }
  if (first!.marker.Labels?.[LABEL.gwbridgeMade] === 'true') await removeGwbridge(primary);
  await unmark(first!);
  return notes;
}

/** docker_gwbridge once nothing uses it; one still in use stays. */
async function removeGwbridge(docker: Docker): Promise<void> {
  for (const n of await docker.listNetworks({ filters: { name: [GWBRIDGE] } })) if (n.Name === GWBRIDGE) await removeNetwork(docker, n.Id).catch(() => undefined);
}

/**
 * The agent image on every other engine that runs agents, with no registry
 * needed: an official image is pulled there (a copy from the first engine when
 * no registry answers), an emulated or locally built one is copied from the
 * first engine through the two engines' APIs (save streamed into load). For a
 * few engines that is simpler and as fast as a local registry (each copy sends
 * the whole image, ~170 MB for the emulated agent).
 */
export async function imagesToEngines(
  spec: ClusterSpec,
  setup: EngineSetup,
  image: { ref: string; pull: boolean },
  progress: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const primary = setup.clients[0]!;
  await Promise.all(
    setup.clients.map(async (client, i) => {
      if (i === 0 || spec.engines[i]!.agents === 0) return;
      try {
        if (image.pull && !(await imagePresent(client, image.ref))) {
          const pulled = await pullImage(client, image.ref, (l) => progress(`${spec.engines[i]!.endpoint}: ${l}`), signal).then(() => true, () => false);
          if (pulled) return;
        }
        await copyImage(primary, client, image.ref, { progress: (l) => progress(l), signal });
      } catch (err) {
        atEngine(spec, i, err);
      }
    }),
  );
}
