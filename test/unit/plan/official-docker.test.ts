// The preflight's decision for the official agent's docker containerizer,
// against the answers of three engines (recorded/: this machine's, Docker 29, Docker Desktop).
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../../src/config/defaults.js';
import { loadSpec } from '../../../src/config/load.js';
import { exitCodeFor, MesosUpError } from '../../../src/errors.js';
import { engineFactsFrom } from '../../../src/engine/info.js';
import { compareVersions, newestApiOf, parseDockerVersionLine } from '../../../src/plan/docker-cli.js';
import { assignAddresses } from '../../../src/plan/addresses.js';
import { planCluster } from '../../../src/plan/cluster.js';
import { imageSet } from '../../../src/plan/images.js';
import { decideDockerContainerizer, type AgentDockerCli } from '../../../src/plan/official-docker.js';
import type { ClusterSpec } from '../../../src/config/schema.js';
import type { ContainerPlan } from '../../../src/plan/types.js';
import { CLI_17_05, ENGINES, recordedEngine } from './recorded-engines.js';

const official = (s = defaultSpec()) => imageSet(s, 'official', '0.1.0');

/** The official plan after the preflight on a recorded engine, with the line it shows. */
function adaptedOn(engineFile: string, s: ClusterSpec): { note: string | undefined; plan: ContainerPlan[] } {
  const images = official(s);
  const v = decideDockerContainerizer(s, images, recordedEngine(engineFile), CLI_17_05);
  if (v.kind === 'refuse') throw v.error;
  const planned = v.kind === 'drop' ? v.spec : s;
  const ctx = { spec: planned, images, cliVersion: '0.1.0', runId: 'run1' };
  return { note: v.kind === 'drop' ? v.note : undefined, plan: planCluster(ctx, assignAddresses('172.20.0.0/16', s.masters.count, s.agents.count)).flat() };
}

const withAgents = (count: number): ClusterSpec => {
  const s = defaultSpec();
  s.agents.count = count;
  return s;
};

function yamlSpec(text: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mesos-up-spec-'));
  const file = path.join(dir, 'cluster.yaml');
  writeFileSync(file, text);
  return { file, spec: loadSpec(file).spec };
}

describe('engine facts from recorded answers', () => {
  it('reads the cgroup version and the API range of each engine', () => {
    expect(recordedEngine(ENGINES.thisMachine)).toMatchObject({ cgroupVersion: '1', minApiVersion: '1.12', apiVersion: '1.41' });
    expect(recordedEngine(ENGINES.docker29)).toMatchObject({ cgroupVersion: '2', minApiVersion: '1.44', apiVersion: '1.52' });
    expect(recordedEngine(ENGINES.desktop)).toMatchObject({ cgroupVersion: '2', minApiVersion: '1.24', os: 'Docker Desktop' });
  });

  it('takes an engine that reports no MinAPIVersion or CgroupVersion (before Docker 1.13 / 20.10) as 1.12 and cgroup v1', () => {
    expect(engineFactsFrom({ ServerVersion: '1.12.6' }, { ApiVersion: '1.24' })).toMatchObject({ minApiVersion: '1.12', cgroupVersion: '1' });
  });
});

describe("the agent image's docker CLI", () => {
  it('reads the version from docker --version, as Mesos does', () => {
    expect(parseDockerVersionLine('Docker version 17.05.0-ce, build 89658be')).toBe('17.05.0-ce');
    expect(parseDockerVersionLine('Docker version 20.10.24+dfsg1, build 297e128')).toBe('20.10.24+dfsg1');
    expect(parseDockerVersionLine('sh: 1: docker: not found')).toBeUndefined();
  });

  it("knows the newest API version each release speaks (Docker's API version matrix)", () => {
    expect(newestApiOf('17.05.0-ce')).toBe('1.29');
    expect(newestApiOf('1.13.1')).toBe('1.26');
    expect(newestApiOf('17.03.2-ce')).toBe('1.27');
    expect(newestApiOf('20.10.24+dfsg1')).toBe('1.41');
    expect(newestApiOf('25.0.3')).toBe('1.44');
    expect(newestApiOf('29.0.4')).toBe('1.52');
    expect(newestApiOf('1.6.2')).toBeUndefined();
  });

  it('compares API versions as numbers', () => {
    expect(compareVersions('1.9', '1.12')).toBeLessThan(0);
    expect(compareVersions('1.44', '1.29')).toBeGreaterThan(0);
    expect(compareVersions('1.24', '1.24.0')).toBe(0);
  });
});

