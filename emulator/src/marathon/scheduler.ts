// The scheduler: keeps every app at its instance count. It turns the gap
// between wanted and active tasks into a launch queue (with backoff, its
// statistics in launch-queue.ts), matches
// offers against it (ACCEPT/LAUNCH, DECLINE with Marathon's filters, REVIVE
// when it wants offers), follows status updates (ACKNOWLEDGE, events, task
// failures), kills what is too much, and reconciles with the master.
import type { LeaderAddress } from '../common/leader.js';
import { makeLogger } from '../common/log.js';
import type { App } from './app/types.js';
import { servicePorts } from './app/types.js';
import type { MarathonConfig } from './config.js';
import type { MarathonMetrics } from './metrics.js';
import type { EventBus } from './events.js';
import type { HealthManager } from './health.js';
import { funnelReason, queueJson, RateLimiter, type QueueEntry } from './launch-queue.js';
import type { MesosClient, SchedulerHandler, V1Offer, V1TaskStatus } from './mesos/client.js';
import { matchOffer, offerJson, OfferPool, type PlacedTask } from './mesos/matcher.js';
import { buildTaskInfo } from './mesos/task-builder.js';
import type { State } from './state.js';
import type { TaskFailure } from './storage.js';
import { conditionOf, idsOfTask, TERMINAL, type TaskRecord } from './tasks.js';
import { safeId, timestamp, uuidV1 } from './util.js';

const log = makeLogger('Scheduler');


