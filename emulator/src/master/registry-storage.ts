// Where the registry document lives. A real 1.7 master with
// --registry=replicated_log keeps it in a replicated log whose replicas sit in
// every master's --work_dir; the emulated masters share it instead in one
// ZooKeeper znode, <--zk path>/mesos-up-registry, written compare-and-set so a
// deposed leader cannot overwrite what its successor wrote. Without --zk, or
// with --registry=in_memory, it lives in this process's memory.
import { sortCandidates } from '../common/master-info.js';
import { parseZkUrl, Zk } from '../common/zk.js';
import type { MasterConfig } from './config.js';

export interface RegistryStorage {
  /** for the logs: where the registry is kept */
  readonly where: string;
  /** The stored document and its version (-1: nothing stored yet). */
  fetch(signal: AbortSignal): Promise<{ data: Buffer | undefined; version: number }>;
  /** Stores `data` if the document is still at `version`; the new version, or undefined when someone else wrote in between. */
  store(data: Buffer, version: number, signal: AbortSignal): Promise<number | undefined>;
  close(): void;
}

export class MemoryStorage implements RegistryStorage {
  readonly where = 'memory';
  private version = -1;
  constructor(private data: Buffer | undefined = undefined) {
    if (data) this.version = 0;
  }

  async fetch(): Promise<{ data: Buffer | undefined; version: number }> {
    return { data: this.data, version: this.version };
  }

  async store(data: Buffer, version: number): Promise<number | undefined> {
    if (version !== this.version) return undefined;
    this.data = data;
    return ++this.version;
  }

  close(): void {}
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ZkStorage implements RegistryStorage {
  readonly where: string;
  private readonly connect: string;
  /** the election group: every running master is a member, as every master runs a log replica */
  private readonly group: string;
  private readonly path: string;
  private session: Promise<Zk> | undefined;

  constructor(
    zkUrl: string,
    private readonly sessionTimeoutMs: number,
    private readonly quorum: number,
  ) {
    const url = parseZkUrl(zkUrl);
    this.connect = url.connect;
    this.group = url.path;
    this.path = `${url.path === '/' ? '' : url.path}/mesos-up-registry`;
    this.where = `ZooKeeper node ${this.path}`;
  }

  async fetch(signal: AbortSignal): Promise<{ data: Buffer | undefined; version: number }> {
    const zk = await this.zk();
    await this.awaitQuorum(zk, signal);
    const got = await zk.getVersioned(this.path);
    return got ? { data: got.data, version: got.version } : { data: undefined, version: -1 };
  }

  async store(data: Buffer, version: number, signal: AbortSignal): Promise<number | undefined> {
    const zk = await this.zk();
    await this.awaitQuorum(zk, signal);
    return zk.setVersioned(this.path, data, version);
  }

  close(): void {
    this.session?.then((zk) => zk.close()).catch(() => undefined);
  }

  /** One session of its own, opened on first use and again after it expires. */
  private zk(): Promise<Zk> {
    if (!this.session) {
      const session = Zk.connect(this.connect, { sessionTimeout: this.sessionTimeoutMs });
      this.session = session;
      session.then(
        (zk) => zk.onExpired(() => {
          if (this.session === session) this.session = undefined;
          zk.close();
        }),
        () => {
          if (this.session === session) this.session = undefined;
        },
      );
    }
    return this.session;
  }

  /**
   * A replicated log reads and writes only while a quorum of its replicas
   * answers; a registry operation without one waits until it times out
   * (--registry_fetch_timeout, --registry_store_timeout), as a real one does.
   */
  private async awaitQuorum(zk: Zk, signal: AbortSignal): Promise<void> {
    for (;;) {
      // (the registrar has given up: the operation must not happen late)
      if (signal.aborted) throw new Error('timed out waiting for a quorum of masters');
      if (sortCandidates(await zk.getChildren(this.group)).length >= this.quorum) return;
      await sleep(250);
    }
  }
}

/** ZooKeeper for --registry=replicated_log with --zk (shared by the masters), memory otherwise. */
export function registryStorage(cfg: MasterConfig): RegistryStorage {
  if (cfg.flags.registry === 'replicated_log' && cfg.zk) return new ZkStorage(cfg.zk, cfg.zkSessionTimeoutMs, Number(cfg.flags.quorum ?? 1));
  return new MemoryStorage();
}
