// Rebuilds what a cluster is from the engine alone: containers and networks
// carrying its labels. No state file anywhere.
import type Docker from 'dockerode';
import { listContainers } from '../engine/containers.js';
import { listNetworks } from '../engine/network.js';
import { clientFor, engineClient } from '../engine/engines.js';
import { engineIdentity } from '../engine/swarm.js';
import { enginesFromLabels, gatewayPortsOf } from '../plan/engines.js';
import { LABEL, networkName } from '../plan/labels.js';
import type { ComponentRole } from '../plan/types.js';
import { MARATHON_PORT, MASTER_PORT, ZK_PORT, AGENT_PORT } from '../plan/cluster.js';

export interface ClusterMember {
  id: string;
  name: string;
  role: ComponentRole | 'task';
  index: number;
  /** Docker's state: running, exited, created, … */
  state: string;
  status: string;
  image: string;
  ip: string;
  /** container port → host port (127.0.0.1) */
  ports: Map<number, number>;
  /** a public agent (agents.public): its resources are reserved to slave_public */
  public?: true;
  /** the Marathon-LB add-on's group */
  lbGroup?: string;
  /** a cluster spanning engines: the engine it runs on, as cluster.yaml names it */
  engine?: string;
  /** placed on another engine than the first: its container port → the gateway's port that forwards to it */
  viaGateway?: Map<number, number>;
}

export interface EngineReach {
  /** as cluster.yaml names it */
  endpoint: string;
  /** why it could not be listed; absent when it answered */
  error?: string;
}

export interface ClusterView {
  name: string;
  flavour: string;
  version: string;
  members: ClusterMember[];
  networks: string[];
  /** labels of its first component container (config hash, session, owner, …) */
  labels: Record<string, string>;
  /** a cluster spanning engines: each of them, the first being the one listed here */
  engines?: EngineReach[];
}

function member(c: Docker.ContainerInfo, engine?: string): ClusterMember {
  const ports = new Map<number, number>();
  for (const p of c.Ports ?? []) if (p.PublicPort) ports.set(p.PrivatePort, p.PublicPort);
  const nets = Object.values(c.NetworkSettings?.Networks ?? {});
  return {
    id: c.Id,
    name: c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12),
    role: (c.Labels[LABEL.role] ?? 'task') as ComponentRole | 'task',
    index: Number(c.Labels[LABEL.index] ?? 0),
    state: c.State,
    status: c.Status,
    image: c.Image,
    // (the cluster's own network: a container on a swarm overlay may list docker_gwbridge as well)
    ip: (c.NetworkSettings?.Networks?.[networkName(c.Labels[LABEL.cluster] ?? '')] ?? nets[0])?.IPAddress ?? '',
    ports,
    ...(c.Labels[LABEL.public] === 'true' ? { public: true as const } : {}),
    ...(c.Labels[LABEL.lbGroup] ? { lbGroup: c.Labels[LABEL.lbGroup] } : {}),
    ...(engine ?? c.Labels[LABEL.engine] ? { engine: engine ?? c.Labels[LABEL.engine] } : {}),
    ...(c.Labels[LABEL.gatewayPorts] ? { viaGateway: gatewayPortsOf(c.Labels) } : {}),
  };
}

/** A component on another engine than the first is reached at the gateway's published ports. */
function portsThroughGateway(view: ClusterView): void {
  const gateway = view.members.find((m) => m.role === 'gateway');
  for (const m of view.members) {
    if (!m.viaGateway) continue;
    m.ports = new Map([...m.viaGateway].flatMap(([port, via]) => (gateway?.ports.get(via) ? [[port, gateway.ports.get(via)!] as [number, number]] : [])));
  }
}

const roleOrder: Record<string, number> = { zookeeper: 0, master: 1, agent: 2, marathon: 3, gateway: 4, 'mesos-dns': 5, 'marathon-lb': 6, metronome: 7, task: 8 };

