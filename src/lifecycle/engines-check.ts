// A cluster over several Docker engines, before anything starts: every engine
// answers, is new enough, is a different engine from the others, runs nothing
// of a cluster of that name, and is in no swarm or in the first engine's; the
// first is the one the CLI talks to and manages the swarm (or is in none yet).
// Each refusal names the engine as `engines[i] (endpoint)` and the next step.
import type Docker from 'dockerode';
import { isEngineUrl } from '../config/engine-endpoint.js';
import type { ClusterSpec } from '../config/schema.js';
import { MesosUpError } from '../errors.js';
import { listContainers } from '../engine/containers.js';
import { engineClient } from '../engine/engines.js';
import { engineMessage } from '../engine/errors.js';
import { listAllNetworks } from '../engine/network.js';
import { endpointOf, engineIdentity, requireSwarmCapable, swarmNodes, type SwarmState } from '../engine/swarm.js';
import { listVolumes } from '../engine/volumes.js';
import { LABEL } from '../plan/labels.js';
import { overlaps, parseCidr } from '../plan/subnets.js';

export interface EngineSetup {
  /** connected clients, in the order of spec.engines; [0] is the engine the CLI talks to */
  clients: Docker[];
  /** the first engine's daemon ID: every object of the cluster carries it, so no other cluster of the same name is taken for it */
  firstId: string;
  /** a new swarm starts on the first engine */
  init: boolean;
  /** the engines (indexes) that join the first engine's swarm */
  join: number[];
}

export const where = (spec: ClusterSpec, i: number): string => `engines[${i}] (${spec.engines[i]!.endpoint})`;

/** How a user asks an engine named in cluster.yaml something: `docker -H URL` or `docker --context NAME`. */
export const dockerAt = (endpoint: string): string => (isEngineUrl(endpoint) ? `docker -H ${endpoint}` : `docker --context ${endpoint}`);

/** Prefixes an engine's error with where in the engines list it is. */
export function atEngine(spec: ClusterSpec, i: number, err: unknown): never {
  const at = spec.engines[i]!.endpoint;
  // (not the local engine: installing Docker here would not help)
  const hint = `check that the engine runs and answers there (${dockerAt(at)} info), or leave it out of the engines (cluster.yaml engines, --engine)`;
  if (err instanceof MesosUpError && err.code === 'ENGINE_UNREACHABLE' && at !== 'local') throw new MesosUpError(err.code, `${where(spec, i)}: ${err.message}`, { hint, cause: err });
  if (err instanceof MesosUpError) throw new MesosUpError(err.code, `${where(spec, i)}: ${err.message}`, { ...(err.hint ? { hint: err.hint } : {}), cause: err });
  // (a connection the engine dropped mid-call: a socket hang up, a reset)
  throw new MesosUpError('ENGINE_UNREACHABLE', `${where(spec, i)}: ${engineMessage(err)}`, { ...(at !== 'local' ? { hint } : {}), cause: err });
}

/**
 * Runs `fn` for each of the engines `indexes` at once; an error is named after
 * its engine (atEngine), and is passed on only once every engine's call has
 * ended, so a rollback never races a call still under way.
 */
