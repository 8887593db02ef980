// Matching a pod instance against an offer and building the LAUNCH_GROUP
// Marathon 1.7 sends for it (TaskGroupBuilder): a DEFAULT executor with the
// pod's executorResources, one task per container with the container's
// resources and its endpoints' host ports, commands, images, ephemeral and
// host volumes, Mesos-side health checks and the pod's environment.
import { matchOffer, type MatchRequest, type NoMatchReason, type OfferPool, type PlacedTask } from '../mesos/matcher.js';
import { toHostname } from '../util.js';
import type { EnvValue } from '../app/types.js';
import type { MesosCommand, Pod, PodContainer, PodHealthCheck } from './types.js';

type Json = Record<string, unknown>;

export interface PodMatch {
  /** the executor's cpus/mem/disk and every port of the pod (TaskGroupBuilder puts ports on the executor) */
  executorResources: Json[];
  /** per container: its scalar resources and endpoint name → host port */
  containers: Array<{ resources: Json[]; hostPorts: Record<string, number> }>;
}

/** Endpoints that take a host port, in pod order: those with `hostPort` (normalization gives 0 = any outside container networks). */
function hostPortSpecs(pod: Pod): Array<{ container: number; name: string; port: number }> {
  return pod.containers.flatMap((c, container) => (c.endpoints ?? []).flatMap((e) => (e.hostPort !== undefined ? [{ container, name: e.name, port: e.hostPort }] : [])));
}

function request(r: { cpus: number; mem: number; disk: number; gpus?: number }, constraints: string[][] = [], ports: Array<{ port: number }> = []): MatchRequest {
  return {
    cpus: r.cpus,
    mem: r.mem,
    disk: r.disk,
    gpus: r.gpus ?? 0,
    constraints,
    networks: [{ mode: 'host' }],
    // fixed host ports are taken as they are, 0 picks one
    requirePorts: true,
    portDefinitions: ports.map((p) => ({ port: p.port, protocol: 'tcp' })),
  };
}

/**
 * Takes the executor's resources with the pod's ports and every container's
 * resources from the pool, or nothing: the reasons of the first part that
 * did not fit.
 */
export function matchPod(pool: OfferPool, pod: Pod, roles: Set<string>, placed: PlacedTask[]): PodMatch | NoMatchReason[] {
  const restore = pool.snapshot();
  const specs = hostPortSpecs(pod);
  const constraints = (pod.scheduling.placement.constraints ?? []).map((c) => [c.fieldName, c.operator, ...(c.value !== undefined ? [c.value] : [])]);
  const exec = matchOffer(pool, request(pod.executorResources, constraints, specs), roles, placed);
  if (Array.isArray(exec)) return exec;
  const containers: PodMatch['containers'] = [];
  for (const c of pod.containers) {
    const m = matchOffer(pool, request(c.resources), roles, []);
    if (Array.isArray(m)) {
      restore();
      return m;
    }
    containers.push({ resources: m.resources, hostPorts: {} });
  }
  specs.forEach((s, i) => {
    const p = exec.hostPorts[i];
    if (p !== undefined) containers[s.container]!.hostPorts[s.name] = p;
  });
  // the whole group is one launch (matchOffer counted each part)
  pool.launches -= pod.containers.length;
  return { executorResources: exec.resources, containers };
}

export interface TaskGroupInput {
  pod: Pod;
  instanceId: string;
  executorId: string;
  frameworkId: string;
  agentId: string;
  hostname: string;
  match: PodMatch;
  envVarsPrefix?: string;
}

/** The Mesos task id of a pod container: `<instance id>.<container name>`. */
export const podTaskId = (instanceId: string, container: string) => `${instanceId}.${container}`;

/** The default executor's id: `instance-<safe pod id>.<uuid>` for instance `<safe pod id>.instance-<uuid>`. */
export const executorIdOf = (instanceId: string) => `instance-${instanceId.replace('.instance-', '.')}`;

const kv = (labels: Record<string, string> | undefined) => ({ labels: Object.entries(labels ?? {}).map(([key, value]) => ({ key, value })) });

/** The pod lists the host network explicitly (TaskGroupBuilder fills host ports only then). */
const explicitHost = (pod: Pod) => pod.networks.some((n) => n.mode === 'host');

const envName = (name: string) => name.toUpperCase().replace(/[^A-Z0-9_]+/g, '_');

