// What `up` prints and `status` shows: containers from labels, plus what the
// live cluster says (leader, agents, frameworks, offers).
import type Docker from 'dockerode';
import { MesosUpError } from '../errors.js';
import { getJson } from '../probes/http.js';
import { masterState, metrics, offersSent } from '../probes/mesos.js';
import { findLeader, type MarathonInfo } from '../probes/offers.js';
import { MESOS_DNS_HTTP_PORT, MESOS_DNS_PORT } from '../plan/mesos-dns.js';
import { discoverClusters, hostUrl, urlsOf, type ClusterView } from './discover.js';
import { gatewayControlUrl, reachOf, type ServiceEndpoint, type TaskEndpoint } from './task-ports.js';
import { METRONOME_PORT } from '../plan/metronome.js';
import { MARATHON_LB_APPID_PORT, MARATHON_LB_HTTP_PORT, MARATHON_LB_HTTPS_PORT, MARATHON_LB_STATS_PORT } from '../plan/marathon-lb.js';

export interface ClusterInfo {
  name: string;
  flavour: string;
  version: string;
  /** running: every component container runs; degraded: some do not */
  health: 'running' | 'degraded' | 'stopped';
  masterUrl?: string;
  marathonUrl?: string;
  zkUrl?: string;
  leader?: string;
  masters: Array<{ name: string; url?: string; ip: string; state: string; leader: boolean }>;
  /** url: the agent's API from the host, through the gateway; ports: task ports published on the agent itself (agents.publishPorts) */
  /** public: a public agent (resources reserved to slave_public) */
  agents: Array<{ name: string; url?: string; ip: string; state: string; active?: boolean; public?: true; ports: Record<string, number> }>;
  /** the Mesos-DNS add-on: DNS over UDP at dnsAddr (127.0.0.1:port), its HTTP API at url */
  mesosDns?: { name: string; ip: string; state: string; dnsAddr?: string; url?: string };
  /**
   * the Marathon-LB add-on: url is its vhost port (80) from the host, statsUrl
   * its :9090 (stats page, /_haproxy_* paths), appIdUrl its :9091; services
   * are the service ports it binds, through the gateway
   */
  marathonLb?: {
    name: string; ip: string; state: string; url?: string; httpsUrl?: string; statsUrl?: string; appIdUrl?: string; services: ServiceEndpoint[];
    /** the HAPROXY_GROUP it serves (`*`: every app) */
    group?: string;
    /** service ports the gateway's pool had no room for (raise gateway.taskPorts) */
    unrouted: Array<{ name: string; port: number }>;
  };
  /** the Metronome add-on: its jobs API from the host */
  metronome?: { name: string; ip: string; state: string; url?: string };
  /** the gateway's control API from the host */
  gateway?: { name: string; ip: string; state: string; url?: string };
  /** every task port the host reaches through the gateway (filled when the cluster is probed) */
  endpoints: TaskEndpoint[];
  /** task ports the gateway's pool had no room for (raise gateway.taskPorts) */
  unrouted: Array<{ taskId: string; port: number }>;
  marathon?: { name: string; ip: string; url?: string; state: string; frameworkId?: string | null; version?: string };
  zookeeper?: { name: string; ip: string; state: string; hostPort?: string };
  frameworks: Array<{ id: string; name: string; active: boolean; tasks: number; offersSent: number }>;
  tasks: Array<{ name: string; state: string; image: string }>;
  /** engine: on a cluster spanning engines, the one the container runs on (as cluster.yaml names it) */
  containers: Array<{ name: string; role: string; state: string; status: string; image: string; engine?: string }>;
  /** a cluster spanning engines: each engine, its agents, and why it could not be listed */
  engines?: Array<{ endpoint: string; agents: string[]; error?: string }>;
}

