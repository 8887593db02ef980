// The job service: job specs and their schedules (JobSpecServiceActor), the
// cron timers that start scheduled runs (JobSpecSchedulerActor), and the
// run manager, all behind one object the HTTP API calls.
import { makeLogger } from '../common/log.js';
import { nextExecution } from './cron.js';
import type { JobRun, JobSpec, ScheduleSpec } from './model.js';
import type { RunManager } from './runs.js';
import type { MetronomeStore } from './storage.js';

const log = makeLogger('JobSpecService');

/** setTimeout's limit; longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface ScheduleTimer {
  timer?: NodeJS.Timeout;
  /** the planned time of the pending trigger: the base of the next computation */
  scheduledAt?: number;
}

export class JobService {
  readonly jobs = new Map<string, JobSpec>();
  private readonly timers = new Map<string, ScheduleTimer>();
  private running = false;

  constructor(
    readonly store: MetronomeStore,
    readonly runs: RunManager,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Leadership taken: state loaded, schedules armed from now (missed runs are not caught up). */
  async start(): Promise<void> {
    const loaded = await this.store.load();
    this.jobs.clear();
    for (const j of loaded.jobs) this.jobs.set(j.id, j);
    // runs of jobs that are gone cannot continue
    // (and so is the history of a job deleted while one of its runs was ending)
    this.runs.restore(loaded.runs.filter((r) => this.jobs.has(r.jobId)), new Map([...loaded.histories].filter(([id]) => this.jobs.has(id))));
    this.running = true;
    for (const j of this.jobs.values()) this.reschedule(j);
    log.info(`Loaded ${this.jobs.size} jobs and ${loaded.runs.length} active runs`);
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
  }

  // ---- jobs ----

  /** POST: false when the id is taken (409). */
  async create(job: JobSpec): Promise<boolean> {
    if (this.jobs.has(job.id)) return false;
    // (in the map before the write, so a second POST meanwhile gets its 409; out again when the write fails)
    this.jobs.set(job.id, job);
    try {
      await this.store.saveJob(job);
    } catch (err) {
      if (this.jobs.get(job.id) === job) this.jobs.delete(job.id);
      throw err;
    }
    this.reschedule(job);
    return true;
  }

  /** PUT /v1/jobs/{id}: keeps the schedules. Undefined: no such job. */
  async update(id: string, job: JobSpec): Promise<JobSpec | undefined> {
    const old = this.jobs.get(id);
    if (!old) return undefined;
    const updated: JobSpec = { ...job, id, schedules: old.schedules };
    await this.replace(updated);
    return updated;
  }

  /** PUT /v0/scheduled-jobs/{id}: the whole spec, schedules included. */
  async replaceWithSchedules(id: string, job: JobSpec): Promise<JobSpec | undefined> {
    if (!this.jobs.has(id)) return undefined;
    const updated: JobSpec = { ...job, id };
    await this.replace(updated);
    return updated;
  }

  private async replace(job: JobSpec): Promise<void> {
    const old = this.jobs.get(job.id);
    this.jobs.set(job.id, job);
    try {
      await this.store.saveJob(job);
    } catch (err) {
      if (old && this.jobs.get(job.id) === job) this.jobs.set(job.id, old);
      throw err;
    }
    this.reschedule(job);
  }

  /** DELETE: 'active' when runs are active and not to be stopped (409). */
  async delete(id: string, stopCurrentJobRuns: boolean): Promise<JobSpec | 'missing' | 'active'> {
    const job = this.jobs.get(id);
    if (!job) return 'missing';
    if (this.runs.runsOf(id).length && !stopCurrentJobRuns) return 'active';
    // gone first: no scheduled or requested run can start while the active ones are stopped
    this.jobs.delete(id);
    this.cancel(id);
    await this.runs.deleteJob(id);
    try {
      await this.store.deleteJob(id);
    } catch (err) {
      // still stored: it stays a job here too (its stopped runs are gone)
      if (!this.jobs.has(id)) {
        this.jobs.set(id, job);
        this.reschedule(job);
      }
      throw err;
    }
    return job;
  }

  // ---- schedules ----

  /** POST: a conflict text (409) when a schedule exists already. */
  async addSchedule(jobId: string, s: ScheduleSpec): Promise<string | undefined> {
    const job = this.jobs.get(jobId)!;
    if (job.schedules.some((x) => x.id === s.id)) return `requirement failed: A schedule with id ${s.id} already exists`;
    if (job.schedules.length >= 1) return 'requirement failed: Only one schedule supported at the moment';
    await this.replace({ ...job, schedules: [...job.schedules, s] });
    return undefined;
  }

  /** PUT: the path id replaces the body's. False: no such schedule. */
  async updateSchedule(jobId: string, scheduleId: string, s: ScheduleSpec): Promise<ScheduleSpec | undefined> {
    const job = this.jobs.get(jobId)!;
    if (!job.schedules.some((x) => x.id === scheduleId)) return undefined;
    const updated = { ...s, id: scheduleId };
    await this.replace({ ...job, schedules: job.schedules.map((x) => (x.id === scheduleId ? updated : x)) });
    return updated;
  }

  async deleteSchedule(jobId: string, scheduleId: string): Promise<boolean> {
    const job = this.jobs.get(jobId)!;
    if (!job.schedules.some((x) => x.id === scheduleId)) return false;
    await this.replace({ ...job, schedules: job.schedules.filter((x) => x.id !== scheduleId) });
    return true;
  }

  // ---- the cron timer of a job ----

  private cancel(jobId: string): void {
    const t = this.timers.get(jobId);
    if (t) clearTimeout(t.timer);
    this.timers.delete(jobId);
  }

  /** A changed spec reschedules from now; only the first schedule counts, and only when enabled. */
  private reschedule(job: JobSpec): void {
    this.cancel(job.id);
    const schedule = job.schedules[0];
    if (!this.running || !schedule?.enabled) return;
    this.arm(job.id, schedule, undefined);
  }

  private arm(jobId: string, schedule: ScheduleSpec, lastScheduledAt: number | undefined): void {
    const now = this.clock();
    const next = nextExecution(schedule.parsed, schedule.timezone, lastScheduledAt ?? now);
    if (next === undefined) return;
    // Upstream never waits less than 60 s (whole seconds), so the first run after a (re)schedule can be late.
    const delayMs = Math.max(Math.floor((next - now) / 1000), 60) * 1000;
    const state: ScheduleTimer = { scheduledAt: next };
    this.timers.set(jobId, state);
    const due = now + delayMs;
    const wait = () => {
      const left = due - this.clock();
      state.timer = setTimeout(() => (left > MAX_TIMER_MS ? wait() : this.fire(jobId, schedule, next)), Math.min(Math.max(left, 0), MAX_TIMER_MS));
      state.timer.unref?.();
    };
    wait();
    log.info(`Job ${jobId}: next run is scheduled for ${new Date(next).toISOString()} (in ${delayMs / 1000} seconds)`);
  }

  private fire(jobId: string, schedule: ScheduleSpec, plannedAt: number): void {
    const job = this.jobs.get(jobId);
    if (!job || !this.running) return;
    // FORBID skips the trigger while any run of the job (manual ones too) is active.
    if (schedule.concurrencyPolicy === 'FORBID' && this.runs.runsOf(jobId).length) {
      log.info(`Job ${jobId}: skipping the scheduled run, a run is active and the policy is FORBID`);
    } else {
      this.runs.start(job, schedule);
    }
    this.arm(jobId, schedule, plannedAt);
  }

  /** For tests and the API: the runs of a job. */
  activeRuns(jobId: string): JobRun[] {
    return this.runs.runsOf(jobId);
  }
}
