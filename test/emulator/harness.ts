// Runs single emulated containers on a throwaway labelled network, for the
// emulator contract tests. The host reaches them only on 127.0.0.1.
import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { connectEngine } from '../../src/engine/connect.js';
import { describe as describeContainer, demux, removeContainer } from '../../src/engine/containers.js';
import { execIn } from '../../src/engine/exec.js';
import { emulatedImage, EMULATED_TARGETS } from '../../src/plan/images.js';
import { version } from '../../src/version.js';
import type { Role } from '../../src/config/schema.js';

export type Target = 'zookeeper' | 'mesos-master' | 'mesos-agent' | 'marathon';

const roleOf = Object.fromEntries(Object.entries(EMULATED_TARGETS).map(([role, target]) => [target, role])) as Record<Target, Role>;

export interface RunOptions {
  name: string;
  target: Target;
  env?: Record<string, string>;
  cmd?: string[];
  publish?: number[];
  binds?: string[];
  /** static address on the test network (the network has a /24 the engine picked) */
  ip?: string;
}

export class TestContainer {
  constructor(
    private readonly docker: Docker,
    readonly id: string,
    readonly name: string,
    public ip: string,
    private portMap: Map<number, number>,
    private readonly network: string,
  ) {}

  hostPort(port: number): number {
    const p = this.portMap.get(port);
    if (!p) throw new Error(`${this.name}: port ${port} is not published`);
    return p;
  }

  url(port: number): string {
    return `http://127.0.0.1:${this.hostPort(port)}`;
  }

  async logs(): Promise<string> {
    const buf = (await this.docker.getContainer(this.id).logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    return demux(buf);
  }

  /** Runs a command inside the container; resolves with its output and exit code. */
  exec(cmd: string[]): Promise<{ output: string; exitCode: number }> {
    return execIn(this.docker, this.id, cmd);
  }

  async stop(timeoutSec = 10): Promise<void> {
    await this.docker.getContainer(this.id).stop({ t: timeoutSec }).catch(() => undefined);
  }

  async kill(signal = 'SIGKILL'): Promise<void> {
    await this.docker.getContainer(this.id).kill({ signal }).catch(() => undefined);
  }

  /** Starts a stopped container again; published host ports may change. */
  async start(): Promise<void> {
    await this.docker.getContainer(this.id).start();
    const d = describeContainer(await this.docker.getContainer(this.id).inspect(), this.network);
    this.ip = d.ip;
    this.portMap = d.ports;
  }
}

export class TestNet {
  private containers: TestContainer[] = [];
  private constructor(
    readonly docker: Docker,
    readonly name: string,
    readonly id: string,
    readonly labels: Record<string, string>,
    /** e.g. 172.20.0.0/24 style prefix "172.20.0." for static addresses */
    readonly prefix: string,
  ) {}

  static async create(purpose: string): Promise<TestNet> {
    const docker = await connectEngine({ timeoutMs: 5000 });
    const name = `mesos-up-test-${purpose}-${randomBytes(3).toString('hex')}`;
    const labels = { 'io.mesos-up.test': purpose, 'io.mesos-up.cluster': name };
    const probe = await docker.createNetwork({ Name: name, Driver: 'bridge', Labels: labels });
    const info = (await probe.inspect()) as { IPAM?: { Config?: Array<{ Subnet?: string; Gateway?: string }> } };
    const cfg = info.IPAM!.Config!.find((c) => c.Subnet && !c.Subnet.includes(':'))!;
    await probe.remove();
    const net = await docker.createNetwork({ Name: name, Driver: 'bridge', Labels: labels, IPAM: { Driver: 'default', Config: [{ Subnet: cfg.Subnet!, ...(cfg.Gateway ? { Gateway: cfg.Gateway } : {}) }] } });
    const prefix = cfg.Subnet!.split('/')[0]!.split('.').slice(0, 3).join('.') + '.';
    return new TestNet(docker, name, net.id, labels, prefix);
  }

  /** A static address on this network: `net.address(200)` → "172.x.y.200". */
  address(last: number): string {
    return `${this.prefix}${last}`;
  }

  async run(opts: RunOptions): Promise<TestContainer> {
    const image = emulatedImage(roleOf[opts.target], version);
    const name = `${this.name}-${opts.name}`;
    const exposed: Record<string, object> = {};
    const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
    for (const p of opts.publish ?? []) {
      exposed[`${p}/tcp`] = {};
      bindings[`${p}/tcp`] = [{ HostIp: '127.0.0.1', HostPort: '' }];
    }
    const container = await this.docker.createContainer({
      name,
      Image: image,
      Hostname: opts.name,
      Env: Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
      ...(opts.cmd ? { Cmd: opts.cmd } : {}),
      Labels: this.labels,
      ExposedPorts: exposed,
      HostConfig: { PortBindings: bindings, Binds: opts.binds ?? [], NetworkMode: this.name },
      NetworkingConfig: { EndpointsConfig: { [this.name]: { Aliases: [opts.name], ...(opts.ip ? { IPAMConfig: { IPv4Address: opts.ip } } : {}) } } },
    });
    await container.start();
    const d = describeContainer(await container.inspect(), this.name);
    const c = new TestContainer(this.docker, d.id, name, d.ip, d.ports, this.name);
    this.containers.push(c);
    return c;
  }

  /** Removes every container labelled for this network (task containers included), then the network. */
  async cleanup(): Promise<void> {
    const all = await this.docker.listContainers({ all: true, filters: { label: [`io.mesos-up.cluster=${this.name}`] } });
    await Promise.all(all.map((c) => removeContainer(this.docker, c.Id)));
    await this.docker.getNetwork(this.id).remove().catch(() => undefined);
  }
}

/**
 * Polls `fn` until it returns a value other than undefined/false, or throws after
 * `timeoutMs`. The bound only guards against a hang: what is awaited has no
 * deadline of its own, and a loaded machine (CI runs beside stress-ng) can take
 * many times longer than an idle one, so it is generous; time targets are in bench/.
 */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
