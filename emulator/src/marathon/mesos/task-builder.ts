// Builds the Mesos TaskInfo Marathon 1.7 sends in a LAUNCH operation
// (mesosphere.mesos.TaskBuilder): command + environment, Docker container,
// discovery info, labels, the one Mesos-side health check, kill policy.
import type { App, HealthCheck } from '../app/types.js';
import { isBridge, nonHostNetworking, portSpecs } from '../app/types.js';
import { javaDouble, toHostname } from '../util.js';

type Json = Record<string, unknown>;

export interface TaskBuildInput {
  app: App;
  taskId: string;
  agentId: string;
  hostname: string;
  /** resources taken from the offer (v1 JSON) */
  resources: Json[];
  /** per declared port (definition or mapping): the host port, or undefined for container-only mappings */
  hostPorts: Array<number | undefined>;
  envVarsPrefix?: string;
}

/** PORT0.., PORT, PORTS, PORT_<n>, PORT_<NAME> (EnvironmentHelper.portsEnv). */
export function portsEnv(app: App, hostPorts: Array<number | undefined>): Array<[string, string]> {
  if (!hostPorts.length) return [];
  const requested = portSpecs(app).map((s) => ({ name: s.name, port: s.port }));
  const env: Array<[string, string]> = [];
  const consumed = new Set<number>([...requested.map((r) => r.port), ...hostPorts.filter((p): p is number => p !== undefined)]);
  const generated = new Map<number, number>();
  const nextFree = () => {
    for (;;) {
      const p = 1025 + Math.floor(Math.random() * (65535 - 1024));
      if (!consumed.has(p)) {
        consumed.add(p);
        return p;
      }
    }
  };
  hostPorts.forEach((hp, i) => {
    if (hp !== undefined) env.push([`PORT${i}`, String(hp)]);
    else {
      const req = requested[i];
      if (!req) return;
      if (req.port === 0) {
        const p = nextFree();
        generated.set(i, p);
        env.push([`PORT${i}`, String(p)]);
      } else env.push([`PORT${i}`, String(req.port)]);
    }
  });
  requested.forEach((req, i) => {
    if (i >= hostPorts.length) return;
    const hp = hostPorts[i];
    if (hp !== undefined) env.push([`PORT_${req.port !== 0 ? req.port : hp}`, String(hp)]);
    else if (req.port !== 0) env.push([`PORT_${req.port}`, String(req.port)]);
    else env.push([`PORT_${generated.get(i)}`, String(generated.get(i))]);
  });
  requested.forEach((req, i) => {
    if (!req.name || i >= hostPorts.length) return;
    const hp = hostPorts[i];
    const value = hp !== undefined ? hp : req.port !== 0 ? req.port : generated.get(i);
    env.push([`PORT_${req.name.toUpperCase()}`, String(value)]);
  });
  const all = [...hostPorts.filter((p): p is number => p !== undefined), ...generated.values()];
  if (all.length) env.push(['PORT', String(all[0])]);
  env.push(['PORTS', all.join(',')]);
  return env;
}

/** MARATHON_APP_LABELS and MARATHON_APP_LABEL_<K> (EnvironmentHelper.labelsToEnvVars). */
function labelsEnv(labels: Record<string, string>): Array<[string, string]> {
  const valid = Object.entries(labels)
    .filter(([k, v]) => k.length < 512 - 'MARATHON_APP_LABEL_'.length && v.length < 512)
    .map(([k, v]) => [k.replace(/[^a-zA-Z0-9_]+/g, '_').toUpperCase(), v] as const);
  return [['MARATHON_APP_LABELS', valid.map(([k]) => k).join(' ')], ...valid.map(([k, v]) => [`MARATHON_APP_LABEL_${k}`, v] as [string, string])];
}

