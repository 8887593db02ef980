// The docker containerizer + docker executor for `container.type: DOCKER`
// tasks, through the Docker Engine API on the mounted socket.
//
// The agent itself runs in a container, so "the host" of a real agent maps to
// the agent container here: HOST networking joins the agent's network
// namespace, BRIDGE joins the agent's Docker network, and each host_port is
// served on the agent's address by a TCP proxy to the task container.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as L from '../common/resource-list.js';
import { sandboxVolumes } from './checkpointed.js';
import { DockerEngine, DockerError, type ContainerInspect } from './docker.js';
import { PortProxy } from './port-proxy.js';
import { commandEnvironment, executorEnvironment, TaskExecutor, type ExecutorContext } from './executor.js';
import { fetchUris } from './sandbox.js';
import type { NestedProcess } from './nested.js';
import type { CommandInfo, HealthCheck, PortMapping } from './types.js';
import { glogLine, sleep } from './util.js';
import { engineStatsUsage, type Usage } from './usage.js';

const DOCKER_NAME_PREFIX = 'mesos-';
const CPU_SHARES_PER_CPU = 1024;
const MIN_CPU_SHARES = 2;
const MIN_MEMORY_MB = 32;
const EXECUTOR_CPUS = 0.1;
const EXECUTOR_MEM_MB = 32;

/** What the agent knows about the container it runs in. */
export interface SelfContainer {
  id?: string;
  /** the Docker network carrying the agent's --ip */
  network?: string;
  /** io.mesos-up.* labels that task containers inherit (cluster, run, …) */
  labels: Record<string, string>;
  /** the agent's mounts: where its paths are on the engine's host */
  mounts?: Array<{ source: string; destination: string }>;
  /** the DNS servers the agent's container was given (the Mesos-DNS add-on) */
  dns?: string[];
}

/**
 * Where `dir` (a path in the agent container) is on the engine's host, when it
 * lies on one of the agent's mounts (the image makes the work directory a
 * volume): the engine can then bind it into a task container.
 */
export function hostPathOf(self: SelfContainer, dir: string): string | undefined {
  const m = (self.mounts ?? [])
    .filter((x) => dir === x.destination || dir.startsWith(`${x.destination.replace(/\/$/, '')}/`))
    .sort((a, b) => b.destination.length - a.destination.length)[0];
  return m ? path.join(m.source, path.relative(m.destination, dir)) : undefined;
}

export interface DockerSupport {
  engine: DockerEngine;
  self: SelfContainer;
  /** host ports with a live proxy, agent-wide */
  proxies: Map<number, PortProxy>;
}

export const AGENT_LABEL = 'io.mesos-up.agent';

/**
 * Removes task containers an earlier run of this agent container left behind
 * (--docker_kill_orphans). Only this agent's own: several agents share one engine.
 */
export async function killOrphans(engine: DockerEngine, self: SelfContainer, log: (m: string) => void): Promise<void> {
  if (!self.id) return;
  const filters = encodeURIComponent(JSON.stringify({ label: [`${AGENT_LABEL}=${self.id}`] }));
  const list = (await engine.call<Array<{ Id: string; Names?: string[] }>>('GET', `/containers/json?all=1&filters=${filters}`)).body;
  for (const c of list) {
    log(`Killing orphaned container ${c.Names?.[0]?.replace(/^\//, '') ?? c.Id}`);
    await engine.remove(c.Id).catch(() => undefined);
  }
}

/** Reads the agent's own container: its network and the labels tasks should carry. */
export async function inspectSelf(engine: DockerEngine, ip: string, candidates: Array<string | undefined>): Promise<SelfContainer> {
  let info: ContainerInspect | undefined;
  for (const c of candidates) {
    if (!c) continue;
    info = await engine.inspectContainer(c).catch(() => undefined);
    if (info) break;
  }
  if (!info) return { labels: {} };
  const networks = Object.entries(info.NetworkSettings?.Networks ?? {});
  const network = (networks.find(([, n]) => n.IPAddress === ip) ?? networks[0])?.[0];
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(info.Config?.Labels ?? {})) {
    // Per-container identity and image labels stay with the agent.
    if (!k.startsWith('io.mesos-up.')) continue;
    if (['io.mesos-up.role', 'io.mesos-up.index', 'io.mesos-up.context', 'io.mesos-up.config-hash', AGENT_LABEL].includes(k)) continue;
    labels[k] = v;
  }
  labels['io.mesos-up.role'] = 'task';
  // Which agent started the container, so a restarted agent can clean up after itself.
  labels[AGENT_LABEL] = info.Id;
  const mounts = (info.Mounts ?? []).filter((x) => x.Source && x.Destination).map((x) => ({ source: x.Source!, destination: x.Destination! }));
  const dns = info.HostConfig?.Dns ?? [];
  return { id: info.Id, network, labels, mounts, ...(dns.length ? { dns } : {}) };
}

