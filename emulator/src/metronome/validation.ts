// Reading a job or schedule body the way Metronome does, in its three stages,
// each of which answers 422 "Object is not valid" with its own details:
// (a) the JSON schema, (b) play-json reads (defaults, volumes, cron, time
// zone), (c) accord rules on the read model.
import { cronText, isKnownZone, parseCron } from './cron.js';
import type { Artifact, Constraint, EnvValue, JobSpec, Network, RunSpec, ScheduleSpec, Volume } from './model.js';
import { check, details, JOB_SCHEMA, JOB_V0_SCHEMA, SCHEDULE_SCHEMA, type Violation } from './schema.js';

type Json = Record<string, unknown>;

export interface Invalid {
  message: 'Object is not valid';
  details: Array<{ path: string; errors: string[] }>;
}

export type Read<T> = { ok: true; value: T } | { ok: false; error: Invalid };

const invalid = (v: Violation[]): { ok: false; error: Invalid } => ({ ok: false, error: { message: 'Object is not valid', details: details(v) } });

/** play-json's compact rendering of a value, as reads errors quote it. */
const render = (v: unknown) => JSON.stringify(v);

// ---- schedules ----

function readScheduleFields(o: Json, path: string, out: Violation[]): ScheduleSpec | undefined {
  const parsed = typeof o.cron === 'string' ? parseCron(o.cron) : undefined;
  if (!parsed) out.push({ path: `${path}/cron`, message: `Can not read cron expression ${render(o.cron)}` });
  const timezone = o.timezone === undefined ? 'UTC' : o.timezone;
  const zoneOk = typeof timezone === 'string' && isKnownZone(timezone);
  if (!zoneOk) out.push({ path: `${path}/timezone`, message: `No time zone found with this id: ${render(timezone)}` });
  if (!parsed || !zoneOk) return undefined;
  return {
    id: o.id as string,
    cron: cronText(parsed),
    parsed,
    timezone,
    startingDeadlineSeconds: (o.startingDeadlineSeconds as number | undefined) ?? 900,
    concurrencyPolicy: (o.concurrencyPolicy as 'ALLOW' | 'FORBID' | undefined) ?? 'ALLOW',
    enabled: (o.enabled as boolean | undefined) ?? true,
  };
}

function scheduleRules(s: ScheduleSpec, path: string): Violation[] {
  // accord: startingDeadline >= 1 minute (the schema alone allows 1 s)
  if (s.startingDeadlineSeconds < 60) return [{ path: `${path}/startingDeadline`, message: `got ${s.startingDeadlineSeconds} seconds, expected 1 minute or more` }];
  return [];
}

export function readSchedule(body: unknown): Read<ScheduleSpec> {
  const schema = check(SCHEDULE_SCHEMA, body);
  if (schema.length) return invalid(schema);
  const reads: Violation[] = [];
  const s = readScheduleFields(body as Json, '', reads);
  if (!s) return invalid(reads);
  const rules = scheduleRules(s, '');
  return rules.length ? invalid(rules) : { ok: true, value: s };
}

// ---- jobs ----

function readVolumes(list: unknown[] | undefined, out: Violation[]): Volume[] {
  const vols: Volume[] = [];
  (list ?? []).forEach((v, i) => {
    const keys = Object.keys(v as Json).sort().join(',');
    // exactly these key sets, as the reads insist
    if (keys === 'containerPath,hostPath,mode' || keys === 'containerPath,secret') vols.push(v as Volume);
    else out.push({ path: `/run/volumes(${i})`, message: `expected HostVolume or SecretVolume object but got ${render(v)}` });
  });
  return vols.map((v) => ('secret' in v ? { containerPath: v.containerPath, secret: v.secret } : { containerPath: v.containerPath, hostPath: v.hostPath, mode: v.mode }));
}

