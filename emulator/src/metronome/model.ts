// Metronome's job, schedule and run model after reading (defaults filled in),
// and its identifiers: job ids, run ids, Mesos task ids and names.
import { randomInt } from 'node:crypto';
import { uuidV1 } from '../marathon/util.js';
import type { Cron } from './cron.js';

export type EnvValue = string | { secret: string };

export interface Constraint {
  attribute: string;
  operator: 'IS' | 'LIKE' | 'UNLIKE';
  value?: string;
}

export interface Artifact {
  uri: string;
  extract: boolean;
  executable: boolean;
  cache: boolean;
}

export interface DockerSpec {
  image: string;
  privileged: boolean;
  parameters: Array<{ key: string; value: string }>;
  forcePullImage: boolean;
}

export interface UcrSpec {
  image: { id: string; kind: string; forcePull: boolean };
  privileged: boolean;
}

export type Volume = { containerPath: string; hostPath: string; mode: 'RO' | 'RW' } | { containerPath: string; secret: string };

export interface Network {
  name?: string;
  mode: 'host' | 'container/bridge' | 'container';
  labels: Record<string, string>;
}

export interface RunSpec {
  cpus: number;
  mem: number;
  disk: number;
  gpus: number;
  cmd?: string;
  args?: string[];
  user?: string;
  env: Record<string, EnvValue>;
  placement: { constraints: Constraint[] };
  artifacts: Artifact[];
  /** seconds */
  maxLaunchDelay: number;
  docker?: DockerSpec;
  ucr?: UcrSpec;
  volumes: Volume[];
  restart: { policy: 'NEVER' | 'ON_FAILURE'; activeDeadlineSeconds?: number };
  taskKillGracePeriodSeconds?: number;
  secrets: Record<string, { source?: string }>;
  networks: Network[];
}

export interface ScheduleSpec {
  id: string;
  /** the expression as Metronome echoes it */
  cron: string;
  parsed: Cron;
  timezone: string;
  startingDeadlineSeconds: number;
  concurrencyPolicy: 'ALLOW' | 'FORBID';
  enabled: boolean;
}

export interface JobSpec {
  id: string;
  description?: string;
  labels: Record<string, string>;
  run: RunSpec;
  schedules: ScheduleSpec[];
}

/** What the API shows of a task (JobRunTask). */
export type TaskStatus = 'TASK_CREATED' | 'TASK_STAGING' | 'TASK_STARTING' | 'TASK_RUNNING' | 'TASK_FINISHED' | 'TASK_FAILED' | 'TASK_KILLED';

export interface RunTask {
  id: string;
  startedAt: number;
  completedAt?: number;
  status: TaskStatus;
}

export type RunStatus = 'INITIAL' | 'STARTING' | 'ACTIVE' | 'SUCCESS' | 'FAILED';

export interface JobRun {
  id: string;
  jobId: string;
  status: RunStatus;
  createdAt: number;
  completedAt?: number;
  tasks: RunTask[];
  /** seconds; scheduled runs only */
  startingDeadlineSeconds?: number;
  /** the spec the run was started with (a later PUT does not change running runs) */
  spec: JobSpec;
}

export interface FinishedRun {
  id: string;
  createdAt: number;
  finishedAt: number;
  tasks: string[];
}

export interface JobHistory {
  successCount: number;
  failureCount: number;
  lastSuccessAt?: number;
  lastFailureAt?: number;
  successfulFinishedRuns: FinishedRun[];
  failedFinishedRuns: FinishedRun[];
}

export const emptyHistory = (): JobHistory => ({ successCount: 0, failureCount: 0, successfulFinishedRuns: [], failedFinishedRuns: [] });

// ---- identifiers ----

const SEGMENT = '([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])';
const JOB_ID = new RegExp(`^(${SEGMENT}\\.)*${SEGMENT}$`);

/**
 * A job id from a URL path as Metronome's binder reads it: empty segments
 * dropped (`a..b` is `a.b`), then each segment checked. Undefined: 400 Not a valid id.
 */
export function pathJobId(raw: string): string | undefined {
  const id = raw.split('.').filter((s) => s !== '').join('.');
  return JOB_ID.test(id) ? id : undefined;
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** `yyyyMMddHHmmss` (UTC) and five random letters or digits, e.g. 20161213091734cBnVe. */
export function newRunId(now = Date.now()): string {
  const d = new Date(now);
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += ALNUM[randomInt(ALNUM.length)];
  return stamp + suffix;
}

/** Marathon's app-task id for the run's app `/<job segments>/<runId>`: `prod_example_<runId>.<uuid v1>`. */
export function newTaskId(jobId: string, runId: string): string {
  return `${jobId.replace(/\./g, '_')}_${runId}.${uuidV1()}`;
}

/** The run a task id belongs to (the part between the last `_` and the first `.`), as Metronome parses it back. */
export function runIdOfTask(taskId: string): { jobId: string; runId: string } | undefined {
  const m = /^(.+)_([0-9]{14}[A-Za-z0-9]{5})\.[^.]+$/.exec(taskId);
  return m ? { jobId: m[1]!.replace(/_/g, '.'), runId: m[2]! } : undefined;
}

/** Mesos task name: the run's app path reversed and dot-joined, `<runId>.<last segment>…<first segment>`. */
export function taskName(jobId: string, runId: string): string {
  return [runId, ...jobId.split('.').reverse()].join('.');
}

/** MARATHON_APP_ID of a run's task. */
export function runAppId(jobId: string, runId: string): string {
  return `/${jobId.split('.').join('/')}/${runId}`;
}
