// The v1 JSON shapes the agent receives from the master (TaskInfo,
// FrameworkInfo) and sends back (TaskStatus); field names as in mesos.proto.
import type { V1Resource } from '../common/resources.js';

export interface Id {
  value: string;
}

export interface Label {
  key: string;
  value?: string;
}

export interface Labels {
  labels?: Label[];
}

export interface EnvVariable {
  name: string;
  type?: string;
  value?: string;
}

export interface CommandUri {
  value: string;
  executable?: boolean;
  extract?: boolean;
  cache?: boolean;
  output_file?: string;
}

export interface CommandInfo {
  /** protobuf default: true */
  shell?: boolean;
  value?: string;
  arguments?: string[];
  environment?: { variables?: EnvVariable[] };
  user?: string;
  uris?: CommandUri[];
}

export interface HealthCheck {
  type?: 'COMMAND' | 'HTTP' | 'TCP' | 'UNKNOWN';
  http?: { port: number; path?: string; scheme?: string; statuses?: number[]; protocol?: string };
  tcp?: { port: number; protocol?: string };
  command?: CommandInfo;
  delay_seconds?: number;
  interval_seconds?: number;
  timeout_seconds?: number;
  consecutive_failures?: number;
  grace_period_seconds?: number;
}

export interface PortMapping {
  host_port: number;
  container_port: number;
  protocol?: string;
}

export interface DockerInfo {
  image: string;
  network?: 'HOST' | 'BRIDGE' | 'NONE' | 'USER';
  port_mappings?: PortMapping[];
  privileged?: boolean;
  parameters?: Array<{ key: string; value: string }>;
  force_pull_image?: boolean;
}

export interface Volume {
  container_path: string;
  host_path?: string;
  mode?: 'RW' | 'RO';
  source?: { type?: string; docker_volume?: { name: string; driver?: string }; sandbox_path?: { type?: 'SELF' | 'PARENT'; path: string } };
}

export interface ContainerInfo {
  type?: 'DOCKER' | 'MESOS';
  docker?: DockerInfo;
  mesos?: { image?: { type?: string; docker?: { name: string } } };
  volumes?: Volume[];
  hostname?: string;
  network_infos?: Array<{ name?: string; port_mappings?: PortMapping[] }>;
}

export interface KillPolicy {
  grace_period?: { nanoseconds: number };
}

export interface ExecutorInfo {
  executor_id: Id;
  type?: 'DEFAULT' | 'CUSTOM' | 'UNKNOWN';
  name?: string;
  source?: string;
  resources?: V1Resource[];
  labels?: Labels;
  [key: string]: unknown;
}

export interface TaskInfo {
  name: string;
  task_id: Id;
  agent_id?: Id;
  resources?: V1Resource[];
  executor?: ExecutorInfo;
  command?: CommandInfo;
  container?: ContainerInfo;
  health_check?: HealthCheck;
  kill_policy?: KillPolicy;
  labels?: Labels;
  discovery?: unknown;
  max_completion_time?: { nanoseconds: number };
}

export interface FrameworkInfo {
  user?: string;
  name?: string;
  id?: Id;
  failover_timeout?: number;
  checkpoint?: boolean;
  role?: string;
  roles?: string[];
  hostname?: string;
  principal?: string;
  webui_url?: string;
  capabilities?: Array<{ type: string }>;
  labels?: Labels;
}

export interface NetworkInfoJson {
  ip_addresses?: Array<{ protocol?: string; ip_address: string }>;
  name?: string;
  port_mappings?: PortMapping[];
}

/** A container's id; a nested container names its parent. */
export interface ContainerID {
  value: string;
  parent?: ContainerID;
}

export interface ContainerStatus {
  container_id?: Id & { parent?: Id };
  network_infos?: NetworkInfoJson[];
}

export type TaskState =
  | 'TASK_STAGING'
  | 'TASK_STARTING'
  | 'TASK_RUNNING'
  | 'TASK_KILLING'
  | 'TASK_FINISHED'
  | 'TASK_FAILED'
  | 'TASK_KILLED'
  | 'TASK_ERROR'
  | 'TASK_LOST'
  | 'TASK_DROPPED'
  | 'TASK_GONE'
  | 'TASK_UNREACHABLE'
  | 'TASK_GONE_BY_OPERATOR'
  | 'TASK_UNKNOWN';

export interface TaskStatus {
  task_id: Id;
  state: TaskState;
  message?: string;
  source?: 'SOURCE_MASTER' | 'SOURCE_AGENT' | 'SOURCE_EXECUTOR';
  reason?: string;
  /** bytes, base64 in JSON */
  data?: string;
  agent_id?: Id;
  executor_id?: Id;
  timestamp: number;
  /** bytes, base64 in JSON */
  uuid?: string;
  healthy?: boolean;
  labels?: Labels;
  container_status?: ContainerStatus;
}

export const TERMINAL_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR',
]);

export const isTerminal = (s: TaskState): boolean => TERMINAL_STATES.has(s);

/** Whether the framework declared this capability (FrameworkInfo.capabilities). */
export const hasCapability = (fw: FrameworkInfo, type: string): boolean => (fw.capabilities ?? []).some((c) => c.type === type);
