// Root-group changes and the deployments that carry them out (GroupManagerImpl,
// DeploymentPlan, DeploymentManager): versioning, service ports, plan steps
// (Stop → Start → Scale/Restart in dependency order), app locking with
// ?force=true, step execution with deployment events, cancel and rollback.
import { randomUUID } from 'node:crypto';
import { makeLogger } from '../common/log.js';
import type { App } from './app/types.js';
import { servicePorts } from './app/types.js';
import type { MarathonConfig } from './config.js';
import { ApiError, appLocked } from './errors.js';
import type { EventBus } from './events.js';
import type { HealthManager } from './health.js';
import type { MarathonMetrics } from './metrics.js';
import { ensureAncestors, groupJson, longestPaths, transitiveApps, validateTree, type Groups } from './groups.js';
import { podBackoff } from './pod/scheduler.js';
import { podConfig, type Pod } from './pod/types.js';
import { StepReadiness, type ReadinessResult } from './readiness.js';
import type { Scheduler } from './scheduler.js';
import type { State } from './state.js';
import type { StoredDeployment, StoredRoot } from './storage.js';
import { TERMINAL, type TaskRecord } from './tasks.js';
import { nextVersionMs, timestamp } from './util.js';

const log = makeLogger('Deployments');

export type ActionName = 'StartApplication' | 'StopApplication' | 'ScaleApplication' | 'RestartApplication';
export interface Action {
  action: ActionName;
  /** the run spec: an app, or a pod when `pod` is set (the JSON names Pod actions and keys so) */
  app: string;
  pod?: true;
  scaleTo?: number;
}

/** What a root-group change edits: the apps and the groups (each carries the root's version). */
export interface RootDraft {
  apps: Map<string, App>;
  pods: Map<string, Pod>;
  groups: Groups;
}

export interface Plan {
  id: string;
  version: string;
  /** the root group version before this plan */
  originalVersion: string;
  original: Map<string, App>;
  target: Map<string, App>;
  groups: { original: Groups; target: Groups };
  pods: { original: Map<string, Pod>; target: Map<string, Pod> };
  steps: Action[][];
  /** app ids any action touches */
  affected: Set<string>;
  toKill: Map<string, string[]>;
}

interface Run {
  plan: Plan;
  /** 1-based index of the step in progress (0 before the first) */
  currentStep: number;
  cancelled: boolean;
  /** the current step's readiness checks and results (DeploymentStepInfo.readinessChecks) */
  readiness: StepReadiness;
}

class Cancelled extends Error {}

/** Everything of an app definition except what a scale or a new version changes. */
function configOf(app: App): string {
  const { instances: _i, version: _v, versionInfo: _vi, ...rest } = app;
  return JSON.stringify(rest);
}

export function isUpgrade(from: App, to: App): boolean {
  return configOf(from) !== configOf(to);
}

export class Deployments {
  readonly running = new Map<string, Run>();
  private restartingApps = new Map<string, number>();
  private waiters = new Set<() => void>();

  constructor(
    private readonly config: MarathonConfig,
    private readonly state: State,
    private readonly bus: EventBus,
    private readonly health: HealthManager,
    private readonly scheduler: () => Scheduler,
    private readonly metrics: MarathonMetrics,
  ) {}

  restarting(appId: string): boolean {
    return (this.restartingApps.get(appId) ?? 0) > 0;
  }

  /**
   * While a running deployment has not yet begun the step that scales or
   * restarts an app, the app keeps the instances it had (none if new): tasks
   * start in dependency order, as TaskStartActor adds them to the launch
   * queue only when its step runs.
   */
  heldInstances(appId: string): number | undefined {
    for (const run of this.running.values()) {
      const step = run.plan.steps.findIndex((s) => s.some((a) => a.app === appId && (a.action === 'ScaleApplication' || a.action === 'RestartApplication')));
      if (step >= 0 && step >= run.currentStep) return run.plan.original.get(appId)?.instances ?? run.plan.pods.original.get(appId)?.scaling.instances ?? 0;
    }
    return undefined;
  }

  /** Wakes every step waiting for a condition, and checks the readiness of tasks that just started. */
  changed(): void {
    for (const run of this.running.values()) run.readiness.sync();
    for (const w of [...this.waiters]) w();
  }

  // ---- readiness checks (ReadinessBehavior, in readiness.ts) ----

