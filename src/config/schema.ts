// cluster.yaml as a strict schema: unknown keys, wrong types and impossible
// values are errors, each tied to the path it came from.
import { z } from 'zod';
import { CLUSTER_NAME_PATTERN, CLUSTER_NAME_RULE } from './name.js';
import { parseDuration } from './duration.js';
import { parsePortRanges, rangesContain, type PortRange } from './port-ranges.js';
import { validEngineEndpoint } from './engine-endpoint.js';
import { placedMasters } from './placement.js';

const portRangesText = z.string().superRefine((text, ctx) => {
  const r = parsePortRanges(text);
  if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
});

const hostPort = z
  .number({ error: 'must be a port number (0 picks a free one)' })
  .int('must be a whole number')
  .min(0, 'must be 0 (a free port) or 1-65535')
  .max(65535, 'must be 0 (a free port) or 1-65535');

const imageRef = z.string().min(1, 'must name an image, e.g. mesosphere/mesos-master:1.7.1');

/** Extra Mesos flags, passed as MESOS_<NAME> environment variables. */
const mesosFlags = z.record(
  z.string().regex(/^[a-z][a-z0-9_]*$/, 'flag names are lowercase Mesos flag names like agent_ping_timeout'),
  z.union([z.string(), z.number(), z.boolean()], { error: 'flag values must be strings, numbers or booleans' }),
  { error: 'must be a mapping of Mesos flag names to values' },
);

const duration = z.string().refine((t) => parseDuration(t) !== undefined && parseDuration(t)! > 0, {
  message: 'must be a duration like 180s, 3m or 1m30s',
});

export const clusterName = z.string().regex(CLUSTER_NAME_PATTERN, CLUSTER_NAME_RULE);

export const imagesMode = z.enum(['auto', 'official', 'emulated']);

