// Finds the leading Mesos master the way agents and schedulers do: from
// ZooKeeper (`zk://…/mesos`) or a fixed `host:port`; reports every change.
import { parseZkUrl, Zk } from './zk.js';
import { sortCandidates, type MasterInfoJson } from './master-info.js';

export interface LeaderAddress {
  /** host:port to send HTTP to (the IP when known, as Mesos does) */
  endpoint: string;
  hostname: string;
  port: number;
  info?: MasterInfoJson;
}

export type LeaderListener = (leader: LeaderAddress | undefined) => void;

export class MasterDetector {
  private current: LeaderAddress | undefined;
  private listeners: LeaderListener[] = [];
  private zk: Zk | undefined;
  private stopped = false;

  constructor(private readonly master: string) {}

  get leader(): LeaderAddress | undefined {
    return this.current;
  }

  onChange(fn: LeaderListener): void {
    this.listeners.push(fn);
  }

  async start(): Promise<void> {
    if (!this.master.startsWith('zk://')) {
      const spec = this.master.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
      const [host, port] = spec.split(':');
      this.set({ endpoint: `${host}:${port ?? 5050}`, hostname: host!, port: Number(port ?? 5050) });
      return;
    }
    const url = parseZkUrl(this.master);
    this.zk = await Zk.connect(url.connect);
    this.zk.onExpired(() => {
      // A new session has no watches: start over.
      if (this.stopped) return;
      this.zk?.close();
      void this.start();
    });
    await this.zk.mkdirp(url.path);
    await this.watch(url.path);
  }

  /** Resolves with the first known leader (waits while there is none). */
  waitForLeader(signal?: AbortSignal): Promise<LeaderAddress> {
    if (this.current) return Promise.resolve(this.current);
    return new Promise((resolve, reject) => {
      const fn: LeaderListener = (l) => {
        if (!l) return;
        this.listeners = this.listeners.filter((x) => x !== fn);
        resolve(l);
      };
      this.listeners.push(fn);
      signal?.addEventListener('abort', () => reject(new Error('aborted')));
    });
  }

  stop(): void {
    this.stopped = true;
    this.zk?.close();
  }

  private async watch(path: string): Promise<void> {
    if (this.stopped || !this.zk) return;
    try {
      const children = await this.zk.getChildren(path, () => void this.watch(path));
      const first = sortCandidates(children)[0];
      if (!first) return this.set(undefined);
      const data = await this.zk.getData(`${path}/${first}`);
      if (!data) return void this.watch(path);
      const info = JSON.parse(data.toString('utf8')) as MasterInfoJson;
      const ip = info.address?.ip ?? info.hostname;
      const port = info.address?.port ?? info.port;
      this.set({ endpoint: `${ip}:${port}`, hostname: info.hostname, port, info });
    } catch (err) {
      if (this.stopped) return;
      console.error(`Failed to detect the leading master: ${(err as Error).message}`);
      setTimeout(() => void this.watch(path), 1000);
    }
  }

  private set(leader: LeaderAddress | undefined): void {
    if (leader?.endpoint === this.current?.endpoint && leader?.info?.id === this.current?.info?.id) return;
    this.current = leader;
    for (const fn of [...this.listeners]) fn(leader);
  }
}
