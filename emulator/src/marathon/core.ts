// Wires the pieces together for the leading Marathon: state, scheduler,
// deployments, health checks and the Mesos connection; and builds the AppInfo
// JSON the REST API returns.
import { makeLogger } from '../common/log.js';
import { appJson } from './app/serialize.js';
import type { App } from './app/types.js';
import type { MarathonConfig } from './config.js';
import { Deployments } from './deployments.js';
import type { Election } from './election.js';
import type { EventBus } from './events.js';
import { HealthManager } from './health.js';
import { MarathonMetrics } from './metrics.js';
import { MesosClient } from './mesos/client.js';
import { podStatus } from './pod/status.js';
import type { Pod } from './pod/types.js';
import { Scheduler } from './scheduler.js';
import { State } from './state.js';
import type { Store } from './storage.js';
import { isStaged, RESERVED, TERMINAL, taskJson, type TaskRecord } from './tasks.js';

const log = makeLogger('Marathon');

export type Embed = 'tasks' | 'counts' | 'deployments' | 'readiness' | 'lastTaskFailure' | 'taskStats';

/** InfoEmbedResolver.resolveApp: `apps.`, `app.`, `group.apps.` or no prefix. */
export function resolveEmbed(values: string[]): Set<Embed> {
  const out = new Set<Embed>();
  for (const raw of values) {
    const v = raw.replace(/^(group\.apps\.|apps\.|app\.)/, '');
    if (v === 'tasks') out.add('tasks').add('deployments');
    else if (v === 'failures') out.add('tasks').add('lastTaskFailure').add('deployments');
    else if (v === 'deployments' || v === 'readiness' || v === 'lastTaskFailure' || v === 'counts' || v === 'taskStats') out.add(v);
  }
  return out;
}

export class Marathon {
  readonly state: State;
  readonly health: HealthManager;
  readonly scheduler: Scheduler;
  readonly deployments: Deployments;
  /** a fresh connection per leadership term (a stopped detector cannot restart) */
  client: MesosClient;
  leading = false;
  /** resolves when the leader finished loading its state */
  ready: Promise<void> = Promise.resolve();
  readonly metrics: MarathonMetrics;
  /** open /v2/events streams */
  eventStreams = 0;

  constructor(
    readonly config: MarathonConfig,
    readonly bus: EventBus,
    readonly store: Store,
    readonly election: Election,
  ) {
    this.state = new State(store);
    const tasks = () => [...this.state.tasks.values()];
    this.metrics = new MarathonMetrics(config.metricsNamePrefix, {
      tasksRunning: () => tasks().filter((t) => t.state === 'TASK_RUNNING').length,
      // TaskCounts: a task with no Mesos status yet counts as staged.
      tasksStaged: () => tasks().filter((t) => t.state === 'TASK_STAGING').length,
      eventStreams: () => this.eventStreams,
    });
    this.health = new HealthManager(
      {
        app: (id) => this.state.apps.get(id),
        apps: () => this.state.apps.values(),
        tasksOf: (id) => this.state.tasksOf(id),
        task: (id) => this.state.tasks.get(id),
        killUnhealthy: (t) => this.scheduler.killUnhealthy(t),
        changed: () => this.scheduler.scheduleReconcile(),
      },
      bus,
    );
    this.deployments = new Deployments(config, this.state, bus, this.health, () => this.scheduler, this.metrics);
    this.scheduler = new Scheduler(config, this.state, bus, this.health, {
      restarting: (id) => this.deployments.restarting(id),
      changed: () => this.deployments.changed(),
      readinessPassed: (t) => this.deployments.readinessPassed(t),
      heldInstances: (id) => this.deployments.heldInstances(id),
    }, this.metrics);
    this.client = new MesosClient(config.master, this.scheduler);
    this.scheduler.client = this.client;
  }

  /** Won the election: load the state and start scheduling. */
  private term = 0;

  startLeadership(): void {
    this.leading = true;
    this.metrics.onLeadership({
      deploymentsActive: () => this.deployments.running.size,
      appsActive: () => this.state.apps.size,
      // transitiveGroupsById: every group, the root included.
      groupsActive: () => this.state.groups.size,
    });
    this.store.forgetCached();
    const term = ++this.term;
    this.ready = (async () => {
      await this.state.load();
      if (term !== this.term) return; // lost the lead while loading
      for (const app of this.state.apps.values()) this.health.syncApp(app);
      this.health.startReconciling();
      // Deployments first: a resumed restart must be in force before the first scaling pass.
      await this.deployments.resume();
      if (term !== this.term) return;
      this.client = new MesosClient(this.config.master, this.scheduler);
      this.scheduler.client = this.client;
      this.scheduler.start();
      await this.client.start();
    })().catch((err) => {
      log.error(`Starting leadership failed: ${(err as Error).stack ?? err}`);
    });
  }

