// What the plan sets for the real images beyond the basics (issue 15):
// Marathon's advertised address, agents that share one engine, and the masters'
// replicated registry. Each emulated counterpart must accept what the plan
// passes it.
import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../../src/config/defaults.js';
import type { ClusterSpec } from '../../../src/config/schema.js';
import { exitCodeFor, MesosUpError } from '../../../src/errors.js';
import { assignAddresses } from '../../../src/plan/addresses.js';
import { sliceRange } from '../../../src/plan/agent-ports.js';
import { planCluster, type PlanContext } from '../../../src/plan/cluster.js';
import { imageSet } from '../../../src/plan/images.js';
import type { ContainerPlan, Flavour } from '../../../src/plan/types.js';
import { parseMarathonFlags, parseMesosFlags } from '../../../emulator/src/common/flags.js';
import { loadConfig as agentConfig } from '../../../emulator/src/agent/config.js';
import { loadConfig as marathonConfig } from '../../../emulator/src/marathon/config.js';
import { loadConfig as masterConfig } from '../../../emulator/src/master/config.js';

function spec(patch: (s: ClusterSpec) => void = () => undefined): ClusterSpec {
  const s = defaultSpec();
  patch(s);
  return s;
}

function plan(s: ClusterSpec, flavour: Flavour = 'official'): ContainerPlan[] {
  const ctx: PlanContext = { spec: s, images: imageSet(s, flavour, '0.1.0'), cliVersion: '0.1.0', runId: 'run1' };
  return planCluster(ctx, assignAddresses('172.20.0.0/16', s.masters.count, s.agents.count)).flat();
}

const role = (p: ContainerPlan[], r: string) => p.filter((c) => c.role === r);

/** Mesos' `ports:[a-b,c-d]` of an agent's MESOS_RESOURCES as [begin, end] pairs. */
const offered = (agent: ContainerPlan): Array<[number, number]> =>
  /ports:\[([^\]]*)\]/.exec(agent.env.MESOS_RESOURCES!)![1]!.split(',').map((r) => r.split('-').map(Number) as [number, number]);

describe('golden plan of the official flavour', () => {
  it('with 3 agents on one engine: each its own ports', async () => {
    await expect(JSON.stringify(plan(spec((s) => { s.agents.count = 3; })), null, 2)).toMatchFileSnapshot('./golden/official-3-agents.json');
  });
});

describe('Marathon advertises its own address', () => {
  it('sets LIBPROCESS_IP to its static address in both flavours', () => {
    for (const flavour of ['official', 'emulated'] as const) {
      const m = role(plan(spec(), flavour), 'marathon')[0]!;
      expect(m.env.LIBPROCESS_IP).toBe(m.ip);
      expect(m.ip).toBe('172.20.0.200');
    }
  });

  it('the emulated Marathon starts with it (it is no Marathon flag, so it is not read as one)', () => {
    const m = role(plan(spec(), 'emulated'), 'marathon')[0]!;
    const flags = parseMarathonFlags(m.cmd, m.env);
    expect(flags.has('libprocess_ip')).toBe(false);
    expect(marathonConfig(flags).hostname).toBe(m.ip);
  });
});

