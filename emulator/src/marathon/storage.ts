// Persistent state under `<--zk path>/state/<category>/<hash bucket>/<id>[/<version>]`,
// the layout of Marathon's ZkPersistenceStore (payloads are our own JSON, not
// Marathon's protobuf). `--internal_store_backend mem` keeps it in memory.
import type { Zk } from '../common/zk.js';
import type { App } from './app/types.js';
import type { Pod } from './pod/types.js';
import { javaHashCode, safeId } from './util.js';

/** A key/value tree: ZooKeeper, or a map for the in-memory backend. */
export interface Tree {
  put(path: string, data: Buffer): Promise<void>;
  get(path: string): Promise<Buffer | undefined>;
  children(path: string): Promise<string[]>;
  remove(path: string): Promise<void>;
}

export class ZkTree implements Tree {
  constructor(private readonly zk: Zk) {}
  put(path: string, data: Buffer): Promise<void> {
    return this.zk.put(path, data);
  }
  async get(path: string): Promise<Buffer | undefined> {
    return this.zk.getData(path);
  }
  async children(path: string): Promise<string[]> {
    try {
      return await this.zk.getChildren(path);
    } catch (err) {
      if ((err as { getCode?: () => number }).getCode?.() === -101) return []; // NO_NODE
      throw err;
    }
  }
  remove(path: string): Promise<void> {
    return this.zk.removeRecursive(path);
  }
}

export class MemTree implements Tree {
  private nodes = new Map<string, Buffer>();
  async put(path: string, data: Buffer): Promise<void> {
    this.nodes.set(path, data);
  }
  async get(path: string): Promise<Buffer | undefined> {
    return this.nodes.get(path);
  }
  async children(path: string): Promise<string[]> {
    const prefix = `${path}/`;
    const out = new Set<string>();
    for (const k of this.nodes.keys()) if (k.startsWith(prefix)) out.add(k.slice(prefix.length).split('/')[0]!);
    return [...out];
  }
  async remove(path: string): Promise<void> {
    for (const k of [...this.nodes.keys()]) if (k === path || k.startsWith(`${path}/`)) this.nodes.delete(k);
  }
}

/** A tree whose backend arrives later (ZooKeeper connects after the HTTP server is up) and may be replaced. */
export class SwitchableTree implements Tree {
  private current: Promise<Tree>;
  private resolveFirst!: (t: Tree) => void;
  constructor() {
    this.current = new Promise((r) => (this.resolveFirst = r));
  }
  set(tree: Tree): void {
    this.resolveFirst(tree);
    this.current = Promise.resolve(tree);
  }
  async put(path: string, data: Buffer): Promise<void> {
    return (await this.current).put(path, data);
  }
  async get(path: string): Promise<Buffer | undefined> {
    return (await this.current).get(path);
  }
  async children(path: string): Promise<string[]> {
    return (await this.current).children(path);
  }
  async remove(path: string): Promise<void> {
    return (await this.current).remove(path);
  }
}

const bucket = (id: string) => Math.abs(javaHashCode(id) % 16).toString(16);

export interface StoredDeployment {
  id: string;
  version: string;
  /** app ids with the definitions before and after, so a restart can resume or revert */
  original: App[];
  target: App[];
  originalPods?: Pod[];
  targetPods?: Pod[];
  steps: Array<{ actions: Array<{ action: string; app: string; pod?: boolean }> }>;
  currentStep: number;
}

export interface TaskFailure {
  appId: string;
  host: string;
  message: string;
  state: string;
  taskId: string;
  timestamp: string;
  version: string;
  slaveId: string | null;
}

export interface StoredRoot {
  id: '/';
  version: string;
  /** app id → the app version this root held */
  apps: Record<string, string>;
  /** pod id → the pod version this root held */
  pods?: Record<string, string>;
  /** every group, the root included (absent in roots stored before groups were kept) */
  groups?: Array<{ id: string; dependencies: string[] }>;
}

export class Store {
  constructor(
    private readonly tree: Tree,
    /** `<zk path>/state` */
    private readonly root: string,
    private readonly maxVersions: number,
  ) {}

  private path(category: string, id: string, version?: string): string {
    return `${this.root}/${category}/${bucket(id)}/${id}${version ? `/${version}` : ''}`;
  }

  private async list<T>(category: string): Promise<T[]> {
    const out: T[] = [];
    for (const b of await this.tree.children(`${this.root}/${category}`)) {
      for (const id of await this.tree.children(`${this.root}/${category}/${b}`)) {
        const data = await this.tree.get(`${this.root}/${category}/${b}/${id}`);
        if (data && data.length) {
          try {
            out.push(JSON.parse(data.toString('utf8')) as T);
          } catch {
            /* not ours: ignore */
          }
        }
      }
    }
    return out;
  }

  private put(path: string, value: unknown): Promise<void> {
    return this.tree.put(path, Buffer.from(JSON.stringify(value)));
  }

  // apps: the current definition at <id>, every version below it
  loadApps(): Promise<App[]> {
    return this.list<App>('apps');
  }

  storeApp(app: App): Promise<void> {
    return this.storeVersioned('apps', app.id, app.version, app);
  }

  /** The current definition at <id> and a copy at <id>/<version>; versions beyond --zk_max_versions go, the oldest first. */
  private async storeVersioned(category: string, runSpecId: string, version: string, value: unknown): Promise<void> {
    const id = safeId(runSpecId);
    await this.put(this.path(category, id, version), value);
    await this.put(this.path(category, id), value);
    const versions = (await this.tree.children(this.path(category, id))).sort();
    for (const old of versions.slice(0, Math.max(0, versions.length - this.maxVersions))) {
      await this.tree.remove(this.path(category, id, old));
    }
  }

