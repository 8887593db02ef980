// Metronome as a Mesos framework (v1 HTTP scheduler API through MesosClient):
// runs waiting for a task are matched against offers and launched; offers
// not needed are declined with Marathon's 120 s filter, and new demand
// REVIVEs (offers are never suppressed by default). Status updates drive the
// runs and are acknowledged; tasks are reconciled after subscribing and
// every 15 minutes.
import type { LeaderAddress } from '../common/leader.js';
import { makeLogger } from '../common/log.js';
import type { MesosClient, SchedulerHandler, V1Offer, V1TaskStatus } from '../marathon/mesos/client.js';
import { frameworkCapabilities } from '../marathon/mesos/capabilities.js';
import type { MetronomeConfig } from './config.js';
import { newTaskId, runIdOfTask, type JobRun } from './model.js';
import type { RunDriver, RunManager } from './runs.js';
import type { MetronomeMetrics } from './metrics.js';
import type { MetronomeStore } from './storage.js';
import { buildTaskInfo, constraintsMet, OfferLeft } from './task.js';

const log = makeLogger('Scheduler');

const TERMINAL = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN']);

/** Marathon's --decline_offer_duration default. */
const DECLINE_SECONDS = 120;

export class JobScheduler implements SchedulerHandler, RunDriver {
  client!: MesosClient;
  runs!: RunManager;
  /** launches waiting for an offer, oldest first */
  private readonly queue: JobRun[] = [];
  /** agent of each task we know of, for KILL and RECONCILE */
  private readonly agents = new Map<string, string>();
  private timers: NodeJS.Timeout[] = [];
  metrics: MetronomeMetrics | undefined;

  constructor(
    private readonly config: MetronomeConfig,
    private readonly store: MetronomeStore,
  ) {}

  start(): void {
    this.timers.push(setInterval(() => this.reconcile(false), this.config.reconciliationIntervalMs));
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.queue.length = 0;
  }

  /** Runs waiting in the launch queue, for GET /v1/queue. */
  queued(): JobRun[] {
    return [...this.queue];
  }

  // ---- RunDriver ----

  enqueue(run: JobRun): void {
    this.queue.push(run);
    // New demand: offers declined with a filter come back at once.
    this.revive();
  }

  private revive(): void {
    if (!this.client?.subscribed) return;
    this.metrics?.inc('mesos.calls.revive');
    void this.client.call('REVIVE');
  }

