// The scheduler: keeps every app at its instance count. It turns the gap
// between wanted and active tasks into a launch queue (with backoff, its
// statistics in launch-queue.ts), has offers matched against it (offers.ts:
// ACCEPT, DECLINE with Marathon's filters; REVIVE here when it wants offers),
// keeps resident instances between their tasks, follows status updates (ACKNOWLEDGE, events, task
// failures), kills what is too much, and reconciles with the master.
import type { LeaderAddress } from '../common/leader.js';
import { makeLogger } from '../common/log.js';
import type { App } from './app/types.js';
import { servicePorts } from './app/types.js';
import type { MarathonConfig } from './config.js';
import type { MarathonMetrics } from './metrics.js';
import type { EventBus } from './events.js';
import type { HealthManager } from './health.js';
import { LIMIT_WORTHY, queueEntry, queueJson, RateLimiter, type BackoffSpec, type QueueEntry } from './launch-queue.js';
import type { MesosClient, SchedulerHandler, V1Offer, V1TaskStatus } from './mesos/client.js';
import { frameworkCapabilities } from './mesos/capabilities.js';
import { processOffer, rolesFor, type OfferContext } from './offers.js';
import { replacement } from './replacement.js';
import { podJson } from './pod/normalize.js';
import { podBackoff, PodScheduler } from './pod/scheduler.js';
import { appJson } from './app/serialize.js';
import type { State } from './state.js';
import type { TaskFailure } from './storage.js';
import { conditionOf, idsOfTask, RESERVED, TERMINAL, type TaskRecord } from './tasks.js';
import { timestamp } from './util.js';

const log = makeLogger('Scheduler');


const FAILURE_STATES = new Set(['TASK_FAILED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN']);


export interface SchedulerHooks {
  /** app ids a RestartApplication step is replacing right now */
  restarting(appId: string): boolean;
  /** something changed (tasks, health): deployments re-check their steps */
  changed(): void;
  /** false while a deployment waits for this task's readiness checks */
  readinessPassed(task: TaskRecord): boolean;
  /** the instances an app keeps until its deployment step begins, if one is pending */
  heldInstances(appId: string): number | undefined;
}

export class Scheduler implements SchedulerHandler {
  client!: MesosClient;
  readonly pods: PodScheduler;
  readonly queue = new Map<string, QueueEntry>();
  private readonly limiter = new RateLimiter();
  private attributesByAgent = new Map<string, V1Offer['attributes']>();
  private timers: NodeJS.Timeout[] = [];
  private reconcilePending = false;
  private lastRevive = 0;
  private revivesNeeded = 0;
  private reviveTimer: NodeJS.Timeout | undefined;
  private wantedBefore = 0;
  private running = false;

  constructor(
    private readonly config: MarathonConfig,
    private readonly state: State,
    private readonly bus: EventBus,
    private readonly health: HealthManager,
    private readonly hooks: SchedulerHooks,
    private readonly metrics: MarathonMetrics,
  ) {
    this.pods = new PodScheduler(state, bus, {
      client: () => this.client,
      restarting: (id) => hooks.restarting(id),
      heldInstances: (id) => hooks.heldInstances(id),
      changed: () => this.scheduleReconcile(),
      acceptedRoles: (pod) => rolesFor(config, pod.scheduling.placement.acceptedResourceRoles),
      attributes: (agentId) => this.attributesByAgent.get(agentId),
      taskLaunchTimeout: config.taskLaunchTimeout,
      killRetryTimeout: config.killRetryTimeout,
      envVarsPrefix: config.envVarsPrefix,
    }, this.limiter);
  }

