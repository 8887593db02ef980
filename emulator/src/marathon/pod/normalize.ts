// A pod body as PodsResource takes it: the RAML reads (defaults, "Invalid
// JSON" with Play's error keys), PodsValidation's rules ("Object is not
// valid"), PodNormalization (host ports of 0 outside container networks,
// resident defaults), and the JSON Raml.toRaml writes back.
import { read, type ReadError } from '../app/reads.js';
import { canonicalId } from '../util.js';
import { groupDetails, invalidJson, notValid } from '../errors.js';
import { POD_SCHEMA } from './schema.js';
import type { Pod, PodContainer } from './types.js';

type Json = Record<string, unknown>;

/** Json.parse(body).as[Pod]: the raw pod with the RAML defaults, or 422 Invalid JSON. */
export function readPod(json: unknown): Json & { id: string } {
  const errors: ReadError[] = [];
  const out = read(POD_SCHEMA, json, '', errors);
  if (errors.length) throw invalidJson(groupDetails(errors.map((e) => ({ path: e.path, message: e.error }))));
  return out as Json & { id: string };
}

/** PodsValidation.podValidator on the raw pod (before normalization). */
export function validatePod(raw: Json & { id: string }, opts: { defaultNetworkName?: string } = {}): void {
  const v: Array<{ path: string; message: string }> = [];
  const add = (path: string, message: string) => v.push({ path, message });
  const id = raw.id;
  if (!id.startsWith('/')) add('/id', 'Path needs to be absolute');
  else if (!id.split('/').some(Boolean)) add('/id', 'Path must contain at least one path element');
  const containers = raw.containers as PodContainer[];
  const networks = (raw.networks as Array<{ mode: string; name?: string }> | undefined) ?? [];
  const volumes = (raw.volumes as Array<{ name: string }> | undefined) ?? [];
  const hostMode = networks.some((n) => n.mode === 'host');
  const containerMode = networks.some((n) => n.mode === 'container');
  if (networks.some((n) => n.mode === 'container' && !n.name) && !opts.defaultNetworkName) add('/networks', 'Network name must be specified when container network is selected.');
  const names = containers.map((c) => c.name);
  if (new Set(names).size !== names.length) add('/containers', 'container names must be unique');
  const endpoints = containers.flatMap((c) => c.endpoints ?? []);
  const unique = (xs: unknown[]) => new Set(xs).size === xs.length;
  if (!unique(endpoints.map((e) => e.name))) add('/', 'endpoint names nust be unique across all containers');
  if (!unique(endpoints.map((e) => e.hostPort).filter((p) => p !== undefined && p !== 0))) add('/', 'host ports must be unique across all containers');
  if (!unique(endpoints.map((e) => e.containerPort).filter((p) => p !== undefined && p !== 0))) add('/', 'container ports must be unique across all containers');
  if (!unique(volumes.map((x) => x.name))) add('/volumes', 'volume names must be unique');
  volumes.forEach((vol, i) => {
    if (!containers.some((c) => (c.volumeMounts ?? []).some((m) => m.name === vol.name))) add(`/volumes(${i})`, 'volume must be referenced by at least one container');
    // (this emulator's own refusal, not 1.7's: it would launch the pod without the reservation and lose the data)
    if ('persistent' in vol) add(`/volumes(${i})`, 'persistent volumes in pods are not supported by the emulated Marathon (resident apps are)');
  });
  containers.forEach((c, i) => {
    const base = `/containers(${i})`;
    (c.volumeMounts ?? []).forEach((m, j) => {
      if (!volumes.some((x) => x.name === m.name)) add(`${base}/volumeMounts(${j})/name`, 'Referenced Volume in VolumeMount should exist');
    });
    (c.endpoints ?? []).forEach((e, j) => {
      if (hostMode && e.containerPort !== undefined) add(`${base}/endpoints(${j})/containerPort`, 'is not allowed when using host-mode networking');
      if (containerMode && e.containerPort === undefined) add(`${base}/endpoints(${j})/containerPort`, 'is required when using container-mode networking');
    });
    const hc = c.healthCheck;
    if (hc) {
      const kinds = [hc.http, hc.tcp, hc.exec].filter(Boolean).length;
      if (kinds !== 1) add(`${base}/healthCheck`, 'Only one of http, tcp, or command may be specified');
      const declared = new Set((c.endpoints ?? []).map((e) => e.name));
      if (hc.http && !declared.has(hc.http.endpoint)) add(`${base}/healthCheck/http/endpoint`, 'contained in the container endpoints');
      if (hc.tcp && !declared.has(hc.tcp.endpoint)) add(`${base}/healthCheck/tcp/endpoint`, 'contained in the container endpoints');
      if (hc.timeoutSeconds >= hc.intervalSeconds) add(`${base}/healthCheck/timeoutSeconds`, `got ${hc.timeoutSeconds}, expected less than ${hc.intervalSeconds}`);
    }
  });
  if (v.length) throw notValid(groupDetails(v));
}