/** Scala's Double.toString for whole numbers (64.0), as MARATHON_CONTAINER_RESOURCE_* print them. */
const scalaDouble = (n: number) => (Number.isInteger(n) ? `${n}.0` : String(n));

/** The environment, later entries winning: pod, container, HOST, task context, labels, endpoints. */
function envVars(input: TaskGroupInput, c: PodContainer, taskId: string): Array<{ name: string; value: string }> {
  const { pod } = input;
  const env = new Map<string, string>();
  const plain = (vars: Record<string, EnvValue> | undefined) => {
    for (const [k, v] of Object.entries(vars ?? {})) if (typeof v === 'string') env.set(k, v);
  };
  plain(pod.environment);
  plain(c.environment);
  const prefix = input.envVarsPrefix ?? '';
  env.set(`${prefix}HOST`, input.hostname);
  env.set('MESOS_TASK_ID', taskId);
  env.set('MESOS_EXECUTOR_ID', input.executorId);
  env.set('MARATHON_APP_ID', pod.id);
  env.set('MARATHON_APP_VERSION', pod.version);
  env.set('MARATHON_CONTAINER_ID', c.name);
  env.set('MARATHON_CONTAINER_RESOURCE_CPUS', scalaDouble(c.resources.cpus));
  env.set('MARATHON_CONTAINER_RESOURCE_MEM', scalaDouble(c.resources.mem));
  env.set('MARATHON_CONTAINER_RESOURCE_DISK', scalaDouble(c.resources.disk));
  env.set('MARATHON_CONTAINER_RESOURCE_GPUS', String(c.resources.gpus));
  const labels = Object.entries({ ...(pod.labels ?? {}), ...(c.labels ?? {}) })
    .filter(([k, v]) => k.length < 512 - 'MARATHON_APP_LABEL_'.length && v.length < 512)
    .map(([k, v]) => [k.replace(/[^a-zA-Z0-9_]+/g, '_').toUpperCase(), v] as const);
  env.set('MARATHON_APP_LABELS', labels.map(([k]) => k).join(' '));
  for (const [k, v] of labels) env.set(`MARATHON_APP_LABEL_${k}`, v);
  // every container learns every endpoint of the pod (they share the executor's network)
  const host = explicitHost(pod);
  pod.containers.forEach((other, i) => {
    const ports = input.match.containers[i]!.hostPorts;
    for (const e of other.endpoints ?? []) {
      const name = envName(e.name);
      const hostPort = ports[e.name];
      const port = host ? hostPort : e.containerPort;
      if (port !== undefined) env.set(`${prefix}ENDPOINT_${name}`, String(port));
      if (hostPort !== undefined) env.set(`${prefix}EP_HOST_${name}`, String(hostPort));
      if (e.containerPort !== undefined) env.set(`${prefix}EP_CONTAINER_${name}`, String(e.containerPort));
    }
  });
  return [...env].map(([name, value]) => ({ name, value }));
}

function command(cmd: MesosCommand, overrideEntrypoint = false): Json {
  if ('shell' in cmd) return { shell: true, value: cmd.shell };
  return { shell: false, ...(overrideEntrypoint ? { value: cmd.argv[0] } : {}), arguments: cmd.argv };
}

/** HTTP and TCP checks dial the endpoint's host port in host-network pods, its container port otherwise; no port, no check. */
function healthCheck(pod: Pod, c: PodContainer, hc: PodHealthCheck, hostPorts: Record<string, number>): Json | undefined {
  const base = {
    delay_seconds: hc.delaySeconds,
    interval_seconds: hc.intervalSeconds,
    timeout_seconds: hc.timeoutSeconds,
    consecutive_failures: hc.maxConsecutiveFailures,
    grace_period_seconds: hc.gracePeriodSeconds,
  };
  const portOf = (name: string) => {
    const e = (c.endpoints ?? []).find((x) => x.name === name);
    if (!e) return undefined;
    return e.containerPort ?? (explicitHost(pod) ? hostPorts[name] : undefined);
  };
  if (hc.exec) return { type: 'COMMAND', ...base, command: command(hc.exec.command, true) };
  if (hc.http) {
    const port = portOf(hc.http.endpoint);
    if (port === undefined) return undefined;
    return { type: 'HTTP', ...base, http: { scheme: hc.http.scheme.toLowerCase(), port, ...(hc.http.path ? { path: hc.http.path } : {}), protocol: 'IPv4' } };
  }
  if (hc.tcp) {
    const port = portOf(hc.tcp.endpoint);
    return port === undefined ? undefined : { type: 'TCP', ...base, tcp: { port, protocol: 'IPv4' } };
  }
  return undefined;
}

