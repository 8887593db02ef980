// The RAML App type of Marathon 1.7 (docs/docs/rest-api/public/api/v2/types/*.raml)
// as a schema for reads.ts: field types, defaults and constraints.
import { read, updateType, isObject, type Field, type Schema, type ReadError } from './reads.js';

export const str = (extra: Partial<{ minLength: number; maxLength: number; pattern: RegExp }> = {}): Schema => ({ t: 'string', ...extra });
export const int = (min?: number, max?: number): Schema => ({ t: 'int', min, max });
export const long = (min?: number): Schema => ({ t: 'long', min });
export const dbl = (min?: number, max?: number): Schema => ({ t: 'double', min, max });
export const bool: Schema = { t: 'bool' };
export const arr = (items: Schema, extra: Partial<{ minItems: number; maxItems: number; unique: boolean }> = {}): Schema => ({ t: 'array', items, ...extra });
export const map = (values: Schema): Schema => ({ t: 'map', values });
export const obj = (fields: Record<string, Field>): { t: 'object'; fields: Record<string, Field> } => ({ t: 'object', fields });
export const enm = (...values: string[]): Schema => ({ t: 'enum', values });

/** strings.PathId */
export const PATH_ID_PATTERN = /^(\/?((\.\.)|(([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9]))?($|\/))+$/;
export const pathId = str({ minLength: 1, pattern: PATH_ID_PATTERN });
/** strings.LegacyName, strings.Name, strings.NetworkName */
const legacyName = str({ minLength: 1, pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/ });
export const name = str({ minLength: 1, maxLength: 63, pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/ });
export const networkName = str({ minLength: 1, maxLength: 63, pattern: /^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$/ });
export const anyPort = int(0, 65535);
export const labels = map(str());
const protocol = enm('tcp', 'udp', 'udp,tcp');

export const envValue: Schema = {
  t: 'custom',
  read: (v, path, errors) => {
    if (typeof v === 'string') return v;
    if (isObject(v) && typeof v.secret === 'string') return { secret: v.secret };
    errors.push({ path, error: 'error.expected.jsstring' });
    return undefined;
  },
};

const portMapping = obj({
  containerPort: { s: anyPort, def: 0 },
  hostPort: { s: anyPort },
  labels: { s: labels, def: {} },
  name: { s: legacyName },
  protocol: { s: protocol, def: 'tcp' },
  servicePort: { s: anyPort, def: 0 },
  networkNames: { s: arr(name), def: [] },
});

const docker = obj({
  credential: { s: obj({ principal: { s: str(), required: true }, secret: { s: str() } }) },
  pullConfig: { s: obj({ secret: { s: str({ minLength: 1 }), required: true } }) },
  forcePullImage: { s: bool, def: false },
  image: { s: str({ minLength: 1 }), required: true },
  network: { s: enm('BRIDGE', 'HOST', 'NONE', 'USER') },
  parameters: { s: arr(obj({ key: { s: str({ minLength: 1 }), required: true }, value: { s: str(), required: true } })), def: [] },
  portMappings: { s: arr(portMapping) },
  privileged: { s: bool, def: false },
});

const container = obj({
  type: { s: enm('MESOS', 'DOCKER'), def: 'DOCKER' },
  docker: { s: docker },
  appc: { s: obj({ image: { s: str({ minLength: 1 }), required: true }, id: { s: str({ minLength: 7 }) }, labels: { s: labels, def: {} }, forcePullImage: { s: bool, def: false } }) },
  volumes: { s: arr({ t: 'custom', read: (v, path, errors) => (isObject(v) ? v : (errors.push({ path, error: 'error.expected.jsobject' }), undefined)) }), def: [] },
  portMappings: { s: arr(portMapping) },
});

const healthCheck = obj({
  command: { s: obj({ value: { s: str(), required: true } }) },
  gracePeriodSeconds: { s: int(0), def: 300 },
  ignoreHttp1xx: { s: bool },
  intervalSeconds: { s: int(0), def: 60 },
  maxConsecutiveFailures: { s: int(0), def: 3 },
  path: { s: str() },
  port: { s: anyPort },
  portIndex: { s: anyPort },
  protocol: { s: enm('HTTP', 'HTTPS', 'TCP', 'COMMAND', 'MESOS_TCP', 'MESOS_HTTP', 'MESOS_HTTPS'), def: 'HTTP' },
  ipProtocol: { s: enm('IPv4', 'IPv6'), def: 'IPv4' },
  timeoutSeconds: { s: int(), def: 20 },
  delaySeconds: { s: int(0), def: 15 },
});

const readinessCheck = obj({
  name: { s: str({ minLength: 1 }), def: 'readinessCheck' },
  protocol: { s: enm('HTTP', 'HTTPS'), def: 'HTTP' },
  path: { s: str({ minLength: 1, maxLength: 1024 }), def: '/' },
  portName: { s: legacyName, def: 'http-api' },
  intervalSeconds: { s: int(0), def: 30 },
  timeoutSeconds: { s: int(1), def: 10 },
  httpStatusCodesForReady: { s: arr(int(100, 999), { minItems: 1, unique: true }) },
  preserveLastResponse: { s: bool, def: false },
});

const unreachableStrategy: Schema = {
  t: 'custom',
  read: (v, path, errors) => {
    if (typeof v === 'string') {
      if (v.toLowerCase() === 'disabled') return 'disabled';
      errors.push({ path, error: 'error.unknown.enum.literal' });
      return undefined;
    }
    return read(obj({ inactiveAfterSeconds: { s: long(0), def: 0 }, expungeAfterSeconds: { s: long(0), def: 0 } }), v, path, errors);
  },
};

export const APP_SCHEMA = obj({
  id: { s: pathId, required: true },
  acceptedResourceRoles: { s: arr(str(), { unique: true }) },
  args: { s: arr(str()), def: [] },
  backoffFactor: { s: dbl(1.0), def: 1.15 },
  backoffSeconds: { s: int(0), def: 1 },
  cmd: { s: str({ minLength: 1 }) },
  constraints: { s: arr(arr(str(), { minItems: 2, maxItems: 3 }), { unique: true }), def: [] },
  container: { s: container },
  cpus: { s: dbl(0.001), def: 1 },
  dependencies: { s: arr(pathId, { unique: true }), def: [] },
  disk: { s: dbl(0), def: 0 },
  env: { s: map(envValue), def: {} },
  executor: { s: str({ pattern: /^(?:(\/\/cmd)|(\/?[^/]+(\/[^/]+)*)|)$/ }), def: '' },
  executorResources: { s: obj({ cpus: { s: dbl(0.01), def: 0.1 }, mem: { s: dbl(32), def: 32 }, disk: { s: dbl(0), def: 10 } }) },
  fetch: { s: arr(obj({ uri: { s: str({ minLength: 1, maxLength: 1024 }), required: true }, extract: { s: bool, def: true }, executable: { s: bool, def: false }, cache: { s: bool, def: false }, destPath: { s: str({ minLength: 1, maxLength: 1024 }) } })), def: [] },
  healthChecks: { s: arr(healthCheck, { unique: true }), def: [] },
  instances: { s: int(0), def: 1 },
  labels: { s: labels, def: {} },
  maxLaunchDelaySeconds: { s: int(0), def: 3600 },
  mem: { s: dbl(0), def: 128 },
  gpus: { s: int(0), def: 0 },
  ipAddress: { s: obj({ discovery: { s: { t: 'any' } }, groups: { s: arr(str()), def: [] }, labels: { s: labels, def: {} }, networkName: { s: str({ minLength: 1 }) } }) },
  networks: { s: arr(obj({ name: { s: networkName }, mode: { s: enm('container', 'container/bridge', 'host'), def: 'container' }, labels: { s: labels, def: {} } })), def: [] },
  ports: { s: arr(anyPort) },
  portDefinitions: { s: arr(obj({ port: { s: anyPort, def: 0 }, labels: { s: labels, def: {} }, name: { s: legacyName }, protocol: { s: protocol, def: 'tcp' } })) },
  readinessChecks: { s: arr(readinessCheck), def: [] },
  residency: { s: obj({ relaunchEscalationTimeoutSeconds: { s: long(0), def: 3600 }, taskLostBehavior: { s: enm('WAIT_FOREVER', 'RELAUNCH_AFTER_TIMEOUT'), def: 'WAIT_FOREVER' } }) },
  requirePorts: { s: bool, def: false },
  secrets: { s: map(obj({ source: { s: str({ minLength: 1 }), required: true } })), def: {} },
  taskKillGracePeriodSeconds: { s: int(0) },
  upgradeStrategy: { s: obj({ maximumOverCapacity: { s: dbl(0, 1), required: true }, minimumHealthCapacity: { s: dbl(0, 1), required: true } }) },
  uris: { s: arr(str({ minLength: 1, maxLength: 1024 })) },
  user: { s: str() },
  version: { s: { t: 'custom', read: readDateTime } },
  versionInfo: { s: { t: 'any' } },
  killSelection: { s: enm('YOUNGEST_FIRST', 'OLDEST_FIRST'), def: 'YOUNGEST_FIRST' },
  unreachableStrategy: { s: unreachableStrategy },
  tty: { s: bool },
});

export const APP_UPDATE_SCHEMA = updateType(APP_SCHEMA);

export function readDateTime(v: unknown, path: string, errors: ReadError[]): unknown {
  if (typeof v === 'string' && !Number.isNaN(Date.parse(v)) && /^\d{4}-\d{2}-\d{2}T/.test(v)) return new Date(Date.parse(v)).toISOString();
  errors.push({ path, error: typeof v === 'string' ? 'error.expected.date.isoformat' : 'error.expected.jsstring' });
  return undefined;
}

/** The raw, read (not yet normalized) app: RAML field names, defaults filled in. */
export type RawApp = Record<string, unknown> & { id: string };
