// The RAML Pod type of Marathon 1.7 (docs/docs/rest-api/public/api/v2/types/
// pod.raml, podContainer.raml, volumes.raml, network.raml, healthCheck.raml)
// as a schema for app/reads.ts: the generated Play readers' types, defaults
// and error keys.
import { readDateTime, anyPort, arr, bool, dbl, envValue, enm, int, labels, long, map, name, networkName, obj, pathId, str } from '../app/schema.js';
import { isObject, read, type ReadError, type Schema } from '../app/reads.js';

const path = str({ minLength: 1, maxLength: 1024 });

/** MesosCommand: `shell` or `argv`, never both (the union's readers try ShellCommand first). */
const mesosCommand: Schema = {
  t: 'custom',
  read: (v, p, errors) => {
    if (!isObject(v)) return void errors.push({ path: p, error: 'error.expected.jsobject' });
    if ('shell' in v && !('argv' in v)) return read(obj({ shell: { s: str({ minLength: 1 }), required: true } }), v, p, errors);
    if ('argv' in v && !('shell' in v)) return read(obj({ argv: { s: arr(str(), { minItems: 1 }), required: true } }), v, p, errors);
    errors.push({ path: p, error: 'error.expected.jsobject' });
    return undefined;
  },
};

const resources = obj({
  cpus: { s: dbl(0.001), def: 1.0 },
  mem: { s: dbl(0.001), def: 128.0 },
  disk: { s: dbl(0), def: 0.0 },
  gpus: { s: int(0), def: 0 },
});

const endpoint = obj({
  name: { s: name, required: true },
  containerPort: { s: int(1, 65535) },
  hostPort: { s: anyPort },
  protocol: { s: arr(name, { minItems: 1 }) },
  labels: { s: labels },
  networkNames: { s: arr(name) },
});

const healthCheck = obj({
  http: { s: obj({ endpoint: { s: name, required: true }, path: { s: path }, scheme: { s: enm('HTTP', 'HTTPS'), def: 'HTTP' } }) },
  tcp: { s: obj({ endpoint: { s: name, required: true } }) },
  exec: { s: obj({ command: { s: mesosCommand, required: true } }) },
  gracePeriodSeconds: { s: int(0), def: 300 },
  intervalSeconds: { s: int(0), def: 60 },
  maxConsecutiveFailures: { s: int(0), def: 3 },
  timeoutSeconds: { s: int(0), def: 20 },
  delaySeconds: { s: int(0), def: 15 },
});

const container = obj({
  name: { s: name, required: true },
  exec: { s: obj({ command: { s: mesosCommand, required: true }, overrideEntrypoint: { s: bool } }) },
  resources: { s: resources, required: true },
  endpoints: { s: arr(endpoint) },
  image: {
    s: obj({
      kind: { s: enm('DOCKER', 'APPC'), required: true },
      id: { s: path, required: true },
      pullConfig: { s: obj({ secret: { s: str({ minLength: 1 }), required: true } }) },
      forcePull: { s: bool },
      labels: { s: labels },
    }),
  },
  environment: { s: map(envValue) },
  user: { s: str() },
  healthCheck: { s: healthCheck },
  volumeMounts: { s: arr(obj({ name: { s: name, required: true }, mountPath: { s: path, required: true }, readOnly: { s: bool } })) },
  artifacts: {
    s: arr(obj({ uri: { s: str({ minLength: 1, maxLength: 1024 }), required: true }, extract: { s: bool, def: true }, executable: { s: bool, def: false }, cache: { s: bool, def: false }, destPath: { s: path } })),
  },
  labels: { s: labels },
  lifecycle: { s: obj({ killGracePeriodSeconds: { s: dbl(0) } }) },
  tty: { s: bool },
});

const persistentInfo = obj({
  type: { s: enm('root', 'path', 'mount') },
  size: { s: long(0), required: true },
  maxSize: { s: long(0) },
  profileName: { s: str() },
  constraints: { s: arr({ t: 'any' }) },
});

/** PodVolume: persistent, secret, host, or else ephemeral (the union tries them in that order). */
const volume: Schema = {
  t: 'custom',
  read: (v, p, errors) => {
    if (!isObject(v)) return void errors.push({ path: p, error: 'error.expected.jsobject' });
    if ('persistent' in v) return read(obj({ name: { s: str({ minLength: 1 }), required: true }, persistent: { s: persistentInfo, required: true } }), v, p, errors);
    if ('secret' in v) return read(obj({ name: { s: str({ minLength: 1 }), required: true }, secret: { s: str({ minLength: 1 }), required: true } }), v, p, errors);
    if ('host' in v) return read(obj({ name: { s: name, required: true }, host: { s: str(), required: true } }), v, p, errors);
    return read(obj({ name: { s: name, required: true } }), v, p, errors);
  },
};

const unreachableStrategy: Schema = {
  t: 'custom',
  read: (v, p, errors: ReadError[]) => {
    if (typeof v === 'string') {
      if (v.toLowerCase() === 'disabled') return 'disabled';
      errors.push({ path: p, error: 'error.unknown.enum.literal' });
      return undefined;
    }
    return read(obj({ inactiveAfterSeconds: { s: long(0), def: 0 }, expungeAfterSeconds: { s: long(0), def: 0 } }), v, p, errors);
  },
};

export const POD_SCHEMA = obj({
  id: { s: pathId, required: true },
  labels: { s: labels },
  version: { s: { t: 'custom', read: readDateTime } },
  user: { s: str() },
  environment: { s: map(envValue) },
  containers: { s: arr(container, { minItems: 1 }), required: true },
  secrets: { s: map(obj({ source: { s: str({ minLength: 1 }), required: true } })) },
  volumes: { s: arr(volume) },
  networks: { s: arr(obj({ name: { s: networkName }, mode: { s: enm('container', 'container/bridge', 'host'), def: 'container' }, labels: { s: labels } })) },
  scaling: {
    s: {
      t: 'custom',
      read: (v, p, errors) => {
        if (isObject(v) && typeof v.kind === 'string' && v.kind.toLowerCase() !== 'fixed') return void errors.push({ path: `${p}/kind`, error: 'error.unknown.enum.literal' });
        return read(obj({ kind: { s: enm('fixed'), def: 'fixed' }, instances: { s: int(0), def: 1 } }), v, p, errors);
      },
    },
  },
  scheduling: {
    s: obj({
      backoff: { s: obj({ backoff: { s: dbl(0), def: 1 }, backoffFactor: { s: dbl(0), def: 1.15 }, maxLaunchDelay: { s: dbl(0), def: 3600 } }) },
      upgrade: { s: obj({ minimumHealthCapacity: { s: dbl(0, 1), def: 1 }, maximumOverCapacity: { s: dbl(0, 1), def: 1 } }) },
      placement: { s: obj({ constraints: { s: arr(obj({ fieldName: { s: str(), required: true }, operator: { s: enm('UNIQUE', 'CLUSTER', 'GROUP_BY', 'LIKE', 'UNLIKE', 'MAX_PER', 'IS'), required: true }, value: { s: str() } })) }, acceptedResourceRoles: { s: arr(str()) } }) },
      killSelection: { s: enm('YOUNGEST_FIRST', 'OLDEST_FIRST'), def: 'YOUNGEST_FIRST' },
      unreachableStrategy: { s: unreachableStrategy },
    }),
  },
  executorResources: { s: obj({ cpus: { s: dbl(0.1), def: 0.1 }, mem: { s: dbl(32), def: 32 }, disk: { s: dbl(10), def: 10 } }) },
});
