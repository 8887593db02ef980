// A small promise wrapper over node-zookeeper-client: just what Mesos and
// Marathon do with ZooKeeper (leader znodes, watches, persistent state).
import net from 'node:net';
import zookeeper from 'node-zookeeper-client';

export interface ZkUrl {
  /** host:port[,host:port] as ZooKeeper clients take it */
  connect: string;
  /** chroot-like path, e.g. /mesos */
  path: string;
}

/** `zk://[user:pass@]h1:2181,h2:2181/mesos` → { connect, path } */
export function parseZkUrl(url: string): ZkUrl {
  const m = /^zk:\/\/(?:[^@/]+@)?([^/]+)(\/.*)?$/.exec(url.trim());
  if (!m) throw new Error(`Expecting 'zk://' at the beginning of the URL, got '${url}'`);
  const path = (m[2] ?? '/').replace(/\/+$/, '') || '/';
  return { connect: m[1]!, path };
}

export type Watch = () => void;

/**
 * Whether any server of `connect` (host:port,host:port) is serving, by its
 * answer to `ruok` within `timeoutMs`: imok, or a refusal to run four-letter
 * words at all (a server that refuses ruok is up). A server still loading its
 * data answers that it is not serving yet, and one whose container has no
 * address yet does not answer.
 */