/** All clusters on this engine, by name. */
export async function discoverClusters(docker: Docker, only?: string): Promise<Map<string, ClusterView>> {
  const filter = only ? [`${LABEL.cluster}=${only}`] : [LABEL.cluster];
  const [containers, networks] = await Promise.all([listContainers(docker, filter), listNetworks(docker, filter)]);
  const clusters = new Map<string, ClusterView>();
  const get = (name: string, labels: Record<string, string>) => {
    let v = clusters.get(name);
    if (!v) {
      v = { name, flavour: labels[LABEL.flavour] ?? '', version: labels[LABEL.version] ?? '', members: [], networks: [], labels: {} };
      clusters.set(name, v);
    }
    if (!v.flavour && labels[LABEL.flavour]) v.flavour = labels[LABEL.flavour]!;
    if (!Object.keys(v.labels).length && labels[LABEL.role]) v.labels = { ...labels };
    return v;
  };
  for (const c of containers) get(c.Labels[LABEL.cluster]!, c.Labels).members.push(member(c));
  for (const n of networks) get(n.Labels![LABEL.cluster]!, n.Labels ?? {}).networks.push(n.Name);
  // A cluster spanning engines: its containers on the others too, those that
  // carry its first engine's ID (a cluster of the same name there is another).
  let ownId: Promise<string> | undefined;
  await Promise.all(
    [...clusters.values()].map(async (v) => {
      const own = [...containers, ...networks].filter((x) => x.Labels?.[LABEL.cluster] === v.name);
      const names = enginesFromLabels(own);
      if (names.length < 2) return;
      v.engines = [{ endpoint: names[0]! }];
      for (const m of v.members) m.engine ??= names[0]!;
      const firstId = own.map((x) => x.Labels?.[LABEL.firstEngine]).find(Boolean);
      ownId ??= engineIdentity(docker).then((i) => i.id);
      if (firstId && firstId !== (await ownId)) {
        // Listed from one of its other engines: what is here is all that can be shown.
        v.engines[0]!.error = `not the engine mesos-up talks to: the cluster's first engine is daemon ${firstId.slice(0, 12)}; point DOCKER_HOST (or the context) at it`;
        return;
      }
      const scope = [`${LABEL.cluster}=${v.name}`, firstId ? `${LABEL.firstEngine}=${firstId}` : LABEL.engines];
      await Promise.all(
        names.slice(1).map(async (name) => {
          const reach: EngineReach = { endpoint: name };
          v.engines!.push(reach);
          try {
            const remote = await listContainers(await engineClient(name), scope);
            v.members.push(...remote.map((c) => member(c, name)));
          } catch (err) {
            reach.error = (err as Error).message.split('\n')[0]!;
          }
        }),
      );
    }),
  );
  for (const v of clusters.values()) {
    portsThroughGateway(v);
    v.members.sort((a, b) => roleOrder[a.role]! - roleOrder[b.role]! || a.index - b.index || a.name.localeCompare(b.name));
  }
  return clusters;
}

export const hostUrl = (m: ClusterMember | undefined, port: number): string | undefined =>
  m?.ports.get(port) ? `http://127.0.0.1:${m.ports.get(port)}` : undefined;

/** The URLs a user needs, from published ports. */
export function urlsOf(view: ClusterView): { masters: Array<{ name: string; url?: string; ip: string }>; marathonUrl?: string; zkHostPort?: string; agents: Array<{ name: string; url?: string; ip: string; published: Array<[number, number]> }> } {
  const byRole = (r: string) => view.members.filter((m) => m.role === r);
  const zk = byRole('zookeeper')[0];
  const marathonUrl = hostUrl(byRole('marathon')[0], MARATHON_PORT);
  const zkPort = zk?.ports.get(ZK_PORT);
  return {
    masters: byRole('master').map((m) => ({ name: m.name, ip: m.ip, ...(hostUrl(m, MASTER_PORT) ? { url: hostUrl(m, MASTER_PORT)! } : {}) })),
    ...(marathonUrl ? { marathonUrl } : {}),
    ...(zkPort ? { zkHostPort: `127.0.0.1:${zkPort}` } : {}),
    agents: byRole('agent').map((a) => ({
      name: a.name,
      ip: a.ip,
      ...(hostUrl(a, AGENT_PORT) ? { url: hostUrl(a, AGENT_PORT)! } : {}),
      published: [...a.ports.entries()].filter(([c]) => c !== AGENT_PORT).sort((x, y) => x[0] - y[0]),
    })),
  };
}

/** The engine client for a member of `view`: the one listed first unless it runs on another engine. */
export const memberClient = (docker: Docker, view: ClusterView, m: ClusterMember): Promise<Docker> => clientFor(docker, m.engine, view.engines?.[0]?.endpoint);