  /**
   * The current definition goes; its versions stay (up to --zk_max_versions), as
   * Marathon's GC keeps the app versions stored root versions refer to: a
   * group rollback can bring a deleted app back.
   */
  deleteApp(appId: string): Promise<void> {
    return this.tree.put(this.path('apps', safeId(appId)), Buffer.alloc(0));
  }

  /** Stored versions, newest first. */
  async appVersions(appId: string): Promise<string[]> {
    return (await this.tree.children(this.path('apps', safeId(appId)))).sort().reverse();
  }

  async appVersion(appId: string, version: string): Promise<App | undefined> {
    const data = await this.tree.get(this.path('apps', safeId(appId), version));
    return data && data.length ? (JSON.parse(data.toString('utf8')) as App) : undefined;
  }

  // pods, like apps: the current definition at <id>, every version below it
  loadPods(): Promise<Pod[]> {
    return this.list<Pod>('pods');
  }

  storePod(pod: Pod): Promise<void> {
    return this.storeVersioned('pods', pod.id, pod.version, pod);
  }

  /** The definition goes, its versions stay (a group rollback can bring it back). */
  deletePod(podId: string): Promise<void> {
    return this.tree.put(this.path('pods', safeId(podId)), Buffer.alloc(0));
  }

  /** Stored versions, newest first. */
  async podVersions(podId: string): Promise<string[]> {
    return (await this.tree.children(this.path('pods', safeId(podId)))).sort().reverse();
  }

  async podVersion(podId: string, version: string): Promise<Pod | undefined> {
    const data = await this.tree.get(this.path('pods', safeId(podId), version));
    return data && data.length ? (JSON.parse(data.toString('utf8')) as Pod) : undefined;
  }

  // The root group: the current one at group/root (its version, apps and
  // groups), and each version below it with the app versions it held, for
  // /v2/groups/…/versions and rollbacks. Versions beyond --zk_max_versions go.
  async loadRoot(): Promise<StoredRoot | undefined> {
    const data = await this.tree.get(this.path('group', 'root'));
    return data && data.length ? (JSON.parse(data.toString('utf8')) as StoredRoot) : undefined;
  }

  async storeRoot(root: StoredRoot): Promise<void> {
    await this.put(this.path('group', 'root', root.version), root);
    await this.put(this.path('group', 'root'), root);
    const versions = (await this.tree.children(this.path('group', 'root'))).sort();
    for (const old of versions.slice(0, Math.max(0, versions.length - this.maxVersions))) {
      await this.tree.remove(this.path('group', 'root', old));
    }
  }

  /** Stored root versions, newest first. */
  async rootVersions(): Promise<string[]> {
    return (await this.tree.children(this.path('group', 'root'))).sort().reverse();
  }

  async rootAt(version: string): Promise<StoredRoot | undefined> {
    const data = await this.tree.get(this.path('group', 'root', version));
    return data && data.length ? (JSON.parse(data.toString('utf8')) as StoredRoot) : undefined;
  }

  // deployments in flight
  loadDeployments(): Promise<StoredDeployment[]> {
    return this.list<StoredDeployment>('deployment');
  }

  storeDeployment(d: StoredDeployment): Promise<void> {
    return this.put(this.path('deployment', d.id), d);
  }

  deleteDeployment(id: string): Promise<void> {
    return this.tree.remove(this.path('deployment', id));
  }

  // The framework id Mesos gave us. Marathon reads it through its caching store
  // (LazyCachingPersistenceStore); here too, so /v2/info, which every client polls,
  // does not wait on a ZooKeeper read. Only the leader writes it, through this store.
  private frameworkIdCache?: { value: string | undefined };

  async frameworkId(): Promise<string | undefined> {
    if (this.frameworkIdCache) return this.frameworkIdCache.value;
    const data = await this.tree.get(this.path('framework-id', 'id'));
    const value = data && data.length ? (JSON.parse(data.toString('utf8')) as { value: string }).value : undefined;
    this.frameworkIdCache ??= { value };
    return this.frameworkIdCache.value;
  }

  async storeFrameworkId(value: string): Promise<void> {
    await this.put(this.path('framework-id', 'id'), { value });
    this.frameworkIdCache = { value };
  }

  /** Forget what was read, e.g. on gaining leadership after another Marathon led. */
  forgetCached(): void {
    this.frameworkIdCache = undefined;
  }

  async deleteFrameworkId(): Promise<void> {
    this.frameworkIdCache = { value: undefined };
    await this.tree.remove(this.path('framework-id', 'id'));
  }

  // instances (one task each for apps)
  loadInstances<T>(): Promise<T[]> {
    return this.list<T>('instance');
  }

  storeInstance(instanceId: string, value: unknown): Promise<void> {
    return this.put(this.path('instance', instanceId), value);
  }

  deleteInstance(instanceId: string): Promise<void> {
    return this.tree.remove(this.path('instance', instanceId));
  }

  // the last task failure per app
  loadTaskFailures(): Promise<TaskFailure[]> {
    return this.list<TaskFailure>('taskFailures');
  }

  storeTaskFailure(f: TaskFailure): Promise<void> {
    return this.put(this.path('taskFailures', safeId(f.appId)), f);
  }

  deleteTaskFailure(appId: string): Promise<void> {
    return this.tree.remove(this.path('taskFailures', safeId(appId)));
  }
}
