// A run's Mesos task, as Marathon 1.7 builds it for the app Metronome makes
// of the run: resources matched from an offer (cpus, mem, disk, gpus; no
// ports), the command or container, the MARATHON_APP_* environment, labels,
// discovery info and kill policy.
import type { V1Offer } from '../marathon/mesos/client.js';
import { makeLogger } from '../common/log.js';
import { roleOf } from '../marathon/mesos/matcher.js';
import { javaDouble } from '../marathon/util.js';
import { runAppId, taskName, type JobRun, type RunSpec } from './model.js';

type Json = Record<string, unknown>;

/** The value a constraint reads on an offer: its hostname, or a text/scalar attribute. */
function attributeValue(offer: V1Offer, name: string): string | undefined {
  if (name === 'hostname') return offer.hostname;
  const a = offer.attributes?.find((x) => x.name === name);
  if (!a) return undefined;
  if (a.type === 'TEXT') return a.text?.value;
  if (a.type === 'SCALAR' && a.scalar) return javaDouble(a.scalar.value);
  return undefined;
}

const log = makeLogger('Constraints');

/** Whether a LIKE/UNLIKE pattern matches the whole value; undefined for a pattern JavaScript cannot compile (logged once). */
const patterns = new Map<string, RegExp | null>();
function fullMatch(pattern: string, value: string): boolean | undefined {
  let re = patterns.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${pattern})$`);
    } catch (err) {
      log.warn(`Constraint pattern ${JSON.stringify(pattern)} does not compile (${(err as Error).message}); no agent meets the constraint`);
      re = null;
    }
    patterns.set(pattern, re);
  }
  return re === null ? undefined : re.test(value);
}

/** IS / LIKE / UNLIKE; constraints without a value are ignored at launch. */
export function constraintsMet(run: RunSpec, offer: V1Offer): boolean {
  return run.placement.constraints.every((c) => {
    if (c.value === undefined) return true;
    const v = attributeValue(offer, c.attribute);
    switch (c.operator) {
      case 'IS':
        return v === c.value;
      case 'LIKE':
        return v !== undefined && fullMatch(c.value, v) === true;
      case 'UNLIKE':
        return v === undefined ? fullMatch(c.value, '') !== undefined : fullMatch(c.value, v) === false;
    }
  });
}

/** What is left of an offer's scalars, per resource entry, so one offer can carry several launches. */
export class OfferLeft {
  private readonly parts: Array<{ source: Json; name: string; left: number }> = [];
  constructor(
    readonly offer: V1Offer,
    roles: Set<string>,
  ) {
    for (const r of offer.resources) {
      if (r.type !== 'SCALAR' || !r.scalar || !roles.has(roleOf(r))) continue;
      if ((r.disk as Json | undefined)?.persistence) continue;
      this.parts.push({ source: r, name: r.name, left: (r.scalar as { value: number }).value });
    }
  }

  private available(name: string): number {
    return this.parts.filter((p) => p.name === name).reduce((n, p) => n + p.left, 0);
  }

  /** Takes the run's resources, or returns undefined (and takes nothing) when they do not fit. */
  take(run: RunSpec): Json[] | undefined {
    const wanted: Array<[string, number]> = [['cpus', run.cpus], ['mem', run.mem], ['disk', run.disk], ['gpus', run.gpus]];
    if (wanted.some(([n, v]) => v > 0 && this.available(n) + 1e-9 < v)) return undefined;
    const out: Json[] = [];
    for (const [name, amount] of wanted) {
      let need = amount;
      for (const p of this.parts) {
        if (need <= 1e-9) break;
        if (p.name !== name || p.left <= 1e-9) continue;
        const got = Math.min(p.left, need);
        p.left -= got;
        need -= got;
        const res: Json = { name, type: 'SCALAR', scalar: { value: Math.round(got * 1000) / 1000 } };
        for (const k of ['role', 'allocation_info', 'reservation', 'reservations']) if (p.source[k] !== undefined) res[k] = p.source[k];
        out.push(res);
      }
    }
    return out;
  }
}

/** MARATHON_APP_LABELS and one MARATHON_APP_LABEL_<KEY> per label. */
function labelsEnv(labels: Record<string, string>): Array<[string, string]> {
  const keys = Object.entries(labels).map(([k, v]) => [k.replace(/[^a-zA-Z0-9_]+/g, '_').toUpperCase(), v] as const);
  return [['MARATHON_APP_LABELS', keys.map(([k]) => k).join(' ')], ...keys.map(([k, v]) => [`MARATHON_APP_LABEL_${k}`, v] as [string, string])];
}

export function taskEnv(run: JobRun, taskId: string, hostname: string): Array<[string, string]> {
  const r = run.spec.run;
  const env = new Map<string, string>();
  env.set('MESOS_TASK_ID', taskId);
  env.set('MARATHON_APP_ID', runAppId(run.jobId, run.id));
  // the run's app has no version: VersionInfo.NoVersion
  env.set('MARATHON_APP_VERSION', '1970-01-01T00:00:00.000Z');
  if (r.docker) env.set('MARATHON_APP_DOCKER_IMAGE', r.docker.image);
  env.set('MARATHON_APP_RESOURCE_CPUS', javaDouble(r.cpus));
  env.set('MARATHON_APP_RESOURCE_MEM', javaDouble(r.mem));
  env.set('MARATHON_APP_RESOURCE_DISK', javaDouble(r.disk));
  env.set('MARATHON_APP_RESOURCE_GPUS', String(r.gpus));
  for (const [k, v] of labelsEnv(run.spec.labels)) env.set(k, v);
  env.set('HOST', hostname);
  // the job's own string variables win; secret references are not resolved (no secret store)
  for (const [k, v] of Object.entries(r.env)) if (typeof v === 'string') env.set(k, v);
  return [...env];
}

function commandInfo(run: JobRun, taskId: string, hostname: string): Json {
  const r = run.spec.run;
  const cmd: Json = { environment: { variables: taskEnv(run, taskId, hostname).map(([name, value]) => ({ name, value })) } };
  cmd.shell = r.cmd !== undefined;
  if (r.cmd !== undefined) cmd.value = r.cmd;
  if (r.args?.length) {
    cmd.shell = false;
    cmd.arguments = r.args;
    // without a container the first argument is the program
    if (!r.docker && !r.ucr) cmd.value = r.args[0];
  }
  if (r.artifacts.length) cmd.uris = r.artifacts.map((a) => ({ value: a.uri, executable: a.executable, extract: a.extract, cache: a.cache }));
  if (r.user !== undefined) cmd.user = r.user;
  return cmd;
}

function containerInfo(run: JobRun, taskId: string): Json | undefined {
  const r = run.spec.run;
  const volumes = r.volumes.flatMap((v) => ('hostPath' in v ? [{ container_path: v.containerPath, host_path: v.hostPath, mode: v.mode }] : []));
  const mode = r.networks[0]?.mode ?? 'host';
  const networkInfos = r.networks
    .filter((n) => n.mode === 'container')
    .map((n) => ({ name: n.name, ...(Object.keys(n.labels).length ? { labels: { labels: Object.entries(n.labels).map(([key, value]) => ({ key, value })) } } : {}) }));
  if (r.docker) {
    const docker: Json = {
      image: r.docker.image,
      network: mode === 'container' ? 'USER' : mode === 'container/bridge' ? 'BRIDGE' : 'HOST',
      privileged: r.docker.privileged,
      parameters: [...r.docker.parameters, { key: 'label', value: `MESOS_TASK_ID=${taskId}` }],
      force_pull_image: r.docker.forcePullImage,
    };
    return { type: 'DOCKER', volumes, docker, ...(networkInfos.length ? { network_infos: networkInfos } : {}) };
  }
  if (r.ucr) {
    const img = r.ucr.image;
    const image = img.kind === 'appc' ? { type: 'APPC', appc: { name: img.id } } : { type: 'DOCKER', docker: { name: img.id }, cached: !img.forcePull };
    const out: Json = { type: 'MESOS', volumes, mesos: { image } };
    if (networkInfos.length) out.network_infos = networkInfos;
    else if (mode === 'container/bridge') out.network_infos = [{ name: 'mesos-bridge' }];
    return out;
  }
  return undefined;
}

export function buildTaskInfo(run: JobRun, taskId: string, offer: V1Offer, resources: Json[]): Json {
  const r = run.spec.run;
  const name = taskName(run.jobId, run.id);
  const task: Json = {
    name,
    task_id: { value: taskId },
    agent_id: { value: offer.agent_id.value },
    resources,
    command: commandInfo(run, taskId, offer.hostname),
  };
  const container = containerInfo(run, taskId);
  if (container) task.container = container;
  if (Object.keys(run.spec.labels).length) task.labels = { labels: Object.entries(run.spec.labels).map(([key, value]) => ({ key, value })) };
  task.discovery = { visibility: 'FRAMEWORK', name, ports: { ports: [] } };
  if (r.taskKillGracePeriodSeconds !== undefined) task.kill_policy = { grace_period: { nanoseconds: r.taskKillGracePeriodSeconds * 1e9 } };
  return task;
}