export function taskEnv(input: TaskBuildInput): Array<[string, string]> {
  const { app } = input;
  const env = new Map<string, string>();
  const set = (k: string, v: string) => env.set(k, v);
  set('MESOS_TASK_ID', input.taskId);
  set('MARATHON_APP_ID', app.id);
  set('MARATHON_APP_VERSION', app.version);
  const image = app.container?.docker?.image;
  if (image) set('MARATHON_APP_DOCKER_IMAGE', image);
  set('MARATHON_APP_RESOURCE_CPUS', javaDouble(app.cpus));
  set('MARATHON_APP_RESOURCE_MEM', javaDouble(app.mem));
  set('MARATHON_APP_RESOURCE_DISK', javaDouble(app.disk));
  set('MARATHON_APP_RESOURCE_GPUS', String(app.gpus));
  for (const [k, v] of labelsEnv(app.labels)) set(k, v);
  const prefix = input.envVarsPrefix ?? '';
  for (const [k, v] of portsEnv(app, input.hostPorts)) set(prefix + k, v);
  set(`${prefix}HOST`, input.hostname);
  // The app's own env comes last and wins (secret references are not resolved here).
  for (const [k, v] of Object.entries(app.env)) if (typeof v === 'string') set(k, v);
  return [...env];
}

function commandInfo(input: TaskBuildInput): Json {
  const { app } = input;
  const cmd: Json = {
    environment: { variables: taskEnv(input).map(([name, value]) => ({ name, value })) },
  };
  if (app.cmd) {
    cmd.shell = true;
    cmd.value = app.cmd;
  } else cmd.shell = false;
  if (app.args.length) {
    cmd.shell = false;
    cmd.arguments = app.args;
    // The command executor wants a value; with a container the image's entrypoint runs instead.
    if (!app.container) cmd.value = app.args[0];
  }
  if (app.fetch.length) {
    cmd.uris = app.fetch.map((f) => ({
      value: f.uri,
      executable: f.executable,
      extract: f.extract,
      cache: f.cache,
      ...(f.destPath ? { output_file: f.destPath } : {}),
    }));
  }
  if (app.user) cmd.user = app.user;
  return cmd;
}

function containerInfo(input: TaskBuildInput): Json | undefined {
  const { app } = input;
  if (!app.container && !nonHostNetworking(app)) return undefined;
  const c = app.container;
  const networkInfos = app.networks
    .filter((n) => n.mode === 'container')
    .map((n) => ({ name: n.name, ...(n.labels ? { labels: { labels: Object.entries(n.labels).map(([key, value]) => ({ key, value })) } } : {}) }));
  const volumes = (c?.volumes ?? [])
    .filter((v) => typeof v.containerPath === 'string' && (typeof v.hostPath === 'string' || v.persistent === undefined))
    .map((v) => ({
      container_path: v.containerPath,
      ...(typeof v.hostPath === 'string' ? { host_path: v.hostPath } : {}),
      mode: String(v.mode ?? 'RW').toUpperCase() === 'RO' ? 'RO' : 'RW',
    }));
  if (c?.type === 'DOCKER' && c.docker) {
    const portMappings: Json[] = [];
    (c.portMappings ?? []).forEach((m, i) => {
      const hp = input.hostPorts[i];
      if (hp === undefined) return;
      for (const protocol of m.protocol.split(',')) {
        portMappings.push({ host_port: hp, container_port: m.containerPort === 0 ? hp : m.containerPort, protocol });
      }
    });
    const network = app.networks.some((n) => n.mode === 'container') ? 'USER' : isBridge(app) ? 'BRIDGE' : 'HOST';
    const docker: Json = {
      image: c.docker.image,
      network,
      privileged: c.docker.privileged,
      parameters: [...c.docker.parameters, { key: 'label', value: `MESOS_TASK_ID=${input.taskId}` }],
      force_pull_image: c.docker.forcePullImage,
    };
    if (network !== 'HOST' && portMappings.length) docker.port_mappings = portMappings;
    const out: Json = { type: 'DOCKER', volumes, docker };
    if (networkInfos.length) out.network_infos = networkInfos;
    return out;
  }
  const mesos: Json = {};
  if (c?.docker) mesos.image = { type: 'DOCKER', docker: { name: c.docker.image }, cached: !c.docker.forcePullImage };
  else if (c?.appc) mesos.image = { type: 'APPC', appc: { name: c.appc.image } };
  const out: Json = { type: 'MESOS', volumes, mesos };
  if (networkInfos.length) out.network_infos = networkInfos;
  if (isBridge(app)) {
    out.network_infos = [{ name: 'mesos-bridge', port_mappings: (c?.portMappings ?? []).flatMap((m, i) => {
      const hp = input.hostPorts[i];
      return hp === undefined ? [] : m.protocol.split(',').map((protocol) => ({ host_port: hp, container_port: m.containerPort === 0 ? hp : m.containerPort, protocol }));
    }) }];
  }
  return out;
}