  private stepReadiness(): StepReadiness {
    return new StepReadiness({
      app: (id) => this.state.apps.get(id),
      task: (id) => this.state.tasks.get(id),
      liveTasksOf: (id) => this.state.liveTasksOf(id),
      changed: () => this.scheduler().scheduleReconcile(),
    });
  }

  /** False while a running deployment waits for this task's readiness checks to pass. */
  readinessPassed(t: TaskRecord): boolean {
    return [...this.running.values()].every((run) => run.readiness.passed(t));
  }

  /** AppInfo's readinessCheckResults: the results of every running deployment's current step. */
  readinessResultsOf(appId: string): ReadinessResult[] {
    return [...this.running.values()].flatMap((r) => r.readiness.resultsOf(appId));
  }

  /** Running deployments that touch an app. */
  deploymentsOf(appId: string): string[] {
    return [...this.running.values()].filter((r) => r.plan.affected.has(appId)).map((r) => r.plan.id);
  }

  /** A change to the root group's apps (the /v2/apps routes); see updateTree. */
  updateRoot(
    groupId: string,
    change: (apps: Map<string, App>) => Map<string, App>,
    opts: { version?: string; force: boolean; restart?: Set<string>; toKill?: Map<string, string[]> },
  ): Promise<Plan> {
    return this.updateTree(groupId, (draft) => void (draft.apps = change(draft.apps)), opts);
  }

  /**
   * Applies a change to the root group (its apps and groups): versions and
   * service ports for changed apps, the tree's rules, a deployment plan, the
   * lock check, persistence and the deployment start (GroupManagerImpl.updateRoot).
   */
  async updateTree(
    groupId: string,
    change: (draft: RootDraft) => void,
    opts: { version?: string; force: boolean; restart?: Set<string>; toKill?: Map<string, string[]> },
  ): Promise<Plan> {
    const version = opts.version ?? timestamp(nextVersionMs());
    try {
      return await this.applyRootChange(groupId, version, change, opts);
    } catch (err) {
      // GroupManagerImpl.updateRoot: any failure of the change (a conflict, a lock, too many deployments, no free service port).
      this.bus.emit('group_change_failed', { groupId, version, reason: (err as Error).message });
      throw err;
    }
  }

  /** The plan a change would start, changing nothing (PUT /v2/groups?dryRun=true). */
  dryRun(change: (draft: RootDraft) => void): Plan {
    return this.target(change, timestamp(nextVersionMs()), {}).plan;
  }

  private target(change: (draft: RootDraft) => void, version: string, opts: { restart?: Set<string>; toKill?: Map<string, string[]> }) {
    const original = new Map([...this.state.apps].map(([k, v]) => [k, structuredClone(v)]));
    const draft: RootDraft = {
      apps: new Map([...original].map(([k, v]) => [k, structuredClone(v)])),
      pods: structuredClone(this.state.pods),
      groups: structuredClone(this.state.groups),
    };
    change(draft);
    ensureAncestors(draft.apps, draft.groups, draft.pods);
    validateTree(draft.apps, draft.groups, draft.pods);
    const target = this.assignServicePorts(original, draft.apps);
    for (const [id, app] of target) target.set(id, this.versioned(original.get(id), app, version, opts.restart?.has(id) ?? false));
    // A pod the change wrote (its version left empty) takes the new version; one put back as
    // it was (a rollback) keeps its own, so its instances of that version stay.
    for (const [id, pod] of draft.pods) {
      if (!pod.version) draft.pods.set(id, { ...pod, version });
      else if (JSON.stringify(pod) === JSON.stringify(this.state.pods.get(id))) draft.pods.set(id, this.state.pods.get(id)!);
    }
    const groups = { original: this.state.groups, target: draft.groups };
    const pods = { original: this.state.pods, target: draft.pods };
    return { original, target, groups, pods, plan: this.plan(original, target, version, opts.toKill ?? new Map(), groups, pods, opts.restart ?? new Set()) };
  }

