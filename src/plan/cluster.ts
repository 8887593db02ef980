// The plan of a whole cluster: containers in the order they must start.
// Pure: the same spec, images and addresses always give the same plan.
import type { ClusterSpec } from '../config/schema.js';
import type { Addresses } from './addresses.js';
import { agentPortRanges } from './agent-ports.js';
import type { PortRange } from '../config/port-ranges.js';
import { planGateway } from './gateway.js';
import { planMesosDns } from './mesos-dns.js';
import { planMarathonLb } from './marathon-lb.js';
import { planMetronome } from './metronome.js';
import { placeOnEngines } from './engines.js';
import { baseLabels, containerName, LABEL, networkName } from './labels.js';
import type { ComponentRole, ContainerPlan, ImageSet, PortBinding } from './types.js';

export const ZK_PORT = 2181;
export const MASTER_PORT = 5050;
export const AGENT_PORT = 5051;
export const MARATHON_PORT = 8080;
/** where the agents keep sandboxes inside their containers */
export const AGENT_WORK_DIR = '/var/lib/mesos/agent';
export const MASTER_WORK_DIR = '/var/lib/mesos/master';
/** where masters and agents write their log files (--log_dir), beside stderr */
export const LOG_DIR = '/var/log/mesos';
export const DOCKER_SOCKET = '/var/run/docker.sock';

export interface PlanContext {
  spec: ClusterSpec;
  images: ImageSet;
  cliVersion: string;
  runId: string;
  /** bind address for published ports */
  hostIp?: string;
  /**
   * A cluster over several engines: the address each engine's host is reached
   * at from the cluster's containers (its swarm node address), by engine; known
   * once the engines are in a swarm (absent in --dry-run).
   */
  engineHosts?: string[];
}

export const zkUrl = (zkIp: string, chroot: 'mesos' | 'marathon' | 'metronome'): string => `zk://${zkIp}:${ZK_PORT}/${chroot}`;

export const quorum = (masters: number): number => Math.floor(masters / 2) + 1;

/** Extra flags from cluster.yaml as the MESOS_* variables the binaries read. */
const flagEnv = (flags: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(flags).map(([k, v]) => [`MESOS_${k.toUpperCase()}`, v]));

/** Mesos' resource text for an agent: `cpus:2;mem:2048;disk:4096;ports:[8000-8100,31000-32000]`; no role, so a public agent's --default_role reserves them all. */
export function agentResources(spec: ClusterSpec, portRanges: PortRange[] = spec.agents.resources.ports): string {
  const r = spec.agents.resources;
  const ports = portRanges.map((p) => `${p.begin}-${p.end}`).join(',');
  return `cpus:${r.cpus};mem:${r.mem};disk:${r.disk};ports:[${ports}]`;
}

export function base(ctx: PlanContext, role: ComponentRole, index: number, image: string): Omit<ContainerPlan, 'cmd' | 'env' | 'ports' | 'binds' | 'readiness'> {
  const name = containerName(ctx.spec.name, role, index);
  return {
    name,
    role,
    index,
    image,
    labels: {
      ...baseLabels(ctx.spec.name, ctx.cliVersion, ctx.runId),
      [LABEL.role]: role,
      [LABEL.index]: String(index),
      [LABEL.flavour]: ctx.images.flavour,
    },
    network: networkName(ctx.spec.name),
    hostname: name,
  };
}

export const publish = (ctx: PlanContext, container: number, host = 0): PortBinding => ({ container, host, hostIp: ctx.hostIp ?? '127.0.0.1' });

export function planZookeeper(ctx: PlanContext, ip: string): ContainerPlan {
  return {
    ...base(ctx, 'zookeeper', 1, ctx.images.zookeeper),
    ip,
    cmd: [],
    // The official image reads these; ruok must be whitelisted since ZooKeeper 3.5.
    env: { ZOO_MY_ID: '1', ZOO_4LW_COMMANDS_WHITELIST: 'ruok,srvr,mntr,stat,conf' },
    ports: [publish(ctx, ZK_PORT, ctx.spec.ports.zookeeper)],
    binds: [],
    readiness: "answers 'imok' to 'ruok' on 2181",
  };
}

/** The named volume that keeps a master's replicated log: `demo-master2-registry`. */
export const registryVolumeName = (cluster: string, index: number): string => `${cluster}-master${index}-registry`;

