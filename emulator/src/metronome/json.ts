// The JSON Metronome writes: jobs with every defaulted field, schedules with
// nextRunAt, runs, history, and JobInfo with its embeds, in upstream's key
// order. Times are `yyyy-MM-dd'T'HH:mm:ss.SSSZ` in the JVM zone (UTC here).
import { nextExecution } from './cron.js';
import type { FinishedRun, JobHistory, JobRun, JobSpec, RunSpec, ScheduleSpec } from './model.js';

type Json = Record<string, unknown>;

/** e.g. 2016-07-15T13:02:59.735+0000 */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

const opt = <T>(key: string, v: T | undefined): Json => (v === undefined ? {} : { [key]: v });

export function runSpecJson(r: RunSpec, version: 'v1' | 'v0' = 'v1'): Json {
  return {
    cpus: r.cpus,
    mem: r.mem,
    disk: r.disk,
    gpus: r.gpus,
    ...opt('cmd', r.cmd),
    ...opt('args', r.args),
    ...opt('user', r.user),
    env: r.env,
    placement: { constraints: r.placement.constraints.map((c) => ({ attribute: c.attribute, operator: c.operator, ...opt('value', c.value) })) },
    artifacts: r.artifacts.map((a) => ({ uri: a.uri, extract: a.extract, executable: a.executable, cache: a.cache })),
    maxLaunchDelay: r.maxLaunchDelay,
    ...opt('docker', r.docker && { image: r.docker.image, privileged: r.docker.privileged, parameters: r.docker.parameters, forcePullImage: r.docker.forcePullImage }),
    ...opt('ucr', r.ucr && { image: { id: r.ucr.image.id, kind: r.ucr.image.kind, forcePull: r.ucr.image.forcePull }, privileged: r.ucr.privileged }),
    volumes: r.volumes,
    restart: { policy: r.restart.policy, ...opt('activeDeadlineSeconds', r.restart.activeDeadlineSeconds) },
    // the v0 format has no taskKillGracePeriodSeconds
    ...(version === 'v1' ? opt('taskKillGracePeriodSeconds', r.taskKillGracePeriodSeconds) : {}),
    secrets: r.secrets,
    networks: r.networks.map((n) => ({ ...opt('name', n.name), mode: n.mode, ...(Object.keys(n.labels).length ? { labels: n.labels } : {}) })),
  };
}

export function scheduleJson(s: ScheduleSpec, now = Date.now()): Json {
  const next = nextExecution(s.parsed, s.timezone, now);
  return {
    id: s.id,
    cron: s.cron,
    timezone: s.timezone,
    startingDeadlineSeconds: s.startingDeadlineSeconds,
    concurrencyPolicy: s.concurrencyPolicy,
    enabled: s.enabled,
    // A cron past its last year has no next run; upstream would fail to write it.
    nextRunAt: next === undefined ? null : formatTime(next),
  };
}

/** The v1 job (no schedules). */
export function jobJson(j: JobSpec): Json {
  return { id: j.id, ...opt('description', j.description), labels: j.labels, run: runSpecJson(j.run) };
}

/** The v0 scheduled job: schedules before run. */
export function jobV0Json(j: JobSpec, now = Date.now()): Json {
  return { id: j.id, ...opt('description', j.description), labels: j.labels, schedules: j.schedules.map((s) => scheduleJson(s, now)), run: runSpecJson(j.run, 'v0') };
}

export function runJson(r: JobRun): Json {
  return {
    id: r.id,
    jobId: r.jobId,
    status: r.status,
    createdAt: formatTime(r.createdAt),
    completedAt: r.completedAt === undefined ? null : formatTime(r.completedAt),
    tasks: r.tasks.map((t) => ({ id: t.id, startedAt: formatTime(t.startedAt), ...opt('completedAt', t.completedAt === undefined ? undefined : formatTime(t.completedAt)), status: t.status })),
  };
}

const finishedJson = (f: FinishedRun): Json => ({ id: f.id, createdAt: formatTime(f.createdAt), finishedAt: formatTime(f.finishedAt), tasks: f.tasks });
const maybeTime = (ms: number | undefined) => (ms === undefined ? null : formatTime(ms));

export function historySummaryJson(h: JobHistory): Json {
  return { successCount: h.successCount, failureCount: h.failureCount, lastSuccessAt: maybeTime(h.lastSuccessAt), lastFailureAt: maybeTime(h.lastFailureAt) };
}

export function historyJson(h: JobHistory): Json {
  return { ...historySummaryJson(h), successfulFinishedRuns: h.successfulFinishedRuns.map(finishedJson), failedFinishedRuns: h.failedFinishedRuns.map(finishedJson) };
}

export type Embed = 'activeRuns' | 'schedules' | 'history' | 'historySummary';
export const EMBEDS: Embed[] = ['activeRuns', 'schedules', 'history', 'historySummary'];

/**
 * `?embed=a&embed=b` and `?embed=a,b` alike; undefined when any value is
 * unknown (an empty `embed=` included): 400 Unknown embed options.
 */
export function parseEmbeds(values: string[]): Set<Embed> | undefined {
  const out = new Set<Embed>();
  for (const v of values.flatMap((x) => x.split(','))) {
    if (!(EMBEDS as string[]).includes(v)) return undefined;
    out.add(v as Embed);
  }
  return out;
}

/**
 * JobInfo: the job plus what was embedded, in upstream's order. In the list
 * (`inList`) a job with no active runs gets no activeRuns key at all.
 */
export function jobInfoJson(j: JobSpec, embeds: Set<Embed>, runs: JobRun[], history: JobHistory, inList: boolean, now = Date.now()): Json {
  const out = jobJson(j);
  if (embeds.has('schedules')) out.schedules = j.schedules.map((s) => scheduleJson(s, now));
  if (embeds.has('activeRuns') && !(inList && runs.length === 0)) out.activeRuns = runs.map(runJson);
  if (embeds.has('history')) out.history = historyJson(history);
  if (embeds.has('historySummary')) out.historySummary = historySummaryJson(history);
  return out;
}