/** Ephemeral volumes live in the executor's sandbox (`volumes/<name>`); host volumes are paths on the agent. */
function volumes(pod: Pod, c: PodContainer): Json[] {
  return (c.volumeMounts ?? []).flatMap((m): Json[] => {
    const v = (pod.volumes ?? []).find((x) => x.name === m.name);
    if (!v) return [];
    const mode = m.readOnly ? 'RO' : 'RW';
    if ('host' in v) return [{ container_path: m.mountPath, host_path: v.host, mode }];
    if ('secret' in v) return [];
    const path = 'persistent' in v ? m.name : `volumes/${m.name}`;
    return [{ container_path: m.mountPath, mode, source: { type: 'SANDBOX_PATH', sandbox_path: { type: 'PARENT', path } } }];
  });
}

function discovery(pod: Pod, c: PodContainer, hostPorts: Record<string, number>): Json {
  const ports = (c.endpoints ?? []).flatMap((e) => {
    const number = hostPorts[e.name] ?? e.containerPort;
    if (number === undefined) return [];
    return (e.protocol?.length ? e.protocol : ['tcp']).map((protocol) => ({ number, name: e.name, protocol, ...(e.labels && Object.keys(e.labels).length ? { labels: kv(e.labels) } : {}) }));
  });
  return { visibility: 'FRAMEWORK', name: toHostname(pod.id), ports: { ports } };
}

/** Scalars of zero are left out, as the builder skips empty quantities. */
const nonZero = (resources: Json[]) => resources.filter((r) => r.type !== 'SCALAR' || ((r.scalar as { value: number } | undefined)?.value ?? 0) > 0);

export function launchGroupOperation(input: TaskGroupInput): Json {
  const { pod, match } = input;
  const networkInfos = pod.networks.filter((n) => n.mode !== 'host').map((n) => ({
    name: n.mode === 'container/bridge' ? 'mesos-bridge' : n.name,
    labels: kv(n.labels),
  }));
  const executor: Json = {
    type: 'DEFAULT',
    executor_id: { value: input.executorId },
    framework_id: { value: input.frameworkId },
    resources: nonZero(match.executorResources),
    labels: kv(pod.labels),
  };
  if (pod.networks.length || pod.volumes?.length) executor.container = { type: 'MESOS', network_infos: networkInfos };
  const tasks = pod.containers.map((c, i) => {
    const m = match.containers[i]!;
    const taskId = podTaskId(input.instanceId, c.name);
    const cmd: Json = c.exec ? command(c.exec.command, c.exec.overrideEntrypoint) : { shell: false };
    cmd.environment = { variables: envVars(input, c, taskId) };
    if (c.user ?? pod.user) cmd.user = c.user ?? pod.user;
    if (c.artifacts?.length) cmd.uris = c.artifacts.map((a) => ({ value: a.uri, executable: a.executable, extract: a.extract, cache: a.cache, ...(a.destPath ? { output_file: a.destPath } : {}) }));
    const task: Json = {
      name: c.name,
      task_id: { value: taskId },
      agent_id: { value: input.agentId },
      resources: nonZero(m.resources),
      command: cmd,
    };
    const container: Json = { type: 'MESOS' };
    if (c.image?.kind === 'DOCKER') container.mesos = { image: { type: 'DOCKER', docker: { name: c.image.id }, ...(c.image.forcePull !== undefined ? { cached: !c.image.forcePull } : {}) } };
    else if (c.image?.kind === 'APPC') container.mesos = { image: { type: 'APPC', appc: { name: c.image.id } } };
    const vols = volumes(pod, c);
    if (vols.length) container.volumes = vols;
    if (c.tty) container.tty_info = {};
    if (Object.keys(container).length > 1) task.container = container;
    if (c.labels && Object.keys(c.labels).length) task.labels = kv(c.labels);
    if (c.lifecycle?.killGracePeriodSeconds !== undefined) task.kill_policy = { grace_period: { nanoseconds: Math.round(c.lifecycle.killGracePeriodSeconds * 1e9) } };
    task.discovery = discovery(pod, c, m.hostPorts);
    const hc = c.healthCheck ? healthCheck(pod, c, c.healthCheck, m.hostPorts) : undefined;
    if (hc) task.health_check = hc;
    return task;
  });
  return { type: 'LAUNCH_GROUP', launch_group: { executor, task_group: { tasks } } };
}
