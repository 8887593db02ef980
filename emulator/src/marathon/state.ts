// In-memory view of Marathon's state (apps = the root group, tasks, last task
// failures), written through to the Store so a restarted Marathon resumes.
import type { App } from './app/types.js';
import type { Pod, PodInstance } from './pod/types.js';
import { makeLogger } from '../common/log.js';
import { ensureAncestors, rootGroups, type Groups } from './groups.js';
import type { Store, TaskFailure } from './storage.js';
import { isActive, isStaged, TERMINAL, type TaskRecord } from './tasks.js';
import { timestamp } from './util.js';

const log = makeLogger('State');

export class State {
  apps = new Map<string, App>();
  pods = new Map<string, Pod>();
  podInstances = new Map<string, PodInstance>();
  /** every group, the root included; each carries rootVersion */
  groups: Groups = rootGroups();
  tasks = new Map<string, TaskRecord>();
  failures = new Map<string, TaskFailure>();
  rootVersion: string = timestamp();
  /** serializes store writes so their order is kept */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(readonly store: Store) {}

  async load(): Promise<void> {
    this.apps = new Map((await this.store.loadApps()).map((a) => [a.id, a]));
    this.pods = new Map((await this.store.loadPods()).map((p) => [p.id, p]));
    const instances = await this.store.loadInstances<TaskRecord | PodInstance>();
    this.tasks = new Map(instances.filter((t): t is TaskRecord => 'taskId' in t && !!t.taskId).map((t) => [t.taskId, t]));
    this.podInstances = new Map(instances.filter((i): i is PodInstance => 'podId' in i).map((i) => [i.instanceId, i]));
    this.failures = new Map((await this.store.loadTaskFailures()).map((f) => [f.appId, f]));
    const root = await this.store.loadRoot();
    this.rootVersion = root?.version ?? timestamp();
    this.groups = new Map((root?.groups ?? []).map((g) => [g.id, g]));
    ensureAncestors(this.apps, this.groups, this.pods);
    log.info(`Loaded ${this.apps.size} apps, ${this.pods.size} pods, ${this.tasks.size} tasks and ${this.podInstances.size} pod instances from the store`);
  }

  clear(): void {
    this.apps.clear();
    this.pods.clear();
    this.podInstances.clear();
    this.groups = rootGroups();
    this.tasks.clear();
    this.failures.clear();
  }

  /** Queues a store write; errors are logged, not thrown (the in-memory state is the truth while leading). */
  persist(what: string, fn: () => Promise<unknown>): Promise<void> {
    const p = this.writes.then(fn).catch((err) => log.error(`Persisting ${what} failed: ${(err as Error).message}`));
    this.writes = p;
    return p as Promise<void>;
  }

  flush(): Promise<unknown> {
    return this.writes;
  }

  saveTask(t: TaskRecord): void {
    this.tasks.set(t.taskId, t);
    void this.persist(`task ${t.taskId}`, () => this.store.storeInstance(t.instanceId, t));
  }

  removeTask(t: TaskRecord): void {
    this.tasks.delete(t.taskId);
    void this.persist(`task ${t.taskId}`, () => this.store.deleteInstance(t.instanceId));
  }

  savePodInstance(i: PodInstance): void {
    this.podInstances.set(i.instanceId, i);
    void this.persist(`pod instance ${i.instanceId}`, () => this.store.storeInstance(i.instanceId, i));
  }

  removePodInstance(i: PodInstance): void {
    this.podInstances.delete(i.instanceId);
    void this.persist(`pod instance ${i.instanceId}`, () => this.store.deleteInstance(i.instanceId));
  }

  saveFailure(f: TaskFailure): void {
    this.failures.set(f.appId, f);
    void this.persist(`task failure of ${f.appId}`, () => this.store.storeTaskFailure(f));
  }

  tasksOf(appId: string): TaskRecord[] {
    return [...this.tasks.values()].filter((t) => t.appId === appId);
  }

  /** Tasks that are not terminal (they show up in the API). */
  liveTasksOf(appId: string): TaskRecord[] {
    return this.tasksOf(appId).filter((t) => !TERMINAL.has(t.state));
  }

  activeTasksOf(appId: string): TaskRecord[] {
    return this.tasksOf(appId).filter(isActive);
  }

  stagedCount(appId: string): number {
    return this.liveTasksOf(appId).filter(isStaged).length;
  }

  runningCount(appId: string): number {
    return this.liveTasksOf(appId).filter((t) => t.state === 'TASK_RUNNING').length;
  }
}