function dockerExitCodeFor(err: Error): number {
  // What the docker CLI exits with when `docker run` itself fails.
  if (/executable file not found|no such file or directory/i.test(err.message)) return 127;
  if (/permission denied|cannot execute/i.test(err.message)) return 126;
  return 125;
}

export class DockerExecutor extends TaskExecutor {
  protected readonly defaultGraceMs: number;
  private readonly name: string;
  private containerId: string | undefined;

  /**
   * A session under this task. The Docker containerizer of 1.7.1 refuses
   * nested containers ("Nested containers are not supported"), so only a
   * MESOS container with an image (run here through Docker) has them: the
   * command runs by docker exec in the task's container, in a process group
   * of its own whose id a wrapper notes so KILL_NESTED_CONTAINER can signal
   * it; no stdin.
   */
  override startNested(command: CommandInfo): NestedProcess | { error: string } | undefined {
    if (!this.ucr) return { error: 'Nested containers are not supported' };
    const container = this.containerId;
    if (!container || this.terminated) return undefined;
    const pidFile = `/tmp/.mesos-up-nested-${randomUUID()}`;
    const argv = (command.shell ?? true) ? ['/bin/sh', '-c', command.value ?? ''] : [command.value ?? 'false', ...(command.arguments ?? []).slice(1)];
    // setsid when the image has it, so the whole session is one group to signal
    const cmd = ['/bin/sh', '-c', `echo $$ > ${pidFile}; if command -v setsid >/dev/null; then exec setsid "$@"; else exec "$@"; fi`, 'sh', ...argv];
    const env = (command.environment?.variables ?? []).filter((v) => v.type !== 'SECRET').map((v) => `${v.name}=${v.value ?? ''}`);
    const listeners: Array<(stream: 'STDOUT' | 'STDERR', data: Buffer) => void> = [];
    const engine = this.engine;
    const exited = engine
      .execStream(container, cmd, env, (stream, data) => listeners.forEach((l) => l(stream === 2 ? 'STDERR' : 'STDOUT', data)))
      .then((code) => (code < 0 ? 1 : code) << 8, () => 1 << 8);
    void exited.then(() => engine.exec(container, ['rm', '-f', pidFile]).catch(() => undefined));
    // (the pid file may not be written yet when a kill comes right after the launch)
    const killScript = (signal: number) =>
      `for i in 1 2 3 4 5 6 7 8 9 10; do [ -s ${pidFile} ] && break; sleep 0.1; done; p=$(cat ${pidFile}); kill -${signal} -- -$p 2>/dev/null || kill -${signal} $p`;
    return {
      onOutput: (fn) => void listeners.push(fn),
      write: () => undefined,
      end: () => undefined,
      kill: (signal) => void engine.exec(container, ['/bin/sh', '-c', killScript(signal)]).catch(() => undefined),
      exited,
    };
  }

  override async usage(): Promise<Usage> {
    if (!this.containerId || this.terminated) return {};
    return engineStatsUsage(await this.engine.stats(this.containerId));
  }
  private containerIp: string | undefined;
  private readonly myProxies: PortProxy[] = [];
  private stopping: Promise<void> | undefined;
  private mappings: PortMapping[] = [];

  constructor(
    ctx: ExecutorContext,
    private readonly docker: DockerSupport,
    /** a MESOS container with a Docker image (run here through Docker) */
    private readonly ucr = false,
  ) {
    super(ctx);
    this.defaultGraceMs = ctx.cfg.executorShutdownGraceMs;
    this.name = `${DOCKER_NAME_PREFIX}${ctx.containerId}`;
  }

  private get image(): string {
    const c = this.ctx.task.container;
    return (this.ucr ? c?.mesos?.image?.docker?.name : c?.docker?.image) ?? '';
  }