/** The first Mesos-side health check (COMMAND, MESOS_HTTP(S), MESOS_TCP) as Mesos' HealthCheck. */
export function mesosHealthCheck(app: App, hostPorts: Array<number | undefined>): Json | undefined {
  const hc = app.healthChecks.find((h) => ['COMMAND', 'MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP'].includes(h.protocol));
  if (!hc) return undefined;
  const base = {
    interval_seconds: hc.intervalSeconds,
    timeout_seconds: hc.timeoutSeconds,
    consecutive_failures: hc.maxConsecutiveFailures,
    grace_period_seconds: hc.gracePeriodSeconds,
    delay_seconds: hc.delaySeconds,
  };
  if (hc.protocol === 'COMMAND') return { type: 'COMMAND', ...base, command: { shell: true, value: hc.command?.value ?? '' } };
  const port = mesosCheckPort(app, hc, hostPorts);
  if (port === undefined) return undefined;
  if (hc.protocol === 'MESOS_TCP') return { type: 'TCP', ...base, tcp: { port, protocol: hc.ipProtocol } };
  return {
    type: 'HTTP',
    ...base,
    http: { scheme: hc.protocol === 'MESOS_HTTP' ? 'http' : 'https', port, ...(hc.path ? { path: hc.path } : {}), protocol: hc.ipProtocol },
  };
}

/** Mesos probes inside the container's network: container port first, host port otherwise. */
function mesosCheckPort(app: App, hc: HealthCheck, hostPorts: Array<number | undefined>): number | undefined {
  if (hc.port !== undefined) return hc.port;
  const portIndex = hc.portIndex ?? 0; // as PortReference.fromProto reads a check without either
  const spec = portSpecs(app)[portIndex];
  const hp = hostPorts[portIndex];
  if (spec?.mapping) return spec.mapping.containerPort !== 0 ? spec.mapping.containerPort : hp;
  return hp;
}

function discoveryInfo(app: App, hostPorts: Array<number | undefined>): Json {
  const ports: Json[] = [];
  portSpecs(app).forEach((spec, i) => {
    const hp = hostPorts[i];
    const effective = hp ?? spec.mapping?.containerPort;
    if (effective === undefined) return;
    for (const protocol of spec.protocol.split(',')) {
      const labels = { ...(spec.labels ?? {}), ...(nonHostNetworking(app) ? { 'network-scope': hp !== undefined ? 'host' : 'container' } : {}) };
      ports.push({
        number: effective,
        ...(spec.name ? { name: spec.name } : {}),
        protocol,
        ...(Object.keys(labels).length ? { labels: { labels: Object.entries(labels).map(([key, value]) => ({ key, value })) } } : {}),
      });
    }
  });
  return { visibility: 'FRAMEWORK', name: toHostname(app.id), ports: { ports } };
}

export function buildTaskInfo(input: TaskBuildInput): Json {
  const { app } = input;
  const task: Json = {
    name: toHostname(app.id),
    task_id: { value: input.taskId },
    agent_id: { value: input.agentId },
    resources: input.resources,
    command: commandInfo(input),
  };
  const container = containerInfo(input);
  if (container) task.container = container;
  if (Object.keys(app.labels).length) task.labels = { labels: Object.entries(app.labels).map(([key, value]) => ({ key, value })) };
  task.discovery = discoveryInfo(app, input.hostPorts);
  const hc = mesosHealthCheck(app, input.hostPorts);
  if (hc) task.health_check = hc;
  if (app.taskKillGracePeriodSeconds !== undefined) {
    task.kill_policy = { grace_period: { nanoseconds: app.taskKillGracePeriodSeconds * 1e9 } };
  }
  return task;
}
