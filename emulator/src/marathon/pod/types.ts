// A pod as Marathon 1.7 keeps and returns it (the raml Pod after
// normalization), and what it knows about each pod instance: one Mesos task
// group under a default executor, a task per container.
import { createHash } from 'node:crypto';
import type { EnvValue, Labels } from '../app/types.js';

export type MesosCommand = { shell: string } | { argv: string[] };

export interface Endpoint {
  name: string;
  containerPort?: number;
  hostPort?: number;
  protocol?: string[];
  labels?: Labels;
  networkNames?: string[];
}

export interface PodHealthCheck {
  http?: { endpoint: string; path?: string; scheme: 'HTTP' | 'HTTPS' };
  tcp?: { endpoint: string };
  exec?: { command: MesosCommand };
  gracePeriodSeconds: number;
  intervalSeconds: number;
  maxConsecutiveFailures: number;
  timeoutSeconds: number;
  delaySeconds: number;
}

export interface PodContainer {
  name: string;
  exec?: { command: MesosCommand; overrideEntrypoint?: boolean };
  resources: { cpus: number; mem: number; disk: number; gpus: number };
  endpoints?: Endpoint[];
  image?: { kind: 'DOCKER' | 'APPC'; id: string; forcePull?: boolean; pullConfig?: { secret: string }; labels?: Labels };
  environment?: Record<string, EnvValue>;
  user?: string;
  healthCheck?: PodHealthCheck;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  artifacts?: Array<{ uri: string; extract: boolean; executable: boolean; cache: boolean; destPath?: string }>;
  labels?: Labels;
  lifecycle?: { killGracePeriodSeconds?: number };
  tty?: boolean;
}

export type PodVolume = { name: string } | { name: string; host: string } | { name: string; secret: string } | { name: string; persistent: Record<string, unknown> };

export interface PodNetwork {
  name?: string;
  mode: 'container' | 'container/bridge' | 'host';
  labels?: Labels;
}

export interface Constraint {
  fieldName: string;
  operator: string;
  value?: string;
}

export interface Pod {
  id: string;
  labels?: Labels;
  version: string;
  user?: string;
  environment?: Record<string, EnvValue>;
  containers: PodContainer[];
  secrets?: Record<string, { source: string }>;
  volumes?: PodVolume[];
  networks: PodNetwork[];
  scaling: { kind: 'fixed'; instances: number; maxInstances?: number };
  scheduling: {
    backoff: { backoff: number; backoffFactor: number; maxLaunchDelay: number };
    upgrade: { minimumHealthCapacity: number; maximumOverCapacity: number };
    placement: { constraints?: Constraint[]; acceptedResourceRoles?: string[] };
    killSelection: 'YOUNGEST_FIRST' | 'OLDEST_FIRST';
    unreachableStrategy: 'disabled' | { inactiveAfterSeconds: number; expungeAfterSeconds: number };
  };
  executorResources: { cpus: number; mem: number; disk: number };
}

/** One container's task of a pod instance. */
export interface PodTask {
  taskId: string;
  container: string;
  state: string;
  message?: string;
  /** TaskStatus.healthy, when the container has a health check */
  healthy?: boolean;
  /** endpoint name → host port */
  hostPorts: Record<string, number>;
  /** cpus/mem/disk/gpus the task was given */
  resources: { cpus: number; mem: number; disk: number; gpus: number };
  startedAt?: string;
  /** when the state last changed, and when anything in the status did */
  since: string;
  updatedAt: string;
  containerId?: string;
}

export interface PodInstance {
  instanceId: string;
  podId: string;
  /** the pod version it was launched with */
  version: string;
  agentId: string;
  host: string;
  /** the default executor's id */
  executorId: string;
  stagedAt: string;
  /** when the instance's condition last changed */
  since: string;
  condition: string;
  tasks: PodTask[];
  ipAddresses: string[];
  killing?: boolean;
  killRequestedAt?: number;
  /** when the LAUNCH_GROUP went out (ms), for --task_launch_timeout */
  launchedAt: number;
  unreachableSince?: number;
}

/** A digest of everything of a pod except what a scale changes (a change of it is an upgrade; backoffs are kept per digest). */
export function podConfig(pod: Pod): string {
  const { version: _v, scaling, ...rest } = pod;
  return createHash('sha1').update(JSON.stringify({ ...rest, scaling: { ...scaling, instances: 0 } })).digest('hex');
}