  private get engine(): DockerEngine {
    return this.docker.engine;
  }

  protected async prepare(): Promise<void> {
    try {
      await fetchUris(this.ctx.task.command?.uris ?? [], this.ctx.directory, this.ctx.user);
    } catch (err) {
      throw new Error(`Failed to fetch all URIs for container '${this.ctx.containerId}': ${(err as Error).message}`);
    }
    const image = this.image;
    if (!image) throw new Error('No docker image found');
    const force = this.ctx.task.container?.docker?.force_pull_image === true;
    const present = await this.engine.imagePresent(image);
    if (present && !force) return;
    try {
      await this.engine.pull(image);
    } catch (err) {
      // No registry may be reachable: a forced pull falls back to the local copy.
      if (present) {
        this.sandboxLog(`Failed to pull '${image}', using the local image: ${(err as Error).message}`, 'W');
        return;
      }
      throw new Error(
        `Failed to run 'docker -H unix://${this.ctx.cfg.dockerSocket} pull ${image}': exited with status 1; stderr='Error response from daemon: ${(err as Error).message}\n'`,
      );
    }
  }

  /** The container's network mode, as `docker run --net` would get it from DockerInfo.network. */
  private networkMode(): { mode: string; attach?: string } {
    const c = this.ctx.task.container;
    const self = this.docker.self;
    const hostMode = self.id ? `container:${self.id}` : 'host';
    if (this.ucr) return { mode: hostMode };
    const network = c?.docker?.network ?? 'HOST';
    switch (network) {
      case 'BRIDGE':
        return self.network ? { mode: self.network, attach: self.network } : { mode: 'bridge' };
      case 'NONE':
        return { mode: 'none' };
      case 'USER': {
        const name = c?.network_infos?.[0]?.name;
        if (!name) throw new Error('No network info found in container info');
        return { mode: name, attach: name };
      }
      default:
        return { mode: hostMode };
    }
  }

  private stderr(msg: string): void {
    try {
      fs.appendFileSync(path.join(this.ctx.directory, 'stderr'), msg);
    } catch {
      /* sandbox gone */
    }
  }