function anyServing(connect: string, timeoutMs: number): Promise<boolean> {
  const servers = connect.split(',').map((hp) => {
    const i = hp.lastIndexOf(':');
    return i < 0 ? { host: hp, port: 2181 } : { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
  });
  return new Promise((resolve) => {
    let pending = servers.length;
    const sockets = servers.map(({ host, port }) => {
      const sock = net.connect({ host, port });
      let answer = '';
      let settled = false;
      const done = () => {
        if (settled) return;
        settled = true;
        sock.destroy();
        if (answer === 'imok' || /whitelist/i.test(answer)) {
          clearTimeout(timer);
          for (const s of sockets) s.destroy();
          resolve(true);
        } else if (--pending === 0) {
          clearTimeout(timer);
          resolve(false);
        }
      };
      sock.setEncoding('utf8');
      sock.once('connect', () => sock.end('ruok'));
      sock.on('data', (d: string) => { answer += d; });
      sock.once('close', done);
      sock.once('error', done);
      return sock;
    });
    const timer = setTimeout(() => {
      for (const s of sockets) s.destroy();
      resolve(false);
    }, timeoutMs);
  });
}

export class Zk {
  readonly client: zookeeper.Client;
  private constructor(client: zookeeper.Client) {
    this.client = client;
  }

  /** Connects, retrying until `timeoutMs`; ZooKeeper may still be starting. */
  static async connect(connect: string, opts: { sessionTimeout?: number; timeoutMs?: number } = {}): Promise<Zk> {
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    for (;;) {
      // A session asked for before ZooKeeper serves can go unanswered, and
      // until its container has an address a connection gets no answer at all:
      // either way the client would sit out its whole connect timeout. So wait
      // until ZooKeeper says it serves, in short tries.
      if (!(await anyServing(connect, 500))) {
        if (Date.now() > deadline) throw new Error(`Could not connect to ZooKeeper at ${connect}`);
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const client = zookeeper.createClient(connect, { sessionTimeout: opts.sessionTimeout ?? 10_000, spinDelay: 100, retries: 0 });
      const ok = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 5000);
        client.once('connected', () => { clearTimeout(timer); resolve(true); });
        // A ZooKeeper still starting can answer the session request with a
        // zero timeout: the client calls that expired and stops retrying.
        client.once('expired', () => { clearTimeout(timer); resolve(false); });
        client.connect();
      });
      if (ok) return new Zk(client);
      client.close();
      if (Date.now() > deadline) throw new Error(`Could not connect to ZooKeeper at ${connect}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Resolves when the session expires: callers then exit or rebuild their state. */
  onExpired(fn: () => void): void {
    this.client.on('state', (state: zookeeper.State) => {
      if (state === zookeeper.State.EXPIRED) fn();
    });
  }

  close(): void {
    this.client.close();
  }

  async mkdirp(path: string): Promise<void> {
    if (path === '/' || path === '') return;
    await new Promise<void>((resolve, reject) =>
      this.client.mkdirp(path, (err) => (err ? reject(err) : resolve())),
    );
  }

  create(path: string, data: Buffer | undefined, mode: number): Promise<string> {
    return new Promise((resolve, reject) =>
      this.client.create(path, data ?? null as unknown as Buffer, mode, (err, created) => (err ? reject(err) : resolve(created))),
    );
  }

  createEphemeralSequential(path: string, data: Buffer): Promise<string> {
    return this.create(path, data, zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL);
  }

  createEphemeral(path: string, data: Buffer): Promise<string> {
    return this.create(path, data, zookeeper.CreateMode.EPHEMERAL);
  }

  getChildren(path: string, watch?: Watch): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const cb = (err: Error | zookeeper.Exception | null, children: string[]) => (err ? reject(err) : resolve(children));
      if (watch) this.client.getChildren(path, () => watch(), cb);
      else this.client.getChildren(path, cb);
    });
  }

  /** Data of a znode, or undefined when it does not exist. */
  getData(path: string, watch?: Watch): Promise<Buffer | undefined> {
    return new Promise((resolve, reject) => {
      const cb = (err: Error | zookeeper.Exception | null, data: Buffer) => {
        if (err && (err as zookeeper.Exception).getCode?.() === zookeeper.Exception.NO_NODE) return resolve(undefined);
        if (err) return reject(err);
        resolve(data ?? Buffer.alloc(0));
      };
      if (watch) this.client.getData(path, () => watch(), cb);
      else this.client.getData(path, cb);
    });
  }

  /** Data and version of a znode, or undefined when it does not exist (for compare-and-set writes). */
  getVersioned(path: string): Promise<{ data: Buffer; version: number } | undefined> {
    return new Promise((resolve, reject) =>
      this.client.getData(path, (err, data, stat) => {
        if (err && (err as zookeeper.Exception).getCode?.() === zookeeper.Exception.NO_NODE) return resolve(undefined);
        if (err) return reject(err);
        resolve({ data: data ?? Buffer.alloc(0), version: stat.version });
      }),
    );
  }

  /**
   * Compare-and-set: writes only while the znode is still at `version` (-1: it
   * must not exist yet, and is created with its parents). Resolves with the new
   * version, or undefined when someone else wrote (or created) it in between.
   */
  async setVersioned(path: string, data: Buffer, version: number): Promise<number | undefined> {
    if (version < 0) {
      await this.mkdirp(path.slice(0, path.lastIndexOf('/')) || '/');
      try {
        await this.create(path, data, zookeeper.CreateMode.PERSISTENT);
        return 0;
      } catch (err) {
        if ((err as zookeeper.Exception).getCode?.() === zookeeper.Exception.NODE_EXISTS) return undefined;
        throw err;
      }
    }
    return new Promise((resolve, reject) =>
      this.client.setData(path, data, version, (err, stat) => {
        const code = (err as zookeeper.Exception | null)?.getCode?.();
        if (code === zookeeper.Exception.BAD_VERSION || code === zookeeper.Exception.NO_NODE) return resolve(undefined);
        if (err) return reject(err);
        resolve(stat.version);
      }),
    );
  }

  /** Writes a persistent znode, creating it (and its parents) when missing. */
  async put(path: string, data: Buffer): Promise<void> {
    const exists = await new Promise<boolean>((resolve, reject) =>
      this.client.exists(path, (err, stat) => (err ? reject(err) : resolve(!!stat))),
    );
    if (!exists) {
      await this.mkdirp(path.slice(0, path.lastIndexOf('/')) || '/');
      try {
        await this.create(path, data, zookeeper.CreateMode.PERSISTENT);
        return;
      } catch (err) {
        if ((err as zookeeper.Exception).getCode?.() !== zookeeper.Exception.NODE_EXISTS) throw err;
      }
    }
    await new Promise<void>((resolve, reject) =>
      this.client.setData(path, data, -1, (err) => (err ? reject(err) : resolve())),
    );
  }

  /** Removes a znode and its children; missing is fine. */
  async removeRecursive(path: string): Promise<void> {
    let children: string[] = [];
    try {
      children = await this.getChildren(path);
    } catch (err) {
      if ((err as zookeeper.Exception).getCode?.() === zookeeper.Exception.NO_NODE) return;
      throw err;
    }
    for (const child of children) await this.removeRecursive(`${path}/${child}`);
    await new Promise<void>((resolve, reject) =>
      this.client.remove(path, -1, (err) => {
        if (err && (err as zookeeper.Exception).getCode?.() !== zookeeper.Exception.NO_NODE) reject(err);
        else resolve();
      }),
    );
  }
}
