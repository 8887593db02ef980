// Command-line values over a spec, and finding the cluster file. Kept apart from
// load.ts so a run without a cluster file loads neither the YAML parser nor the
// schema (zod): together about 80 ms of every `up` (bench/).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { MesosUpError } from '../errors.js';
import { CLUSTER_NAME_PATTERN, CLUSTER_NAME_RULE } from './name.js';
import { validEngineEndpoint } from './engine-endpoint.js';
import { placedMasters } from './placement.js';
import type { ClusterSpec, EngineSpec } from './schema.js';
import { MARATHON_LB_GROUP } from './defaults.js';

/** Values from the command line; they beat the file. */
export interface Overrides {
  name?: string;
  agents?: number;
  /** how many agents are public; without `agents` they come on top of the private ones */
  publicAgents?: number;
  masters?: number;
  images?: string;
  waitMs?: number;
  /** `--addons mesos-dns,…`: add-ons on top of those the file asks for */
  addons?: string;
  /** `--engine ENDPOINT=AGENTS`, repeated: they replace the file's engines */
  engines?: string[];
}

/** One `--engine` value: `tcp://10.0.0.5:2375=2`, `local=1`, `my-context=3`. */
export function parseEngineFlag(text: string): EngineSpec {
  const at = text.lastIndexOf('=');
  const endpoint = at > 0 ? text.slice(0, at) : text;
  const count = at > 0 ? text.slice(at + 1) : '';
  const agents = /^\d+$/.test(count) ? Number(count) : NaN;
  if (!Number.isInteger(agents) || agents > 32) {
    throw new MesosUpError('USAGE', `--engine ${text}: say how many agents it runs, as ENDPOINT=AGENTS (0 to 32)`, { hint: 'e.g. --engine local=2 --engine tcp://10.0.0.5:2375=2' });
  }
  if (!validEngineEndpoint(endpoint)) {
    throw new MesosUpError('USAGE', `--engine ${text}: ${endpoint} is not local, a docker context name or a URL (unix://, tcp://, ssh://)`);
  }
  return { endpoint, agents };
}

/** Add-on names as --addons spells them → the key under `addons` in cluster.yaml. */
export const ADDON_NAMES = { 'mesos-dns': 'mesosDns', 'marathon-lb': 'marathonLb', metronome: 'metronome' } as const;

/** `configPath` if given (it must exist), else ./cluster.yaml when present, else none. */
export function findClusterFile(configPath: string | undefined, cwd = process.cwd()): string | undefined {
  if (configPath !== undefined) {
    const file = path.resolve(cwd, configPath);
    if (!existsSync(file)) throw new MesosUpError('CONFIG', `config file ${configPath} does not exist`, { hint: 'check the path given to -f/--config' });
    return file;
  }
  const file = path.join(cwd, 'cluster.yaml');
  return existsSync(file) ? file : undefined;
}