describe('official agents and the docker containerizer', () => {
  it("this machine's engine (20.10, cgroup v1, API 1.12 and newer): docker stays, nothing is said", () => {
    expect(decideDockerContainerizer(defaultSpec(), official(), recordedEngine(ENGINES.thisMachine), CLI_17_05)).toEqual({ kind: 'keep' });
  });

  it('a Docker 29 engine on cgroup v2: docker is dropped, and one line says both reasons and what is lost', () => {
    const v = decideDockerContainerizer(defaultSpec(), official(), recordedEngine(ENGINES.docker29), CLI_17_05);
    if (v.kind !== 'drop') throw new Error(`expected drop, got ${v.kind}`);
    expect(v.spec.agents.containerizers).toEqual(['mesos']);
    expect(v.note.split('\n')).toHaveLength(1);
    expect(v.note).toContain('cgroup v2');
    expect(v.note).toContain("Failed to find a mounted cgroups hierarchy for the 'cpu' subsystem");
    expect(v.note).toContain('accepts Docker API 1.44 and newer');
    expect(v.note).toContain('docker CLI 17.05.0-ce speaks API 1.29 at most');
    expect(v.note).toContain('Apps with a Docker image cannot run; command tasks still do.');
  });

  it('Docker Desktop (cgroup v2, API 1.24 and newer): dropped for the cgroups alone', () => {
    const v = decideDockerContainerizer(defaultSpec(), official(), recordedEngine(ENGINES.desktop), CLI_17_05);
    if (v.kind !== 'drop') throw new Error(`expected drop, got ${v.kind}`);
    expect(v.obstacles.map((o) => o.fact)).toEqual(['the engine uses cgroup v2']);
  });

  it('a Docker 29 engine on cgroup v1: dropped for the API alone; an agent image with a newer CLI keeps docker', () => {
    const engine = { ...recordedEngine(ENGINES.docker29), cgroupVersion: '1' };
    const v = decideDockerContainerizer(defaultSpec(), official(), engine, CLI_17_05);
    expect(v.kind).toBe('drop');
    if (v.kind === 'drop') expect(v.obstacles.map((o) => o.fact)).toEqual(['the engine accepts Docker API 1.44 and newer, and the agent image\'s docker CLI 17.05.0-ce speaks API 1.29 at most']);
    expect(decideDockerContainerizer(defaultSpec(), official(), engine, { kind: 'found', version: '25.0.3' })).toEqual({ kind: 'keep' });
  });

  it('an agent image without a docker CLI: dropped, since the agent would exit asking for its version', () => {
    const v = decideDockerContainerizer(defaultSpec(), official(), recordedEngine(ENGINES.thisMachine), { kind: 'missing', output: 'sh: 1: docker: not found' });
    if (v.kind !== 'drop') throw new Error(`expected drop, got ${v.kind}`);
    expect(v.note).toContain('the agent image has no docker CLI');
    expect(v.note).toContain('Failed to get docker version');
  });

  it('a CLI not checked (image not here) counts for nothing; the engine facts still do', () => {
    const unchecked: AgentDockerCli = { kind: 'unchecked', reason: 'not on this engine' };
    expect(decideDockerContainerizer(defaultSpec(), official(), { ...recordedEngine(ENGINES.docker29), cgroupVersion: '1' }, unchecked)).toEqual({ kind: 'keep' });
    expect(decideDockerContainerizer(defaultSpec(), official(), recordedEngine(ENGINES.desktop), unchecked).kind).toBe('drop');
  });

  it('docker asked for in cluster.yaml: refused with exit status 2, naming the file, the reason and what to do', () => {
    const { file, spec } = yamlSpec('agents:\n  containerizers: [mesos, docker]\n');
    const v = decideDockerContainerizer(spec, official(spec), recordedEngine(ENGINES.docker29), CLI_17_05);
    if (v.kind !== 'refuse') throw new Error(`expected refuse, got ${v.kind}`);
    expect(v.error).toBeInstanceOf(MesosUpError);
    expect(exitCodeFor(v.error)).toBe(2);
    expect(v.error.message).toContain(`agents.containerizers in ${file} asks for docker`);
    expect(v.error.message).toContain('mesosphere/mesos-slave:1.7.1');
    expect(v.error.message).toContain('cgroup v2');
    expect(v.error.hint).toContain('systemd.unified_cgroup_hierarchy=0');
    expect(v.error.hint).toContain('DOCKER_MIN_API_VERSION=1.29');
    expect(v.error.hint).toContain('remove docker from agents.containerizers');
    expect(v.error.hint).toContain('--images emulated');
  });

  it('a cluster.yaml that leaves containerizers out gets the defaults, which are adapted, not refused', () => {
    const { spec } = yamlSpec('agents:\n  count: 2\n');
    expect(spec.agents.containerizersFrom).toBeUndefined();
    expect(decideDockerContainerizer(spec, official(spec), recordedEngine(ENGINES.desktop), CLI_17_05).kind).toBe('drop');
  });

  it('containerizers without docker, or the emulated images: unaffected on every engine', () => {
    const { spec: mesosOnly } = yamlSpec('agents:\n  containerizers: [mesos]\n');
    for (const file of Object.values(ENGINES)) {
      const engine = recordedEngine(file);
      expect(decideDockerContainerizer(mesosOnly, official(mesosOnly), engine, CLI_17_05)).toEqual({ kind: 'unaffected' });
      expect(decideDockerContainerizer(defaultSpec(), imageSet(defaultSpec(), 'emulated', '0.1.0'), engine, { kind: 'missing', output: '' })).toEqual({ kind: 'unaffected' });
    }
  });
});

