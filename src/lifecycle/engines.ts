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
import { engineMessage } from '../engine/errors.js';
import { copyImage } from '../engine/image-copy.js';
import { imagePresent, pullImage } from '../engine/images.js';
import { LABEL } from '../plan/labels.js';

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
  if (ids[0]!.id !== own.id) {
    throw new MesosUpError('CONFIG', `${where(spec, 0)} is not the engine mesos-up talks to (${endpointOf(primary)}): the first engine runs ZooKeeper, the masters, Marathon and the gateway, whose ports this machine must reach`, {
      hint: `list local first (engines: [{ endpoint: local, agents: … }, …] or --engine local=N), or point DOCKER_HOST at ${spec.engines[0]!.endpoint}`,
    });
  }
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
  return { clients, init: first.state === 'inactive', join };
}

const hasGwbridge = async (docker: Docker) => (await docker.listNetworks({ filters: { name: [GWBRIDGE] } })).some((n) => n.Name === GWBRIDGE);

/**
 * Starts the swarm on the first engine if it is in none, and joins the engines
 * that are in none to it. What up made is labelled with the cluster: the swarm
 * itself when it started one, each node it joined, so down (and a rollback)
 * undoes exactly that and nothing else.
 */
export async function joinEngines(spec: ClusterSpec, setup: EngineSetup, progress: (line: string) => void): Promise<void> {
  const [primary] = setup.clients as [Docker];
  if (setup.init) {
    const made = !(await hasGwbridge(primary));
    const advertise = spec.engines[0]!.advertise;
    progress(`starting a swarm on ${spec.engines[0]!.endpoint}${advertise ? ` (advertising ${advertise})` : ''}`);
    try {
      await initSwarm(primary, {
        ...(advertise ? { advertiseAddr: advertise, listenAddr: `${advertise}:2377` } : {}),
        labels: { [LABEL.swarmFor]: spec.name, [LABEL.gwbridgeMade]: String(made) },
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
      const made = !(await hasGwbridge(client));
      progress(`joining ${spec.engines[i]!.endpoint} to the swarm at ${remote}`);
      try {
        await joinSwarm(client, { remoteAddr: remote, token, manager: primary, ...(spec.engines[i]!.advertise ? { advertiseAddr: spec.engines[i]!.advertise } : {}) });
        const nodeId = (await swarmState(client)).nodeId;
        if (!nodeId) throw new MesosUpError('INTERNAL', `the engine joined the swarm but reports no node ID`);
        for (const [k, v] of [[LABEL.swarmFor, spec.name], [LABEL.engine, spec.engines[i]!.endpoint], [LABEL.gwbridgeMade, String(made)]] as const) {
          await setNodeLabel(primary, nodeId, k, v);
        }
      } catch (err) {
        atEngine(spec, i, err);
      }
    }),
  );
}

/**
 * Undoes what up did to the swarm of `primary` for `cluster`: the engines it
 * joined leave (and their nodes go from the manager's list), then the swarm it
 * started ends. Engines still used by another mesos-up cluster stay. Returns a
 * line for each thing done or left, for down's report.
 */
export async function undoSwarm(primary: Docker, cluster: string, reachable: Map<string, Docker | undefined>): Promise<string[]> {
  const notes: string[] = [];
  const state = await swarmState(primary).catch(() => undefined);
  if (!state || state.state !== 'active' || !state.isManager) return notes;
  const nodes = (await swarmNodes(primary)).filter((n) => n.labels[LABEL.swarmFor] === cluster);
  // Another cluster spanning engines may use the swarm too (as one it found): it keeps it.
  const others = async (docker: Docker) => (await listContainers(docker, [LABEL.engines])).some((c) => c.Labels[LABEL.cluster] !== cluster);
  await Promise.all(
    nodes.map(async (node) => {
      const name = node.labels[LABEL.engine] ?? node.hostname;
      const client = reachable.get(name) ?? (await engineClient(name).catch(() => undefined));
      if (client && (await others(client).catch(() => false))) {
        notes.push(`${name}: stays in the swarm (another mesos-up cluster runs there)`);
        return;
      }
      if (client) {
        await leaveSwarm(client).catch((err: unknown) => notes.push(`${name}: could not leave the swarm (${(err as Error).message})`));
        if (node.labels[LABEL.gwbridgeMade] === 'true') await removeGwbridge(client);
      }
      await removeNode(primary, node.id, { force: true }).catch((err: unknown) => notes.push(`${name}: its node stays in the swarm (${(err as Error).message})`));
      notes.push(client ? `${name}: left the swarm` : `${name}: did not answer; its node was removed from the swarm (on that engine, docker swarm leave finishes it)`);
    }),
  );
  if (state.labels?.[LABEL.swarmFor] !== cluster) return notes;
  const otherNets = (await listNetworks(primary, [LABEL.cluster])).filter((n) => n.Labels?.[LABEL.cluster] !== cluster);
  if (otherNets.some((n) => n.Scope === 'swarm')) {
    notes.push(`${endpointOf(primary)}: its swarm stays (another mesos-up cluster uses it)`);
    return notes;
  }
  await leaveSwarm(primary, { force: true });
  if (state.labels[LABEL.gwbridgeMade] === 'true') await removeGwbridge(primary);
  notes.push(`${endpointOf(primary)}: left the swarm mesos-up started for ${cluster}`);
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