export const clusterSchema = z
  .strictObject({
    apiVersion: z.literal('mesos-up/v1', { error: 'must be mesos-up/v1' }).optional(),
    kind: z.literal('Cluster', { error: 'must be Cluster' }).optional(),
    name: clusterName.optional(),
    images: imagesMode.optional(),
    zookeeper: z.strictObject({ image: imageRef.optional() }).optional(),
    masters: z
      .strictObject({
        count: z
          .number({ error: 'must be 1, 3 or 5' })
          .refine((n) => n === 1 || n === 3 || n === 5, {
            message: 'must be 1, 3 or 5 (an odd number, so a quorum of floor(n/2)+1 survives a failure)',
          })
          .optional(),
        image: imageRef.optional(),
        flags: mesosFlags.optional(),
      })
      .optional(),
    agents: z
      .strictObject({
        count: z.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1: Marathon needs an agent to run tasks').max(32, 'must be at most 32').optional(),
        public: z.number({ error: 'must be a number of agents' }).int('must be a whole number').min(0, 'must not be negative').max(31, 'must be at most 31').optional(),
        resources: z
          .strictObject({
            cpus: z.number({ error: 'must be a number' }).gt(0, 'must be more than 0').max(256, 'must be at most 256').optional(),
            mem: z.number({ error: 'must be a number of MB' }).min(64, 'must be at least 64 (MB): smaller agents cannot run a task of 32 MB plus overhead').optional(),
            disk: z.number({ error: 'must be a number of MB' }).min(0, 'must not be negative').optional(),
            ports: portRangesText.optional(),
          })
          .optional(),
        publishPorts: portRangesText.optional(),
        containerizers: z
          .array(z.enum(['mesos', 'docker']), { error: 'must be a list of mesos and/or docker' })
          .min(1, 'must name at least one containerizer')
          .refine((l) => new Set(l).size === l.length, { message: 'must not repeat a containerizer' })
          .optional(),
        image: imageRef.optional(),
        flags: mesosFlags.optional(),
      })
      .optional(),
    marathon: z
      .strictObject({
        localPortMin: z.number({ error: 'must be a port number' }).int('must be a whole number').min(1).max(65535).optional(),
        localPortMax: z.number({ error: 'must be a port number' }).int('must be a whole number').min(1).max(65535).optional(),
        image: imageRef.optional(),
        args: z.array(z.string(), { error: 'must be a list of strings' }).optional(),
      })
      .optional(),
    ports: z.strictObject({ master: hostPort.optional(), marathon: hostPort.optional(), zookeeper: hostPort.optional() }).optional(),
    gateway: z
      .strictObject({
        taskPorts: z
          .number({ error: 'must be a number of ports' })
          .int('must be a whole number')
          .min(1, 'must be at least 1')
          .max(200, 'must be at most 200: the engine starts a proxy for every published port')
          .optional(),
      })
      .optional(),
    network: z
      .strictObject({
        subnet: z
          .string()
          .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/, 'must be an IPv4 subnet like 172.30.0.0/24')
          .refine((t) => Number(t.split('/')[1]) >= 8 && Number(t.split('/')[1]) <= 24, { message: 'must have a prefix from /8 to /24 (mesos-up needs room for 250 addresses)' })
          .optional(),
      })
      .optional(),
    timeouts: z.strictObject({ up: duration.optional() }).optional(),
    engines: z
      .array(
        z.strictObject(
          {
            endpoint: z
              .string({ error: 'must be local, a docker context name or a URL (unix://, tcp://, ssh://)' })
              .refine(validEngineEndpoint, { message: 'must be local, a docker context name or a URL (unix://, tcp://, ssh://)' }),
            agents: z.number({ error: 'must be a number of agents' }).int('must be a whole number').min(0, 'must not be negative').max(32, 'must be at most 32'),
            advertise: z.string().min(1, 'must be an address or interface the other engines reach this one at').optional(),
            masters: z.number({ error: 'must be a number of masters' }).int('must be a whole number').min(0, 'must not be negative').max(5, 'must be at most 5').optional(),
            zookeeper: z.literal(true, { error: 'must be true (ZooKeeper runs on this engine) or left out' }).optional(),
            marathon: z.literal(true, { error: 'must be true (Marathon runs on this engine) or left out' }).optional(),
          },
          { error: 'must be a mapping with endpoint and agents' },
        ),
        { error: 'must be a list of engines, each with endpoint and agents' },
      )
      .min(1, 'must list at least one engine')
      .max(50, 'must list at most 50 engines')
      .optional(),
    addons: z
      .strictObject({
        mesosDns: z.strictObject({}, { error: 'must be a mapping ({} for the defaults)' }).optional(),
        marathonLb: z
          .strictObject(
            {
              group: z
                .string()
                .regex(/^(\*|[A-Za-z0-9_.-]+)$/, 'must be one HAPROXY_GROUP name (letters, digits, _ . -) or * for every app')
                .optional(),
            },
            { error: 'must be a mapping ({} for the defaults)' },
          )
          .optional(),
        metronome: z.strictObject({}, { error: 'must be a mapping ({} for the defaults)' }).optional(),
      })
      .optional(),
  });

export type ClusterFile = z.infer<typeof clusterSchema>;

export type Role = 'zookeeper' | 'master' | 'agent' | 'marathon';

export interface EngineSpec {
  /** `local`, a docker context name or a URL, as written */
  endpoint: string;
  agents: number;
  /** the address swarm advertises for this engine (docker swarm init/join --advertise-addr) */
  advertise?: string;
  /** masters that run here; when no engine says, all run on the first */
  masters?: number;
  /** ZooKeeper runs here (default: the first engine) */
  zookeeper?: true;
  /** Marathon runs here (default: the first engine) */
  marathon?: true;
}

/** The fully resolved cluster description everything downstream works from. */
export interface ClusterSpec {
  name: string;
  images: 'auto' | 'official' | 'emulated';
  imageOverrides: Partial<Record<Role, string>>;
  masters: { count: 1 | 3 | 5; flags: Record<string, string> };
  agents: {
    /** all agents, public ones included */
    count: number;
    /**
     * how many of them (the last ones) are public: their resources are
     * reserved to the role slave_public (--default_role) and they carry the
     * attribute public_ip:true, as DC/OS public agents do; Marathon then
     * registers in that role so apps with acceptedResourceRoles ["slave_public"] run there
     */
    public: number;
    resources: { cpus: number; mem: number; disk: number; ports: PortRange[] };
    publishPorts: PortRange[];
    containerizers: Array<'mesos' | 'docker'>;
    /**
     * Where the containerizers were asked for (the cluster file, or "config
     * object"); absent when they are the defaults. Asked-for docker is never
     * dropped silently (plan/official-docker.ts).
     */
    containerizersFrom?: string;
    flags: Record<string, string>;
  };
  marathon: { localPortMin: number; localPortMax: number; args: string[] };
  ports: { master: number; marathon: number; zookeeper: number };
  /** the gateway publishes one port per agent plus this many for task ports */
  gateway: { taskPorts: number };
  /** undefined subnet: the engine picks a free one */
  network: { subnet?: string };
  timeouts: { upMs: number };
  /**
   * The Docker engines the cluster spans, in order; empty: the one engine the
   * CLI talks to. The gateway and add-ons run on the first, which must be that
   * engine, and so do ZooKeeper, masters and Marathon unless an engine says it
   * runs them; agents fill the engines in order.
   */
  engines: EngineSpec[];
  /** add-ons started with the cluster */
  addons: {
    mesosDns: boolean;
    /** Marathon-LB: serves the apps whose HAPROXY_GROUP names `group` */
    marathonLb?: { group: string };
    /** Metronome (DC/OS Jobs) as its own framework */
    metronome: boolean;
  };
}

