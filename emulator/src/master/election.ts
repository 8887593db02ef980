// Leader election as mesos-master does it (src/master/contender/zookeeper.cpp,
// src/zookeeper/group.cpp): every master joins the group under the --zk path
// with an EPHEMERAL|SEQUENTIAL `json.info_` znode holding its MasterInfo JSON,
// and the member with the lowest sequence number leads. One ZooKeeper session
// serves both the candidacy and the watch, as in Mesos.
import { parseZkUrl, Zk } from '../common/zk.js';
import { sortCandidates, type MasterInfoJson } from '../common/master-info.js';

export interface ElectionEvents {
  /** the current leader (undefined: none); `self` true when it is this master */
  leader(info: MasterInfoJson | undefined, self: boolean): void;
  /** the candidacy is gone (session expired or znode removed) */
  lostCandidacy(reason: string): void;
  log(msg: string): void;
}

export class Election {
  private zk: Zk | undefined;
  private path: string;
  private connect: string;
  private node: string | undefined;
  private closed = false;
  private expired = false;
  /** each watch chain carries the generation it belongs to; older chains stop */
  private generation = 0;

  constructor(
    zkUrl: string,
    private readonly sessionTimeoutMs: number,
    private readonly info: MasterInfoJson,
    private readonly events: ElectionEvents,
  ) {
    const url = parseZkUrl(zkUrl);
    this.path = url.path;
    this.connect = url.connect;
  }

  async start(): Promise<void> {
    const zk = await Zk.connect(this.connect, { sessionTimeout: this.sessionTimeoutMs, timeoutMs: 10 * 365 * 86_400_000 });
    if (this.closed) {
      zk.close();
      return;
    }
    this.zk = zk;
    this.expired = false;
    zk.onExpired(() => {
      if (this.closed || zk !== this.zk) return;
      this.expired = true;
      this.node = undefined;
      this.events.lostCandidacy('ZooKeeper session expired');
    });
    await zk.mkdirp(this.path);
    const gen = ++this.generation;
    await this.contend();
    await this.watch(gen);
  }

  /** Joins the group again after losing the candidacy as a follower (with a new session when the old one expired). */
  async recontend(): Promise<void> {
    if (this.closed) return;
    if (this.expired || !this.zk) {
      this.zk?.close();
      this.zk = undefined;
      await this.start();
      return;
    }
    const gen = ++this.generation;
    await this.contend();
    await this.watch(gen);
  }

  private async contend(): Promise<void> {
    const created = await this.zk!.createEphemeralSequential(`${this.path}/json.info_`, Buffer.from(JSON.stringify(this.info), 'utf8'));
    this.node = created.slice(created.lastIndexOf('/') + 1);
    this.events.log(`Created ZooKeeper node ${created} for this master's candidacy`);
  }

  private async watch(gen: number): Promise<void> {
    if (this.closed || gen !== this.generation || !this.zk) return;
    const zk = this.zk;
    try {
      const children = await zk.getChildren(this.path, () => void this.watch(gen));
      if (gen !== this.generation) return;
      const candidates = sortCandidates(children);
      if (this.node && !candidates.includes(this.node)) {
        const lost = this.node;
        this.node = undefined;
        this.events.lostCandidacy(`ZooKeeper node ${this.path}/${lost} vanished`);
        return;
      }
      const first = candidates[0];
      if (!first) return this.events.leader(undefined, false);
      if (first === this.node) return this.events.leader(this.info, true);
      const data = await zk.getData(`${this.path}/${first}`);
      if (!data) return void setTimeout(() => void this.watch(gen), 100);
      this.events.leader(JSON.parse(data.toString('utf8')) as MasterInfoJson, false);
    } catch (err) {
      if (this.closed || gen !== this.generation) return;
      this.events.log(`Failed to watch the ZooKeeper group: ${(err as Error).message}; retrying`);
      setTimeout(() => void this.watch(gen), 1000);
    }
  }

  /** Closes the session so the znode goes away now rather than after the session timeout. */
  close(): void {
    this.closed = true;
    this.zk?.close();
  }
}