  start(): void {
    this.running = true;
    this.timers.push(setInterval(() => this.housekeeping(), 1000));
    // As Marathon does: the first task reconciliation after --reconciliation_initial_delay,
    // then every --reconciliation_interval; not at once on (re)subscription, when agents
    // may not have re-registered with a new leader yet and it would answer TASK_UNKNOWN.
    const initial = setTimeout(() => {
      void this.reconcileTasks();
      this.timers.push(setInterval(() => void this.reconcileTasks(), Math.max(this.config.reconciliationInterval, 1000)));
    }, Math.max(this.config.reconciliationInitialDelay, 0));
    this.timers.push(initial);
    this.scheduleReconcile();
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.reviveTimer) clearTimeout(this.reviveTimer);
    this.queue.clear();
    this.pods.queue.clear();
    this.limiter.clear();
  }

  // ---- Mesos events ----

  async frameworkInfo(): Promise<Record<string, unknown>> {
    const c = this.config;
    const capabilities = frameworkCapabilities(c.features);
    const info: Record<string, unknown> = {
      user: c.mesosUser,
      name: c.frameworkName,
      failover_timeout: c.failoverTimeout,
      checkpoint: c.checkpoint,
      hostname: c.hostname,
      webui_url: c.webuiUrl ?? `http://${c.hostname}:${c.httpPort}`,
      // (left out without --mesos_role, as Marathon does: the master reads it as "*")
      ...(c.mesosRole ? { role: c.mesosRole } : {}),
      ...(c.mesosAuthenticationPrincipal ? { principal: c.mesosAuthenticationPrincipal } : {}),
      capabilities,
    };
    const id = await this.state.store.frameworkId();
    if (id) info.id = { value: id };
    return info;
  }

  async onSubscribed(frameworkId: string, master: LeaderAddress, reregistered: boolean): Promise<void> {
    const stored = await this.state.store.frameworkId();
    if (stored !== frameworkId) {
      await this.state.store.storeFrameworkId(frameworkId);
      // From here /v2/info reports it (bench/ reads this line as the moment).
      log.info(`Stored framework ID ${frameworkId}`);
    }
    if (reregistered) this.bus.emit('scheduler_reregistered_event', { master: master.hostname });
    else this.bus.emit('scheduler_registered_event', { frameworkId, master: master.hostname });
    // Kills asked for while disconnected go out now.
    for (const t of this.state.tasks.values()) {
      if (t.killing && !TERMINAL.has(t.state)) void this.client.call('KILL', { task_id: { value: t.taskId }, agent_id: { value: t.agentId } });
    }
    this.pods.resendKills();
    this.wantedBefore = 0;
    this.scheduleReconcile();
  }

  async onError(message: string): Promise<void> {
    // A removed framework can never subscribe with its old id again.
    if (message === 'Framework has been removed') {
      log.warn('Framework was removed by the master: forgetting the framework id');
      await this.state.store.deleteFrameworkId();
    }
  }

  onDisconnected(): void {
    this.bus.emit('scheduler_disconnected_event', {});
  }

  onRescind(_offerId: string): void {
    // Offers are answered at once, so there is nothing to take back.
  }

  onOffers(offers: V1Offer[]): void {
    const context = this.offerContext();
    for (const offer of offers) void processOffer(context, offer);
  }

  /** What offer matching (offers.ts) reads and calls of the scheduler. */
  private offerContext(): OfferContext {
    return {
      config: this.config,
      state: this.state,
      bus: this.bus,
      metrics: this.metrics,
      queue: this.queue,
      pods: this.pods,
      attributesByAgent: this.attributesByAgent,
      client: () => this.client,
      delayDeadline: (app) => this.delayDeadline(app),
      emitTaskEvents: (task, status) => this.emitTaskEvents(task, status),
      scheduleReconcile: () => this.scheduleReconcile(),
    };
  }

  onUpdate(status: V1TaskStatus): void {
    void this.processUpdate(status).finally(() => {
      // Acknowledge after the update is recorded, as the driver does.
      if (status.uuid) {
        void this.client.call('ACKNOWLEDGE', {
          agent_id: status.agent_id ?? { value: '' },
          task_id: status.task_id,
          uuid: status.uuid,
        });
      }
    });
  }

  private async processUpdate(status: V1TaskStatus): Promise<void> {
    const taskId = status.task_id.value;
    const task = this.state.tasks.get(taskId);
    if (!task && this.pods.onUpdate(status)) return;
    if (!task) {
      // As TaskStatusUpdateProcessorImpl: an unknown task that ended is reported,
      // one still running is killed (it must not keep running; e.g. expunged
      // while unreachable), one being killed is left alone.
      if (TERMINAL.has(status.state) || status.state === 'TASK_UNREACHABLE') {
        log.warn(`Received terminal status update for unknown task [${taskId}]`);
        const ids = idsOfTask(taskId);
        // Key order as Formats.scala writes it: timestamp before eventType.
        if (ids) this.bus.emit('unknown_instance_terminated_event', { instanceId: ids.instanceId, runSpecId: ids.runSpecId, condition: conditionOf(status.state), timestamp: '' });
      } else if (status.state === 'TASK_KILLING') {
        log.info(`Ignoring TASK_KILLING update for unknown task [${taskId}]`);
      } else {
        log.warn(`Kill unknown task [${taskId}]`);
        void this.client.call('KILL', { task_id: { value: taskId }, ...(status.agent_id ? { agent_id: status.agent_id } : {}) });
      }
      return;
    }
    // a resident instance between tasks already had its task's end
    if (task.state === RESERVED && TERMINAL.has(status.state)) return;
    const stateChanged = status.state !== task.state;
    const healthChanged = status.healthy !== undefined && status.healthy !== task.mesosHealthy;
    if (!stateChanged && !healthChanged && status.message === task.message) return;

    task.state = status.state;
    task.message = status.message ?? '';
    if (status.agent_id?.value) task.agentId = status.agent_id.value;
    const ips = (status.container_status?.network_infos ?? []).flatMap((n) => n.ip_addresses ?? []).filter((a) => a.ip_address);
    if (ips.length) task.ipAddresses = ips.map((a) => ({ ipAddress: a.ip_address!, protocol: a.protocol ?? 'IPv4' }));
    else if (!task.ipAddresses.length && /^\d+\.\d+\.\d+\.\d+$/.test(task.host)) task.ipAddresses = [{ ipAddress: task.host, protocol: 'IPv4' }];
    if (status.state === 'TASK_RUNNING' && !task.startedAt) task.startedAt = timestamp(status.timestamp ? status.timestamp * 1000 : Date.now());
    if (status.state === 'TASK_UNREACHABLE') task.unreachableSince ??= Date.now();
    else delete task.unreachableSince;
    if (status.healthy !== undefined) task.mesosHealthy = status.healthy;

    const app = this.state.apps.get(task.appId);
    if (stateChanged || status.message !== undefined) this.emitTaskEvents(task, status);
    if (status.healthy !== undefined && healthChanged) {
      this.health.onMesosHealth(task, status.healthy);
      this.bus.emit('instance_health_changed_event', {
        instanceId: task.instanceId,
        runSpecId: task.appId,
        healthy: status.healthy,
        runSpecVersion: task.version,
      });
    }

    if (TERMINAL.has(status.state)) {
      if (FAILURE_STATES.has(status.state)) {
        const failure: TaskFailure = {
          appId: task.appId,
          host: task.host,
          message: task.message ?? '',
          state: status.state,
          taskId,
          timestamp: timestamp(),
          version: task.version,
          slaveId: task.agentId || null,
        };
        this.state.saveFailure(failure);
      }
      if (app && LIMIT_WORTHY.has(status.state) && !task.killing) this.addDelay(app);
      this.health.forgetTask(taskId);
      if (task.reservation && app && !task.wipe) {
        // a resident instance keeps its reservation and waits to be launched on it again
        task.reservation.reserved = true;
        task.state = RESERVED;
        task.killing = false;
        this.state.saveTask(task);
        this.bus.emit('instance_changed_event', { instanceId: task.instanceId, condition: 'Reserved', runSpecId: task.appId, agentId: task.agentId, host: task.host, runSpecVersion: task.version });
      } else {
        this.state.removeTask(task);
        // its reservation is cleaned up from the next offer that carries it
        if (task.reservation) this.reviveForCleanup();
      }
    } else {
      if (app && ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING'].includes(status.state)) this.advanceDelay(app);
      this.state.saveTask(task);
    }
    this.scheduleReconcile();
  }

  /** status_update_event, then instance_changed_event when the condition changed (InstanceChangedEventsGenerator). */
  private emitTaskEvents(task: TaskRecord, status: V1TaskStatus | undefined): void {
    const condition = status ? conditionOf(task.state) : 'Created';
    this.bus.emit('status_update_event', {
      slaveId: status ? task.agentId : '',
      taskId: task.taskId,
      taskStatus: status ? task.state : 'TASK_STAGING',
      message: status?.message ?? '',
      appId: task.appId,
      host: task.host,
      ipAddresses: task.ipAddresses,
      ports: task.hostPorts,
      version: task.version,
    });
    if (!status || task.condition !== condition) {
      task.condition = condition;
      this.bus.emit('instance_changed_event', {
        instanceId: task.instanceId,
        condition,
        runSpecId: task.appId,
        agentId: task.agentId,
        host: task.host,
        runSpecVersion: task.version,
      });
    }
  }

  // ---- kills ----

  /** Sends KILL for a task and marks it as on its way out. */
  kill(task: TaskRecord, opts: { wipe?: boolean } = {}): void {
    if (task.state === RESERVED) {
      // nothing runs: a wipe forgets the instance (its reservation is then cleaned up), anything else is ignored
      if (opts.wipe) this.expunge(task);
      return;
    }
    task.killing = true;
    task.killRequestedAt = Date.now();
    if (opts.wipe) task.wipe = true;
    this.state.saveTask(task);
    void this.client?.call('KILL', { task_id: { value: task.taskId }, agent_id: { value: task.agentId } });
    this.scheduleReconcile();
  }

  /** Forgets a resident instance between tasks; the next offer with its resources destroys and unreserves them. */
  private expunge(task: TaskRecord): void {
    this.state.removeTask(task);
    this.reviveForCleanup();
    this.scheduleReconcile();
  }

  /**
   * OffersWantedForReconciliation: a forgotten resident instance's resources
   * come back only in offers, which declined ones hold back: revive, whether
   * or not anything waits to launch.
   */
  private reviveForCleanup(): void {
    if (!this.client?.subscribed) return;
    this.lastRevive = Date.now();
    this.metrics.revives.inc();
    void this.client.call('REVIVE');
  }

  killUnhealthy(task: TaskRecord): void {
    const app = this.state.apps.get(task.appId);
    if (app) this.addDelay(app);
    this.kill(task);
  }

  // ---- the steady-state loop ----

  /** Coalesces many changes into one pass. */
  scheduleReconcile(): void {
    if (this.reconcilePending || !this.running) return;
    this.reconcilePending = true;
    setImmediate(() => {
      this.reconcilePending = false;
      this.reconcileApps();
    });
  }

  /** Whether a task still counts towards `instances`. */
  private counts(t: TaskRecord, app: App | undefined): boolean {
    if (TERMINAL.has(t.state) || t.killing) return false;
    if (t.state === 'TASK_UNREACHABLE') {
      if (!app || app.unreachableStrategy === 'disabled') return true;
      return Date.now() - (t.unreachableSince ?? Date.now()) < app.unreachableStrategy.inactiveAfterSeconds * 1000;
    }
    return true;
  }

  /** Running, healthy when the app has health checks, and ready when a deployment checks its readiness. */
  ready(t: TaskRecord): boolean {
    if (t.state !== 'TASK_RUNNING' || t.killing) return false;
    const app = this.state.apps.get(t.appId);
    if (app?.healthChecks.length && this.health.status(t) !== 'healthy') return false;
    return this.hooks.readinessPassed(t);
  }

  /** Kill order: not yet running first, then by the app's killSelection. */
  private killOrder(app: App, tasks: TaskRecord[]): TaskRecord[] {
    return [...tasks].sort((a, b) => {
      const ra = a.state === 'TASK_RUNNING' ? 1 : 0;
      const rb = b.state === 'TASK_RUNNING' ? 1 : 0;
      if (ra !== rb) return ra - rb;
      const byAge = a.stagedAt.localeCompare(b.stagedAt);
      return app.killSelection === 'OLDEST_FIRST' ? byAge : -byAge;
    });
  }

  private reconcileApps(): void {
    if (!this.running) return;
    // Tasks of apps that no longer exist are stopped.
    for (const t of [...this.state.tasks.values()]) {
      if (!this.state.apps.has(t.appId) && !TERMINAL.has(t.state) && !t.killing) this.kill(t);
      // reservations of deleted apps, and new ones never offered back in time (ReservationTimeout)
      if (t.state === RESERVED && (!this.state.apps.has(t.appId) || (t.reservation!.deadline ?? Infinity) < Date.now())) this.expunge(t);
    }
    for (const q of this.queue.keys()) if (!this.state.apps.has(q)) this.queue.delete(q);

    for (const app of this.state.apps.values()) {
      const active = this.state.tasksOf(app.id).filter((t) => this.counts(t, app));
      // A deployment scales an app in its own step (after its dependencies'), not before.
      const n = this.hooks.heldInstances(app.id) ?? app.instances;
      let toLaunch: number;
      if (this.hooks.restarting(app.id)) {
        // TaskReplaceActor: keep minimumHealthCapacity serving, never exceed maximumOverCapacity.
        const old = active.filter((t) => t.version !== app.version);
        const fresh = active.filter((t) => t.version === app.version);
        const { keepOld, launch } = replacement(n, { old: old.length, fresh: fresh.length, freshReady: fresh.filter((t) => this.ready(t)).length }, app.upgradeStrategy);
        for (const t of this.killOrder(app, old).slice(0, old.length - keepOld)) this.kill(t);
        for (const t of this.killOrder(app, fresh).slice(0, Math.max(0, fresh.length - n))) this.kill(t);
        toLaunch = launch;
      } else {
        const excess = active.length - n;
        if (excess > 0) for (const t of this.killOrder(app, active).slice(0, excess)) this.kill(t);
        toLaunch = Math.max(0, n - active.length);
      }
      this.setQueue(app, toLaunch);
    }
    this.pods.reconcile();
    this.maybeRevive();
    this.hooks.changed();
  }

  private setQueue(app: App, count: number): void {
    const q = this.queue.get(app.id);
    if (count <= 0) {
      this.queue.delete(app.id);
      return;
    }
    if (q) q.count = count;
    else this.queue.set(app.id, queueEntry(count));
  }

  /** Launches waiting that are not held back by a backoff delay. */
  private launchableDemand(): number {
    const now = Date.now();
    let n = 0;
    for (const [appId, q] of this.queue) {
      const app = this.state.apps.get(appId);
      if (app && q.count > 0 && this.delayDeadline(app) <= now) n += q.count;
    }
    return n + this.pods.demand();
  }

  /** ReviveOffersActor: revive when offers become wanted, repeated up to 3 times, at most every min_revive_offers_interval. */
  private maybeRevive(): void {
    const wanted = this.launchableDemand();
    if (wanted > this.wantedBefore) {
      this.revivesNeeded = 3;
      this.reviveNow();
    } else if (wanted === 0) {
      this.revivesNeeded = 0;
      if (this.reviveTimer) clearTimeout(this.reviveTimer);
      this.reviveTimer = undefined;
    }
    this.wantedBefore = wanted;
  }

  private reviveNow(): void {
    if (!this.client?.subscribed || this.revivesNeeded <= 0) return;
    const next = this.lastRevive + this.config.minReviveOffersInterval;
    if (Date.now() >= next) {
      if (this.reviveTimer) clearTimeout(this.reviveTimer);
      this.reviveTimer = undefined;
      this.lastRevive = Date.now();
      this.revivesNeeded--;
      this.metrics.revives.inc();
      void this.client.call('REVIVE');
      if (this.revivesNeeded > 0) this.reviveNow();
    } else if (!this.reviveTimer) {
      this.reviveTimer = setTimeout(() => {
        this.reviveTimer = undefined;
        if (this.launchableDemand() > 0) this.reviveNow();
      }, next - Date.now());
    }
  }

  /** Once a second: backoff expiry, launch timeouts, kill retries, unreachable expunge. */
  private housekeeping(): void {
    const now = Date.now();
    for (const t of [...this.state.tasks.values()]) {
      const app = this.state.apps.get(t.appId);
      if ((t.state === 'TASK_STAGING' || t.state === 'TASK_STARTING') && !t.killing && now - t.launchedAt > this.config.taskLaunchTimeout) {
        log.warn(`Task ${t.taskId} did not start within --task_launch_timeout; killing it`);
        this.kill(t);
      } else if (t.killing && t.killRequestedAt && now - t.killRequestedAt > this.config.killRetryTimeout && !TERMINAL.has(t.state)) {
        t.killRequestedAt = now;
        void this.client?.call('KILL', { task_id: { value: t.taskId }, agent_id: { value: t.agentId } });
      } else if (t.state === 'TASK_UNREACHABLE' && app && app.unreachableStrategy !== 'disabled') {
        if (now - (t.unreachableSince ?? now) >= app.unreachableStrategy.expungeAfterSeconds * 1000 && now - (t.unreachableSince ?? now) >= app.unreachableStrategy.inactiveAfterSeconds * 1000) {
          this.state.removeTask(t);
          this.health.forgetTask(t.taskId);
        }
      }
    }
    this.pods.housekeeping(now);
    this.limiter.expire(now);
    // A delay that just ran out makes offers wanted again; restarts advance with health.
    if (this.launchableDemand() === 0) this.wantedBefore = 0;
    this.scheduleReconcile();
  }

  /** RECONCILE known tasks explicitly, then implicitly (all tasks of the framework). */
  async reconcileTasks(): Promise<void> {
    if (!this.client?.subscribed) return;
    const tasks = [...[...this.state.tasks.values()].filter((t) => !TERMINAL.has(t.state)), ...this.pods.liveTasks()];
    if (tasks.length) {
      await this.client.call('RECONCILE', {
        tasks: tasks.map((t) => ({ task_id: { value: t.taskId }, ...(t.agentId ? { agent_id: { value: t.agentId } } : {}) })),
      });
    }
    await this.client.call('RECONCILE', { tasks: [] });
  }


  // ---- backoff (launch-queue.ts' RateLimiter) ----

  addDelay(app: App): void {
    this.limiter.add(app);
  }

  advanceDelay(app: App): void {
    this.limiter.advance(app);
  }

  resetDelay(app: BackoffSpec): void {
    this.limiter.reset(app);
    this.scheduleReconcile();
  }

  delayDeadline(app: App): number {
    return this.limiter.deadline(app);
  }

  hasDelay(app: App): boolean {
    return this.limiter.has(app);
  }

  /** /v2/queue entries (QueueInfoConversion). */
  queueJson(embedLastUnusedOffers = false): Array<Record<string, unknown>> {
    const app = (id: string) => {
      const a = this.state.apps.get(id);
      return a ? { backoff: a, json: { app: appJson(a) } } : undefined;
    };
    const pod = (id: string) => {
      const p = this.state.pods.get(id);
      return p ? { backoff: podBackoff(p), json: { pod: podJson(p) } } : undefined;
    };
    return [...queueJson(this.queue, app, this.limiter, embedLastUnusedOffers), ...queueJson(this.pods.queue, pod, this.limiter, embedLastUnusedOffers)];
  }

  servicePortsOf(appId: string): number[] {
    const app = this.state.apps.get(appId);
    return app ? servicePorts(app) : [];
  }
}