/** Cross-field checks that need the merged values; returns [path, message] pairs. */
export function crossCheck(spec: ClusterSpec): Array<[Array<string | number>, string]> {
  const problems: Array<[Array<string | number>, string]> = [];
  const m = spec.marathon;
  if (m.localPortMin > m.localPortMax)
    problems.push([['marathon', 'localPortMax'], `must not be below localPortMin (${m.localPortMin})`]);
  for (const r of spec.agents.publishPorts) {
    if (!rangesContain(spec.agents.resources.ports, r))
      problems.push([['agents', 'publishPorts'], `${r.begin}-${r.end} is not inside the agents' port resources; publish only ports the agents offer`]);
  }
  if (spec.agents.publishPorts.reduce((n, r) => n + r.end - r.begin + 1, 0) > 100)
    problems.push([['agents', 'publishPorts'], 'publishes more than 100 ports per agent; Docker slows down badly with large port ranges']);
  // (engines that run no agent at all get their own message below)
  if (spec.agents.public >= spec.agents.count && spec.agents.count > 0)
    problems.push([['agents', 'public'], `must be below agents.count (${spec.agents.count}): apps that do not ask for slave_public need a private agent`]);
  if (spec.engines.length) {
    const sum = spec.engines.reduce((n, e) => n + e.agents, 0);
    if (sum !== spec.agents.count)
      problems.push([['engines'], `run ${sum} agents in all, but agents.count is ${spec.agents.count}: make them agree, or leave agents.count out`]);
    if (sum < 1) problems.push([['engines'], 'run no agent: Marathon needs one to run tasks']);
    const seen = new Map<string, number>();
    spec.engines.forEach((e, i) => {
      const first = seen.get(e.endpoint);
      if (first !== undefined) problems.push([['engines', i, 'endpoint'], `${e.endpoint} is listed twice (also engines.${first}): give each engine once, with all its agents`]);
      else seen.set(e.endpoint, i);
    });
    const masters = placedMasters(spec.engines);
    if (masters !== undefined && ![1, 3, 5].includes(masters))
      problems.push([['engines'], `place ${masters} masters in all: a cluster runs 1, 3 or 5 (a quorum needs an odd number)`]);
    else if (masters !== undefined && masters !== spec.masters.count)
      problems.push([['engines'], `place ${masters} master${masters === 1 ? '' : 's'} in all, but masters.count is ${spec.masters.count}: make them agree, or leave masters.count out`]);
    for (const key of ['zookeeper', 'marathon'] as const) {
      const on = spec.engines.map((e, i) => (e[key] ? i : -1)).filter((i) => i >= 0);
      if (on.length > 1) problems.push([['engines', on[1]!, key], `is also set on engines.${on[0]}: one ${key === 'zookeeper' ? 'ZooKeeper' : 'Marathon'} runs, on one engine`]);
    }
  }
  const fixed = (['master', 'marathon', 'zookeeper'] as const).filter((k) => spec.ports[k] !== 0);
  for (let i = 0; i < fixed.length; i++)
    for (let j = i + 1; j < fixed.length; j++)
      if (spec.ports[fixed[i]!] === spec.ports[fixed[j]!])
        problems.push([['ports', fixed[j]!], `is the same host port as ports.${fixed[i]} (${spec.ports[fixed[i]!]})`]);
  return problems;
}