export function applyOverrides(spec: ClusterSpec, o: Overrides): ClusterSpec {
  const out = structuredClone(spec);
  if (o.name !== undefined) {
    if (!CLUSTER_NAME_PATTERN.test(o.name)) throw new MesosUpError('USAGE', `--name "${o.name}" ${CLUSTER_NAME_RULE}`, { hint: 'pick a name like demo or ci-1' });
    out.name = o.name;
  }
  if (o.masters !== undefined) {
    if (o.masters !== 1 && o.masters !== 3 && o.masters !== 5)
      throw new MesosUpError('USAGE', `--masters ${o.masters} is not possible: use 1, 3 or 5 (quorum = floor(n/2)+1)`);
    // (--engine replaces the file's engines, placement included: then the masters all run on the first)
    const placed = placedMasters(out.engines);
    if (!o.engines?.length && placed !== undefined && o.masters !== placed)
      throw new MesosUpError('USAGE', `--masters ${o.masters} disagrees with the engines in the cluster file, which place ${placed} master${placed === 1 ? '' : 's'}`, {
        hint: 'leave --masters out, or change engines[].masters in the cluster file',
      });
    out.masters.count = o.masters;
  }
  if (o.publicAgents !== undefined) {
    if (!Number.isInteger(o.publicAgents) || o.publicAgents < 0 || o.publicAgents > 31)
      throw new MesosUpError('USAGE', `--public-agents ${o.publicAgents} is not possible: use a whole number from 0 to 31`);
    const privateAgents = out.agents.count - out.agents.public;
    out.agents.public = o.publicAgents;
    // (with engines listed, the engines say how many agents there are: public ones are the last of them)
    if (o.agents === undefined && !out.engines.length) out.agents.count = privateAgents + o.publicAgents;
    if (out.agents.count > 32) throw new MesosUpError('USAGE', `--public-agents ${o.publicAgents} makes ${out.agents.count} agents; at most 32 are possible`);
    if (out.engines.length && o.agents === undefined && !o.engines?.length && out.agents.public >= out.agents.count) {
      throw new MesosUpError('USAGE', `--public-agents ${o.publicAgents} leaves no private agent: the engines in the cluster file run ${out.agents.count} agents`);
    }
  }
  if (o.agents !== undefined && out.engines.length && !o.engines?.length && o.agents !== out.agents.count) {
    throw new MesosUpError('USAGE', `--agents ${o.agents} disagrees with the engines in the cluster file, whose agents add up to ${out.agents.count}`, {
      hint: 'leave --agents out, or spread the agents with --engine ENDPOINT=AGENTS (it replaces the file\'s engines)',
    });
  }
  if (o.agents !== undefined) {
    if (!Number.isInteger(o.agents) || o.agents < 1 || o.agents > 32)
      throw new MesosUpError('USAGE', `--agents ${o.agents} is not possible: use a whole number from 1 to 32`);
    if (o.agents <= out.agents.public)
      throw new MesosUpError('USAGE', `--agents ${o.agents} leaves no private agent: ${out.agents.public} of them are public (--public-agents or agents.public)`, {
        hint: `use --agents ${out.agents.public + 1} or more`,
      });
    out.agents.count = o.agents;
  }
  if (o.engines?.length) {
    const engines = o.engines.map(parseEngineFlag);
    const sum = engines.reduce((n, e) => n + e.agents, 0);
    for (let i = 1; i < engines.length; i++) {
      const j = engines.findIndex((e) => e.endpoint === engines[i]!.endpoint);
      if (j < i) throw new MesosUpError('USAGE', `--engine ${engines[i]!.endpoint} is given twice: give each engine once, with all its agents`);
    }
    if (sum < 1) throw new MesosUpError('USAGE', '--engine: the engines run no agent; Marathon needs one to run tasks');
    if (o.agents !== undefined && o.agents !== sum)
      throw new MesosUpError('USAGE', `--agents ${o.agents} disagrees with --engine, whose agents add up to ${sum}`, { hint: 'leave --agents out: with --engine each engine says how many agents it runs' });
    if (sum > 32) throw new MesosUpError('USAGE', `--engine: ${sum} agents in all; at most 32 are possible`);
    if (sum <= out.agents.public)
      throw new MesosUpError('USAGE', `--engine: ${sum} agents leave no private agent: ${out.agents.public} of them are public`);
    // An advertise address from the file stays with its engine.
    out.engines = engines.map((e) => {
      const advertise = spec.engines.find((f) => f.endpoint === e.endpoint)?.advertise;
      return advertise ? { ...e, advertise } : e;
    });
    out.agents.count = sum;
  }
  if (o.images !== undefined) {
    if (o.images !== 'auto' && o.images !== 'official' && o.images !== 'emulated')
      throw new MesosUpError('USAGE', `--images ${o.images} is not one of auto, official, emulated`);
    out.images = o.images;
  }
  if (o.waitMs !== undefined) out.timeouts.upMs = o.waitMs;
  for (const name of (o.addons ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(name in ADDON_NAMES)) {
      throw new MesosUpError('USAGE', `--addons ${o.addons}: "${name}" is not an add-on`, { hint: `the add-ons are ${Object.keys(ADDON_NAMES).join(', ')}` });
    }
    if (name === 'mesos-dns') out.addons.mesosDns = true;
    else if (name === 'metronome') out.addons.metronome = true;
    else out.addons.marathonLb ??= { group: MARATHON_LB_GROUP };
  }
  return out;
}