describe('agents sharing one engine', () => {
  it('sets docker_kill_orphans=false whenever the docker containerizer is on, in both flavours', () => {
    for (const flavour of ['official', 'emulated'] as const) {
      for (const a of role(plan(spec((s) => { s.agents.count = 2; }), flavour), 'agent')) expect(a.env.MESOS_DOCKER_KILL_ORPHANS).toBe('false');
      expect(role(plan(spec((s) => { s.agents.containerizers = ['mesos']; }), flavour), 'agent')[0]!.env.MESOS_DOCKER_KILL_ORPHANS).toBeUndefined();
    }
  });

  it('the emulated agent accepts the flag as a known one and reports it', () => {
    const a = role(plan(spec(), 'emulated'), 'agent')[0]!;
    const cfg = agentConfig(parseMesosFlags(a.cmd, a.env));
    expect(cfg.unknown).toEqual([]);
    expect(cfg.flags.docker_kill_orphans).toBe('false');
  });

  it('official agents with docker offer disjoint slices that together are the configured ranges', () => {
    for (const count of [2, 3, 5, 8]) {
      const agents = role(plan(spec((s) => { s.agents.count = count; })), 'agent');
      for (const [i, full] of [[0, [8000, 8100]], [1, [31000, 32000]]] as const) {
        const slices = agents.map((a) => offered(a)[i]!);
        expect(slices[0]![0]).toBe(full[0]);
        expect(slices.at(-1)![1]).toBe(full[1]);
        // consecutive, no gap and no overlap, none empty
        slices.forEach(([b, e], k) => {
          expect(e).toBeGreaterThanOrEqual(b);
          if (k > 0) expect(b).toBe(slices[k - 1]![1] + 1);
        });
      }
    }
  });

  it('slices the same way every time: agent N gets slice N', () => {
    const agents = role(plan(spec((s) => { s.agents.count = 2; })), 'agent');
    expect(agents.map((a) => a.env.MESOS_RESOURCES)).toEqual([
      'cpus:2;mem:2048;disk:4096;ports:[8000-8049,31000-31499]',
      'cpus:2;mem:2048;disk:4096;ports:[8050-8100,31500-32000]',
    ]);
    expect(sliceRange({ begin: 8000, end: 8100 }, 2, 2)).toEqual({ begin: 8050, end: 8100 });
  });

  it('keeps the full ranges for one agent, without docker, and on every emulated agent', () => {
    const full = 'cpus:2;mem:2048;disk:4096;ports:[8000-8100,31000-32000]';
    expect(role(plan(spec()), 'agent')[0]!.env.MESOS_RESOURCES).toBe(full);
    for (const a of role(plan(spec((s) => { s.agents.count = 3; s.agents.containerizers = ['mesos']; })), 'agent')) expect(a.env.MESOS_RESOURCES).toBe(full);
    for (const a of role(plan(spec((s) => { s.agents.count = 3; }), 'emulated'), 'agent')) expect(a.env.MESOS_RESOURCES).toBe(full);
  });

  it('refuses a range with fewer ports than agents, naming agents.resources.ports and agents.count', () => {
    const s = spec((x) => { x.agents.count = 3; x.agents.resources.ports = [{ begin: 8000, end: 8100 }, { begin: 9000, end: 9001 }]; });
    let err: unknown;
    try {
      plan(s);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MesosUpError);
    expect(exitCodeFor(err)).toBe(2);
    expect((err as MesosUpError).message).toContain('agents.resources.ports range 9000-9001 has 2 ports, fewer than agents.count (3)');
    expect((err as MesosUpError).hint).toContain('widen that range to at least 3 ports');
    // the emulated agents share nothing, so the same file is fine there
    expect(() => plan(s, 'emulated')).not.toThrow();
  });
});

describe("the masters' registry", () => {
  it('one master keeps the image CMD (in_memory) and no volume', () => {
    const m = role(plan(spec()), 'master')[0]!;
    expect(m.cmd).toEqual([]);
    expect(m.env.MESOS_REGISTRY).toBe('in_memory');
    expect(m.volumes).toBeUndefined();
  });

  it('3 and 5 masters: --registry=replicated_log on the command line, the same in env, work dir on a labelled volume each', () => {
    for (const count of [3, 5] as const) {
      const masters = role(plan(spec((s) => { s.name = 'ha'; s.masters.count = count; })), 'master');
      expect(masters).toHaveLength(count);
      masters.forEach((m, i) => {
        expect(m.cmd).toEqual(['--registry=replicated_log']);
        expect(m.env).toMatchObject({ MESOS_REGISTRY: 'replicated_log', MESOS_WORK_DIR: '/var/lib/mesos/master', MESOS_QUORUM: String(Math.floor(count / 2) + 1) });
        expect(m.volumes).toEqual([{
          name: `ha-master${i + 1}-registry`,
          target: '/var/lib/mesos/master',
          labels: { 'io.mesos-up.cluster': 'ha', 'io.mesos-up.version': '0.1.0', 'io.mesos-up.run': 'run1', 'io.mesos-up.role': 'master', 'io.mesos-up.index': String(i + 1) },
        }]);
      });
    }
  });

  it('the emulated master starts with the same command line and env', () => {
    const m = role(plan(spec((s) => { s.masters.count = 3; }), 'emulated'), 'master')[0]!;
    const cfg = masterConfig(parseMesosFlags(m.cmd, m.env), m.env);
    expect(cfg.flags.registry).toBe('replicated_log');
    expect(cfg.unknown).toEqual([]);
  });
});