  stopLeadership(): void {
    this.leading = false;
    this.store.forgetCached();
    this.term++;
    this.client.stop();
    this.scheduler.stop();
    this.deployments.stopAll();
    this.health.stopAll();
    this.state.clear();
  }

  async frameworkId(): Promise<string | null> {
    try {
      return (await this.store.frameworkId()) ?? null;
    } catch {
      return null;
    }
  }

  /** `http://<leading master>:<port>/` for /v2/info, or null. */
  mesosLeaderUiUrl(): string | null {
    const l = this.client.leader;
    return l ? `http://${l.hostname}:${l.port}/` : null;
  }

  taskJson(t: TaskRecord, withServicePorts: boolean): Record<string, unknown> {
    return taskJson(t, this.health.resultsFor(t), withServicePorts ? this.scheduler.servicePortsOf(t.appId) : []);
  }

  /** Tasks the API shows for an app (expunged ones are gone; resident instances between tasks show, as TASK_STAGING). */
  tasksOf(appId: string): TaskRecord[] {
    return this.state.tasksOf(appId).filter((t) => !TERMINAL.has(t.state) || t.state === RESERVED);
  }

  counts(appId: string): Record<string, number> {
    const tasks = this.tasksOf(appId);
    let healthy = 0;
    let unhealthy = 0;
    for (const t of tasks) {
      const h = this.health.status(t);
      if (h === 'healthy') healthy++;
      else if (h === 'unhealthy') unhealthy++;
    }
    return {
      tasksStaged: tasks.filter(isStaged).length,
      tasksRunning: tasks.filter((t) => t.state === 'TASK_RUNNING').length,
      tasksHealthy: healthy,
      tasksUnhealthy: unhealthy,
    };
  }

  /** A pod's status (`::status`, and what /v2/groups embeds as its pods): TERMINAL while a deployment removes it. */
  podStatus(pod: Pod): Record<string, unknown> {
    const deleting = [...this.deployments.running.values()].some((run) => run.plan.pods.original.has(pod.id) && !run.plan.pods.target.has(pod.id));
    return podStatus(pod, this.scheduler.pods.instancesOf(pod.id), deleting);
  }

  /** ExtendedAppInfoWrites: the app plus what was embedded. */
  appInfo(app: App, embed: Set<Embed>): Record<string, unknown> {
    const out = appJson(app);
    if (embed.has('counts')) Object.assign(out, this.counts(app.id));
    if (embed.has('deployments')) out.deployments = this.deployments.deploymentsOf(app.id).map((id) => ({ id }));
    if (embed.has('readiness')) out.readinessCheckResults = this.deployments.readinessResultsOf(app.id);
    if (embed.has('tasks')) out.tasks = this.tasksOf(app.id).map((t) => this.taskJson(t, false));
    if (embed.has('lastTaskFailure')) {
      const f = this.state.failures.get(app.id);
      if (f) out.lastTaskFailure = f;
    }
    if (embed.has('taskStats')) out.taskStats = this.taskStats(app);
    return out;
  }

  private taskStats(app: App): Record<string, unknown> {
    const tasks = this.tasksOf(app.id);
    if (!tasks.length) return {};
    const stats = (list: TaskRecord[]) => {
      const c = { staged: 0, running: 0, healthy: 0, unhealthy: 0 };
      for (const t of list) {
        if (isStaged(t)) c.staged++;
        if (t.state === 'TASK_RUNNING') c.running++;
        const h = this.health.status(t);
        if (h === 'healthy') c.healthy++;
        if (h === 'unhealthy') c.unhealthy++;
      }
      const lifetimes = list.filter((t) => t.startedAt).map((t) => (Date.now() - Date.parse(t.startedAt!)) / 1000).sort((a, b) => a - b);
      const out: Record<string, unknown> = { counts: c };
      if (lifetimes.length) {
        const mid = Math.floor(lifetimes.length / 2);
        out.lifeTime = {
          averageSeconds: lifetimes.reduce((a, b) => a + b, 0) / lifetimes.length,
          medianSeconds: lifetimes.length % 2 ? lifetimes[mid]! : (lifetimes[mid - 1]! + lifetimes[mid]!) / 2,
        };
      }
      return { stats: out };
    };
    const lastScaling = app.versionInfo?.lastScalingAt ?? app.version;
    const lastConfig = app.versionInfo?.lastConfigChangeAt ?? app.version;
    const result: Record<string, unknown> = {};
    const after = tasks.filter((t) => t.stagedAt >= lastScaling);
    if (after.length) result.startedAfterLastScaling = stats(after);
    const latest = tasks.filter((t) => t.version >= lastConfig);
    if (latest.length) result.withLatestConfig = stats(latest);
    const outdated = tasks.filter((t) => t.version < lastConfig);
    if (outdated.length) result.withOutdatedConfig = stats(outdated);
    result.totalSummary = stats(tasks);
    return result;
  }
}