  private async applyRootChange(
    groupId: string,
    version: string,
    change: (draft: RootDraft) => void,
    opts: { force: boolean; restart?: Set<string>; toKill?: Map<string, string[]> },
  ): Promise<Plan> {
    const { original, target, groups, pods, plan } = this.target(change, version, opts);
    const conflicts = [...this.running.values()].filter((r) => [...r.plan.affected].some((id) => plan.affected.has(id)));
    // GroupManagerImpl checks the number of deployments first (with force too), the locks when it deploys.
    if (this.running.size - conflicts.length >= this.config.maxRunningDeployments) {
      this.metrics.deploymentsDismissed.inc();
      throw new ApiError(403, {
        message: `Max number (${this.config.maxRunningDeployments}) of running deployments is achieved. Wait for existing deployments to complete or cancel oneusing force=true parameter. You can increase max deployment number by using --max_running_deployments parameter but be advised that this can have negative effects on the performance.`,
      });
    }
    if (conflicts.length && !opts.force) throw appLocked(conflicts.map((r) => r.plan.id));
    for (const r of conflicts) this.stopRun(r, 'The deployment has been canceled by a newer deployment');

    // Apply and persist. Sentenced tasks go first, before a scaling pass could pick others.
    this.state.apps = target;
    this.state.pods = pods.target;
    this.state.groups = groups.target;
    this.state.rootVersion = version;
    for (const taskIds of plan.toKill.values()) {
      for (const id of taskIds) {
        const t = this.state.tasks.get(id);
        if (t && !t.killing && !TERMINAL.has(t.state)) this.scheduler().kill(t);
      }
    }
    const store = this.state.store;
    for (const [id, app] of target) {
      if (JSON.stringify(original.get(id)) !== JSON.stringify(app)) void this.state.persist(`app ${id}`, () => store.storeApp(app));
    }
    for (const id of original.keys()) {
      if (!target.has(id)) {
        void this.state.persist(`app ${id}`, () => store.deleteApp(id));
        void this.state.persist(`failure ${id}`, () => store.deleteTaskFailure(id));
        this.state.failures.delete(id);
      }
    }
    for (const [id, pod] of pods.target) if (pods.original.get(id) !== pod) void this.state.persist(`pod ${id}`, () => store.storePod(pod));
    for (const id of pods.original.keys()) if (!pods.target.has(id)) void this.state.persist(`pod ${id}`, () => store.deletePod(id));
    const root: StoredRoot = {
      id: '/',
      version,
      apps: Object.fromEntries([...target].map(([id, a]) => [id, a.version])),
      pods: Object.fromEntries([...pods.target].map(([id, p]) => [id, p.version])),
      groups: [...groups.target.values()],
    };
    void this.state.persist('root group', () => store.storeRoot(root));
    for (const app of target.values()) this.health.syncApp(app);
    // Registered at once so a concurrent change sees the lock; run once stored.
    const run = this.register(plan);
    await this.state.flush();
    void this.execute(run);
    this.bus.emit('group_change_success', { groupId, version });
    return plan;
  }

  private versioned(before: App | undefined, app: App, version: string, restart: boolean): App {
    if (!before) return { ...app, version, versionInfo: { lastScalingAt: version, lastConfigChangeAt: version } };
    const lastConfigChangeAt = before.versionInfo?.lastConfigChangeAt ?? before.version;
    if (isUpgrade(before, app)) return { ...app, version, versionInfo: { lastScalingAt: version, lastConfigChangeAt: version } };
    if (before.instances !== app.instances || restart) return { ...app, version, versionInfo: { lastScalingAt: version, lastConfigChangeAt } };
    return { ...app, version: before.version, versionInfo: before.versionInfo };
  }

  /** AssignDynamicServiceLogic: service port 0 → the next free port of --local_port_min..max. */
  private assignServicePorts(from: Map<string, App>, to: Map<string, App>): Map<string, App> {
    const used = new Set<number>([...from.values(), ...to.values()].flatMap(servicePorts));
    const min = this.config.localPortMin;
    const max = this.config.localPortMax;
    let next = min;
    const fresh = () => {
      while (next <= max && used.has(next)) next++;
      if (next > max) throw new ApiError(500, { message: `All ports in the range [${min}-${max}) are already in use` });
      used.add(next);
      return next++;
    };
    for (const [id, app] of to) {
      const old = from.get(id);
      if (old && JSON.stringify(old) === JSON.stringify(app)) continue;
      const ports = servicePorts(app);
      if (!ports.includes(0)) continue;
      const reusable = (old ? servicePorts(old) : []).filter((p) => p >= min && p <= max && !ports.includes(p));
      const assigned = ports.map((p) => (p === 0 ? reusable.shift() ?? fresh() : p));
      const updated = structuredClone(app);
      if (updated.container?.portMappings?.length) {
        updated.container.portMappings = updated.container.portMappings.map((m, i) => ({ ...m, servicePort: assigned[i]! }));
      } else if (updated.portDefinitions) {
        updated.portDefinitions = updated.portDefinitions.map((d, i) => ({ ...d, port: assigned[i]! }));
      }
      to.set(id, updated);
    }
    return to;
  }