  /** The `docker run` options of Docker::RunOptions::create, as an Engine API create body. */
  private createBody(net: { mode: string; attach?: string }): Record<string, unknown> {
    const { task, cfg } = this.ctx;
    const c = task.container ?? {};
    const docker = c.docker;
    const command = task.command ?? {};
    const shell = command.shell ?? true;
    const mapped = cfg.sandboxDirectory;

    // Environment.
    let env: Record<string, string>;
    if (this.ucr) {
      env = this.ctx.nested ? { MESOS_CONTAINER_IP: this.ctx.nested.containerIp } : executorEnvironment(this.ctx);
      env.MESOS_SANDBOX = mapped;
      env = commandEnvironment(this.ctx, env);
    } else {
      env = commandEnvironment(this.ctx, {});
      env.MESOS_SANDBOX = mapped;
      env.MESOS_CONTAINER_NAME = this.name;
    }

    // Resources: the task's plus the executor's allowance.
    const res = L.quantities(L.upgrade(task.resources ?? []));
    const cpus = res.cpus + EXECUTOR_CPUS;
    const memMb = Math.max(res.mem + EXECUTOR_MEM_MB, MIN_MEMORY_MB);

    const labels: Record<string, string> = { ...this.docker.self.labels };
    const extraEnv: string[] = [];
    const binds: string[] = [];
    const host: Record<string, unknown> = {
      NetworkMode: net.mode,
      // On a network of its own, a task resolves as its agent does (the agent's DNS servers: Mesos-DNS' .mesos names);
      // in the agent's network namespace it shares the agent's resolver anyway. A `dns` parameter replaces these.
      ...(net.attach && this.docker.self.dns ? { Dns: [...this.docker.self.dns] } : {}),
      CpuShares: Math.max(Math.floor(CPU_SHARES_PER_CPU * cpus), MIN_CPU_SHARES),
      Memory: Math.round(memMb * 1024 * 1024),
      Privileged: docker?.privileged === true,
      Binds: binds,
    };
    // The sandbox at MESOS_SANDBOX, as the docker containerizer mounts it, so
    // /files sees what the task writes; a work directory out of the engine's
    // reach (not on a volume of the agent) leaves an empty, writable one.
    const sandboxOnHost = hostPathOf(this.docker.self, this.ctx.directory);
    if (sandboxOnHost) binds.push(`${sandboxOnHost}:${mapped}:rw`);
    else host.Tmpfs = { [mapped]: 'rw,exec' };
    // Persistent volumes bound onto <sandbox>/<container_path>, as the docker containerizer mounts them.
    for (const v of sandboxVolumes(cfg.workDir!, L.upgrade(task.resources ?? []))) {
      const source = hostPathOf(this.docker.self, v.hostDir);
      if (source) binds.push(`${source}:${path.posix.join(mapped, v.name)}:rw`);
      else this.sandboxLog(`Skipping persistent volume ${v.id}: the agent's work directory is out of the Docker engine's reach`, 'W');
    }
    const config: Record<string, unknown> = { Image: this.image, Labels: labels, HostConfig: host };

    for (const v of c.volumes ?? []) {
      const containerPath = path.isAbsolute(v.container_path) ? v.container_path : path.join(mapped, v.container_path);
      const mode = v.mode === 'RO' ? 'ro' : 'rw';
      if (v.host_path) {
        if (!path.isAbsolute(v.host_path)) {
          this.sandboxLog(`Skipping volume '${v.host_path}:${v.container_path}': sandbox-relative host paths are not reachable by the Docker engine`, 'W');
          continue;
        }
        binds.push(`${v.host_path}:${containerPath}:${mode}`);
      } else if (this.ucr && v.source?.type === 'SANDBOX_PATH' && v.source.sandbox_path && !path.isAbsolute(v.source.sandbox_path.path)) {
        // a directory of the executor's sandbox (PARENT, nested containers) or of its own
        const dir = path.join(v.source.sandbox_path.type === 'PARENT' && this.ctx.nested ? this.ctx.nested.parentDirectory : this.ctx.directory, v.source.sandbox_path.path);
        fs.mkdirSync(dir, { recursive: true });
        const source = hostPathOf(this.docker.self, dir);
        if (source) binds.push(`${source}:${containerPath}:${mode}`);
        else this.sandboxLog(`Skipping SANDBOX_PATH volume '${v.container_path}': the agent's work directory is out of the Docker engine's reach`, 'W');
      } else if (v.source?.type === 'DOCKER_VOLUME' && v.source.docker_volume) {
        binds.push(`${v.source.docker_volume.name}:${containerPath}:${mode}`);
        if (v.source.docker_volume.driver) host.VolumeDriver = v.source.docker_volume.driver;
      }
    }

    if (c.hostname) {
      if (net.mode.startsWith('container:') || net.mode === 'host') throw new Error('Unable to set hostname with host network mode');
      config.Hostname = c.hostname;
    }

    let dnsGiven = false;
    for (const p of docker?.parameters ?? []) {
      const [k, v] = [p.key, p.value];
      switch (k) {
        case 'label':
        case 'l': {
          const eq = v.indexOf('=');
          labels[eq < 0 ? v : v.slice(0, eq)] = eq < 0 ? '' : v.slice(eq + 1);
          break;
        }
        case 'env':
        case 'e':
          extraEnv.push(v);
          break;
        case 'user':
        case 'u':
          config.User = v;
          break;
        case 'workdir':
        case 'w':
          config.WorkingDir = v;
          break;
        case 'hostname':
        case 'h':
          config.Hostname = v;
          break;
        case 'entrypoint':
          config.Entrypoint = [v];
          break;
        case 'add-host':
          host.ExtraHosts = [...((host.ExtraHosts as string[]) ?? []), v];
          break;
        case 'dns':
          host.Dns = [...(dnsGiven ? ((host.Dns as string[]) ?? []) : []), v];
          dnsGiven = true;
          break;
        case 'dns-search':
          host.DnsSearch = [...((host.DnsSearch as string[]) ?? []), v];
          break;
        case 'dns-opt':
        case 'dns-option':
          host.DnsOptions = [...((host.DnsOptions as string[]) ?? []), v];
          break;
        case 'cap-add':
          host.CapAdd = [...((host.CapAdd as string[]) ?? []), v];
          break;
        case 'cap-drop':
          host.CapDrop = [...((host.CapDrop as string[]) ?? []), v];
          break;
        case 'volume':
        case 'v':
          binds.push(v);
          break;
        case 'init':
          host.Init = v !== 'false';
          break;
        default:
          this.sandboxLog(`Ignoring docker parameter '--${k}=${v}': not supported by this agent`, 'W');
      }
    }

    if (shell) {
      if (!command.value) throw new Error('Shell specified but no command value provided');
      config.Entrypoint = ['/bin/sh'];
      config.Cmd = ['-c', command.value];
    } else {
      const args = [...(command.value ? [command.value] : []), ...(command.arguments ?? [])];
      if (args.length) config.Cmd = args;
    }
    config.Env = [...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...extraEnv];
    if (net.attach) config.NetworkingConfig = { EndpointsConfig: { [net.attach]: {} } };
    return config;
  }