export async function describeView(view: ClusterView, opts: { probe?: boolean } = {}): Promise<ClusterInfo> {
  const urls = urlsOf(view);
  const stateOf = (name: string) => view.members.find((m) => m.name === name)?.state ?? 'missing';
  const components = view.members.filter((m) => m.role !== 'task');
  const running = components.filter((m) => m.state === 'running').length;
  const info: ClusterInfo = {
    name: view.name,
    flavour: view.flavour,
    version: view.version,
    health: running === 0 ? 'stopped' : running === components.length && !view.engines?.some((e) => e.error) ? 'running' : 'degraded',
    masters: urls.masters.map((m) => ({ ...m, state: stateOf(m.name), leader: false })),
    agents: urls.agents.map((a) => ({
      name: a.name, ip: a.ip, ...(a.url ? { url: a.url } : {}), state: stateOf(a.name),
      ...(view.members.find((m) => m.name === a.name)?.public ? { public: true as const } : {}),
      ports: Object.fromEntries(a.published.map(([c, h]) => [String(c), h])),
    })),
    frameworks: [],
    endpoints: [],
    unrouted: [],
    tasks: view.members.filter((m) => m.role === 'task').map((m) => ({ name: m.name, state: m.state, image: m.image })),
    containers: view.members.map((m) => ({ name: m.name, role: m.role, state: m.state, status: m.status, image: m.image, ...(m.engine ? { engine: m.engine } : {}) })),
    ...(view.engines
      ? {
          engines: view.engines.map((e) => ({
            endpoint: e.endpoint,
            agents: components.filter((m) => m.role === 'agent' && m.engine === e.endpoint).map((m) => m.name),
            ...(e.error ? { error: e.error } : {}),
          })),
        }
      : {}),
    ...(urls.marathonUrl ? { marathonUrl: urls.marathonUrl } : {}),
    ...(urls.zkHostPort ? { zkUrl: `zk://${urls.zkHostPort}` } : {}),
  };
  const mar = view.members.find((m) => m.role === 'marathon');
  if (mar) info.marathon = { name: mar.name, ip: mar.ip, state: mar.state, ...(urls.marathonUrl ? { url: urls.marathonUrl } : {}) };
  const zk = view.members.find((m) => m.role === 'zookeeper');
  if (zk) info.zookeeper = { name: zk.name, ip: zk.ip, state: zk.state, ...(urls.zkHostPort ? { hostPort: urls.zkHostPort } : {}) };
  const gw = view.members.find((m) => m.role === 'gateway');
  const gwUrl = gatewayControlUrl(view);
  if (gw) info.gateway = { name: gw.name, ip: gw.ip, state: gw.state, ...(gwUrl ? { url: gwUrl } : {}) };
  const dns = view.members.find((m) => m.role === 'mesos-dns');
  if (dns) {
    const udp = dns.ports.get(MESOS_DNS_PORT);
    const http = hostUrl(dns, MESOS_DNS_HTTP_PORT);
    info.mesosDns = { name: dns.name, ip: dns.ip, state: dns.state, ...(udp ? { dnsAddr: `127.0.0.1:${udp}` } : {}), ...(http ? { url: http } : {}) };
  }
  const lb = view.members.find((m) => m.role === 'marathon-lb');
  if (lb) {
    const urls = {
      url: hostUrl(lb, MARATHON_LB_HTTP_PORT),
      httpsUrl: hostUrl(lb, MARATHON_LB_HTTPS_PORT)?.replace(/^http:/, 'https:'),
      statsUrl: hostUrl(lb, MARATHON_LB_STATS_PORT),
      appIdUrl: hostUrl(lb, MARATHON_LB_APPID_PORT),
    };
    info.marathonLb = {
      name: lb.name, ip: lb.ip, state: lb.state, services: [], unrouted: [], ...(lb.lbGroup ? { group: lb.lbGroup } : {}),
      ...Object.fromEntries(Object.entries(urls).filter(([, v]) => v !== undefined)),
    };
  }
  const metronome = view.members.find((m) => m.role === 'metronome');
  if (metronome) {
    const url = hostUrl(metronome, METRONOME_PORT);
    info.metronome = { name: metronome.name, ip: metronome.ip, state: metronome.state, ...(url ? { url } : {}) };
  }
  if (opts.probe === false) return info;

  const masters = urls.masters.filter((m): m is { name: string; url: string; ip: string } => !!m.url && stateOf(m.name) === 'running');
  // The masters and Marathon are asked at the same time.
  const fromMasters = async () => {
    const { leader } = await findLeader(masters);
    if (!leader) {
      if (masters[0]) info.masterUrl = masters[0].url;
      return;
    }
    info.leader = leader.name;
    info.masterUrl = leader.url;
    for (const m of info.masters) m.leader = m.name === leader.name;
    try {
      const [state, snap] = await Promise.all([masterState(leader.url), metrics(leader.url)]);
      for (const a of info.agents) a.active = state.slaves.some((s) => s.active && s.pid.endsWith(`@${a.ip}:5051`));
      info.frameworks = state.frameworks.map((f) => ({ id: f.id, name: f.name, active: f.active, tasks: f.tasks.length, offersSent: offersSent(snap, f.id) }));
    } catch {
      /* the leader went away between the two calls: report what we have */
    }
  };
  const fromMarathon = async () => {
    if (!info.marathon?.url || info.marathon.state !== 'running') return;
    try {
      const mi = await getJson<MarathonInfo>(`${info.marathon.url}/v2/info`);
      info.marathon.frameworkId = mi.frameworkId;
      info.marathon.version = mi.version;
    } catch {
      /* not answering: the state column says enough */
    }
  };
  const fromGateway = async () => {
    try {
      const reach = await reachOf(view, { refresh: true });
      if (!reach) return;
      for (const a of info.agents) {
        const url = reach.agentUrls.get(a.ip);
        if (url) a.url = url;
      }
      info.endpoints = reach.tasks;
      if (info.marathonLb) {
        info.marathonLb.services = reach.services;
        info.marathonLb.unrouted = reach.unroutedServices;
      }
      info.unrouted = reach.unrouted;
    } catch {
      /* the gateway is not answering: its state column says enough */
    }
  };
  await Promise.all([fromMasters(), fromMarathon(), fromGateway()]);
  return info;
}

/** The cluster's containers and networks from their labels; NOT_FOUND when it has none. */
export async function clusterView(docker: Docker, name: string): Promise<ClusterView> {
  const view = (await discoverClusters(docker, name)).get(name);
  if (!view) {
    throw new MesosUpError('NOT_FOUND', `No cluster named ${name} on this Docker Engine`, { hint: 'mesos-up ls lists the clusters; mesos-up up starts one' });
  }
  return view;
}

export async function describeCluster(docker: Docker, name: string, opts: { probe?: boolean } = {}): Promise<ClusterInfo> {
  return describeView(await clusterView(docker, name), opts);
}