  /** DeploymentPlan.apply */
  private plan(
    original: Map<string, App>,
    target: Map<string, App>,
    version: string,
    toKill: Map<string, string[]>,
    groups: Plan['groups'],
    pods: Plan['pods'],
    restart: Set<string>,
  ): Plan {
    const steps: Action[][] = [];
    const pod = true as const;
    steps.push([
      ...[...original.keys()].filter((id) => !target.has(id)).map((app) => ({ action: 'StopApplication' as const, app })),
      ...[...pods.original.keys()].filter((id) => !pods.target.has(id)).map((app) => ({ action: 'StopApplication' as const, app, pod })),
    ]);
    steps.push([
      ...[...target.keys()].filter((id) => !original.has(id)).map((app) => ({ action: 'StartApplication' as const, app, scaleTo: 0 })),
      ...[...pods.target.keys()].filter((id) => !pods.original.has(id)).map((app) => ({ action: 'StartApplication' as const, app, pod, scaleTo: 0 })),
    ]);
    const changed = [...target.values()].filter((a) => JSON.stringify(original.get(a.id)) !== JSON.stringify(a)).map((a) => a.id);
    // Layers by longest dependency path (app and group dependencies), dependencies first.
    const paths = longestPaths(target, groups.target);
    const depth = (id: string) => paths.get(id) ?? 0;
    const layers = new Map<number, string[]>();
    for (const id of changed) layers.set(depth(id), [...(layers.get(depth(id)) ?? []), id]);
    let podsPlaced = false;
    for (const d of [...layers.keys()].sort((a, b) => a - b)) {
      const actions: Action[] = [];
      for (const id of layers.get(d)!) {
        const now = target.get(id)!;
        const before = original.get(id);
        if (!before) actions.push({ action: 'ScaleApplication', app: id, scaleTo: now.instances });
        else if ((!isUpgrade(before, now) && before.instances !== now.instances) || now.instances === 0) {
          actions.push({ action: 'ScaleApplication', app: id, scaleTo: now.instances });
        } else if (isUpgrade(before, now) || JSON.stringify(before.versionInfo) !== JSON.stringify(now.versionInfo)) {
          actions.push({ action: 'RestartApplication', app: id });
        }
      }
      // pods depend on nothing: they go with the first layer
      if (!podsPlaced) actions.push(...this.podActions(pods, restart));
      podsPlaced = true;
      steps.push(actions);
    }
    if (!podsPlaced) steps.push(this.podActions(pods, restart));
    const filtered = steps.filter((s) => s.length);
    const affected = new Set(filtered.flatMap((s) => s.map((a) => a.app)));
    return { id: randomUUID(), version, originalVersion: this.state.rootVersion, original, target, groups, pods, steps: filtered, affected, toKill };
  }

  /** ScalePod for a new pod or a new instance count, RestartPod for a changed definition. */
  private podActions(pods: Plan['pods'], restart: Set<string>): Action[] {
    const out: Action[] = [];
    for (const [id, now] of pods.target) {
      const before = pods.original.get(id);
      if (before === now) continue;
      const n = now.scaling.instances;
      // a new pod, an instance count alone, or none: scale; any other change (a PUT of the same definition too): restart
      const sameConfig = before !== undefined && podConfig(before) === podConfig(now);
      if (!before || n === 0 || (sameConfig && before.scaling.instances !== n)) out.push({ action: 'ScaleApplication', app: id, pod: true, scaleTo: n });
      else if (!sameConfig || restart.has(id)) out.push({ action: 'RestartApplication', app: id, pod: true });
    }
    return out;
  }

  // ---- JSON ----

  stepJson(step: Action[]): Record<string, unknown> {
    return { actions: step.map((a) => ({ action: actionName(a), [a.pod ? 'pod' : 'app']: a.app })) };
  }