function readRun(r: Json, out: Violation[]): RunSpec {
  const docker = r.docker as Json | undefined;
  const ucr = r.ucr as Json | undefined;
  const image = ucr?.image as Json | undefined;
  const restart = r.restart as Json | undefined;
  const placement = r.placement as { constraints?: Json[] } | undefined;
  const run: RunSpec = {
    cpus: r.cpus as number,
    mem: r.mem as number,
    disk: r.disk as number,
    gpus: (r.gpus as number | undefined) ?? 0,
    ...(r.cmd !== undefined ? { cmd: r.cmd as string } : {}),
    ...(r.args !== undefined ? { args: r.args as string[] } : {}),
    ...(r.user !== undefined ? { user: r.user as string } : {}),
    env: (r.env as Record<string, EnvValue> | undefined) ?? {},
    placement: {
      constraints: (placement?.constraints ?? []).map((c) => ({
        attribute: c.attribute as string,
        // EQ is the old name of IS and is kept as IS
        operator: (c.operator === 'EQ' ? 'IS' : c.operator) as Constraint['operator'],
        ...(c.value !== undefined ? { value: c.value as string } : {}),
      })),
    },
    artifacts: ((r.artifacts as Json[] | undefined) ?? []).map(
      (a): Artifact => ({ uri: a.uri as string, extract: (a.extract as boolean | undefined) ?? true, executable: (a.executable as boolean | undefined) ?? false, cache: (a.cache as boolean | undefined) ?? false }),
    ),
    maxLaunchDelay: (r.maxLaunchDelay as number | undefined) ?? 3600,
    ...(docker
      ? {
          docker: {
            image: docker.image as string,
            privileged: (docker.privileged as boolean | undefined) ?? false,
            parameters: (docker.parameters as Array<{ key: string; value: string }> | undefined) ?? [],
            forcePullImage: (docker.forcePullImage as boolean | undefined) ?? false,
          },
        }
      : {}),
    ...(ucr && image
      ? { ucr: { image: { id: image.id as string, kind: (image.kind as string | undefined) ?? 'docker', forcePull: (image.forcePull as boolean | undefined) ?? false }, privileged: (ucr.privileged as boolean | undefined) ?? false } }
      : {}),
    volumes: readVolumes(r.volumes as unknown[] | undefined, out),
    restart: {
      policy: (restart?.policy as 'NEVER' | 'ON_FAILURE' | undefined) ?? 'NEVER',
      // durations are whole seconds (toLong)
      ...(restart?.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: Math.trunc(restart.activeDeadlineSeconds as number) } : {}),
    },
    ...(r.taskKillGracePeriodSeconds !== undefined ? { taskKillGracePeriodSeconds: Math.trunc(r.taskKillGracePeriodSeconds as number) } : {}),
    secrets: (r.secrets as Record<string, { source?: string }> | undefined) ?? {},
    networks: ((r.networks as Json[] | undefined) ?? []).map(
      (n): Network => ({ ...(n.name !== undefined ? { name: n.name as string } : {}), mode: n.mode as Network['mode'], labels: (n.labels as Record<string, string> | undefined) ?? {} }),
    ),
  };
  return run;
}

function networkRules(run: RunSpec): string[] {
  const errors: string[] = [];
  const modes = new Set(run.networks.map((n) => n.mode));
  if (modes.size > 1) errors.push('You may not mix host, container, or container/bridge networking. Only define one kind of network.');
  const containerLess = !run.docker && !run.ucr;
  if (containerLess) {
    if ([...modes].some((m) => m !== 'host')) errors.push('Only containers may join container or bridge networks');
  } else if (run.docker && modes.size === 1 && modes.has('container') && run.networks.length > 1) {
    errors.push('Docker does not allow specification of multiple networks');
  }
  if ([...modes].some((m) => m !== 'container') && run.networks.length > 1) errors.push('Only one host or container/bridge network modes are allowed');
  const names = run.networks.flatMap((n) => (n.name !== undefined ? [n.name] : []));
  if (new Set(names).size !== names.length) errors.push('network names must be unique');
  // upstream prepends each message to a list: the last found comes first
  return errors.reverse();
}