const omitEmpty = (o: Json, key: string) => {
  const x = o[key];
  if (x === undefined || (Array.isArray(x) && !x.length) || (typeof x === 'object' && x !== null && !Array.isArray(x) && !Object.keys(x).length)) delete o[key];
};

/** PodNormalization + Raml.fromRaml: the pod as stored, `version` set by the caller. */
export function normalizePod(raw: Json & { id: string }, version: string, opts: { defaultNetworkName?: string } = {}): Pod {
  const r = structuredClone(raw) as Json;
  const networks = ((r.networks as Pod['networks'] | undefined) ?? []).map((n) => (n.mode === 'container' && !n.name && opts.defaultNetworkName ? { ...n, name: opts.defaultNetworkName } : n));
  const containerNet = networks.some((n) => n.mode === 'container');
  const containers = (r.containers as PodContainer[]).map((c) => {
    const out: PodContainer = { ...c };
    // outside container networks every endpoint gets a host port (0: any)
    if (c.endpoints) out.endpoints = c.endpoints.map((e) => (containerNet || e.hostPort !== undefined ? e : { ...e, hostPort: 0 }));
    if (c.volumeMounts) out.volumeMounts = c.volumeMounts.map((m) => ({ ...m, readOnly: m.readOnly ?? false }));
    return out;
  });
  const resident = ((r.volumes as Json[] | undefined) ?? []).some((x) => 'persistent' in x);
  const scheduling = (r.scheduling as Json | undefined) ?? {};
  const placement = (scheduling.placement as Pod['scheduling']['placement'] | undefined) ?? {};
  const pod: Pod = {
    id: canonicalId(r.id as string),
    version,
    containers,
    networks,
    scaling: { kind: 'fixed', instances: ((r.scaling as { instances?: number } | undefined)?.instances) ?? 1 },
    scheduling: {
      backoff: (scheduling.backoff as Pod['scheduling']['backoff'] | undefined) ?? { backoff: 1, backoffFactor: 1.15, maxLaunchDelay: 3600 },
      upgrade: (scheduling.upgrade as Pod['scheduling']['upgrade'] | undefined) ?? (resident ? { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 } : { minimumHealthCapacity: 1, maximumOverCapacity: 1 }),
      placement,
      killSelection: (scheduling.killSelection as Pod['scheduling']['killSelection'] | undefined) ?? 'YOUNGEST_FIRST',
      unreachableStrategy: (scheduling.unreachableStrategy as Pod['scheduling']['unreachableStrategy'] | undefined) ?? (resident ? 'disabled' : { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 }),
    },
    executorResources: (r.executorResources as Pod['executorResources'] | undefined) ?? { cpus: 0.1, mem: 32, disk: 10 },
  };
  for (const k of ['labels', 'user', 'environment', 'secrets', 'volumes'] as const) if (r[k] !== undefined) (pod as unknown as Json)[k] = r[k];
  return pod;
}

/** Raml.toRaml(PodDefinition): the pod JSON every route returns (empty optional collections left out). */
export function podJson(pod: Pod): Json {
  const out: Json = { id: pod.id };
  if (pod.labels) out.labels = pod.labels;
  out.version = pod.version;
  if (pod.user !== undefined) out.user = pod.user;
  if (pod.environment) out.environment = pod.environment;
  out.containers = pod.containers.map((c) => {
    const x: Json = { ...c };
    for (const k of ['endpoints', 'environment', 'volumeMounts', 'artifacts', 'labels']) omitEmpty(x, k);
    if (c.endpoints) x.endpoints = c.endpoints.map((e) => {
      const y: Json = { ...e };
      for (const k of ['protocol', 'labels', 'networkNames']) omitEmpty(y, k);
      return y;
    });
    return x;
  });
  if (pod.secrets) out.secrets = pod.secrets;
  if (pod.volumes) out.volumes = pod.volumes;
  if (pod.networks.length) out.networks = pod.networks.map((n) => {
    const y: Json = { ...n };
    omitEmpty(y, 'labels');
    return y;
  });
  for (const k of ['labels', 'environment', 'secrets', 'volumes']) omitEmpty(out, k);
  out.scaling = pod.scaling;
  const placement: Json = { ...pod.scheduling.placement };
  omitEmpty(placement, 'constraints');
  omitEmpty(placement, 'acceptedResourceRoles');
  const scheduling: Json = { backoff: pod.scheduling.backoff, upgrade: pod.scheduling.upgrade };
  if (Object.keys(placement).length) scheduling.placement = placement;
  scheduling.killSelection = pod.scheduling.killSelection;
  scheduling.unreachableStrategy = pod.scheduling.unreachableStrategy;
  out.scheduling = scheduling;
  out.executorResources = pod.executorResources;
  return out;
}