export function planMaster(ctx: PlanContext, index: number, zkIp: string, ip: string): ContainerPlan {
  const n = ctx.spec.masters.count;
  // With 3 or 5 masters the registry is the replicated log in each master's work
  // dir, so a new leader still knows the agents and frameworks. It must be on the
  // command line: the image's own CMD --registry=in_memory beats MESOS_REGISTRY.
  // One master keeps that CMD: nothing to replicate to.
  const replicated = n > 1;
  return {
    ...base(ctx, 'master', index, ctx.images.master),
    ip,
    cmd: replicated ? ['--registry=replicated_log'] : [],
    ...(replicated
      ? {
          volumes: [{
            name: registryVolumeName(ctx.spec.name, index),
            target: MASTER_WORK_DIR,
            // The cluster's labels, so down, the rollback of up and the reaper find it.
            labels: { ...baseLabels(ctx.spec.name, ctx.cliVersion, ctx.runId), [LABEL.role]: 'master', [LABEL.index]: String(index) },
          }],
        }
      : {}),
    env: {
      MESOS_ZK: zkUrl(zkIp, 'mesos'),
      MESOS_QUORUM: String(quorum(n)),
      MESOS_IP: ip,
      MESOS_HOSTNAME: ip,
      MESOS_PORT: String(MASTER_PORT),
      MESOS_WORK_DIR: MASTER_WORK_DIR,
      // A log file as well as stderr: the web UI's LOG link reads /master/log.
      MESOS_LOG_DIR: LOG_DIR,
      MESOS_REGISTRY: replicated ? 'replicated_log' : 'in_memory',
      MESOS_CLUSTER: ctx.spec.name,
      ...flagEnv(ctx.spec.masters.flags),
    },
    ports: [publish(ctx, MASTER_PORT, index === 1 ? ctx.spec.ports.master : 0)],
    binds: [],
    readiness: 'GET /health is 200; one master elected',
  };
}

/** The role of public agents' resources, as DC/OS names it. */
export const PUBLIC_ROLE = 'slave_public';

/** Public agents are the last `agents.public` of them. */
export const isPublicAgent = (spec: ClusterSpec, index: number): boolean => index > spec.agents.count - spec.agents.public;

export function planAgent(ctx: PlanContext, index: number, zkIp: string, ip: string, mesosDnsIp?: string): ContainerPlan {
  const a = ctx.spec.agents;
  const isPublic = isPublicAgent(ctx.spec, index);
  const docker = a.containerizers.includes('docker');
  const offered = agentPortRanges(ctx.spec, ctx.images.flavour, index);
  // publishPorts (opt-in), limited to what this agent offers: split ranges give each agent its own slice.
  const published = a.publishPorts
    .flatMap((r) => Array.from({ length: r.end - r.begin + 1 }, (_, i) => r.begin + i))
    .filter((p) => offered.some((o) => o.begin <= p && p <= o.end))
    .map((p) => publish(ctx, p));
  return {
    ...withPublicLabel(base(ctx, 'agent', index, ctx.images.agent), isPublic),
    ip,
    cmd: [],
    env: {
      MESOS_MASTER: zkUrl(zkIp, 'mesos'),
      MESOS_IP: ip,
      MESOS_HOSTNAME: ip,
      MESOS_PORT: String(AGENT_PORT),
      MESOS_WORK_DIR: AGENT_WORK_DIR,
      MESOS_LOG_DIR: LOG_DIR,
      MESOS_RESOURCES: agentResources(ctx.spec, offered),
      MESOS_CONTAINERIZERS: a.containerizers.join(','),
      // In a container: no systemd, no user switching, plain POSIX isolation.
      MESOS_SYSTEMD_ENABLE_SUPPORT: 'false',
      MESOS_SWITCH_USER: 'false',
      MESOS_LAUNCHER: 'posix',
      MESOS_ISOLATION: 'posix/cpu,posix/mem',
      // docker_kill_orphans=false: at start a docker containerizer stops every
      // mesos-* container it did not launch, which on a shared engine are other
      // agents' (and other clusters') tasks.
      ...(docker ? { MESOS_DOCKER_SOCKET: DOCKER_SOCKET, MESOS_DOCKER_KILL_ORPHANS: 'false' } : {}),
      ...flagEnv(a.flags),
      // a public agent: every resource statically reserved to slave_public, and public_ip:true beside the user's attributes
      ...(isPublic ? { MESOS_DEFAULT_ROLE: PUBLIC_ROLE, MESOS_ATTRIBUTES: [a.flags.attributes, 'public_ip:true'].filter(Boolean).join(';') } : {}),
    },
    // Its API and task ports are reached through the gateway (plan/gateway.ts);
    // publishPorts (opt-in) publishes task ports on the agent itself as well.
    ports: published,
    // The Docker socket only where the docker containerizer needs it.
    binds: docker ? [`${DOCKER_SOCKET}:${DOCKER_SOCKET}`] : [],
    // With Mesos-DNS, `.mesos` names resolve in the agent and in the tasks it runs.
    ...(mesosDnsIp ? { dns: [mesosDnsIp] } : {}),
    readiness: 'registered and active in the leading master',
  };
}

