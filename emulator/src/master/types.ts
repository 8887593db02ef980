// The master's in-memory books: agents, frameworks, tasks and offers, shaped
// after the records src/master/master.hpp keeps.
import type http from 'node:http';
import type { ContentType } from '../common/proto/wire.js';
import type { ResList } from '../common/resource-list.js';

/**
 * Protobuf JSON passed through from schedulers and agents (TaskInfo,
 * FrameworkInfo, TaskStatus, ContainerInfo, ...). The master reads a few
 * fields and otherwise keeps these as they came.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Pb = any;

export const TERMINAL_STATES = new Set([
  'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_ERROR', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR',
]);
/** TaskState enum values in declaration order (include/mesos/v1/mesos.proto). */
export const TASK_STATES = [
  'TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED',
  'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_UNREACHABLE', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN',
];
export const isTerminal = (state: string): boolean => TERMINAL_STATES.has(state);

/** Seconds since the epoch, the unit of every time Mesos reports. */
export const now = (): number => Date.now() / 1000;

/** `"x"` from a v1 ID message `{"value": "x"}`; undefined for anything else. */
export const idValue = (x: Pb): string | undefined => (x && typeof x === 'object' && typeof x.value === 'string' ? x.value : undefined);

/** One entry of a task's `statuses` in /state. */
export interface StatusEntry {
  state: string;
  timestamp: number;
  labels?: Pb;
  container_status?: Pb;
  healthy?: boolean;
}

export interface Task {
  id: string;
  name: string;
  frameworkId: string;
  agentId: string;
  /** "" for command tasks, as the real /state shows them */
  executorId: string;
  state: string;
  /** the task's and its executor's resources, without allocation_info */
  resources: ResList;
  role: string;
  statuses: StatusEntry[];
  /** the TaskInfo as launched (v1 JSON) */
  info: Pb;
  /** the latest status forwarded to the scheduler (v1 JSON) */
  latest?: Pb;
  /** uuid of `latest` while the scheduler has not acknowledged it */
  unackedUuid?: string;
}

export interface Agent {
  id: string;
  hostname: string;
  ip: string;
  port: number;
  pid: string;
  attributes: Record<string, string | number>;
  version: string;
  capabilities: string[];
  /** SlaveInfo.resources: the agent's own (--resources), static reservations included */
  resources: ResList;
  /** the agent's resources with its dynamic reservations and volumes applied */
  total: ResList;
  /** the dynamic reservations and persistent volumes the agent keeps (Slave::checkpointedResources) */
  checkpointed: ResList;
  registeredTime: number;
  reregisteredTime?: number;
  active: boolean;
  lastPing: number;
  /** key `<frameworkId>/<taskId>` */
  tasks: Map<string, Task>;
  offers: Set<string>;
}

/** An agent marked unreachable: all the registry keeps of it (Registry.UnreachableSlave). */
export interface UnreachableAgent {
  id: string;
  /** seconds since the epoch */
  time: number;
}

/**
 * What the registry keeps of an admitted agent (its SlaveInfo): enough to list
 * it in `recovered_slaves` after a failover and to tell whether it changed when
 * it re-registers.
 */
export interface AgentInfo {
  id: string;
  hostname: string;
  port: number;
  attributes: Record<string, string | number>;
  /** SlaveInfo.resources: the agent's own, static reservations included */
  resources: ResList;
}

export interface Filter {
  agentId: string;
  resources: ResList;
  /** ms since the epoch */
  expires: number;
}

export interface EventStream {
  id: string;
  res: http.ServerResponse;
  closed: boolean;
  /** the encoding of its records: what the subscriber accepts */
  contentType: ContentType;
}

export interface Framework {
  id: string;
  info: Pb;
  /** name the per-framework metrics were registered under */
  metricName: string;
  stream?: EventStream;
  active: boolean;
  connected: boolean;
  recovered: boolean;
  suppressed: boolean;
  registeredTime: number;
  reregisteredTime: number;
  unregisteredTime: number;
  tasks: Map<string, Task>;
  unreachableTasks: Map<string, Task>;
  completedTasks: Task[];
  offers: Set<string>;
  filters: Filter[];
  metrics: Map<string, number>;
  heartbeat?: NodeJS.Timeout;
  failoverTimer?: NodeJS.Timeout;
}

export interface Offer {
  id: string;
  frameworkId: string;
  agentId: string;
  resources: ResList;
  role: string;
  timer?: NodeJS.Timeout;
}
