// The life of a job run (JobRunExecutorActor): INITIAL until a task reports,
// ACTIVE while one is staging/starting/running, then SUCCESS on
// TASK_FINISHED or FAILED (after ON_FAILURE retries run out, on a missed
// startingDeadline, or on a stop). A finished run leaves the active set and
// lands in the job's history.
import { makeLogger } from '../common/log.js';
import { emptyHistory, newRunId, type JobHistory, type JobRun, type JobSpec, type RunTask, type ScheduleSpec, type TaskStatus } from './model.js';
import type { MetronomeMetrics } from './metrics.js';
import type { MetronomeStore } from './storage.js';

const log = makeLogger('JobRuns');

/** Mesos task state → the task status Metronome shows (through Marathon's conditions). */
export function taskStatusOf(mesosState: string): TaskStatus | undefined {
  switch (mesosState) {
    case 'TASK_STAGING':
    case 'TASK_STARTING':
    case 'TASK_RUNNING':
    case 'TASK_FINISHED':
    case 'TASK_FAILED':
    case 'TASK_KILLED':
      return mesosState;
    case 'TASK_KILLING':
      return 'TASK_RUNNING';
    case 'TASK_ERROR':
    // every flavour of lost counts as failed
    case 'TASK_LOST':
    case 'TASK_UNREACHABLE':
    case 'TASK_GONE':
    case 'TASK_GONE_BY_OPERATOR':
    case 'TASK_DROPPED':
    case 'TASK_UNKNOWN':
      return 'TASK_FAILED';
    default:
      return undefined;
  }
}

const ACTIVE = new Set<TaskStatus>(['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING']);
const FAILED = new Set<TaskStatus>(['TASK_FAILED', 'TASK_KILLED']);

/** What the run manager asks of the Mesos side. */
export interface RunDriver {
  /** queue one task launch for the run */
  enqueue(run: JobRun): void;
  /** forget queued launches of the run */
  purge(run: JobRun): void;
  kill(taskId: string): void;
}

/** Marathon's launch timeout: a task not running 5 minutes after it was seen first is killed. */
export const TASK_LAUNCH_TIMEOUT_MS = 5 * 60_000;

export class RunManager {
  /** jobId → runId → active run */
  private readonly active = new Map<string, Map<string, JobRun>>();
  readonly histories = new Map<string, JobHistory>();
  /** runs on their way out (terminal, deletion in progress) */
  private readonly finishing = new Set<JobRun>();
  metrics: MetronomeMetrics | undefined;

