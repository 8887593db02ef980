// Runs single containers of one role on a throwaway labelled network, for the
// emulator contract tests: the emulated images, or under
// MESOS_UP_TEST_IMAGES=official the official ones, with what they need to run in
// a container taken from the cluster plan. The host reaches them only on 127.0.0.1.
import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { inject, it, type TestFunction } from 'vitest';
import { defaultSpec } from '../../src/config/defaults.js';
import { connectEngine } from '../../src/engine/connect.js';
import { describe as describeContainer, demux, removeContainer } from '../../src/engine/containers.js';
import { execIn } from '../../src/engine/exec.js';
import { planAgent, planMarathon, planMaster, planZookeeper, type PlanContext } from '../../src/plan/cluster.js';
import { emulatedImage, EMULATED_TARGETS, imageSet } from '../../src/plan/images.js';
import type { ContainerPlan } from '../../src/plan/types.js';
import { version } from '../../src/version.js';
import type { Role } from '../../src/config/schema.js';
import type { TestImages } from '../support/test-images.js';

export type Target = 'zookeeper' | 'mesos-master' | 'mesos-agent' | 'marathon';

const roleOf = Object.fromEntries(Object.entries(EMULATED_TARGETS).map(([role, target]) => [target, role])) as Record<Target, Role>;

/** The images the global setup chose (test/support/test-images.ts); emulated when nothing was provided. */
export const TEST_IMAGES: TestImages = inject('mesosUpTestImages') ?? {
  flavour: 'emulated',
  images: { zookeeper: emulatedImage('zookeeper', version), master: emulatedImage('master', version), agent: emulatedImage('agent', version), marathon: emulatedImage('marathon', version) },
};
export const OFFICIAL = TEST_IMAGES.flavour === 'official';
/**
 * The official images were asked for and no registry answers: the files that
 * need them skip (`describe.skipIf(officialImagesMissing)`); the global setup
 * has said so in one line.
 */
export const officialImagesMissing = TEST_IMAGES.unavailable !== undefined;

/**
 * `it` for a test of something only our emulators have (their stand-in
 * endpoints, their labels, their way of running Docker tasks): skipped against
 * the official images, with the reason in its name.
 */
export const itEmulatorOnly =
  (reason: string) =>
  (name: string, fn: TestFunction, timeout?: number): void =>
    OFFICIAL ? it.skip(`${name} [emulator only: ${reason}]`, fn, timeout) : it(name, fn, timeout);

/**
 * Settings of the cluster plan that configure the cluster (where ZooKeeper is,
 * quorum, work directories, resources, containerizers, Marathon's ports): each
 * test sets those itself, and some leave them out on purpose. Every other env
 * variable and flag of the plan adapts the official image to running in a
 * container (advertised address, no systemd, no user switching, POSIX
 * isolation, ZooKeeper's four-letter words), and the harness adds it.
 */
const CONFIGURED_BY_TESTS = new Set([
  'MESOS_ZK', 'MESOS_MASTER', 'MESOS_QUORUM', 'MESOS_REGISTRY', 'MESOS_WORK_DIR', 'MESOS_CLUSTER', 'MESOS_RESOURCES',
  'MESOS_CONTAINERIZERS', 'MESOS_DOCKER_SOCKET', '--master', '--zk', '--http_port', '--local_port_min', '--local_port_max',
]);

/** What `up` would run for `role` at `ip` (src/plan/cluster.ts), with the default cluster.yaml and the official images. */
function officialPlan(role: Role, ip: string): ContainerPlan {
  const spec = defaultSpec();
  const ctx: PlanContext = { spec, images: imageSet(spec, 'official', version), cliVersion: version, runId: 'contract-test' };
  const zkIp = '0.0.0.0'; // ZooKeeper's address is the test's to set (CONFIGURED_BY_TESTS)
  if (role === 'zookeeper') return planZookeeper(ctx, ip);
  if (role === 'master') return planMaster(ctx, 1, zkIp, ip);
  if (role === 'agent') return planAgent(ctx, 1, zkIp, ip);
  return planMarathon(ctx, zkIp, ip);
}

/** `--flag value` / `--flag=value` / `--flag` groups of a command line, by flag name. */
function flagGroups(cmd: string[]): Array<{ flag: string; args: string[] }> {
  const out: Array<{ flag: string; args: string[] }> = [];
  for (const arg of cmd) {
    if (arg.startsWith('--')) out.push({ flag: arg.split('=')[0]!, args: [arg] });
    else if (out.length) out[out.length - 1]!.args.push(arg);
  }
  return out;
}

/** The test's env and command for the official image of `role`, completed from the plan. */
function forOfficialImage(role: Role, ip: string, env: Record<string, string>, cmd: string[] | undefined): { env: Record<string, string>; cmd?: string[]; entrypoint?: string[] } {
  const plan = officialPlan(role, ip);
  const planEnv = Object.fromEntries(Object.entries(plan.env).filter(([k]) => !CONFIGURED_BY_TESTS.has(k)));
  const given = new Set(flagGroups(cmd ?? []).map((g) => g.flag));
  const planFlags = flagGroups(plan.cmd).filter((g) => !CONFIGURED_BY_TESTS.has(g.flag) && !given.has(g.flag)).flatMap((g) => g.args);
  const fullCmd = cmd || planFlags.length ? [...(cmd ?? []), ...planFlags] : undefined;
  return { env: { ...planEnv, ...env }, ...(fullCmd ? { cmd: fullCmd } : {}), ...(plan.entrypoint ? { entrypoint: plan.entrypoint } : {}) };
}

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

  async inspectRunning(): Promise<boolean> {
    return (await this.docker.getContainer(this.id).inspect()).State.Running;
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

  /** next static address for an official-image container (see run) */
  private nextAddress = 100;

  async run(opts: RunOptions): Promise<TestContainer> {
    const role = roleOf[opts.target];
    const image = TEST_IMAGES.images[role];
    // The official images advertise the address they are told (MESOS_IP,
    // --hostname, from the plan): each gets a static one, as under `up`.
    const ip = OFFICIAL ? (opts.ip ?? this.address(this.nextAddress++)) : opts.ip;
    const { env, cmd, entrypoint } = OFFICIAL ? forOfficialImage(role, ip!, opts.env ?? {}, opts.cmd) : { env: opts.env ?? {}, cmd: opts.cmd, entrypoint: undefined };
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
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      ...(cmd ? { Cmd: cmd } : {}),
      ...(entrypoint ? { Entrypoint: entrypoint } : {}),
      Labels: this.labels,
      ExposedPorts: exposed,
      HostConfig: { PortBindings: bindings, Binds: opts.binds ?? [], NetworkMode: this.name },
      NetworkingConfig: { EndpointsConfig: { [this.name]: { Aliases: [opts.name], ...(ip ? { IPAMConfig: { IPv4Address: ip } } : {}) } } },
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