  purge(run: JobRun): void {
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i] === run) this.queue.splice(i, 1);
  }

  kill(taskId: string): void {
    const agent = this.agents.get(taskId);
    void this.client?.call('KILL', { task_id: { value: taskId }, ...(agent ? { agent_id: { value: agent } } : {}) });
  }

  // ---- SchedulerHandler ----

  async frameworkInfo(): Promise<Record<string, unknown>> {
    const c = this.config;
    const capabilities = frameworkCapabilities(c.features);
    const info: Record<string, unknown> = {
      user: c.mesosUser,
      name: c.frameworkName,
      failover_timeout: c.failoverTimeoutSeconds,
      checkpoint: true,
      hostname: c.hostname,
      webui_url: c.webUiUrl,
      // left out without a role: the master reads it as "*"
      ...(c.mesosRole ? { role: c.mesosRole } : {}),
      ...(c.principal ? { principal: c.principal } : {}),
      capabilities,
    };
    const id = await this.store.frameworkId();
    if (id) info.id = { value: id };
    return info;
  }

  async onSubscribed(frameworkId: string, _master: LeaderAddress, _reregistered: boolean): Promise<void> {
    if ((await this.store.frameworkId()) !== frameworkId) {
      await this.store.storeFrameworkId(frameworkId);
      log.info(`Stored framework ID ${frameworkId}`);
    }
    this.reconcile(true);
    if (this.queue.length) this.revive();
  }

  async onError(message: string): Promise<void> {
    if (message === 'Framework has been removed') {
      log.warn('Framework was removed by the master: forgetting the framework id');
      await this.store.deleteFrameworkId();
    }
  }

  onDisconnected(): void {
    /* the client subscribes again by itself */
  }

  onRescind(_offerId: string): void {
    // offers are answered at once: nothing is held that could be taken back
  }

  onOffers(offers: V1Offer[]): void {
    for (const offer of offers) {
      // (an offer that cannot be handled is declined, never the end of the process)
      this.processOffer(offer).catch((err: Error) => {
        log.error(`Could not handle offer ${offer.id.value}: ${err.stack ?? err.message}`);
        void this.client?.call('DECLINE', { offer_ids: [offer.id], filters: { refuse_seconds: 5 } });
      });
    }
  }

  private async processOffer(offer: V1Offer): Promise<void> {
    const roles = new Set(['*', ...(this.config.mesosRole ? [this.config.mesosRole] : [])]);
    const left = new OfferLeft(offer, roles);
    const launches: Array<{ run: JobRun; taskId: string; info: Record<string, unknown> }> = [];
    for (const run of [...this.queue]) {
      if (!constraintsMet(run.spec.run, offer)) continue;
      const resources = left.take(run.spec.run);
      if (!resources) continue;
      const taskId = newTaskId(run.jobId, run.id);
      launches.push({ run, taskId, info: buildTaskInfo(run, taskId, offer, resources) });
    }
    // (off the queue only once every TaskInfo is built: a throw above leaves every run queued)
    for (const l of launches) this.purgeOne(l.run);
    if (!launches.length) {
      await this.client.call('DECLINE', { offer_ids: [{ value: offer.id.value }], filters: { refuse_seconds: DECLINE_SECONDS } });
      return;
    }
    for (const l of launches) this.agents.set(l.taskId, offer.agent_id.value);
    this.metrics?.inc('mesos.offer-operations.launch');
    log.info(`Launching ${launches.map((l) => l.taskId).join(', ')} on ${offer.hostname}`);
    const status = await this.client.call('ACCEPT', {
      offer_ids: [{ value: offer.id.value }],
      operations: [{ type: 'LAUNCH', launch: { task_infos: launches.map((l) => l.info) } }],
      filters: { refuse_seconds: 0 },
    });
    if (status !== 202 && status !== 200) {
      log.warn(`ACCEPT of offer ${offer.id.value} failed (${status}); queueing the runs again`);
      for (const l of launches) {
        this.agents.delete(l.taskId);
        if (this.runs.get(l.run.jobId, l.run.id)) this.queue.push(l.run);
      }
    }
  }

  private purgeOne(run: JobRun): void {
    const i = this.queue.indexOf(run);
    if (i >= 0) this.queue.splice(i, 1);
  }

  onUpdate(status: V1TaskStatus): void {
    const taskId = status.task_id.value;
    if (status.agent_id?.value) this.agents.set(taskId, status.agent_id.value);
    const ids = runIdOfTask(taskId);
    const known = ids ? this.runs.onTaskUpdate(ids.jobId, ids.runId, taskId, status.state) : false;
    if (!known && !TERMINAL.has(status.state)) {
      // A task of a run that is over (stopped before the task reported): nothing wants it.
      log.info(`Killing task ${taskId} of no active run`);
      this.kill(taskId);
    }
    if (TERMINAL.has(status.state)) this.agents.delete(taskId);
    if (status.uuid) {
      void this.client.call('ACKNOWLEDGE', { agent_id: status.agent_id ?? { value: '' }, task_id: status.task_id, uuid: status.uuid });
    }
  }

  /** Explicit reconciliation of the tasks of active runs (after subscribing), else implicit. */
  private reconcile(explicit: boolean): void {
    if (!this.client?.subscribed) return;
    if (!explicit) {
      void this.client.call('RECONCILE', {});
      return;
    }
    const tasks = this.runs
      .all()
      .flatMap((r) => r.tasks)
      .filter((t) => !TERMINAL.has(t.status))
      .map((t) => ({ task_id: { value: t.id }, ...(this.agents.get(t.id) ? { agent_id: { value: this.agents.get(t.id) } } : {}) }));
    if (tasks.length) void this.client.call('RECONCILE', { tasks });
  }
}