function eachNetworkRules(run: RunSpec): Violation[] {
  // accord's empty / notEmpty on each network (the hint texts are not rendered)
  const out: Violation[] = [];
  run.networks.forEach((n, i) => {
    const at = `/run/networks(${i})`;
    if (n.mode === 'container' && !n.name) out.push({ path: `${at}/name`, message: 'must not be empty' });
    if (n.mode !== 'container' && n.name !== undefined) out.push({ path: `${at}/name`, message: 'must be empty' });
    if (n.mode === 'host' && Object.keys(n.labels).length) out.push({ path: `${at}/labels`, message: 'must be empty' });
  });
  return out;
}

/** The accord rules of JobRunSpec, with the paths Marathon's validation renders. */
export function runRules(run: RunSpec): Violation[] {
  const out: Violation[] = [];
  for (const message of networkRules(run)) out.push({ path: '/run/networks', message });
  if (run.gpus !== 0 && run.docker) out.push({ path: '/run/gpus', message: 'GPUs are not supported with Docker' });
  if (run.docker && run.volumes.some((v) => 'secret' in v)) out.push({ path: '/run/volumes', message: 'File based secrets are only supported by UCR' });
  out.push(...eachNetworkRules(run));
  if (!run.cmd && !run.docker?.image && !run.ucr) out.push({ path: '/run', message: 'Cmd, Docker or UCR image must be specified' });
  if (run.docker && run.ucr) out.push({ path: '/run', message: 'Either Docker or UCR should be provided, but not both' });
  const referenced = new Set<string>([
    ...Object.values(run.env).flatMap((v) => (typeof v === 'object' ? [v.secret] : [])),
    ...run.volumes.flatMap((v) => ('secret' in v ? [v.secret] : [])),
  ]);
  const provided = new Set(Object.keys(run.secrets));
  const undefinedSecrets = [...referenced].filter((s) => !provided.has(s));
  const unused = [...provided].filter((s) => !referenced.has(s));
  let text = '';
  if (undefinedSecrets.length) text += `The following secrets are referenced, but undefined: ${undefinedSecrets.join(', ')}. Please add them to the secrets field.`;
  if (unused.length) text += `The following secrets are defined, but not referenced: ${unused.join(', ')}. Please remove them from the secrets field.`;
  if (text) out.push({ path: '/run', message: text });
  return out;
}

/**
 * A v1 job body (POST/PUT /v1/jobs), or a v0 scheduled job (with `schedules`).
 * `schedules` of the result is empty for v1: schedules have their own routes.
 */
export function readJob(body: unknown, version: 'v1' | 'v0' = 'v1'): Read<JobSpec> {
  const schema = check(version === 'v1' ? JOB_SCHEMA : JOB_V0_SCHEMA, body);
  if (schema.length) return invalid(schema);
  const o = body as Json;
  const reads: Violation[] = [];
  const run = readRun(o.run as Json, reads);
  const schedules: ScheduleSpec[] = [];
  ((o.schedules as Json[] | undefined) ?? []).forEach((s, i) => {
    const read = readScheduleFields(s, `/schedules(${i})`, reads);
    if (read) schedules.push(read);
  });
  if (reads.length) return invalid(reads);
  const job: JobSpec = {
    id: o.id as string,
    ...(o.description !== undefined ? { description: o.description as string } : {}),
    labels: (o.labels as Record<string, string> | undefined) ?? {},
    run,
    schedules,
  };
  const rules = [...schedules.flatMap((s, i) => scheduleRules(s, `/schedules(${i})`)), ...runRules(run)];
  if (schedules.length > 1) rules.push({ path: '/schedules', message: `has size ${schedules.length}, expected 1 or less` });
  return rules.length ? invalid(rules) : { ok: true, value: job };
}