  constructor(
    private readonly store: MetronomeStore,
    private readonly driver: RunDriver,
    private readonly historyCount = 1000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Leadership lost: everything is read again from storage by the next leader. */
  clear(): void {
    this.active.clear();
    this.histories.clear();
    this.finishing.clear();
  }

  runsOf(jobId: string): JobRun[] {
    return [...(this.active.get(jobId)?.values() ?? [])].sort((a, b) => a.createdAt - b.createdAt);
  }

  get(jobId: string, runId: string): JobRun | undefined {
    return this.active.get(jobId)?.get(runId);
  }

  all(): JobRun[] {
    return [...this.active.values()].flatMap((m) => [...m.values()]);
  }

  history(jobId: string): JobHistory {
    return this.histories.get(jobId) ?? emptyHistory();
  }

  /** Starts a run; scheduled runs carry the schedule's startingDeadline (manual ones have none). */
  start(spec: JobSpec, schedule?: ScheduleSpec): JobRun {
    const now = this.clock();
    const run: JobRun = {
      id: newRunId(now),
      jobId: spec.id,
      status: 'INITIAL',
      createdAt: now,
      tasks: [],
      ...(schedule ? { startingDeadlineSeconds: schedule.startingDeadlineSeconds } : {}),
      spec,
    };
    this.add(run);
    // Stored as STARTING, shown as INITIAL until a task reports.
    void this.store.saveRun({ ...run, status: 'STARTING' }).catch((err) => log.warn(`Storing run ${run.id} failed: ${(err as Error).message}`));
    if (!this.histories.has(spec.id)) {
      const h = emptyHistory();
      this.histories.set(spec.id, h);
      void this.store.saveHistory(spec.id, h).catch(() => undefined);
    }
    this.metrics?.inc('jobs.started');
    log.info(`Started run ${run.id} of job ${spec.id}`);
    this.driver.enqueue(run);
    return run;
  }

  /** Runs found in storage after a restart: queued again when no task of theirs is active. */
  restore(runs: JobRun[], histories: Map<string, JobHistory>): void {
    for (const [k, v] of histories) this.histories.set(k, v);
    for (const run of runs) {
      this.add(run);
      if (!run.tasks.some((t) => ACTIVE.has(t.status))) this.driver.enqueue(run);
    }
    this.checkDeadlines();
  }

  private add(run: JobRun): void {
    let m = this.active.get(run.jobId);
    if (!m) this.active.set(run.jobId, (m = new Map()));
    m.set(run.id, run);
  }

  private updateTask(run: JobRun, taskId: string, status: TaskStatus, now: number): void {
    // completedAt only for a finished task; any other update clears it, as upstream's copy does
    const completedAt = status === 'TASK_FINISHED' ? now : undefined;
    const existing = run.tasks.find((t) => t.id === taskId);
    if (existing) {
      existing.status = status;
      if (completedAt === undefined) delete existing.completedAt;
      else existing.completedAt = completedAt;
    } else {
      const t: RunTask = { id: taskId, startedAt: now, status, ...(completedAt !== undefined ? { completedAt } : {}) };
      run.tasks.push(t);
    }
  }

  /** A status update of one of the run's tasks. Returns false when the run is no longer active. */
  onTaskUpdate(jobId: string, runId: string, taskId: string, mesosState: string): boolean {
    const run = this.get(jobId, runId);
    if (!run || this.finishing.has(run)) return false;
    const status = taskStatusOf(mesosState);
    if (!status) return true;
    const now = this.clock();
    if (ACTIVE.has(status)) {
      run.status = 'ACTIVE';
      this.updateTask(run, taskId, status, now);
      void this.store.saveRun(run).catch(() => undefined);
    } else if (status === 'TASK_FINISHED') {
      this.updateTask(run, taskId, status, now);
      this.finish(run, 'SUCCESS', now);
    } else if (FAILED.has(status)) {
      this.updateTask(run, taskId, status, now);
      const deadline = run.spec.run.restart.activeDeadlineSeconds;
      const inTime = deadline === undefined || run.createdAt + deadline * 1000 > now;
      if (run.spec.run.restart.policy === 'ON_FAILURE' && inTime) {
        log.info(`Task ${taskId} of run ${run.id} failed; launching another (ON_FAILURE)`);
        void this.store.saveRun(run).catch(() => undefined);
        this.driver.enqueue(run);
      } else {
        this.finish(run, 'FAILED', now);
      }
    }
    return true;
  }

  /** Stops a run (the abort path): kills its active tasks, FAILED. Undefined: no such active run. */
  async stop(jobId: string, runId: string): Promise<JobRun | undefined> {
    const run = this.get(jobId, runId);
    if (!run || this.finishing.has(run)) return undefined;
    log.info(`Stopping run ${run.id} of job ${jobId}`);
    await this.abort(run);
    return run;
  }

  private async abort(run: JobRun): Promise<void> {
    for (const t of run.tasks) if (ACTIVE.has(t.status)) this.driver.kill(t.id);
    await this.finish(run, 'FAILED', this.clock());
  }

  private async finish(run: JobRun, status: 'SUCCESS' | 'FAILED', now: number): Promise<void> {
    this.driver.purge(run);
    run.status = status;
    run.completedAt = now;
    this.finishing.add(run);
    if (status === 'FAILED') this.metrics?.inc('jobs.failed');
    log.info(`Run ${run.id} of job ${run.jobId} ${status === 'SUCCESS' ? 'succeeded' : 'failed'}`);
    try {
      await this.store.deleteRun(run);
    } catch (err) {
      log.warn(`Deleting run ${run.id} failed: ${(err as Error).message}`);
    }
    this.active.get(run.jobId)?.delete(run.id);
    if (!this.active.get(run.jobId)?.size) this.active.delete(run.jobId);
    this.finishing.delete(run);
    this.record(run, status, this.clock());
  }

  private record(run: JobRun, status: 'SUCCESS' | 'FAILED', now: number): void {
    const h = this.histories.get(run.jobId) ?? emptyHistory();
    const entry = { id: run.id, createdAt: run.createdAt, finishedAt: now, tasks: run.tasks.map((t) => t.id) };
    if (status === 'SUCCESS') {
      h.successCount++;
      h.lastSuccessAt = now;
      h.successfulFinishedRuns = [entry, ...h.successfulFinishedRuns].slice(0, this.historyCount);
    } else {
      h.failureCount++;
      h.lastFailureAt = now;
      h.failedFinishedRuns = [entry, ...h.failedFinishedRuns].slice(0, this.historyCount);
    }
    this.histories.set(run.jobId, h);
    void this.store.saveHistory(run.jobId, h).catch(() => undefined);
  }

  /** Stops every active run of a job (DELETE ?stopCurrentJobRuns=true), then forgets its history. */
  async deleteJob(jobId: string): Promise<void> {
    await Promise.all(this.runsOf(jobId).map((r) => this.abort(r)));
    this.histories.delete(jobId);
    await this.store.deleteHistory(jobId).catch(() => undefined);
  }

  /** Periodic: startingDeadline of scheduled runs, and the launch timeout of tasks. */
  checkDeadlines(): void {
    const now = this.clock();
    for (const run of this.all()) {
      if (this.finishing.has(run)) continue;
      const startedOk = run.status === 'ACTIVE' || run.tasks.some((t) => ACTIVE.has(t.status));
      if (!startedOk && run.startingDeadlineSeconds !== undefined && now >= run.createdAt + run.startingDeadlineSeconds * 1000) {
        log.info(`Run ${run.id} missed its starting deadline of ${run.startingDeadlineSeconds}s; aborting`);
        void this.abort(run);
        continue;
      }
      for (const t of run.tasks) {
        if ((t.status === 'TASK_STAGING' || t.status === 'TASK_STARTING') && now - t.startedAt > TASK_LAUNCH_TIMEOUT_MS) this.driver.kill(t.id);
      }
    }
  }
}
