// JSON writers with the field order and omission rules of Marathon 1.7's
// RAML-generated writers: optional fields that are unset are left out, "omitEmpty"
// collections are left out when empty, every other collection is always written.
import type { App, Container, DockerSpec, HealthCheck, Network, PortDefinition, PortMapping } from './types.js';
import { nonHostNetworking } from './types.js';

type Json = Record<string, unknown>;

/** Drops undefined values, keeping insertion order. */
function compact(o: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

const nonEmpty = <T>(xs: T[] | undefined): T[] | undefined => (xs && xs.length ? xs : undefined);
const nonEmptyObj = <T extends object>(o: T | undefined): T | undefined => (o && Object.keys(o).length ? o : undefined);

function portDefinitionJson(p: PortDefinition): Json {
  return compact({ port: p.port, labels: nonEmptyObj(p.labels), name: p.name, protocol: p.protocol });
}

export function portMappingJson(m: PortMapping): Json {
  return compact({
    containerPort: m.containerPort,
    hostPort: m.hostPort,
    labels: m.labels ?? {},
    name: m.name,
    protocol: m.protocol,
    servicePort: m.servicePort,
    networkNames: nonEmpty(m.networkNames),
  });
}

function dockerJson(d: DockerSpec, type: Container['type']): Json {
  if (type === 'MESOS') {
    // MesosDocker keeps only these (ContainerConversion.mesosDockerContainerWrites).
    return compact({ credential: d.credential, pullConfig: d.pullConfig, forcePullImage: d.forcePullImage, image: d.image });
  }
  return compact({ forcePullImage: d.forcePullImage, image: d.image, parameters: d.parameters ?? [], privileged: d.privileged });
}

function containerJson(c: Container, nonHost: boolean): Json {
  return compact({
    type: c.type,
    docker: c.docker ? dockerJson(c.docker, c.type) : undefined,
    appc: c.appc,
    volumes: c.volumes ?? [],
    portMappings: nonHost ? (c.portMappings ?? []).map(portMappingJson) : undefined,
  });
}

function networkJson(n: Network): Json {
  return compact({ name: n.name, mode: n.mode, labels: nonEmptyObj(n.labels) });
}

export function healthCheckJson(h: HealthCheck): Json {
  return compact({
    command: h.command,
    gracePeriodSeconds: h.gracePeriodSeconds,
    ignoreHttp1xx: h.ignoreHttp1xx,
    intervalSeconds: h.intervalSeconds,
    maxConsecutiveFailures: h.maxConsecutiveFailures,
    path: h.path,
    port: h.port,
    portIndex: h.portIndex,
    protocol: h.protocol,
    ipProtocol: h.ipProtocol,
    timeoutSeconds: h.timeoutSeconds,
    delaySeconds: h.delaySeconds,
  });
}

/** The app as the REST API returns it (AppConversion.appWriter → raml.App writes). */
export function appJson(app: App): Json {
  const nonHost = nonHostNetworking(app);
  return compact({
    id: app.id,
    acceptedResourceRoles: nonEmpty(app.acceptedResourceRoles),
    args: nonEmpty(app.args),
    backoffFactor: app.backoffFactor,
    backoffSeconds: app.backoffSeconds,
    cmd: app.cmd,
    constraints: nonEmpty(app.constraints),
    container: app.container ? containerJson(app.container, nonHost) : undefined,
    cpus: app.cpus,
    dependencies: nonEmpty(app.dependencies),
    disk: app.disk,
    env: nonEmptyObj(app.env),
    executor: app.executor,
    executorResources: app.executorResources,
    fetch: nonEmpty(app.fetch)?.map((f) => compact({ uri: f.uri, extract: f.extract, executable: f.executable, cache: f.cache, destPath: f.destPath })),
    healthChecks: nonEmpty(app.healthChecks)?.map(healthCheckJson),
    instances: app.instances,
    labels: app.labels ?? {},
    maxLaunchDelaySeconds: app.maxLaunchDelaySeconds,
    mem: app.mem,
    gpus: app.gpus,
    networks: app.networks.map(networkJson),
    portDefinitions: nonHost ? undefined : (app.portDefinitions ?? []).map(portDefinitionJson),
    readinessChecks: nonEmpty(app.readinessChecks),
    residency: app.residency,
    requirePorts: app.requirePorts,
    secrets: nonEmptyObj(app.secrets),
    taskKillGracePeriodSeconds: app.taskKillGracePeriodSeconds,
    upgradeStrategy: {
      maximumOverCapacity: app.upgradeStrategy.maximumOverCapacity,
      minimumHealthCapacity: app.upgradeStrategy.minimumHealthCapacity,
    },
    user: app.user,
    version: app.version,
    versionInfo: app.versionInfo ? { lastScalingAt: app.versionInfo.lastScalingAt, lastConfigChangeAt: app.versionInfo.lastConfigChangeAt } : undefined,
    killSelection: app.killSelection,
    unreachableStrategy:
      app.unreachableStrategy === 'disabled'
        ? 'disabled'
        : { inactiveAfterSeconds: app.unreachableStrategy.inactiveAfterSeconds, expungeAfterSeconds: app.unreachableStrategy.expungeAfterSeconds },
    tty: app.tty,
  });
}
