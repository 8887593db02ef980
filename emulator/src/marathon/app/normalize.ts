// Turns request bodies into canonical app definitions the way Marathon 1.7's
// AppsResource does: parse (400), RAML read (422 "Invalid JSON"), deprecated-API
// validation, normalization (1.4 → 1.5 network API), canonical validation and
// AppDefinition validation (422 "Object is not valid").
import { ApiError, groupDetails, invalidJson, notValid } from '../errors.js';
import { read, isObject, type ReadError } from './reads.js';
import { APP_SCHEMA, APP_UPDATE_SCHEMA, type RawApp } from './schema.js';
import type { App, Container, HealthCheck, Network, PortDefinition, PortMapping } from './types.js';
import { portSpecs } from './types.js';
import { isResident } from '../resident.js';
import { canonicalId, javaDouble } from '../util.js';

type Violation = { path: string; message: string };

/** Jackson-style parse of a request body. */
export function parseBody(body: string): unknown {
  if (body.trim() === '') {
    throw new ApiError(400, {
      message: 'Please specify data in JSON format',
      details: 'No content to map due to end-of-input\n at [Source: (String)""; line: 1, column: 0]',
    });
  }
  try {
    return JSON.parse(body);
  } catch (err) {
    throw new ApiError(400, { message: 'Invalid JSON', details: (err as Error).message });
  }
}

function check(schemaRead: () => unknown, errors: ReadError[]): void {
  schemaRead();
  if (errors.length) throw invalidJson(groupDetails(errors.map((e) => ({ path: e.path, message: e.error }))));
}

export function readApp(json: unknown): RawApp {
  const errors: ReadError[] = [];
  let out: unknown;
  check(() => (out = read(APP_SCHEMA, json, '', errors)), errors);
  return out as RawApp;
}

export function readAppUpdate(json: unknown): Record<string, unknown> {
  const errors: ReadError[] = [];
  let out: unknown;
  check(() => (out = read(APP_UPDATE_SCHEMA, json, '', errors)), errors);
  return out as Record<string, unknown>;
}

export function readAppList(json: unknown, update: boolean): Array<Record<string, unknown>> {
  const errors: ReadError[] = [];
  let out: unknown;
  check(() => (out = read({ t: 'array', items: update ? APP_UPDATE_SCHEMA : APP_SCHEMA }, json, '', errors)), errors);
  return out as Array<Record<string, unknown>>;
}

/** A fresh app with every default, as `AppDefinition(id)` is. */
export function defaultRawApp(id: string): RawApp {
  return read(APP_SCHEMA, { id }, '', []) as RawApp;
}

export interface NormalizeOptions {
  /** --enable_features */
  features: string[];
}