  /** Port mappings must lie in the task's port resources (Docker::RunOptions::create). */
  private checkMappings(mode: string): PortMapping[] {
    const { task } = this.ctx;
    const mappings = this.ucr ? [] : (task.container?.docker?.port_mappings ?? []);
    if (!mappings.length) return [];
    if (mode === 'none' || mode === 'host' || mode.startsWith('container:')) {
      throw new Error('Port mappings are only supported for bridge and user-defined networks');
    }
    const ports = L.quantities(L.upgrade(task.resources ?? [])).ports;
    if (!ports.length) throw new Error('Port mappings require port resources');
    for (const m of mappings) {
      if (!ports.some((r) => m.host_port >= r.begin && m.host_port <= r.end)) {
        throw new Error(`Port [${m.host_port}] not included in resources`);
      }
    }
    return mappings;
  }

  protected async launch(): Promise<void> {
    const { task } = this.ctx;
    this.sandboxLog(`Starting task ${task.task_id.value}`);
    this.ctx.emit({ state: 'TASK_STARTING' });

    let net: { mode: string; attach?: string };
    let body: Record<string, unknown>;
    try {
      net = this.networkMode();
      if (net.attach && net.attach !== this.docker.self.network) {
        // A USER network that does not exist on this engine: use the agent's own.
        const exists = await this.engine.call('GET', `/networks/${encodeURIComponent(net.attach)}`).then(() => true, () => false);
        if (!exists && this.docker.self.network) {
          this.sandboxLog(`Docker network '${net.attach}' does not exist; using the agent's network '${this.docker.self.network}'`, 'W');
          net = { mode: this.docker.self.network, attach: this.docker.self.network };
        }
      }
      this.mappings = this.checkMappings(net.mode);
      body = this.createBody(net);
    } catch (err) {
      this.finish('TASK_FAILED', `Failed to create docker run options: ${(err as Error).message}`);
      this.cleanup();
      return;
    }

    // Host ports first: a port in use fails the run like Docker's own port allocator.
    for (const m of this.mappings) {
      if (m.protocol && !m.protocol.split(',').includes('tcp')) continue;
      try {
        if (this.docker.proxies.has(m.host_port)) throw new Error('in use');
        const proxy = await PortProxy.listen(m.host_port);
        this.docker.proxies.set(m.host_port, proxy);
        this.myProxies.push(proxy);
      } catch {
        this.stderr(
          `docker: Error response from daemon: driver failed programming external connectivity on endpoint ${this.name}: Bind for 0.0.0.0:${m.host_port} failed: port is already allocated.\n`,
        );
        this.finish('TASK_FAILED', 'Container exited with status 125');
        this.cleanup();
        return;
      }
    }

    try {
      this.containerId = await this.engine.create(this.name, body);
      await this.engine.start(this.containerId);
    } catch (err) {
      const msg = err instanceof DockerError ? err.message : (err as Error).message;
      this.stderr(`docker: Error response from daemon: ${msg}.\n`);
      this.finish('TASK_FAILED', `Container exited with status ${dockerExitCodeFor(err as Error)}`);
      this.cleanup();
      return;
    }
    const containerId = this.containerId;

    const out = fs.createWriteStream(path.join(this.ctx.directory, 'stdout'), { flags: 'a' });
    const errOut = fs.createWriteStream(path.join(this.ctx.directory, 'stderr'), { flags: 'a' });
    const logs = this.engine
      .followLogs(containerId, (stream, data) => (stream === 2 ? errOut : out).write(data))
      .catch((e: Error) => this.sandboxLog(`Failed to follow the container's output: ${e.message}`, 'W'));
    const exit = this.engine.wait(containerId);

    let inspect: ContainerInspect | undefined;
    try {
      inspect = await this.engine.inspectContainer(containerId);
    } catch {
      /* reported as no address */
    }
    const networks = inspect?.NetworkSettings?.Networks ?? {};
    this.containerIp = (net.attach ? networks[net.attach]?.IPAddress : undefined) || Object.values(networks).find((n) => n.IPAddress)?.IPAddress || undefined;
    for (const proxy of this.myProxies) {
      const m = this.mappings.find((x) => x.host_port === proxy.port)!;
      if (this.containerIp) proxy.setTarget(this.containerIp, m.container_port);
    }

    if (this.killed) {
      // A kill arrived while the container was being created.
      this.signalKill(this.defaultGraceMs);
    } else {
      const healthHost = this.containerIp ?? '127.0.0.1';
      this.startHealthChecks({
        host: healthHost,
        port: (p) => {
          if (!this.containerIp) return p;
          // Checks run in the container's network namespace: container ports are what listen.
          if (this.mappings.some((m) => m.container_port === p)) return p;
          return this.mappings.find((m) => m.host_port === p)?.container_port ?? p;
        },
        command: (c, t) => this.commandCheck(containerId, c, t),
      });
      this.ctx.emit({
        state: 'TASK_RUNNING',
        data: Buffer.from(JSON.stringify(inspect ? [inspect] : [])).toString('base64'),
        ...(this.containerIp ? { networkInfos: [{ ip_addresses: [{ protocol: 'IPv4', ip_address: this.containerIp }] }] } : {}),
      });
    }

    let code: number;
    try {
      code = await exit;
    } catch (err) {
      this.finish('TASK_FAILED', `Failed to get exit status of container: ${(err as Error).message}`);
      this.cleanup();
      return;
    }
    // Let the last output land in the sandbox before reporting.
    await Promise.race([logs, sleep(2000)]);
    out.end();
    errOut.end();
    this.finish(this.terminalState(code === 0), `Container exited with status ${code}`);
    this.cleanup();
  }

