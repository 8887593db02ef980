// Swarm mode on one engine at a time: what state an engine is in, making a
// swarm, joining and leaving one, its join tokens, node labels, and attachable
// overlay networks. The building blocks for clusters spread over several
// engines; which engine does what is decided elsewhere. Every failure names the
// engine it happened on and what to do next.
import type Docker from 'dockerode';
import { MesosUpError } from '../errors.js';
import { overlaps, parseCidr } from '../plan/subnets.js';
import { engineMessage, statusOf } from './errors.js';

export type SwarmLocalState = 'inactive' | 'pending' | 'active' | 'error' | 'locked';

export interface SwarmState {
  state: SwarmLocalState;
  nodeId?: string;
  /** the address this node advertises to the rest of the swarm */
  nodeAddr?: string;
  /** known to managers only: a worker's engine does not report it */
  clusterId?: string;
  /** whether this engine can manage the swarm (create overlays, hand out tokens) */
  isManager: boolean;
  /** host:port of the managers this node knows */
  managerAddrs?: string[];
  /** the swarm's own labels (Spec.Labels), known to managers only */
  labels?: Record<string, string>;
  /** why the node is in state 'error' */
  error?: string;
}

/**
 * How messages name an engine: the URL a user would give DOCKER_HOST (and
 * `docker -H`): ssh with its user and port, TLS as tcp:// (the CLI takes TLS
 * from DOCKER_TLS_VERIFY, not from the scheme).
 */
export function endpointOf(docker: Docker): string {
  const m = docker.modem as { socketPath?: unknown; host?: string; port?: string | number; protocol?: string; username?: string; sshOptions?: { username?: string } };
  if (typeof m.socketPath === 'string') return `unix://${m.socketPath}`;
  const port = m.port ? `:${m.port}` : '';
  if (m.protocol === 'ssh') {
    const user = m.username ?? m.sshOptions?.username;
    return `ssh://${user ? `${user}@` : ''}${m.host ?? ''}${port}`;
  }
  return `tcp://${m.host ?? 'localhost'}${port}`;
}

// (EACCES is not here: a socket without permission answers, and connect.ts says how to get it)
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * Runs one engine call with a deadline. A connection that fails or a call that
 * does not answer in time is ENGINE_UNREACHABLE, naming the engine and `what`
 * was being done; the engine's own refusals are passed on for the caller to read.
 */