  planJson(plan: Plan, light: boolean): Record<string, unknown> {
    if (light) return { id: plan.id, steps: plan.steps.map((s) => this.stepJson(s)), version: plan.version };
    return {
      id: plan.id,
      original: groupJson(plan.original, plan.groups.original, plan.originalVersion, '/', plan.pods.original),
      target: groupJson(plan.target, plan.groups.target, plan.version, '/', plan.pods.target),
      steps: plan.steps.map((s) => this.stepJson(s)),
      version: plan.version,
    };
  }

  /** GET /v2/deployments entries (DeploymentStepInfoWrites). */
  listJson(): Array<Record<string, unknown>> {
    return [...this.running.values()].map((r) => {
      const step = r.plan.steps[Math.max(0, r.currentStep - 1)] ?? [];
      return {
        id: r.plan.id,
        version: r.plan.version,
        affectedApps: [...r.plan.affected].filter((id) => !isPodOf(r.plan, id)),
        affectedPods: [...r.plan.affected].filter((id) => isPodOf(r.plan, id)),
        steps: r.plan.steps.map((s) => this.stepJson(s)),
        currentActions: step.map((a) => ({
          action: actionName(a),
          [a.pod ? 'pod' : 'app']: a.app,
          readinessCheckResults: r.readiness.resultsOf(a.app),
        })),
        currentStep: r.currentStep,
        totalSteps: r.plan.steps.length,
      };
    });
  }

  // ---- execution ----

  private register(plan: Plan): Run {
    const run = newRun(plan, this.stepReadiness());
    this.metrics.deployments.inc();
    this.running.set(plan.id, run);
    void this.state.persist(`deployment ${plan.id}`, () => this.state.store.storeDeployment(toStored(plan, 0)));
    return run;
  }

  private async execute(run: Run): Promise<void> {
    const { plan } = run;
    try {
      for (let i = 0; i < plan.steps.length; i++) {
        if (run.cancelled) throw new Cancelled();
        run.currentStep = i + 1;
        // Each step starts with no readiness results (a new DeploymentStepInfo).
        run.readiness.reset();
        const step = plan.steps[i]!;
        this.bus.emit('deployment_info', { plan: this.planJson(plan, false), currentStep: this.stepJson(step) }, { plan: this.planJson(plan, true), currentStep: this.stepJson(step) });
        // Each action's app registers its checks (a stopped app's are gone already).
        for (const a of step) {
          const app = this.state.apps.get(a.app);
          if (app) this.health.addAllFor(app);
        }
        await Promise.all(step.map((a) => this.runAction(run, a)));
        if (run.cancelled) throw new Cancelled();
        this.bus.emit('deployment_step_success', { plan: this.planJson(plan, false), currentStep: this.stepJson(step) }, { plan: this.planJson(plan, true), currentStep: this.stepJson(step) });
      }
      this.finish(run);
      this.bus.emit('deployment_success', { id: plan.id, plan: this.planJson(plan, false) }, { id: plan.id, plan: this.planJson(plan, true) });
      log.info(`Deployment ${plan.id} finished`);
    } catch (err) {
      if (!(err instanceof Cancelled)) {
        log.error(`Deployment ${plan.id} failed: ${(err as Error).message}`);
        this.finish(run);
        this.bus.emit('deployment_failed', { id: plan.id, plan: this.planJson(plan, false) }, { id: plan.id, plan: this.planJson(plan, true) });
      }
    }
  }

  private finish(run: Run): void {
    run.readiness.stop();
    this.running.delete(run.plan.id);
    void this.state.persist(`deployment ${run.plan.id}`, () => this.state.store.deleteDeployment(run.plan.id));
  }

  private stopRun(run: Run, reason: string): void {
    run.cancelled = true;
    this.finish(run);
    this.changed();
    this.bus.emit(
      'deployment_failed',
      { id: run.plan.id, plan: this.planJson(run.plan, false), reason },
      { id: run.plan.id, plan: this.planJson(run.plan, true), reason },
    );
  }