export async function onEachEngine(spec: ClusterSpec, indexes: number[], fn: (i: number) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(indexes.map((i) => fn(i).catch((err: unknown) => atEngine(spec, i, err))));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

function notTheCliEngine(spec: ClusterSpec, primary: Docker): MesosUpError {
  const first = spec.engines[0]!.endpoint;
  return new MesosUpError('CONFIG', `${where(spec, 0)} is not the engine mesos-up talks to (${endpointOf(primary)}): the first engine runs the gateway (and, unless placed elsewhere, ZooKeeper, the masters and Marathon), whose ports this machine must reach`, {
    hint: `list local first (engines: [{ endpoint: local, agents: … }, …] or --engine local=N), or point mesos-up at ${first} (${isEngineUrl(first) ? `DOCKER_HOST=${first}` : `DOCKER_CONTEXT=${first}`})`,
  });
}

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
  // Another cluster of this name on another engine: down and status would take its containers for this one's.
  await Promise.all(
    clients.slice(1).map(async (c, k) => {
      const i = k + 1;
      const scope = [`${LABEL.cluster}=${spec.name}`];
      const found = [...(await listContainers(c, scope)).map((x) => x.Names[0]?.replace(/^\//, '') ?? x.Id), ...(await listVolumes(c, scope)).map((v) => v.Name)];
      if (found.length) {
        throw new MesosUpError('NAME_IN_USE', `${where(spec, i)} already has objects of a cluster named ${spec.name}: ${found.slice(0, 5).join(', ')}${found.length > 5 ? ', …' : ''}`, {
          hint: `remove them (DOCKER_HOST or the context pointed at that engine: mesos-up down --name ${spec.name}; or mesos-up down -f <the cluster file that lists it>), or pick another --name`,
        });
      }
    }),
  );
  const first = ids[0]!.swarm;
  const usable = (s: SwarmState, i: number) => {
    const at = spec.engines[i]!.endpoint;
    if (s.state === 'locked') throw new MesosUpError('CONFIG', `${where(spec, i)} is in a locked swarm`, { hint: `unlock it (${dockerAt(at)} swarm unlock) or leave it out` });
    if (s.state === 'error' || s.state === 'pending') {
      throw new MesosUpError('CONFIG', `${where(spec, i)} is in swarm state ${s.state}${s.error ? ` (${s.error})` : ''}`, {
        hint: `see ${dockerAt(at)} info; ${dockerAt(at)} swarm leave --force resets it if nothing else uses that swarm`,
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
        hint: `mesos-up never changes a swarm it did not make: list engines of one swarm only (with its manager first), or take that engine out of its swarm yourself (${dockerAt(spec.engines[i]!.endpoint)} swarm leave) if nothing else uses it; if an earlier mesos-up cluster put it there, mesos-up down -f <that cluster's file> finishes it`,
      });
    }
  });
  if (spec.network.subnet) await checkSubnet(spec, clients);
  return { clients, firstId: ids[0]!.id, init: first.state === 'inactive', join };
}

/** network.subnet for the overlay: no network of any engine (its bridges, the swarm's overlays) may overlap it. */
async function checkSubnet(spec: ClusterSpec, clients: Docker[]): Promise<void> {
  const wanted = parseCidr(spec.network.subnet!)!;
  for (const [i, client] of clients.entries()) {
    const networks = await listAllNetworks(client).catch((err: unknown) => atEngine(spec, i, err));
    for (const n of networks) {
      const clash = (n.IPAM?.Config ?? []).map((c) => c.Subnet).find((x) => x && !x.includes(':') && overlaps(parseCidr(x)!, wanted));
      if (clash) {
        throw new MesosUpError('CONFIG', `network.subnet ${spec.network.subnet} overlaps ${clash} of network ${n.Name} on ${where(spec, i)}: the cluster's overlay would not reach there`, {
          hint: 'choose a subnet no engine uses (docker network ls, then network inspect, on each), or leave network.subnet out: mesos-up then picks a free one from 10.128.0.0/24 up',
        });
      }
    }
  }
}

/** One engine listed by name: it must be the engine the CLI talks to (the cluster is a plain single-engine one). */
export async function checkOnlyEngine(spec: ClusterSpec, primary: Docker): Promise<void> {
  const only = spec.engines[0];
  if (!only || only.endpoint === 'local') return;
  const client = await engineClient(only.endpoint).catch((err: unknown) => {
    // (a remote engine that does not answer: not a reason to install Docker here)
    if (err instanceof MesosUpError && err.code === 'ENGINE_UNREACHABLE') {
      throw new MesosUpError(err.code, `${where(spec, 0)}: ${err.message}`, { hint: `check that it runs (${dockerAt(only.endpoint)} info), or write endpoint: local`, cause: err });
    }
    return atEngine(spec, 0, err);
  });
  const [a, b] = await Promise.all([engineIdentity(client), engineIdentity(primary)]);
  if (a.id !== b.id) throw notTheCliEngine(spec, primary);
}