  private cleanup(): void {
    for (const p of this.myProxies) {
      p.close();
      if (this.docker.proxies.get(p.port) === p) this.docker.proxies.delete(p.port);
    }
    this.myProxies.length = 0;
    const id = this.containerId;
    void (async () => {
      if (id) {
        await (this.stopping ?? Promise.resolve()).catch(() => undefined);
        await this.engine.remove(id).catch((e: Error) => this.ctx.log(`Failed to remove container '${this.name}': ${e.message}`));
      }
      await sleep(1000);
      this.exited();
    })();
  }

  protected signalKill(graceMs: number): void {
    const id = this.containerId;
    if (!id) return; // launch() stops it once it exists
    const attempt = (): void => {
      this.sandboxLog(`Stopping container '${this.name}' with a grace period of ${graceMs / 1000}secs`);
      this.stopping = this.engine.stop(id, graceMs / 1000).catch(async (err: Error) => {
        if (this.terminated) return;
        this.sandboxLog(`Failed to stop container '${this.name}': ${err.message}`, 'E');
        // A kill asked for by a failing health check is retried by the executor itself.
        if (this.killedByHealthCheck) {
          await sleep(5000);
          if (!this.terminated) attempt();
        }
      });
    };
    attempt();
  }

  private commandCheck(containerId: string, check: HealthCheck, timeoutMs: number): Promise<number> {
    const cmd = check.command ?? {};
    const shell = cmd.shell ?? true;
    const argv = shell ? ['sh', '-c', cmd.value ?? ''] : [...(cmd.value ? [cmd.value] : []), ...(cmd.arguments ?? [])];
    const env = (cmd.environment?.variables ?? []).map((v) => `${v.name}=${v.value ?? ''}`);
    const run = this.engine.exec(containerId, argv, env);
    if (timeoutMs <= 0) return run;
    return Promise.race([
      run,
      sleep(timeoutMs).then(() => {
        throw new Error(`Command timed out after ${timeoutMs / 1000}secs`);
      }),
    ]);
  }

  /** Writes a glog line into the sandbox stderr, in the docker executor's voice. */
  protected override sandboxLog(msg: string, level: 'I' | 'W' | 'E' = 'I'): void {
    this.stderr(glogLine(level, 'executor.cpp:186', msg));
  }
}