const EXTRACT_SUFFIXES = ['.tgz', '.tar.gz', '.tbz2', '.tar.bz2', '.txz', '.tar.xz', '.zip'];
export const ID_SEGMENT = /^(?:(([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])|(\.|\.\.))$/;
export const ID_SEGMENT_TEXT = "^(([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])\\.)*([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])|(\\.|\\.\\.)$";

/** Full pipeline for a new app definition (POST, PUT that creates, PUT with partialUpdate=false). */
export function normalizeApp(raw: RawApp, opts: NormalizeOptions): App {
  const app = { ...raw } as Record<string, unknown>;
  app.id = canonicalId(String(app.id));
  app.dependencies = ((app.dependencies as string[]) ?? []).map((d) => canonicalId(d));
  validateOldApi(app);
  forDeprecated(app);
  validateCanonical(app, opts);
  validateResident(app);
  finalNormalize(app);
  return app as unknown as App;
}

// validateOldAppAPI
function validateOldApi(app: Record<string, unknown>): void {
  const v: Violation[] = [];
  const container = app.container as Container | undefined;
  const networks = app.networks as Network[];
  if (container?.docker?.network && networks.length) v.push({ path: '/', message: 'must not specify both container.docker.network and networks' });
  if (app.ipAddress && networks.length) v.push({ path: '/', message: 'must not specify both networks and ipAddress' });
  const ports = app.ports as number[] | undefined;
  const fixed = (ports ?? []).filter((p) => p !== 0);
  if (new Set(fixed).size !== fixed.length) v.push({ path: '/', message: 'ports must be unique' });
  const pds = app.portDefinitions as PortDefinition[] | undefined;
  if ((ports?.length || pds?.length) && app.ipAddress) v.push({ path: '/', message: 'cannot specify both an IP address and port' });
  if (ports && pds && JSON.stringify(pds.map((p) => p.port)) !== JSON.stringify(ports)) {
    v.push({ path: '/', message: 'cannot specify both ports and port definitions' });
  }
  const uris = app.uris as string[] | undefined;
  if (uris?.length && (app.fetch as unknown[]).length) v.push({ path: '/uris', message: 'may not be set in conjunction with fetch' });
  if (v.length) throw notValid(groupDetails(v));
}

// AppNormalization.forDeprecated: 1.4-style fields into their 1.5 places.
function forDeprecated(app: Record<string, unknown>): void {
  const uris = app.uris as string[] | undefined;
  if (uris?.length && !(app.fetch as unknown[]).length) {
    app.fetch = uris.map((uri) => ({ uri, extract: EXTRACT_SUFFIXES.some((s) => uri.endsWith(s)), executable: false, cache: false }));
  }
  delete app.uris;

  let networks = app.networks as Network[];
  const container = app.container as Container | undefined;
  const dockerNetwork = container?.docker?.network;
  if (app.ipAddress || dockerNetwork) networks = translateNetworks(app.ipAddress as Record<string, unknown> | undefined, dockerNetwork);
  app.networks = networks;
  delete app.ipAddress;

  const migratedPortDefinitions: PortDefinition[] | undefined =
    (app.portDefinitions as PortDefinition[] | undefined) ??
    (app.ports as number[] | undefined)?.map((port) => ({ port, protocol: 'tcp' }));
  const nonHost = networks.some((n) => n.mode !== 'host');
  app.portDefinitions = nonHost ? undefined : migratedPortDefinitions ?? [{ port: 0, name: 'default', protocol: 'tcp' }];
  delete app.ports;

  if (container) {
    const c: Container = structuredClone(container);
    // migrateDockerPortMappings
    const dockerPms = c.docker?.portMappings;
    if (dockerPms) {
      if (c.portMappings?.length && dockerPms.length) {
        throw new ApiError(500, { message: 'cannot specify both portMappings and docker.portMappings' });
      }
      if (!c.portMappings?.length) c.portMappings = dockerPms;
      delete c.docker!.portMappings;
    }
    if (c.docker) delete c.docker.network; // dropDockerNetworks
    const hostish = networks.length === 0 || networks.some((n) => n.mode === 'host');
    if (hostish) delete c.portMappings; // maybeDropPortMappings
    else if (c.portMappings === undefined) c.portMappings = [defaultPortMapping()]; // applyDefaultPortMappings
    // maybeAddPortMappings
    if (!hostish && migratedPortDefinitions) {
      const delta = migratedPortDefinitions.length - (c.portMappings?.length ?? 0);
      for (let i = 0; i < delta; i++) (c.portMappings ??= []).push({ containerPort: 0, labels: {}, protocol: 'tcp', servicePort: 0 });
    }
    app.container = c;
  }

  // Health checks get portIndex 0 when the app has ports and neither port nor portIndex is given. (1.7 looks
  // at the ports as posted; a stored check reads back with portIndex 0 anyway, so we use the final ports.)
  const hasPorts = ((app.portDefinitions as PortDefinition[] | undefined)?.length ?? 0) > 0 || ((app.container as Container | undefined)?.portMappings?.length ?? 0) > 0;
  if (hasPorts) app.healthChecks = (app.healthChecks as HealthCheck[]).map(withDefaultPortIndex);

  if ((app.readinessChecks as Array<Record<string, unknown>>).length) {
    app.readinessChecks = (app.readinessChecks as Array<Record<string, unknown>>).map((r) =>
      r.httpStatusCodesForReady ? r : { ...r, httpStatusCodesForReady: [200] },
    );
  }
}

type Volume = { containerPath?: unknown; mode?: unknown; persistent?: { type?: string; size?: number; maxSize?: number; profileName?: string; constraints?: string[][] } };

const persistentOf = (app: Record<string, unknown>): Volume[] => ((app.container as Container | undefined)?.volumes ?? []).filter((v) => (v as Volume).persistent !== undefined) as Volume[];

/** AppNormalization.forDeprecated's residency for apps with persistent volumes; RAML then checks resident apps (AppValidation), whether their residency was given or made. */
function validateResident(app: Record<string, unknown>): void {
  const volumes = persistentOf(app);
  if (volumes.length && app.residency === undefined) app.residency = {};
  if (app.residency === undefined) return;
  const v: Violation[] = [];
  ((app.container as Container | undefined)?.volumes ?? []).forEach((raw, i) => {
    const vol = raw as Volume;
    if (!vol.persistent) return;
    const at = `/container/volumes(${i})`;
    if (typeof vol.containerPath === 'string' && vol.containerPath.includes('/')) v.push({ path: `${at}/containerPath`, message: 'value must not contain "/"' });
    const p = vol.persistent;
    if (!(Number(p.size) > 0)) v.push({ path: `${at}/persistent/size`, message: `got ${p.size ?? 0}, expected more than 0` });
    if (p.maxSize !== undefined && p.type !== 'mount') v.push({ path: `${at}/persistent`, message: 'Only mount volumes can have maxSize' });
    if (p.maxSize !== undefined && !(p.maxSize > Number(p.size))) v.push({ path: `${at}/persistent`, message: 'Max size must be larger than size' });
    if ((p.type ?? 'root') === 'root' && p.constraints?.length) v.push({ path: `${at}/persistent`, message: 'Constraints on root volumes are not supported' });
  });
  const roles = app.acceptedResourceRoles as string[] | undefined;
  if (roles !== undefined && !(roles.length === 1 && roles[0] === '*')) v.push({ path: '/acceptedResourceRoles', message: 'A resident app must have `acceptedResourceRoles = ["*"]`.' });
  if (app.unreachableStrategy !== undefined && app.unreachableStrategy !== 'disabled') v.push({ path: '/', message: 'unreachableStrategy must be disabled for resident tasks' });
  const upgrade = app.upgradeStrategy as { maximumOverCapacity: number } | undefined;
  if (upgrade && upgrade.maximumOverCapacity !== 0) v.push({ path: '/upgradeStrategy/maximumOverCapacity', message: `got ${javaDouble(upgrade.maximumOverCapacity)}, expected 0.0` });
  if (v.length) throw notValid(groupDetails(v));
}

function defaultPortMapping(): PortMapping {
  return { containerPort: 0, labels: {}, name: 'default', protocol: 'tcp', servicePort: 0 };
}

export function withDefaultPortIndex(hc: HealthCheck): HealthCheck {
  if (hc.protocol === 'COMMAND' || hc.port !== undefined || hc.portIndex !== undefined) return hc;
  return { ...hc, portIndex: 0 };
}

function translateNetworks(ipAddress: Record<string, unknown> | undefined, dockerNetwork: string | undefined): Network[] {
  const mode = (n: string): Network => {
    if (n === 'HOST') return { mode: 'host' };
    if (n === 'BRIDGE') return { mode: 'container/bridge' };
    if (n === 'USER') return { mode: 'container' };
    throw new ApiError(500, { message: `unsupported docker network type ${n === 'NONE' ? 'None' : n}` });
  };
  if (dockerNetwork && !ipAddress) return [mode(dockerNetwork)];
  const labels = (ipAddress?.labels as Record<string, string>) ?? {};
  const networkName = ipAddress?.networkName as string | undefined;
  if (dockerNetwork === 'USER') return [{ mode: 'container', name: networkName, labels }];
  if (dockerNetwork === 'BRIDGE' || networkName === 'mesos-bridge') return [{ mode: 'container/bridge', labels }];
  if (dockerNetwork === 'HOST') return [{ mode: 'host' }];
  return [{ mode: 'container', name: networkName, labels }];
}

// validateCanonicalAppAPI + AppDefinition.validAppDefinition (the parts that apply to plain apps)
function validateCanonical(app: Record<string, unknown>, opts: NormalizeOptions): void {
  const v: Violation[] = [];
  const id = app.id as string;
  const segments = id.split('/').filter(Boolean);
  if (segments.some((s) => !ID_SEGMENT.test(s))) v.push({ path: '/id', message: `must fully match regular expression '${ID_SEGMENT_TEXT}'` });
  (app.dependencies as string[]).forEach((d, i) => {
    if (d.split('/').filter(Boolean).some((s) => !ID_SEGMENT.test(s))) {
      v.push({ path: `/dependencies(${i})`, message: `must fully match regular expression '${ID_SEGMENT_TEXT}'` });
    }
  });
  if (segments.length === 0) v.push({ path: '/', message: 'must not be root' });
  const cmd = app.cmd as string | undefined;
  if (cmd !== undefined && cmd.length <= 1) v.push({ path: '/', message: 'must not be an empty string' });

  const networks = app.networks as Network[];
  const container = app.container as Container | undefined;
  if (networks.some((n) => n.mode === 'host') && container?.portMappings?.length) {
    v.push({ path: '/', message: 'portMappings are not allowed with host-networking' });
  }
  if (networks.some((n) => n.mode !== 'host') && (app.portDefinitions as PortDefinition[] | undefined)?.length) {
    v.push({ path: '/', message: 'portDefinitions are only allowed with host-networking' });
  }
  for (const n of networks) {
    if (n.mode === 'container' && !n.name) v.push({ path: '/networks', message: 'container network name is not defined' });
  }

  // container
  if (container) {
    if (container.type === 'DOCKER' && !container.docker) v.push({ path: '/container/docker', message: 'not defined' });
    if (container.type === 'DOCKER' && container.docker?.pullConfig) {
      v.push({ path: '/container/docker/pullConfig', message: 'pullConfig is not supported with Docker containerizer' });
    }
    if (container.type === 'MESOS' && container.docker && container.appc) {
      v.push({ path: '/container', message: 'mesos containers should specify, at most, a single image type' });
    }
    const names = (container.portMappings ?? []).map((m) => m.name).filter((n): n is string => !!n);
    if (new Set(names).size !== names.length) v.push({ path: '/container/portMappings', message: 'Port names must be unique.' });
  }

  // portDefinitions
  const pds = app.portDefinitions as PortDefinition[] | undefined;
  if (pds) {
    const names = pds.map((p) => p.name).filter((n): n is string => !!n);
    if (new Set(names).size !== names.length) v.push({ path: '/portDefinitions', message: 'Port names must be unique.' });
    const fixed = pds.map((p) => p.port).filter((p) => p !== 0);
    if (new Set(fixed).size !== fixed.length) v.push({ path: '/portDefinitions', message: 'Ports must be unique.' });
  }

  // cmd / args / container
  const hasCmd = cmd !== undefined;
  const hasArgs = (app.args as string[]).length > 0;
  const hasImage = !!container && ((container.type === 'DOCKER' && !!container.docker) || (container.type === 'MESOS' && (!!container.docker !== !!container.appc)));
  if (!((hasCmd !== hasArgs) || (!(hasCmd && hasArgs) && hasImage))) {
    v.push({ path: '/', message: "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'." });
  }

  // health checks
  const portCount = container?.portMappings?.length ? container.portMappings.length : pds?.length ?? 0;
  const hcs = app.healthChecks as HealthCheck[];
  hcs.forEach((hc, i) => {
    if (!hc.command && ['HTTP', 'HTTPS', 'TCP'].includes(hc.protocol)) {
      const ok = hc.portIndex !== undefined ? hc.portIndex < portCount : hc.port !== undefined || portCount === 1;
      if (!ok) v.push({ path: `/healthChecks(${i})`, message: 'Health check port indices must address an element of the ports array or container port mappings.' });
    }
    if (hc.ipProtocol !== 'IPv4' && !(['MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP'].includes(hc.protocol) && container?.type === 'DOCKER')) {
      v.push({ path: `/healthChecks(${i})`, message: 'IPv6 can only be used for container type DOCKER and Mesos http/https/tcp health checks' });
    }
  });
  const mesosChecks = hcs.filter((h) => h.command || ['COMMAND', 'MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP'].includes(h.protocol)).length;
  const commandChecks = hcs.filter((h) => h.command).length;
  if (mesosChecks - commandChecks > 1) v.push({ path: '/', message: 'AppDefinition can contain at most one Mesos health check' });

  // secrets, gpus, readiness, constraints
  if (Object.keys(app.secrets as object).length && !opts.features.includes('secrets')) {
    v.push({ path: '/secrets', message: 'Feature secrets is not enabled. Enable with --enable_features secrets)' });
  }
  if ((app.gpus as number) > 0) {
    if (container?.type === 'DOCKER') v.push({ path: '/', message: 'GPU resources only work with the Mesos containerizer' });
    if (!opts.features.includes('gpu_resources')) v.push({ path: '/', message: 'Feature gpu_resources is not enabled. Enable with --enable_features gpu_resources)' });
  }
  const rcs = app.readinessChecks as Array<{ portName?: string; timeoutSeconds?: number; intervalSeconds?: number }>;
  if (rcs.length > 1) v.push({ path: '/readinessChecks', message: `got ${rcs.length}, expected 1 or less` });
  // AppValidation.readinessCheckValidator: the port names of the port mappings when the container has them, else of the port definitions.
  const portNames = new Set((container?.portMappings ?? pds ?? []).map((p) => p.name).filter((n): n is string => !!n));
  rcs.forEach((rc, i) => {
    if (!portNames.has(rc.portName ?? '')) v.push({ path: `/readinessChecks(${i})/portName`, message: `No port definition reference for portName ${rc.portName}` });
    const timeout = rc.timeoutSeconds ?? 10;
    const interval = rc.intervalSeconds ?? 30;
    if (!(timeout < interval)) v.push({ path: `/readinessChecks(${i})/timeoutSeconds`, message: `got ${timeout}, expected less than ${interval}` });
  });
  const env = app.env as Record<string, unknown>;
  for (const [k, val] of Object.entries(env)) {
    if (isObject(val) && !(app.secrets as Record<string, unknown>)[String(val.secret)]) {
      v.push({ path: `/env/${k}`, message: 'references an undefined secret' });
    }
  }
  (app.constraints as string[][]).forEach((c, i) => {
    const msg = constraintViolation(c);
    if (msg) v.push({ path: `/constraints(${i})`, message: msg });
  });
  const labels = app.labels as Record<string, string>;
  if (labels.MARATHON_SINGLE_INSTANCE_APP === 'true' && (app.instances as number) > 1) {
    v.push({ path: '/', message: 'Single instance app may only have one instance' });
  }
  if (v.length) throw notValid(groupDetails(v));
}

const OPERATORS = ['UNIQUE', 'CLUSTER', 'GROUP_BY', 'LIKE', 'UNLIKE', 'MAX_PER', 'IS'];

function constraintViolation(c: string[]): string | undefined {
  if (c.length < 2 || c.length > 3) return 'Each constraint must have either 2 or 3 fields';
  const [field, op, value] = c as [string, string, string | undefined];
  if (!field) return 'illegal constraint specification';
  const operator = op.toUpperCase();
  if (!OPERATORS.includes(operator)) return 'operator must be one of the following UNIQUE, CLUSTER, GROUP_BY, LIKE, MAX_PER, UNLIKE or IS';
  switch (operator) {
    case 'UNIQUE':
      return value !== undefined ? 'UNIQUE does not accept a value' : undefined;
    case 'GROUP_BY':
      return value === undefined || /^-?\d+$/.test(value) ? undefined : 'GROUP BY must define an integer value or else no value at all';
    case 'MAX_PER':
      return value !== undefined && /^-?\d+$/.test(value) ? undefined : 'MAX_PER requires an integer value';
    case 'LIKE':
    case 'UNLIKE':
      if (value === undefined) return 'LIKE and UNLIKE require a non-empty, regular expression value';
      try {
        new RegExp(value);
        return undefined;
      } catch {
        return 'is not a valid regular expression';
      }
    case 'IS':
      return /^[a-zA-Z0-9_/.-]*$/.test(value ?? '')
        ? undefined
        : 'IS only supports Mesos text and float values (see http://mesos.apache.org/documentation/latest/attributes-resources/)';
  }
  return undefined;
}

// AppNormalization(config): default network, bridge host ports, unreachable strategy, requirePorts.
function finalNormalize(app: Record<string, unknown>): void {
  let networks = app.networks as Network[];
  if (!networks.length) networks = [{ mode: 'host' }];
  app.networks = networks.map((n) => {
    const out: Network = { mode: n.mode };
    if (n.name !== undefined) out.name = n.name;
    if (n.mode !== 'host' && n.labels && Object.keys(n.labels).length) out.labels = n.labels;
    return out;
  });
  const bridge = networks.some((n) => n.mode === 'container/bridge');
  const nonHost = networks.some((n) => n.mode !== 'host');
  let container = app.container as Container | undefined;
  if (!container && nonHost) container = { type: 'MESOS', volumes: [], portMappings: [defaultPortMapping()] };
  if (container) {
    if (container.docker) delete container.docker.network;
    if (bridge && container.portMappings) {
      container.portMappings = container.portMappings.map((m) => (m.hostPort === undefined ? { ...m, hostPort: 0 } : m));
    }
    app.container = container;
  }
  // resident apps (persistent volumes): never unreachable-replaced, never over capacity (UpgradeStrategy.forResidentTasks)
  const resident = persistentOf(app).length > 0;
  if (app.unreachableStrategy === undefined) app.unreachableStrategy = resident ? 'disabled' : { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 };
  if (nonHost) app.requirePorts = false;
  if (!app.upgradeStrategy) app.upgradeStrategy = resident ? { maximumOverCapacity: 0, minimumHealthCapacity: 0.5 } : { maximumOverCapacity: 1, minimumHealthCapacity: 1 };
  // the model keeps no residency: it is written for resident apps only, always the defaults (AppConversion)
  if (resident) app.residency = { relaunchEscalationTimeoutSeconds: 3600, taskLostBehavior: 'WAIT_FOREVER' };
  else delete app.residency;
  if (container?.volumes) {
    container.volumes = container.volumes.map((raw) => {
      const vol = raw as Volume;
      if (!vol.persistent) return raw;
      const p = vol.persistent;
      const persistent = { type: p.type ?? 'root', size: p.size, ...(p.maxSize !== undefined ? { maxSize: p.maxSize } : {}), ...(p.profileName !== undefined ? { profileName: p.profileName } : {}), constraints: p.constraints ?? [] };
      return { containerPath: vol.containerPath, persistent, mode: vol.mode ?? 'RW' };
    });
  }
  if ((app.acceptedResourceRoles as string[] | undefined)?.length === 0) delete app.acceptedResourceRoles;
  app.healthChecks = (app.healthChecks as HealthCheck[]).map(canonicalHealthCheck);
}

/** The health check as Marathon stores and echoes it (HealthCheckConversion round trip). */
export function canonicalHealthCheck(hc: HealthCheck): HealthCheck {
  const base = {
    gracePeriodSeconds: hc.gracePeriodSeconds,
    intervalSeconds: hc.intervalSeconds,
    maxConsecutiveFailures: hc.maxConsecutiveFailures,
  };
  const ports = { ...(hc.port !== undefined ? { port: hc.port } : {}), ...(hc.portIndex !== undefined ? { portIndex: hc.portIndex } : {}) };
  const tail = { timeoutSeconds: hc.timeoutSeconds };
  if (hc.command || hc.protocol === 'COMMAND') {
    return { command: hc.command ?? { value: '' }, ...base, protocol: 'COMMAND', ipProtocol: 'IPv4', ...tail, delaySeconds: hc.delaySeconds };
  }
  switch (hc.protocol) {
    case 'HTTP':
    case 'HTTPS':
      return { ...base, ignoreHttp1xx: false, // 1.7 drops the flag when reading (HealthCheckConversion)
        ...(hc.path !== undefined ? { path: hc.path } : {}), ...ports, protocol: hc.protocol, ipProtocol: 'IPv4', ...tail, delaySeconds: 15 };
    case 'TCP':
      return { ...base, ...ports, protocol: 'TCP', ipProtocol: 'IPv4', ...tail, delaySeconds: 15 };
    case 'MESOS_HTTP':
    case 'MESOS_HTTPS':
      return { ...base, ...(hc.path !== undefined ? { path: hc.path } : {}), ...ports, protocol: hc.protocol, ipProtocol: hc.ipProtocol, ...tail, delaySeconds: hc.delaySeconds };
    default:
      return { ...base, ...ports, protocol: 'MESOS_TCP', ipProtocol: hc.ipProtocol, ...tail, delaySeconds: hc.delaySeconds };
  }
}

/** The canonical app as the RAML object an AppUpdate is applied to (AppConversion.appWriter). */
export function appToRaw(app: App): RawApp {
  const raw = structuredClone(app) as unknown as RawApp;
  delete raw.versionInfo;
  return raw;
}

/** appUpdateRamlReader: every field the update sets replaces the app's; executorResources always taken from the update. */
export function mergeUpdate(base: RawApp, update: Record<string, unknown>): RawApp {
  const out: RawApp = { ...base };
  const u = normalizeDeprecatedUpdate(update);
  for (const [k, v] of Object.entries(u)) {
    if (k === 'id' || k === 'version' || k === 'versionInfo') continue;
    if (v !== undefined) out[k] = v;
  }
  if (u.executorResources === undefined) delete out.executorResources;
  // An update that sets the 1.4-style docker network means the networks are translated from it.
  if ((u.container as Container | undefined)?.docker?.network && u.networks === undefined) out.networks = [];
  return out;
}

// AppNormalization.forDeprecatedUpdates: only the translations, defaults come later.
function normalizeDeprecatedUpdate(update: Record<string, unknown>): Record<string, unknown> {
  const u = { ...update };
  const uris = u.uris as string[] | undefined;
  if (uris?.length && !(u.fetch as unknown[] | undefined)?.length) {
    u.fetch = uris.map((uri) => ({ uri, extract: EXTRACT_SUFFIXES.some((s) => uri.endsWith(s)), executable: false, cache: false }));
  }
  delete u.uris;
  if (u.ports && !u.portDefinitions) u.portDefinitions = (u.ports as number[]).map((port) => ({ port, protocol: 'tcp' }));
  delete u.ports;
  if (u.healthChecks) u.healthChecks = (u.healthChecks as HealthCheck[]).map(withDefaultPortIndex);
  return u;
}

/** Validation of the update body itself (validateCanonicalAppUpdateAPI parts that matter). */
export function validateUpdate(update: Record<string, unknown>): void {
  const v: Violation[] = [];
  if (update.version !== undefined) {
    const others = Object.entries(update).filter(([k, val]) => val !== undefined && k !== 'version' && k !== 'id');
    if (others.length) v.push({ path: '/', message: "The 'version' field may only be combined with the 'id' field." });
  }
  const cmd = update.cmd as string | undefined;
  if (cmd !== undefined && cmd.length <= 1) v.push({ path: '/', message: 'must not be an empty string' });
  if (v.length) throw notValid(groupDetails(v));
}

/**
 * AppDefinition.residentUpdateIsValid, when the app is or becomes resident:
 * its persistent volumes stay as they are, and so do the resources its
 * reservations were made for.
 */
export function validateResidentUpdate(from: App, to: App): void {
  if (!isResident(from) && !isResident(to)) return;
  const v: Violation[] = [];
  // every volume stays, the persistent ones included
  if (JSON.stringify(from.container?.volumes ?? []) !== JSON.stringify(to.container?.volumes ?? [])) v.push({ path: '/', message: 'Persistent volumes can not be changed!' });
  const needs = (a: App) => JSON.stringify([a.cpus, a.mem, a.disk, a.gpus, portSpecs(a).map((p) => p.port).sort(), a.requirePorts]);
  if (needs(from) !== needs(to)) v.push({ path: '/', message: 'Resident Tasks may not change resource requirements!' });
  if (v.length) throw notValid(groupDetails(v));
}