const FAILURE_STATES = new Set(['TASK_FAILED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN']);
/** Conditions that increase the launch delay (NotifyRateLimiterStep.limitWorthy). */
const LIMIT_WORTHY = new Set(['TASK_DROPPED', 'TASK_ERROR', 'TASK_FAILED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_FINISHED']);


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
  ) {}

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
    this.limiter.clear();
  }

  // ---- Mesos events ----

  async frameworkInfo(): Promise<Record<string, unknown>> {
    const c = this.config;
    const capabilities = [{ type: 'PARTITION_AWARE' }, { type: 'REGION_AWARE' }];
    if (c.features.includes('task_killing')) capabilities.push({ type: 'TASK_KILLING_STATE' });
    if (c.features.includes('gpu_resources')) capabilities.push({ type: 'GPU_RESOURCES' });
    const info: Record<string, unknown> = {
      user: c.mesosUser,
      name: c.frameworkName,
      failover_timeout: c.failoverTimeout,
      checkpoint: c.checkpoint,
      hostname: c.hostname,
      webui_url: c.webuiUrl ?? `http://${c.hostname}:${c.httpPort}`,
      // (left out without --mesos_role, as Marathon does: the master reads it as "*")
      ...(c.mesosRole ? { role: c.mesosRole } : {}),
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
    for (const offer of offers) void this.processOffer(offer);
  }

  private async processOffer(offer: V1Offer): Promise<void> {
    this.metrics.offersIncoming.inc();
    this.attributesByAgent.set(offer.agent_id.value, offer.attributes);
    const pool = new OfferPool(offer);
    const launched: Array<{ record: TaskRecord; info: Record<string, unknown> }> = [];
    const now = Date.now();
    let delayedDemand = false;
    const entries = [...this.queue.entries()].sort((a, b) => a[1].since.localeCompare(b[1].since));
    for (const [appId, q] of entries) {
      const app = this.state.apps.get(appId);
      if (!app || q.count <= 0) continue;
      if (this.delayDeadline(app) > now) {
        delayedDemand = true;
        continue;
      }
      while (q.count > 0 && pool.launches < this.config.maxInstancesPerOffer) {
        q.processed++;
        // Constraints see the app's tasks, including those just placed on this offer.
        const placed: PlacedTask[] = [...this.state.liveTasksOf(appId), ...launched.map((l) => l.record).filter((r) => r.appId === appId)]
          .map((t) => ({ host: t.host, agentId: t.agentId, attributes: this.attributesByAgent.get(t.agentId) }));
        const m = matchOffer(pool, app, this.acceptedRoles(app), placed);
        if (Array.isArray(m)) {
          q.unused++;
          q.lastUnusedAt = timestamp();
          const counted = funnelReason(m);
          if (counted) q.rejects.set(counted, (q.rejects.get(counted) ?? 0) + 1);
          // Kept until the next unused offer of the same agent, even past a match.
          q.lastByAgent.set(offer.agent_id.value, { offer: offerJson(pool), reason: m, timestamp: q.lastUnusedAt });
          break;
        }
        q.lastUsedAt = timestamp();
        q.count--;
        const record = this.newTask(app, offer, m.hostPorts.filter((p): p is number => p !== undefined));
        const info = buildTaskInfo({
          app,
          taskId: record.taskId,
          agentId: offer.agent_id.value,
          hostname: offer.hostname,
          resources: m.resources,
          hostPorts: m.hostPorts,
          envVarsPrefix: this.config.envVarsPrefix,
        });
        launched.push({ record, info });
        // OfferOperationFactory counts each launch operation as it builds it.
        this.metrics.launchOperations.inc();
      }
    }
    if (!launched.length) {
      // With launches waiting out a backoff, Mesos may send the offer again soon (default filter).
      const filters = delayedDemand ? {} : { refuse_seconds: this.config.declineOfferDuration / 1000 };
      const declined = await this.client.call('DECLINE', { offer_ids: [{ value: offer.id.value }], filters });
      if (declined === 202 || declined === 200) this.metrics.offersDeclined.inc();
      return;
    }
    for (const { record } of launched) {
      this.state.saveTask(record);
      this.emitTaskEvents(record, undefined);
    }
    log.info(`Launching ${launched.map((l) => l.record.taskId).join(', ')} on ${offer.hostname}`);
    const status = await this.client.call('ACCEPT', {
      offer_ids: [{ value: offer.id.value }],
      operations: [{ type: 'LAUNCH', launch: { task_infos: launched.map((l) => l.info) } }],
      filters: { refuse_seconds: 0 },
    });
    if (status !== 202 && status !== 200) {
      log.warn(`ACCEPT of offer ${offer.id.value} failed (${status}); forgetting its tasks`);
      for (const { record } of launched) this.state.removeTask(record);
    } else {
      this.metrics.offersUsed.inc();
      this.metrics.tasksLaunched.inc(launched.length);
    }
    this.scheduleReconcile();
  }

  private newTask(app: App, offer: V1Offer, hostPorts: number[]): TaskRecord {
    const uuid = uuidV1();
    const sid = safeId(app.id);
    return {
      taskId: `${sid}.${uuid}`,
      instanceId: `${sid}.marathon-${uuid}`,
      appId: app.id,
      version: app.version,
      configVersion: app.versionInfo?.lastConfigChangeAt ?? app.version,
      agentId: offer.agent_id.value,
      host: offer.hostname,
      hostPorts,
      state: 'TASK_STAGING',
      condition: 'Created',
      stagedAt: timestamp(),
      ipAddresses: [],
      launchedAt: Date.now(),
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
      this.state.removeTask(task);
      this.health.forgetTask(taskId);
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
    task.killing = true;
    task.killRequestedAt = Date.now();
    if (opts.wipe) task.wipe = true;
    this.state.saveTask(task);
    void this.client?.call('KILL', { task_id: { value: task.taskId }, agent_id: { value: task.agentId } });
    this.scheduleReconcile();
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
    for (const t of this.state.tasks.values()) {
      if (!this.state.apps.has(t.appId) && !TERMINAL.has(t.state) && !t.killing) this.kill(t);
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
        const freshReady = fresh.filter((t) => this.ready(t)).length;
        const minHealthy = Math.ceil(n * app.upgradeStrategy.minimumHealthCapacity);
        const maxCapacity = Math.floor(n * (1 + app.upgradeStrategy.maximumOverCapacity));
        let keepOld = Math.min(old.length, Math.max(0, minHealthy - freshReady));
        if (fresh.length < n && keepOld + fresh.length >= maxCapacity) keepOld = Math.max(0, maxCapacity - fresh.length - 1);
        for (const t of this.killOrder(app, old).slice(0, old.length - keepOld)) this.kill(t);
        let extraFresh = fresh.length - n;
        for (const t of this.killOrder(app, fresh)) {
          if (extraFresh-- <= 0) break;
          this.kill(t);
        }
        toLaunch = Math.max(0, Math.min(n - fresh.length, maxCapacity - keepOld - fresh.length));
      } else {
        const excess = active.length - n;
        if (excess > 0) for (const t of this.killOrder(app, active).slice(0, excess)) this.kill(t);
        toLaunch = Math.max(0, n - active.length);
      }
      this.setQueue(app, toLaunch);
    }
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
    else this.queue.set(app.id, { count, since: timestamp(), processed: 0, unused: 0, rejects: new Map(), lastByAgent: new Map() });
  }

  /** Launches waiting that are not held back by a backoff delay. */
  private launchableDemand(): number {
    const now = Date.now();
    let n = 0;
    for (const [appId, q] of this.queue) {
      const app = this.state.apps.get(appId);
      if (app && q.count > 0 && this.delayDeadline(app) <= now) n += q.count;
    }
    return n;
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
    this.limiter.expire(now);
    // A delay that just ran out makes offers wanted again; restarts advance with health.
    if (this.launchableDemand() === 0) this.wantedBefore = 0;
    this.scheduleReconcile();
  }

  /** RECONCILE known tasks explicitly, then implicitly (all tasks of the framework). */
  async reconcileTasks(): Promise<void> {
    if (!this.client?.subscribed) return;
    const tasks = [...this.state.tasks.values()].filter((t) => !TERMINAL.has(t.state));
    if (tasks.length) {
      await this.client.call('RECONCILE', {
        tasks: tasks.map((t) => ({ task_id: { value: t.taskId }, ...(t.agentId ? { agent_id: { value: t.agentId } } : {}) })),
      });
    }
    await this.client.call('RECONCILE', { tasks: [] });
  }


  /** Roles whose resources an app may use: acceptedResourceRoles, else the defaults. */
  private acceptedRoles(app: App): Set<string> {
    const roles = app.acceptedResourceRoles ?? this.config.defaultAcceptedResourceRoles ?? ['*', ...(this.config.mesosRole ? [this.config.mesosRole] : [])];
    return new Set(roles);
  }


  // ---- backoff (launch-queue.ts' RateLimiter) ----

  addDelay(app: App): void {
    this.limiter.add(app);
  }

  advanceDelay(app: App): void {
    this.limiter.advance(app);
  }

  resetDelay(app: App): void {
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
    return queueJson(this.queue, (id) => this.state.apps.get(id), this.limiter, embedLastUnusedOffers);
  }

  servicePortsOf(appId: string): number[] {
    const app = this.state.apps.get(appId);
    return app ? servicePorts(app) : [];
  }
}