describe('golden plans on other engines', () => {
  it('on a cgroup-v2 engine (Docker Desktop): agents without docker', async () => {
    const { note, plan } = adaptedOn(ENGINES.desktop, defaultSpec());
    await expect(JSON.stringify({ engine: ENGINES.desktop, note, plan }, null, 2)).toMatchFileSnapshot('./golden/official-cgroup-v2-engine.json');
  });

  it('on a Docker 29 engine: agents without docker', async () => {
    const { note, plan } = adaptedOn(ENGINES.docker29, withAgents(2));
    await expect(JSON.stringify({ engine: ENGINES.docker29, note, plan }, null, 2)).toMatchFileSnapshot('./golden/official-docker-29-engine.json');
  });

  it('drops docker, its socket and its flags from every agent and splits no ports; ZooKeeper, masters and Marathon stay as they were', () => {
    const { plan } = adaptedOn(ENGINES.docker29, withAgents(2));
    const kept = adaptedOn(ENGINES.thisMachine, withAgents(2)).plan;
    for (const a of plan.filter((c) => c.role === 'agent')) {
      expect(a.env.MESOS_CONTAINERIZERS).toBe('mesos');
      expect(a.binds).toEqual([]);
      expect(a.env.MESOS_DOCKER_SOCKET).toBeUndefined();
      expect(a.env.MESOS_DOCKER_KILL_ORPHANS).toBeUndefined();
      expect(a.env.MESOS_RESOURCES).toBe('cpus:2;mem:2048;disk:4096;ports:[8000-8100,31000-32000]');
    }
    expect(kept.filter((c) => c.role === 'agent').map((a) => a.env.MESOS_CONTAINERIZERS)).toEqual(['mesos,docker', 'mesos,docker']);
    const core = (p: ContainerPlan[]) => p.filter((c) => c.role === 'zookeeper' || c.role === 'master' || c.role === 'marathon');
    expect(core(plan)).toEqual(core(kept));
  });
});
