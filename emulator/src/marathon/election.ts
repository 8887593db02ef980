// Leader election as Marathon's Curator LeaderLatch does it: an ephemeral
// sequential `<zk path>/leader-curator/_c_<uuid>-latch-<seq>` holding
// "host:port"; the lowest sequence leads. With --disable_ha there is no
// election and this instance always leads.
import { randomUUID } from 'node:crypto';
import { makeLogger } from '../common/log.js';
import type { Zk } from '../common/zk.js';

const log = makeLogger('Election');

export interface ElectionListener {
  elected(): void;
  defeated(): void;
}

const seqOf = (name: string) => {
  const i = name.lastIndexOf('latch-');
  return i >= 0 ? Number(name.slice(i + 6)) : Number.NaN;
};

export class Election {
  isLeader = false;
  leaderHostPort: string | undefined;
  private myNode: string | undefined;
  private stopped = false;

  private zk: Zk | undefined;

  constructor(
    private readonly myHostPort: string,
    private readonly listener: ElectionListener,
    /** the --zk path; undefined with --disable_ha */
    private readonly path?: string,
  ) {}

  /** Joins the election on this ZooKeeper session (or leads at once without HA). */
  async start(zk?: Zk): Promise<void> {
    this.zk = zk;
    if (!this.path || !zk) {
      this.leaderHostPort = this.myHostPort;
      this.setLeader(true);
      return;
    }
    await this.join();
  }

  private async join(): Promise<void> {
    const zk = this.zk!;
    const latch = `${this.path}/leader-curator`;
    await zk.mkdirp(latch);
    const created = await zk.createEphemeralSequential(`${latch}/_c_${randomUUID()}-latch-`, Buffer.from(this.myHostPort));
    this.myNode = created.slice(created.lastIndexOf('/') + 1);
    log.info(`Joined the leader election as ${created}`);
    await this.check();
  }

  private async check(): Promise<void> {
    if (this.stopped) return;
    const zk = this.zk!;
    const latch = `${this.path}/leader-curator`;
    try {
      const children = (await zk.getChildren(latch, () => void this.check()))
        .filter((c) => !Number.isNaN(seqOf(c)))
        .sort((a, b) => seqOf(a) - seqOf(b));
      const first = children[0];
      if (first) {
        const data = await zk.getData(`${latch}/${first}`);
        this.leaderHostPort = data?.toString('utf8');
      } else this.leaderHostPort = undefined;
      this.setLeader(first !== undefined && first === this.myNode);
      if (this.myNode && !children.includes(this.myNode)) {
        // Our node is gone (session expired): stand down and rejoin.
        this.setLeader(false);
        this.myNode = undefined;
        await this.join();
      }
    } catch (err) {
      log.warn(`Leader check failed: ${(err as Error).message}`);
      setTimeout(() => void this.check(), 1000);
    }
  }

  private setLeader(leader: boolean): void {
    if (leader === this.isLeader) return;
    this.isLeader = leader;
    if (leader) {
      log.info('Elected as leader');
      this.listener.elected();
    } else {
      log.info('Lost leadership');
      this.listener.defeated();
    }
  }

  /** The session is gone: we are not leading any more. */
  lost(): void {
    this.myNode = undefined;
    this.leaderHostPort = undefined;
    this.setLeader(false);
  }

  /** DELETE /v2/leader: give up the latch; the watch rejoins behind the others. */
  async abdicate(): Promise<void> {
    if (!this.zk || !this.myNode) {
      this.setLeader(false);
      this.setLeader(true);
      return;
    }
    await this.zk.removeRecursive(`${this.path}/leader-curator/${this.myNode}`);
  }

  stop(): void {
    this.stopped = true;
  }
}