  private waitFor(run: Run, done: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (run.cancelled) {
          cleanup();
          reject(new Cancelled());
        } else if (done()) {
          cleanup();
          resolve();
        }
      };
      const timer = setInterval(check, 1000);
      const cleanup = () => {
        clearInterval(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  private async runAction(run: Run, a: Action): Promise<void> {
    if (a.pod) return this.runPodAction(run, a);
    const sched = this.scheduler();
    switch (a.action) {
      case 'StartApplication':
        return;
      case 'ScaleApplication': {
        for (const taskId of run.plan.toKill.get(a.app) ?? []) {
          const t = this.state.tasks.get(taskId);
          if (t && !t.killing && !TERMINAL.has(t.state)) sched.kill(t);
        }
        // Only the tasks of the new version need a readiness check (TaskStartActor); those of
        // an earlier one, running or still starting, count as they are.
        const version = this.state.apps.get(a.app)?.version;
        run.readiness.await(a.app, (t) => t.version !== version);
        sched.scheduleReconcile();
        const n = a.scaleTo ?? 0;
        await this.waitFor(run, () => {
          if (!this.state.apps.has(a.app)) return true;
          const live = this.state.liveTasksOf(a.app);
          const active = live.filter((t) => !t.killing && t.state !== 'TASK_UNREACHABLE');
          return active.length === n && active.filter((t) => sched.ready(t)).length === n && live.every((t) => !t.killing);
        });
        run.readiness.stop(a.app);
        return;
      }
      case 'RestartApplication': {
        // Every task of the new version must pass (TaskReplaceActor).
        run.readiness.await(a.app, () => false);
        try {
          await this.whileRestarting(a.app, () =>
            this.waitFor(run, () => {
              const app = this.state.apps.get(a.app);
              if (!app) return true;
              const live = this.state.liveTasksOf(a.app);
              const old = live.filter((t) => t.version !== app.version);
              const fresh = live.filter((t) => t.version === app.version && !t.killing);
              return old.length === 0 && fresh.length === app.instances && fresh.filter((t) => sched.ready(t)).length === app.instances;
            }),
          );
        } finally {
          run.readiness.stop(a.app);
        }
        return;
      }
      case 'StopApplication': {
        // Its checks go before its tasks are killed (DeploymentActor.stopRunnable).
        if (!this.state.apps.has(a.app)) this.health.removeAllFor(a.app);
        sched.scheduleReconcile();
        await this.waitFor(run, () => this.state.liveTasksOf(a.app).length === 0 || this.state.apps.has(a.app));
        if (!this.state.apps.has(a.app)) {
          this.health.stopApp(a.app);
          this.bus.emit('app_terminated_event', { appId: a.app });
        }
        return;
      }
    }
  }

  /** A pod's step: as for apps, with instances (every container's task) in place of tasks. */
  private async runPodAction(run: Run, a: Action): Promise<void> {
    const sched = this.scheduler();
    const pods = sched.pods;
    const live = () => pods.instancesOf(a.app).filter((i) => !i.tasks.every((t) => TERMINAL.has(t.state)));
    sched.scheduleReconcile();
    switch (a.action) {
      case 'StartApplication':
        return;
      case 'ScaleApplication': {
        const n = a.scaleTo ?? 0;
        await this.waitFor(run, () => {
          if (!this.state.pods.has(a.app)) return true;
          const active = live().filter((i) => !i.killing && i.condition !== 'Unreachable');
          return active.length === n && active.every((i) => pods.ready(i)) && live().every((i) => !i.killing);
        });
        return;
      }
      case 'RestartApplication': {
        await this.whileRestarting(a.app, () =>
          this.waitFor(run, () => {
            const pod = this.state.pods.get(a.app);
            if (!pod) return true;
            const fresh = live().filter((i) => i.version === pod.version && !i.killing);
            return live().every((i) => i.version === pod.version) && fresh.length === pod.scaling.instances && fresh.every((i) => pods.ready(i));
          }),
        );
        return;
      }
      case 'StopApplication': {
        // DeploymentActor.stopRunnable: its backoff goes, a pod made again starts at once
        const gone = run.plan.pods.original.get(a.app);
        if (gone) sched.resetDelay(podBackoff(gone));
        await this.waitFor(run, () => live().length === 0 || this.state.pods.has(a.app));
        if (!this.state.pods.has(a.app)) this.bus.emit('app_terminated_event', { appId: a.app });
        return;
      }
    }
  }

  /** Runs a restart step's wait with the run spec marked as restarting (the schedulers replace its old instances meanwhile). */
  private async whileRestarting(id: string, wait: () => Promise<void>): Promise<void> {
    this.restartingApps.set(id, (this.restartingApps.get(id) ?? 0) + 1);
    this.scheduler().scheduleReconcile();
    try {
      await wait();
    } finally {
      const n = (this.restartingApps.get(id) ?? 1) - 1;
      if (n > 0) this.restartingApps.set(id, n);
      else this.restartingApps.delete(id);
      this.scheduler().scheduleReconcile();
    }
  }

  /** DELETE /v2/deployments/{id}: ?force=true just stops it (202), otherwise a rollback deployment. */
  async cancel(id: string, force: boolean): Promise<Plan | undefined> {
    const run = this.running.get(id);
    if (!run) throw new ApiError(404, { message: `DeploymentPlan ${id} does not exist` });
    if (force) {
      this.stopRun(run, 'The deployment has been canceled');
      this.scheduler().scheduleReconcile();
      return undefined;
    }
    const { original, target, groups } = run.plan;
    // DeploymentPlan.revert: the plan's apps as they were, its new groups gone, dependencies restored.
    return this.updateTree(
      '/',
      ({ apps, pods, groups: now }) => {
        for (const id of run.plan.affected) {
          const before = original.get(id);
          if (before) apps.set(id, structuredClone(before));
          else if (target.has(id)) apps.delete(id);
          const podBefore = run.plan.pods.original.get(id);
          if (podBefore) pods.set(id, structuredClone(podBefore));
          else if (run.plan.pods.target.has(id)) pods.delete(id);
        }
        // Only the groups the plan changed: restored, or gone again if it made them and they hold no app.
        for (const id of new Set([...groups.original.keys(), ...groups.target.keys()])) {
          const before = groups.original.get(id);
          if (JSON.stringify(before) === JSON.stringify(groups.target.get(id))) continue;
          if (before) now.set(id, structuredClone(before));
          else if (!transitiveApps(apps, id).length && !transitiveApps(pods, id).length) now.delete(id);
        }
      },
      { force: true },
    );
  }

  /** After winning the election: run stored deployments again from their first step. */
  async resume(): Promise<void> {
    for (const d of await this.state.store.loadDeployments()) {
      const plan: Plan = {
        id: d.id,
        version: d.version,
        originalVersion: this.state.rootVersion,
        original: new Map(d.original.map((a) => [a.id, a])),
        target: new Map(d.target.map((a) => [a.id, a])),
        groups: { original: this.state.groups, target: this.state.groups },
        pods: { original: new Map((d.originalPods ?? []).map((p) => [p.id, p])), target: new Map((d.targetPods ?? []).map((p) => [p.id, p])) },
        steps: d.steps.map((s) =>
          s.actions.map((a) => ({
            action: a.action as ActionName,
            app: a.app,
            ...(a.pod ? { pod: true as const } : {}),
            scaleTo: (a.pod ? this.state.pods.get(a.app)?.scaling.instances : this.state.apps.get(a.app)?.instances) ?? 0,
          })),
        ),
        affected: new Set(d.steps.flatMap((s) => s.actions.map((a) => a.app))),
        toKill: new Map(),
      };
      log.info(`Resuming deployment ${plan.id}`);
      const run = newRun(plan, this.stepReadiness());
      this.metrics.deployments.inc();
      this.running.set(plan.id, run);
      void this.execute(run);
    }
  }

  stopAll(): void {
    for (const r of this.running.values()) {
      r.cancelled = true;
      r.readiness.stop();
    }
    this.running.clear();
    this.restartingApps.clear();
    this.changed();
  }
}

/** DeploymentAction.actionName: Start/Stop/Scale/Restart + Application or Pod. */
function actionName(a: Action): string {
  return a.pod ? a.action.replace('Application', 'Pod') : a.action;
}

const isPodOf = (plan: Plan, id: string) => plan.pods.target.has(id) || plan.pods.original.has(id);

function newRun(plan: Plan, readiness: StepReadiness): Run {
  return { plan, currentStep: 0, cancelled: false, readiness };
}

function toStored(plan: Plan, currentStep: number): StoredDeployment {
  return {
    id: plan.id,
    version: plan.version,
    original: [...plan.affected].map((id) => plan.original.get(id)).filter((a): a is App => !!a),
    target: [...plan.affected].map((id) => plan.target.get(id)).filter((a): a is App => !!a),
    originalPods: [...plan.affected].map((id) => plan.pods.original.get(id)).filter((p): p is Pod => !!p),
    targetPods: [...plan.affected].map((id) => plan.pods.target.get(id)).filter((p): p is Pod => !!p),
    steps: plan.steps.map((s) => ({ actions: s.map((a) => ({ action: a.action, app: a.app, ...(a.pod ? { pod: true } : {}) })) })),
    currentStep,
  };
}