async function call<T>(docker: Docker, what: string, timeoutMs: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs);
  try {
    return await fn(abort.signal);
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code;
    if (abort.signal.aborted || (errno && UNREACHABLE.has(errno))) {
      const ep = endpointOf(docker);
      const reason = abort.signal.aborted ? (abort.signal.reason as Error).message : errno;
      throw new MesosUpError('ENGINE_UNREACHABLE', `No Docker Engine answered at ${ep} while ${what}: ${reason}`, {
        hint: `check that the engine at ${ep} runs and that this is its address (docker -H ${ep} info); if that engine is gone for good, leave it out of the engines list`,
        cause: err,
      });
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

interface InfoSwarm {
  NodeID?: string;
  NodeAddr?: string;
  LocalNodeState?: string;
  ControlAvailable?: boolean;
  Error?: string;
  RemoteManagers?: Array<{ NodeID?: string; Addr?: string }> | null;
  Cluster?: { ID?: string; Spec?: { Labels?: Record<string, string> | null } } | null;
}

const STATES: readonly SwarmLocalState[] = ['inactive', 'pending', 'active', 'error', 'locked'];

/** The swarm state as `GET /info` reports it (pure: for tests and for callers that have the info already). */
export function swarmStateFrom(info: { Swarm?: InfoSwarm | null }): SwarmState {
  const s = info.Swarm ?? {};
  const raw = s.LocalNodeState ?? '';
  const state: SwarmLocalState = (STATES as readonly string[]).includes(raw) ? (raw as SwarmLocalState) : raw ? 'error' : 'inactive';
  const out: SwarmState = { state, isManager: s.ControlAvailable === true };
  if (s.NodeID) out.nodeId = s.NodeID;
  if (s.NodeAddr) out.nodeAddr = s.NodeAddr;
  if (s.Cluster?.ID) out.clusterId = s.Cluster.ID;
  const addrs = (s.RemoteManagers ?? []).map((m) => m.Addr).filter((a): a is string => !!a);
  if (addrs.length) out.managerAddrs = addrs;
  if (s.Cluster?.Spec?.Labels) out.labels = { ...s.Cluster.Spec.Labels };
  if (s.Error) out.error = s.Error;
  else if (raw && state === 'error' && raw !== 'error') out.error = `unknown swarm state ${raw}`;
  return out;
}

/** Who an engine is (its daemon ID, which two URLs of one engine share) and its swarm state, in one call. */
export async function engineIdentity(docker: Docker, opts: { timeoutMs?: number } = {}): Promise<{ id: string; name: string; swarm: SwarmState }> {
  const info = await call(docker, 'reading its info', opts.timeoutMs ?? 10_000, (abortSignal) =>
    (docker.info as unknown as (o: { abortSignal: AbortSignal }) => Promise<{ ID?: string; Name?: string; Swarm?: InfoSwarm }>)({ abortSignal }),
  );
  return { id: info.ID ?? '', name: info.Name ?? '', swarm: swarmStateFrom(info) };
}

export async function swarmState(docker: Docker, opts: { timeoutMs?: number } = {}): Promise<SwarmState> {
  const info = await call(docker, 'reading its swarm state', opts.timeoutMs ?? 10_000, (abortSignal) =>
    (docker.info as unknown as (o: { abortSignal: AbortSignal }) => Promise<{ Swarm?: InfoSwarm }>)({ abortSignal }),
  );
  return swarmStateFrom(info);
}

const describeSwarm = (s: SwarmState) =>
  [s.clusterId && `swarm ${s.clusterId.slice(0, 12)}`, s.nodeId && `node ${s.nodeId.slice(0, 12)}`, s.managerAddrs?.length && `managers ${s.managerAddrs.join(', ')}`]
    .filter(Boolean)
    .join(', ');

/** The engine is in a swarm that is not the one it was meant for: never changed, only reported. */
function inAnotherSwarm(ep: string, s: SwarmState, wanted: string): MesosUpError {
  const detail = describeSwarm(s);
  return new MesosUpError('CONFIG', `The engine at ${ep} is already in ${s.state === 'active' ? 'a' : `a ${s.state}`} swarm${detail ? ` (${detail})` : ''}, so it cannot ${wanted}`, {
    hint: `mesos-up never changes a swarm it did not make: list engines of one swarm only, or take this engine out of its swarm yourself (docker -H ${ep} swarm leave, --force for a manager) if nothing else uses it`,
  });
}

/** A node that is in 'error' or 'locked' state cannot do anything until a person looks at it. */
function notUsable(ep: string, s: SwarmState): MesosUpError | undefined {
  if (s.state === 'locked') {
    return new MesosUpError('CONFIG', `The engine at ${ep} is in a locked swarm`, { hint: `unlock it first (docker -H ${ep} swarm unlock), or leave that engine out` });
  }
  if (s.state === 'error') {
    return new MesosUpError('INTERNAL', `The engine at ${ep} reports a broken swarm state${s.error ? `: ${s.error}` : ''}`, {
      hint: `see docker -H ${ep} info; docker -H ${ep} swarm leave --force resets it if nothing else uses that swarm`,
    });
  }
  return undefined;
}

export interface InitSwarmOptions {
  /** the address the other engines reach this one at (an IP, or an interface name); absent: the engine picks, which works when it has one address */
  advertiseAddr?: string;
  /** where swarm's control plane listens; default 0.0.0.0:2377 */
  listenAddr?: string;
  /** Spec.Labels of the new swarm, so it can be told apart later as one we made */
  labels: Record<string, string>;
  timeoutMs?: number;
}

/** Whether the swarm carries every one of `labels` (it is the one we made with them). */
export const isOurSwarm = (s: SwarmState, labels: Record<string, string>): boolean =>
  s.state === 'active' && Object.entries(labels).every(([k, v]) => s.labels?.[k] === v);

/**
 * Makes a new single-node swarm with this engine as its manager. A swarm this
 * engine manages that carries all of `labels` is the one we made before (a
 * run cut short): it is used as it is ('reused'). Any other swarm is refused.
 */
export async function initSwarm(docker: Docker, opts: InitSwarmOptions): Promise<{ nodeId: string; clusterId: string; reused: boolean }> {
  const ep = endpointOf(docker);
  const before = await swarmState(docker);
  if (before.isManager && before.nodeId && before.clusterId && isOurSwarm(before, opts.labels)) return { nodeId: before.nodeId, clusterId: before.clusterId, reused: true };
  if (before.state !== 'inactive') throw notUsable(ep, before) ?? inAnotherSwarm(ep, before, 'start a new one');
  const timeoutMs = opts.timeoutMs ?? 30_000;
  try {
    await call(docker, 'starting a swarm', timeoutMs, (abortSignal) =>
      docker.swarmInit({
        ListenAddr: opts.listenAddr ?? '0.0.0.0:2377',
        ...(opts.advertiseAddr ? { AdvertiseAddr: opts.advertiseAddr } : {}),
        // The engine fills in its defaults for everything not given here.
        Spec: { Labels: opts.labels },
        abortSignal,
      }),
    );
  } catch (err) {
    if (err instanceof MesosUpError) throw err;
    const msg = engineMessage(err);
    if (/already part of a swarm/i.test(msg)) throw inAnotherSwarm(ep, await swarmState(docker), 'start a new one');
    throw new MesosUpError('INTERNAL', `Cannot start a swarm on the engine at ${ep}: ${msg}`, {
      hint: /advertise|address|interface/i.test(msg)
        ? `advertise an address the engine has and the other engines can reach${opts.advertiseAddr ? ` (now ${opts.advertiseAddr})` : ''}`
        : `see docker -H ${ep} info for the engine's swarm state`,
      cause: err,
    });
  }
  const after = await swarmState(docker);
  if (after.state !== 'active' || !after.nodeId || !after.clusterId) {
    throw new MesosUpError('INTERNAL', `The engine at ${ep} accepted swarm init but reports state ${after.state}`, { hint: `see docker -H ${ep} info` });
  }
  return { nodeId: after.nodeId, clusterId: after.clusterId, reused: false };
}

/** The tokens other engines join this manager's swarm with. */
export async function joinTokens(docker: Docker): Promise<{ worker: string; manager: string }> {
  const ep = endpointOf(docker);
  let swarm: { JoinTokens?: { Worker?: string; Manager?: string } };
  try {
    swarm = (await call(docker, 'reading the join tokens', 10_000, (abortSignal) =>
      (docker.swarmInspect as unknown as (o: { abortSignal: AbortSignal }) => Promise<unknown>)({ abortSignal }),
    )) as typeof swarm;
  } catch (err) {
    if (err instanceof MesosUpError) throw err;
    throw new MesosUpError('CONFIG', `Cannot read the join tokens of the engine at ${ep}: ${engineMessage(err)}`, {
      hint: 'only a manager of a swarm has them: ask the engine that made the swarm, or one of its managers',
      cause: err,
    });
  }
  const worker = swarm.JoinTokens?.Worker;
  const manager = swarm.JoinTokens?.Manager;
  if (!worker || !manager) throw new MesosUpError('INTERNAL', `The engine at ${ep} returned no join tokens`);
  return { worker, manager };
}

export interface JoinSwarmOptions {
  /** a manager's host:port (2377 unless it listens elsewhere) */
  remoteAddr: string;
  token: string;
  /** the address the other nodes reach this engine at; absent: the engine takes the one it reaches the manager from */
  advertiseAddr?: string;
  listenAddr?: string;
  /** the swarm's manager, to tell whether this engine is one of its nodes already (by node id, not by address) */
  manager?: Docker;
  /** how long to wait for the join (dockerd ends its own wait after 20 s; a refused manager address fails sooner) */
  timeoutMs?: number;
}

/**
 * Joins this engine to the swarm managed at `remoteAddr`. An engine that is in
 * that swarm already is left as it is ('already'); one in any other swarm is
 * refused. A join that does not complete in time is taken back (the engine
 * would otherwise keep trying in the background, in state 'pending').
 */
export async function joinSwarm(docker: Docker, opts: JoinSwarmOptions): Promise<'joined' | 'already'> {
  const ep = endpointOf(docker);
  const before = await swarmState(docker);
  if (before.state === 'active') {
    // (the manager's own list settles it; without the manager, its address as this node knows it)
    const member = opts.manager && before.nodeId ? (await swarmNodes(opts.manager)).some((n) => n.id === before.nodeId) : before.managerAddrs?.includes(opts.remoteAddr);
    if (member) return 'already';
  }
  if (before.state !== 'inactive') throw notUsable(ep, before) ?? inAnotherSwarm(ep, before, `join the swarm managed at ${opts.remoteAddr}`);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    await docker.swarmJoin({
      ListenAddr: opts.listenAddr ?? '0.0.0.0:2377',
      ...(opts.advertiseAddr ? { AdvertiseAddr: opts.advertiseAddr } : {}),
      RemoteAddrs: [opts.remoteAddr],
      JoinToken: opts.token,
      abortSignal: abort.signal,
    });
  } catch (err) {
    const msg = engineMessage(err);
    const errno = (err as NodeJS.ErrnoException).code;
    if (!abort.signal.aborted && errno && UNREACHABLE.has(errno)) {
      throw new MesosUpError('ENGINE_UNREACHABLE', `No Docker Engine answered at ${ep} while joining the swarm at ${opts.remoteAddr}: ${errno}`, {
        hint: `check that the engine at ${ep} runs (docker -H ${ep} info)`,
        cause: err,
      });
    }
    if (abort.signal.aborted || /timeout was reached before node joined/i.test(msg)) {
      // Stop the attempt the engine goes on with in the background; the engine
      // takes the leave only once its own wait for the join is over.
      await leaveSwarm(docker, { force: true, timeoutMs: 60_000 }).catch(() => undefined);
      throw new MesosUpError('DEADLINE', `The engine at ${ep} did not join the swarm at ${opts.remoteAddr} within ${Math.round(timeoutMs / 1000)}s`, {
        hint: `the engine at ${ep} must reach ${opts.remoteAddr} (2377/tcp), and every engine the others on 7946/tcp+udp and 4789/udp; check the address, firewalls between the engines${opts.advertiseAddr ? `, and that ${opts.advertiseAddr} is this engine's address as the others see it` : ''}`,
        cause: err,
      });
    }
    if (/already part of a swarm/i.test(msg)) throw inAnotherSwarm(ep, await swarmState(docker), `join the swarm managed at ${opts.remoteAddr}`);
    if (/Unavailable|connection refused|dial tcp|no route to host|i\/o timeout/i.test(msg)) {
      throw new MesosUpError('CONFIG', `The engine at ${ep} cannot reach the swarm manager at ${opts.remoteAddr}: ${msg}`, {
        hint: `${opts.remoteAddr} must be the manager's address as the engine at ${ep} sees it, with 2377/tcp open between them (and 7946/tcp+udp, 4789/udp between all engines)`,
        cause: err,
      });
    }
    throw new MesosUpError('INTERNAL', `The engine at ${ep} could not join the swarm at ${opts.remoteAddr}: ${msg}`, {
      hint: /token/i.test(msg) ? `the join token was refused: read a fresh one from a manager of that swarm (docker -H <manager> swarm join-token worker)` : `see docker -H ${ep} info`,
      cause: err,
    });
  } finally {
    clearTimeout(timer);
  }
  return 'joined';
}

/** Takes this engine out of its swarm. Not in one: nothing to do ('not-in-swarm'). A manager needs `force`. */
export async function leaveSwarm(docker: Docker, opts: { force?: boolean; timeoutMs?: number } = {}): Promise<'left' | 'not-in-swarm'> {
  const ep = endpointOf(docker);
  try {
    await call(docker, 'leaving its swarm', opts.timeoutMs ?? 30_000, (abortSignal) => docker.swarmLeave({ force: opts.force === true, abortSignal }));
    return 'left';
  } catch (err) {
    if (err instanceof MesosUpError) throw err;
    const msg = engineMessage(err);
    if (/not part of a swarm/i.test(msg)) return 'not-in-swarm';
    throw new MesosUpError('INTERNAL', `The engine at ${ep} could not leave its swarm: ${msg}`, {
      hint: /manager|quorum|force/i.test(msg) ? `it is a manager: leave with force (docker -H ${ep} swarm leave --force) once no one needs that swarm` : `see docker -H ${ep} info`,
      cause: err,
    });
  }
}

export interface SwarmNode {
  id: string;
  hostname: string;
  role: 'manager' | 'worker';
  /** ready, down, unknown, disconnected */
  status: string;
  addr: string;
  labels: Record<string, string>;
}

/** The swarm's nodes as a manager sees them. */
export async function swarmNodes(docker: Docker): Promise<SwarmNode[]> {
  type NodeInfo = { ID: string; Description?: { Hostname?: string }; Spec?: { Role?: string; Labels?: Record<string, string> }; Status?: { State?: string; Addr?: string } };
  const nodes = (await call(docker, 'listing swarm nodes', 10_000, (abortSignal) => docker.listNodes({ abortSignal } as Docker.NodeListOptions))) as NodeInfo[];
  return nodes.map((n) => ({
    id: n.ID,
    hostname: n.Description?.Hostname ?? '',
    role: n.Spec?.Role === 'manager' ? 'manager' : 'worker',
    status: n.Status?.State ?? 'unknown',
    addr: n.Status?.Addr ?? '',
    labels: { ...(n.Spec?.Labels ?? {}) },
  }));
}

/** The names of a swarm's services, through a manager. */
export async function listServices(docker: Docker): Promise<string[]> {
  const services = (await call(docker, 'listing swarm services', 10_000, (abortSignal) => docker.listServices({ abortSignal } as Docker.ServiceListOptions))) as Array<{ Spec?: { Name?: string }; ID: string }>;
  return services.map((s) => s.Spec?.Name ?? s.ID);
}

export async function nodeLabels(docker: Docker, nodeId: string): Promise<Record<string, string>> {
  const info = (await call(docker, `reading node ${nodeId}`, 10_000, () => docker.getNode(nodeId).inspect())) as { Spec?: { Labels?: Record<string, string> } };
  return { ...(info.Spec?.Labels ?? {}) };
}

/**
 * Sets (or, with `value` undefined, removes) one label of a swarm node, through
 * a manager. Updates carry the node's version; one that lost a race is retried.
 */
export async function setNodeLabel(docker: Docker, nodeId: string, key: string, value: string | undefined): Promise<void> {
  const ep = endpointOf(docker);
  for (let attempt = 0; ; attempt++) {
    const node = docker.getNode(nodeId);
    const info = (await call(docker, `reading node ${nodeId}`, 10_000, () => node.inspect())) as { Version: { Index: number }; Spec: { Labels?: Record<string, string> } };
    const labels = { ...(info.Spec.Labels ?? {}) };
    if (value === undefined) delete labels[key];
    else labels[key] = value;
    try {
      // The version goes in the query, the spec in the body (docker-modem's _query/_body).
      await call(docker, `labelling node ${nodeId}`, 10_000, (abortSignal) => node.update({ _query: { version: info.Version.Index }, _body: { ...info.Spec, Labels: labels }, abortSignal }));
      return;
    } catch (err) {
      if (err instanceof MesosUpError) throw err;
      const msg = engineMessage(err);
      if (attempt < 3 && /out of sequence|update out of/i.test(msg)) continue;
      throw new MesosUpError('INTERNAL', `Cannot label swarm node ${nodeId} through the engine at ${ep}: ${msg}`, {
        hint: statusOf(err) === 503 ? 'node labels are set through a manager of the swarm' : `see docker -H ${ep} node inspect ${nodeId}`,
        cause: err,
      });
    }
  }
}

export interface OverlayNetwork {
  id: string;
  name: string;
  /** the IPv4 subnet asked for, or the one the engine chose */
  subnet: string;
  gateway?: string;
}

const ipv4Subnets = (n: { IPAM?: { Config?: Array<{ Subnet?: string }> | null } | null }): string[] =>
  (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((x): x is string => !!x && !x.includes(':'));

/**
 * Creates an attachable overlay network on a manager, so plain containers on
 * any engine of the swarm can join it. With no subnet the engine picks one
 * from its pools (10.0.0.0/8 in /24s by default) and the answer says which.
 *
 * The swarm hands out the address range after the create has returned, and a
 * range it cannot give (one that overlaps another network of the swarm) leaves
 * a network with none, without an error. So a subnet asked for is checked
 * against the swarm's networks first, and the range is read back until it is
 * there; a network that never gets one is removed again.
 */
export async function createOverlayNetwork(
  docker: Docker,
  opts: {
    name: string; subnet?: string; labels: Record<string, string>; mtu?: number; timeoutMs?: number;
    /** the other engines of the cluster: a subnet asked for must not overlap their own networks either */
    engines?: Docker[];
  },
): Promise<OverlayNetwork> {
  const ep = endpointOf(docker);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  if (opts.subnet) {
    const wanted = parseCidr(opts.subnet);
    if (!wanted) throw new MesosUpError('CONFIG', `${opts.subnet} is not an IPv4 subnet (a.b.c.d/n)`, { hint: 'write the overlay subnet as e.g. 10.231.0.0/24' });
    const swarmNets = await call(docker, 'listing swarm networks', 10_000, (abortSignal) =>
      docker.listNetworks({ filters: { scope: ['swarm'] }, abortSignal } as Docker.NetworkListOptions),
    );
    const clashOf = (n: { IPAM?: { Config?: Array<{ Subnet?: string }> | null } | null }) =>
      ipv4Subnets(n).find((x) => {
        const c = parseCidr(x);
        return c && overlaps(c, wanted);
      });
    for (const n of swarmNets) {
      const clash = clashOf(n);
      if (clash) {
        throw new MesosUpError('CONFIG', `Cannot create overlay network ${opts.name} on the engine at ${ep}: subnet ${opts.subnet} overlaps ${clash} of the swarm's network ${n.Name}`, {
          hint: `choose a subnet no network of the swarm uses (docker -H ${ep} network ls --filter scope=swarm, then network inspect), or leave the subnet out to let the engine pick`,
        });
      }
    }
    // An engine's own bridges (docker0, docker_gwbridge, other clusters') route that range locally: containers there could not reach the overlay's.
    for (const engine of [docker, ...(opts.engines ?? [])]) {
      const local = await call(engine, 'listing its networks', 10_000, (abortSignal) =>
        engine.listNetworks({ filters: { scope: ['local'] }, abortSignal } as Docker.NetworkListOptions),
      );
      for (const n of local) {
        const clash = clashOf(n);
        if (clash) {
          const at = endpointOf(engine);
          throw new MesosUpError('CONFIG', `Cannot create overlay network ${opts.name}: subnet ${opts.subnet} overlaps ${clash} of network ${n.Name} on the engine at ${at}`, {
            hint: `choose a subnet no network of any engine uses (docker -H ${at} network ls, then network inspect), or leave the subnet out to let the engine pick`,
          });
        }
      }
    }
  }
  let id: string;
  try {
    const net = await call(docker, `creating overlay network ${opts.name}`, timeoutMs, (abortSignal) =>
      docker.createNetwork({
        Name: opts.name,
        Driver: 'overlay',
        Attachable: true,
        CheckDuplicate: true,
        Labels: opts.labels,
        ...(opts.subnet ? { IPAM: { Driver: 'default', Config: [{ Subnet: opts.subnet }] } } : {}),
        ...(opts.mtu ? { Options: { 'com.docker.network.driver.mtu': String(opts.mtu) } } : {}),
        abortSignal,
      } as Docker.NetworkCreateOptions),
    );
    id = net.id;
  } catch (err) {
    if (err instanceof MesosUpError) throw err;
    const msg = engineMessage(err);
    if (statusOf(err) === 409 || /already exists/i.test(msg)) {
      throw new MesosUpError('NAME_IN_USE', `A network named ${opts.name} already exists on the engine at ${ep}`, {
        hint: `remove it (docker -H ${ep} network rm ${opts.name}) if nothing uses it, or pick another cluster name`,
        cause: err,
      });
    }
    if (/overlap/i.test(msg)) {
      throw new MesosUpError('CONFIG', `Cannot create overlay network ${opts.name} on the engine at ${ep}: subnet ${opts.subnet ?? '(engine-chosen)'} overlaps a network of the swarm (${msg})`, {
        hint: `choose a subnet no network of the swarm uses (docker -H ${ep} network ls --filter scope=swarm, then network inspect), or leave the subnet out to let the engine pick`,
        cause: err,
      });
    }
    if (/swarm|worker node|manager node/i.test(msg)) {
      throw new MesosUpError('CONFIG', `Cannot create overlay network ${opts.name} on the engine at ${ep}: ${msg}`, {
        hint: 'overlay networks are made on a manager of the swarm: put the engines in one swarm first and ask its manager',
        cause: err,
      });
    }
    throw new MesosUpError('INTERNAL', `Cannot create overlay network ${opts.name} on the engine at ${ep}: ${msg}`, { cause: err });
  }
  const deadline = Date.now() + Math.min(timeoutMs, 15_000);
  try {
    for (;;) {
      const info = (await call(docker, `inspecting network ${opts.name}`, 10_000, () => docker.getNetwork(id).inspect())) as {
        IPAM?: { Config?: Array<{ Subnet?: string; Gateway?: string }> | null };
      };
      const cfg = (info.IPAM?.Config ?? []).find((c) => c.Subnet && !c.Subnet.includes(':'));
      if (cfg?.Subnet) return { id, name: opts.name, subnet: cfg.Subnet, ...(cfg.Gateway ? { gateway: cfg.Gateway } : {}) };
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    // (a network we made and could not read back is not left behind)
    await docker.getNetwork(id).remove().catch(() => undefined);
    throw err;
  }
  await docker.getNetwork(id).remove().catch(() => undefined);
  throw new MesosUpError('INTERNAL', `The swarm of the engine at ${ep} gave overlay network ${opts.name} no address range${opts.subnet ? ` (${opts.subnet} was asked for)` : ''}; the network was removed again`, {
    hint: `the manager's log says why (journalctl -u docker, or docker logs of the engine's container): often a subnet that overlaps another network of the swarm, or the address pools are used up`,
  });
}

/**
 * Removes a node that left from the manager's list (a worker that leaves stays
 * there as Down): what makes a swarm we only joined look as it did before.
 */
export async function removeNode(manager: Docker, nodeId: string, opts: { force?: boolean } = {}): Promise<'removed' | 'gone'> {
  const ep = endpointOf(manager);
  try {
    await call(manager, `removing swarm node ${nodeId}`, 30_000, (abortSignal) =>
      (manager.getNode(nodeId).remove as unknown as (o: { force: boolean; abortSignal: AbortSignal }) => Promise<unknown>)({ force: opts.force === true, abortSignal }),
    );
    return 'removed';
  } catch (err) {
    if (err instanceof MesosUpError) throw err;
    if (statusOf(err) === 404) return 'gone';
    throw new MesosUpError('INTERNAL', `Cannot remove swarm node ${nodeId} through the engine at ${ep}: ${engineMessage(err)}`, {
      hint: /down|active|force/i.test(engineMessage(err)) ? 'the node has not left yet: leave the swarm on its engine first' : `see docker -H ${ep} node ls`,
      cause: err,
    });
  }
}

/** Attachable overlay networks came with API 1.25 (Docker 1.13). */
export const MIN_SWARM_API = '1.25';

const apiAtLeast = (have: string, want: string) => {
  const [a, b] = [have, want].map((v) => v.split('.').map(Number));
  return a![0]! > b![0]! || (a![0] === b![0] && (a![1] ?? 0) >= (b![1] ?? 0));
};

/** Refuses an engine too old for a cluster over several engines, naming it and its version. */
export async function requireSwarmCapable(docker: Docker): Promise<{ version: string; apiVersion: string }> {
  const ep = endpointOf(docker);
  const v = (await call(docker, 'reading its version', 10_000, (abortSignal) =>
    (docker.version as unknown as (o: { abortSignal: AbortSignal }) => Promise<{ Version?: string; ApiVersion?: string }>)({ abortSignal }),
  )) as { Version?: string; ApiVersion?: string };
  const apiVersion = v.ApiVersion ?? '0.0';
  if (!apiAtLeast(apiVersion, MIN_SWARM_API)) {
    throw new MesosUpError('CONFIG', `The engine at ${ep} is Docker ${v.Version ?? '(unknown)'} (API ${apiVersion}): a cluster over several engines needs attachable overlay networks, API ${MIN_SWARM_API} (Docker 1.13) or newer`, {
      hint: `upgrade the engine at ${ep}, or leave it out of the engines list`,
    });
  }
  return { version: v.Version ?? '', apiVersion };
}
