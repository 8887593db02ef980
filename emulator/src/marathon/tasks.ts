// What Marathon knows about each task (one task per app instance), and the
// task JSON of the REST API (raml Task via TaskConversion).
import type { HealthResult } from './health.js';
import { localVolumesJson, type Reservation } from './resident.js';

export interface TaskRecord {
  taskId: string;
  /** `<safeId>.marathon-<uuid>`: the instance id of a 1.7 app task */
  instanceId: string;
  appId: string;
  /** app version the task was launched with */
  version: string;
  /** the app's lastConfigChangeAt at launch (restarts replace older ones) */
  configVersion: string;
  agentId: string;
  host: string;
  hostPorts: number[];
  state: string;
  /** the condition last announced in instance_changed_event */
  condition: string;
  stagedAt: string;
  startedAt?: string;
  ipAddresses: Array<{ ipAddress: string; protocol: string }>;
  /** the last Mesos status message */
  message?: string;
  /** TaskStatus.healthy (Mesos-side health checks) */
  mesosHealthy?: boolean;
  /** kill requested by Marathon (scale down, restart, delete, API) */
  killing?: boolean;
  killRequestedAt?: number;
  /** wipe=true kills: no replacement bookkeeping */
  wipe?: boolean;
  /** first time seen TASK_UNREACHABLE (ms) */
  unreachableSince?: number;
  /** launched but not yet accepted by the master (offer accept in flight) */
  launchedAt: number;
  /** a resident task's reservation and volumes (its instance outlives its tasks) */
  reservation?: Reservation;
}

/**
 * The internal state of a resident instance between tasks (Condition.Reserved):
 * not live, not counted; shown as TASK_STAGING with no times, as 1.7 shows it.
 */
export const RESERVED = 'RESERVED';

export const TERMINAL = new Set([
  RESERVED, 'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN',
]);

/**
 * The instance and app of a Marathon task id (Task.Id parsing): `<safe app
 * id>.instance-<uuid>[._app.<n>]` or the legacy `<safe app id>.<uuid>`, whose
 * instance is `<safe app id>.marathon-<uuid>`; the app id is the safe id with
 * `_` as `/`. Undefined for an id Marathon did not make.
 */
export function idsOfTask(taskId: string): { instanceId: string; runSpecId: string } | undefined {
  const m = /^(.+?)\.(instance-|marathon-)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(\..*)?$/.exec(taskId);
  if (!m) return undefined;
  return { instanceId: `${m[1]}.${m[2] ?? 'marathon-'}${m[3]}`, runSpecId: `/${m[1]!.split('_').join('/')}` };
}

/** Conditions as instance_changed_event names them (core.condition.Condition). */
export function conditionOf(state: string): string {
  switch (state) {
    case 'TASK_STAGING': return 'Staging';
    case 'TASK_STARTING': return 'Starting';
    case 'TASK_RUNNING': return 'Running';
    case 'TASK_KILLING': return 'Killing';
    case 'TASK_FINISHED': return 'Finished';
    case 'TASK_FAILED': return 'Failed';
    case 'TASK_KILLED': return 'Killed';
    case 'TASK_ERROR': return 'Error';
    case 'TASK_DROPPED': return 'Dropped';
    case 'TASK_GONE':
    case 'TASK_GONE_BY_OPERATOR': return 'Gone';
    case 'TASK_UNREACHABLE': return 'Unreachable';
    case 'TASK_LOST': return 'Unreachable';
    case RESERVED: return 'Reserved';
    default: return 'Unknown';
  }
}

/** Active = counts against `instances` (not terminal, not on its way out, not unreachable-inactive). */
export function isActive(t: TaskRecord): boolean {
  return !TERMINAL.has(t.state) && !t.killing && t.state !== 'TASK_UNREACHABLE';
}

export function isStaged(t: TaskRecord): boolean {
  return t.state === 'TASK_STAGING' || t.state === 'TASK_STARTING';
}

/** The raml Task object (fields in RAML order; inactive tasks lose ports and times). */
export function taskJson(t: TaskRecord, health: HealthResult[], servicePorts: number[]): Record<string, unknown> {
  const active = !TERMINAL.has(t.state);
  const out: Record<string, unknown> = {
    appId: t.appId,
    healthCheckResults: health.map((h) => healthJson(h, t.instanceId)),
    host: t.host,
    id: t.taskId,
    ipAddresses: t.ipAddresses,
    ports: active ? t.hostPorts : [],
    servicePorts,
    slaveId: t.agentId,
    // Reserved has no Mesos state: TaskConversion falls back to TASK_STAGING
    state: t.state === RESERVED ? 'TASK_STAGING' : t.state,
  };
  if (active) {
    out.stagedAt = t.stagedAt;
    if (t.startedAt) out.startedAt = t.startedAt;
    out.version = t.version;
  }
  out.localVolumes = localVolumesJson(t);
  return out;
}

function healthJson(h: HealthResult, instanceId: string): Record<string, unknown> {
  const out: Record<string, unknown> = { alive: h.alive, consecutiveFailures: h.consecutiveFailures };
  if (h.firstSuccess) out.firstSuccess = h.firstSuccess;
  out.instanceId = instanceId;
  if (h.lastSuccess) out.lastSuccess = h.lastSuccess;
  if (h.lastFailure) out.lastFailure = h.lastFailure;
  if (h.lastFailureCause !== undefined) out.lastFailureCause = h.lastFailureCause;
  return out;
}
