// The pod status JSON (`::status`, AppInfoBaseData.podStatus and
// PodStatusConversion) and the Instance JSON the kill routes answer with.
import { timestamp } from '../util.js';
import { instanceHealthy, taskCondition } from './scheduler.js';
import { podJson } from './normalize.js';
import type { Pod, PodInstance, PodTask } from './types.js';

type Json = Record<string, unknown>;

const ACTIVE = new Set(['Created', 'Staging', 'Starting', 'Running', 'Killing', 'Unreachable']);
const TERMINAL_CONDITIONS = new Set(['Error', 'Failed', 'Finished', 'Killed', 'Gone', 'Dropped', 'Unknown', 'Killing']);

/** The Mesos state of the task's condition (Created has none: TASK_STAGING). */
function containerState(t: PodTask): string {
  const c = taskCondition(t);
  return c === 'Created' ? 'TASK_STAGING' : c === 'Unreachable' ? 'TASK_UNREACHABLE' : c === 'Gone' ? 'TASK_GONE' : c === 'Unknown' ? 'TASK_UNKNOWN' : t.state;
}

function containerStatus(pod: Pod | undefined, t: PodTask): Json {
  const spec = pod?.containers.find((c) => c.name === t.container);
  const condition = taskCondition(t);
  const since = t.startedAt ?? t.since;
  const hc = spec?.healthCheck;
  const checkEndpoint = hc?.http?.endpoint ?? hc?.tcp?.endpoint;
  let endpoints: Json[] = [];
  if (ACTIVE.has(condition)) {
    // those with a host port first, then the others (PodStatusConversion's order)
    const specs = spec?.endpoints ?? [];
    endpoints = [...specs.filter((e) => e.hostPort !== undefined), ...specs.filter((e) => e.hostPort === undefined)].map((e) => {
      const out: Json = { name: e.name };
      if (e.hostPort !== undefined && t.hostPorts[e.name] !== undefined) out.allocatedHostPort = t.hostPorts[e.name];
      if (e.name === checkEndpoint && t.healthy !== undefined) out.healthy = t.healthy;
      return out;
    });
    // the checked endpoint goes last
    const i = endpoints.findIndex((e) => e.name === checkEndpoint);
    if (i >= 0) endpoints.push(...endpoints.splice(i, 1));
  }
  const conditions: Json[] = [];
  if (hc && !['Created', 'Staging', 'Starting', 'Reserved'].includes(condition)) {
    conditions.push({
      name: 'healthy',
      lastChanged: since,
      lastUpdated: since,
      value: String(t.healthy === true),
      reason: t.healthy === undefined ? 'health-unreported-by-mesos' : 'health-reported-by-mesos',
    });
  }
  const out: Json = { name: t.container, status: containerState(t), statusSince: since };
  if (t.state !== 'CREATED') out.containerId = t.taskId;
  out.endpoints = endpoints;
  out.conditions = conditions;
  if (['Staging', 'Starting', 'Running', 'Reserved', 'Unreachable', 'Killing'].includes(condition)) out.resources = spec?.resources ?? t.resources;
  out.lastUpdated = since;
  out.lastChanged = since;
  return out;
}

/** PodInstanceStatus. */
export function instanceStatus(pod: Pod | undefined, i: PodInstance): Json {
  const c = i.condition;
  const containers = i.tasks.map((t) => containerStatus(pod, t));
  let status: string;
  let message: string | undefined;
  if (c === 'Created' || c === 'Reserved') status = 'PENDING';
  else if (c === 'Staging' || c === 'Starting') status = 'STAGING';
  else if (TERMINAL_CONDITIONS.has(c)) status = 'TERMINAL';
  else if (c === 'Unreachable' || c === 'UnreachableInactive') {
    status = 'DEGRADED';
    message = 'pod instance has become unreachable';
  } else if (containers.some((x) => (x.conditions as Json[]).some((k) => k.name === 'healthy' && k.value === 'false'))) {
    // (a check not reported yet counts as not healthy)
    status = 'DEGRADED';
    message = 'at least one container is not healthy';
  } else status = 'STABLE';
  const reporting = i.tasks.filter((t) => ['Staging', 'Starting', 'Running', 'Reserved', 'Unreachable', 'Killing'].includes(taskCondition(t)));
  const sum = (k: 'cpus' | 'mem' | 'disk' | 'gpus', base: number) => round(reporting.reduce((n, t) => n + t.resources[k], base));
  const out: Json = { id: i.instanceId, status, statusSince: i.since };
  if (message) out.message = message;
  out.conditions = [];
  out.agentHostname = i.host;
  if (i.agentId) out.agentId = i.agentId;
  // the default executor resources, not the pod's own (as 1.7 adds them)
  out.resources = { cpus: sum('cpus', 0.1), mem: sum('mem', 32), disk: sum('disk', 10), gpus: sum('gpus', 0) };
  out.networks = i.ipAddresses.length ? [{ addresses: i.ipAddresses }] : [];
  out.containers = containers;
  out.specReference = `/v2/pods${i.podId}::versions/${i.version}`;
  out.localVolumes = [];
  out.lastUpdated = i.since;
  out.lastChanged = i.since;
  return out;
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

/** PodStatus: STABLE when enough instances are, TERMINAL while a deployment deletes the pod, else DEGRADED. */
export function podStatus(pod: Pod, instances: PodInstance[], deleting: boolean): Json {
  const statuses = instances.map((i) => instanceStatus(pod, i));
  const stable = statuses.filter((s) => s.status === 'STABLE').length;
  const status = deleting ? 'TERMINAL' : stable >= pod.scaling.instances ? 'STABLE' : 'DEGRADED';
  const since = instances.length ? instances.map((i) => i.since).sort().at(-1)! : timestamp();
  return {
    id: pod.id,
    spec: podJson(pod),
    status,
    statusSince: since,
    instances: statuses,
    terminationHistory: [],
    lastUpdated: timestamp(),
    lastChanged: since,
  };
}

/** Instance's own JSON (the kill routes): the instance as it was before the kill. */
export function instanceJson(pod: Pod, i: PodInstance): Json {
  const tasksMap: Json = {};
  for (const t of i.tasks) {
    const status: Json = { stagedAt: i.stagedAt };
    if (t.startedAt) status.startedAt = t.startedAt;
    status.condition = taskCondition(t);
    status.networkInfo = { hostName: i.host, hostPorts: Object.values(t.hostPorts), ipAddresses: i.ipAddresses.map((ipAddress) => ({ ipAddress, protocol: 'IPv4' })) };
    tasksMap[t.taskId] = { taskId: t.taskId, runSpecVersion: i.version, status };
  }
  const running = i.tasks.filter((t) => t.state === 'TASK_RUNNING');
  const healthy = instanceHealthy(i);
  const state: Json = { condition: i.condition, since: i.since };
  const started = running.map((t) => t.startedAt).filter((x): x is string => !!x).sort()[0];
  if (started) state.activeSince = started;
  if (healthy !== null) state.healthy = healthy;
  state.goal = 'Running';
  return {
    instanceId: { idString: i.instanceId },
    agentInfo: { host: i.host, ...(i.agentId ? { agentId: i.agentId } : {}), attributes: [] },
    tasksMap,
    runSpecVersion: i.version,
    state,
    unreachableStrategy: pod.scheduling.unreachableStrategy,
  };
}