function withPublicLabel<T extends { labels: Record<string, string> }>(plan: T, isPublic: boolean): T {
  return isPublic ? { ...plan, labels: { ...plan.labels, [LABEL.public]: 'true' } } : plan;
}

/** The role Marathon registers in without public agents: resident apps reserve in it. */
export const MARATHON_ROLE = 'marathon';

/**
 * Marathon's role and principal, so resident apps (persistent volumes) can
 * reserve out of the box: its framework role is `marathon`, or `slave_public`
 * with public agents (apps then default to unreserved resources, as on DC/OS);
 * the principal names its reservations. With Marathon-LB, the task_killing
 * feature DC/OS turns on: a task being killed is reported TASK_KILLING at once,
 * so the load balancer drops it while it still finishes its requests. Flags
 * the user gives in marathon.args win.
 */
function marathonRoleArgs(spec: ClusterSpec): string[] {
  const given = (flag: string) => spec.marathon.args.some((a) => a === flag || a.startsWith(`${flag}=`));
  const publicAgents = spec.agents.public > 0;
  return [
    ...(given('--mesos_role') ? [] : ['--mesos_role', publicAgents ? PUBLIC_ROLE : MARATHON_ROLE]),
    ...(publicAgents && !given('--default_accepted_resource_roles') ? ['--default_accepted_resource_roles', '*'] : []),
    ...(given('--mesos_authentication_principal') ? [] : ['--mesos_authentication_principal', MARATHON_ROLE]),
    ...(spec.addons.marathonLb && !given('--enable_features') ? ['--enable_features', 'task_killing'] : []),
  ];
}

export function planMarathon(ctx: PlanContext, zkIp: string, ip: string): ContainerPlan {
  const m = ctx.spec.marathon;
  return {
    ...base(ctx, 'marathon', 1, ctx.images.marathon),
    ip,
    cmd: [
      '--master', zkUrl(zkIp, 'mesos'),
      '--zk', zkUrl(zkIp, 'marathon'),
      '--hostname', ip,
      '--http_port', String(MARATHON_PORT),
      '--local_port_min', String(m.localPortMin),
      '--local_port_max', String(m.localPortMax),
      ...marathonRoleArgs(ctx.spec),
      ...m.args,
    ],
    // libprocess in Marathon otherwise advertises the address its hostname
    // resolves to, which holds only while the container has one network.
    env: { LIBPROCESS_IP: ip },
    ports: [publish(ctx, MARATHON_PORT, ctx.spec.ports.marathon)],
    binds: [],
    readiness: 'GET /v2/info has a frameworkId; its framework is active and receives offers',
  };
}

/**
 * Stages in start order; containers within a stage start concurrently, and
 * every container is created at once beforehand (every address is fixed in
 * advance). ZooKeeper starts first: on a busy engine the first container to
 * start boots first, and everything waits on it; the gateway beside it (its
 * published ports make its start the longest). The masters start as soon as
 * ZooKeeper's container runs (they retry ZooKeeper while it boots), the rest of
 * stage 2 once the masters' run (src/lifecycle/up.ts). Marathon starts once
 * ZooKeeper answers `ruok`, because it gives up when ZooKeeper does not answer
 * within --zk_connection_timeout.
 */
export function planCluster(ctx: PlanContext, addrs: Addresses): ContainerPlan[][] {
  const { spec } = ctx;
  const zk = addrs.zookeeper;
  const stages = [
    [planZookeeper(ctx, zk)],
    [
      ...Array.from({ length: spec.masters.count }, (_, i) => planMaster(ctx, i + 1, zk, addrs.masters[i]!)),
      ...Array.from({ length: spec.agents.count }, (_, i) => planAgent(ctx, i + 1, zk, addrs.agents[i]!, spec.addons.mesosDns ? addrs.mesosDns : undefined)),
      planGateway(ctx, addrs),
      ...(spec.addons.mesosDns ? [planMesosDns(ctx, addrs)] : []),
      ...(spec.addons.marathonLb ? [planMarathonLb(ctx, addrs, spec.addons.marathonLb.group)] : []),
      ...(spec.addons.metronome ? [planMetronome(ctx, addrs)] : []),
    ],
    [planMarathon(ctx, zk, addrs.marathon)],
  ];
  placeOnEngines(spec, stages.flat());
  return stages;
}

/** When each stage of planCluster starts, for --dry-run. */
export const STAGE_STARTS = [
  'first; every container of the cluster is created beside it (all addresses are fixed in advance)',
  'the gateway beside ZooKeeper (not waited for); the masters once ZooKeeper runs, while it boots; the rest once the masters run',
  'once ZooKeeper answers ruok, alongside stage 2',
] as const;

