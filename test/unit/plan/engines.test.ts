// Which engine each container of a cluster spread over several Docker engines
// runs on, and what that changes in the plan: the control plane on the first
// engine, agents filling the engines in order, the engine labels down and
// status find the others by, and masters reachable through published ports.
import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../../src/config/defaults.js';
import type { ClusterSpec, EngineSpec } from '../../../src/config/schema.js';
import { assignAddresses } from '../../../src/plan/addresses.js';
import { planCluster, type PlanContext } from '../../../src/plan/cluster.js';
import { agentEngine, enginesFromLabels, GATEWAY_FORWARD_BASE, gatewayPortsOf, rolesByEngine, spansEngines } from '../../../src/plan/engines.js';
import { imageSet } from '../../../src/plan/images.js';
import { LABEL } from '../../../src/plan/labels.js';
import type { ContainerPlan } from '../../../src/plan/types.js';

/** The defaults with `engines` (agents.count their sum, as load and --engine make it) and a patch. */
function spec(engines: Array<[string, number]>, patch: (s: ClusterSpec) => void = () => undefined): ClusterSpec {
  const s = defaultSpec();
  s.engines = engines.map(([endpoint, agents]): EngineSpec => ({ endpoint, agents }));
  if (engines.length) s.agents.count = engines.reduce((n, [, a]) => n + a, 0);
  patch(s);
  return s;
}

function plan(s: ClusterSpec, flavour: 'official' | 'emulated' = 'emulated'): ContainerPlan[][] {
  const ctx: PlanContext = { spec: s, images: imageSet(s, flavour, '0.1.0'), cliVersion: '0.1.0', runId: 'run1' };
  return planCluster(ctx, assignAddresses('172.20.0.0/16', s.masters.count, s.agents.count));
}

const all = (stages: ContainerPlan[][]) => stages.flat();
const byName = (stages: ContainerPlan[][], name: string) => all(stages).find((p) => p.name === name)!;
const engineOf = (stages: ContainerPlan[][]) => Object.fromEntries(all(stages).map((p) => [p.name, p.engine]));

describe('agents over engines', () => {
  it('fill the engines in the order listed, skipping engines with none', () => {
    const s = spec([['local', 1], ['a', 2], ['b', 0], ['c', 1]]);
    expect([1, 2, 3, 4].map((i) => agentEngine(s, i))).toEqual([0, 1, 1, 3]);
    const stages = plan(s);
    const agents = all(stages).filter((p) => p.role === 'agent');
    expect(agents.map((p) => [p.name, p.engine])).toEqual([
      ['demo-agent1', 'local'],
      ['demo-agent2', 'a'],
      ['demo-agent3', 'a'],
      ['demo-agent4', 'c'],
    ]);
    // b runs nothing: it is listed, so it is in the cluster's list of engines, but no container is on it
    expect(all(stages).some((p) => p.engine === 'b')).toBe(false);
    expect(JSON.parse(agents[0]!.labels[LABEL.engines]!)).toEqual(['local', 'a', 'b', 'c']);
  });

  it('may leave the first engine without an agent', () => {
    const stages = plan(spec([['local', 0], ['tcp://10.0.0.5:2375', 2]]));
    const agents = all(stages).filter((p) => p.role === 'agent');
    expect(agents.map((p) => p.engine)).toEqual(['tcp://10.0.0.5:2375', 'tcp://10.0.0.5:2375']);
    expect(byName(stages, 'demo-zookeeper').engine).toBe('local');
  });

  it('put the public agents, the last ones, on the last engines that run agents', () => {
    const stages = plan(spec([['local', 1], ['a', 2], ['b', 0]], (s) => { s.agents.public = 1; }));
    const pub = all(stages).filter((p) => p.labels[LABEL.public] === 'true');
    expect(pub.map((p) => [p.name, p.engine])).toEqual([['demo-agent3', 'a']]);
    expect(pub[0]!.env.MESOS_DEFAULT_ROLE).toBe('slave_public');
    const stages2 = plan(spec([['local', 2], ['edge', 2]], (s) => { s.agents.public = 2; }));
    expect(all(stages2).filter((p) => p.labels[LABEL.public] === 'true').map((p) => [p.name, p.engine])).toEqual([
      ['demo-agent3', 'edge'],
      ['demo-agent4', 'edge'],
    ]);
  });
});

describe('the control plane', () => {
  it('runs on the first engine: ZooKeeper, every master, Marathon, the gateway and each add-on enabled', () => {
    const s = spec([['first', 1], ['second', 2]], (x) => {
      x.masters.count = 3;
      x.addons = { mesosDns: true, marathonLb: { group: 'external' }, metronome: true };
    });
    const stages = plan(s);
    const control = all(stages).filter((p) => p.role !== 'agent');
    expect(control.map((p) => p.role).sort()).toEqual(['gateway', 'marathon', 'marathon-lb', 'master', 'master', 'master', 'mesos-dns', 'metronome', 'zookeeper']);
    for (const p of control) expect(p.engine, p.name).toBe('first');
    // the first engine is the first listed, not `local` by name
    expect(engineOf(stages)['demo-agent2']).toBe('second');
  });
});

describe('the control plane placed on other engines (engines[].masters, .zookeeper, .marathon)', () => {
  /** Three engines: a master on each, ZooKeeper on the second, Marathon on the third. */
  const placed = () =>
    spec([['local', 1], ['box', 1], ['edge', 1]], (s) => {
      s.masters.count = 3;
      s.engines[0]!.masters = 1;
      s.engines[1]!.masters = 1;
      s.engines[1]!.zookeeper = true;
      s.engines[2]!.masters = 1;
      s.engines[2]!.marathon = true;
      s.ports = { master: 5050, marathon: 8080, zookeeper: 0 };
      s.addons.mesosDns = true;
    });

  it('puts each component on the engine that says it runs it; the gateway and add-ons stay on the first', () => {
    const e = engineOf(plan(placed()));
    expect([e['demo-master1'], e['demo-master2'], e['demo-master3']]).toEqual(['local', 'box', 'edge']);
    expect([e['demo-zookeeper'], e['demo-marathon'], e['demo-gateway'], e['demo-mesos-dns']]).toEqual(['box', 'edge', 'local', 'local']);
  });

  it('fills masters by the counts the engines give, skipping engines that run none', () => {
    const s = spec([['local', 1], ['box', 1], ['edge', 1]], (x) => {
      x.masters.count = 3;
      x.engines[0]!.masters = 0;
      x.engines[2]!.masters = 3;
    });
    const e = engineOf(plan(s));
    expect([e['demo-master1'], e['demo-master2'], e['demo-master3']]).toEqual(['edge', 'edge', 'edge']);
    expect(rolesByEngine(s).map((r) => [...r].sort())).toEqual([['agent', 'marathon', 'zookeeper'], ['agent'], ['agent', 'master']]);
  });

  it('publishes nothing on the other engines: the gateway publishes those ports, fixed host ports kept, and forwards them to the component', () => {
    const stages = plan(placed());
    const gateway = byName(stages, 'demo-gateway');
    const forwards = new Map(gateway.env.GATEWAY_FORWARDS!.split(',').map((f) => f.split('=') as [string, string]));
    for (const [name, port, host] of [['demo-master2', 5050, 0], ['demo-master3', 5050, 0], ['demo-zookeeper', 2181, 0], ['demo-marathon', 8080, 8080]] as const) {
      const p = byName(stages, name);
      expect(p.ports, name).toEqual([]);
      const via = gatewayPortsOf(p.labels).get(port)!;
      expect(via, name).toBeGreaterThanOrEqual(GATEWAY_FORWARD_BASE);
      expect(forwards.get(String(via)), name).toBe(`${p.ip}:${port}`);
      expect(gateway.ports.find((b) => b.container === via), name).toEqual({ container: via, host, hostIp: '127.0.0.1' });
    }
    // the master on the first engine keeps its own port (ports.master), and no gateway port of the pool is taken
    expect(byName(stages, 'demo-master1').ports).toEqual([{ container: 5050, host: 5050, hostIp: '127.0.0.1' }]);
    expect(gatewayPortsOf(byName(stages, 'demo-master1').labels).size).toBe(0);
    expect(new Set(gateway.ports.map((b) => b.container)).size).toBe(gateway.ports.length);
  });

  it('changes nothing when no engine places anything', () => {
    const stages = plan(spec([['local', 1], ['box', 1]], (s) => { s.masters.count = 3; }));
    expect(byName(stages, 'demo-gateway').env.GATEWAY_FORWARDS).toBeUndefined();
    for (const p of all(stages)) expect(p.labels[LABEL.gatewayPorts], p.name).toBeUndefined();
  });

  it('is ignored with one engine listed: everything runs there and publishes its own ports', () => {
    const listed = plan(spec([['local', 2]], (s) => { s.engines[0]!.masters = 1; s.engines[0]!.zookeeper = true; }));
    const unlisted = plan(spec([], (s) => { s.agents.count = 2; }));
    expect(listed).toEqual(unlisted);
  });
});

describe("official agents' Docker tasks over engines", () => {
  const official = (s: ClusterSpec, engineHosts?: string[]) => {
    const ctx: PlanContext = { spec: s, images: imageSet(s, 'official', '0.1.0'), cliVersion: '0.1.0', runId: 'run1', ...(engineHosts ? { engineHosts } : {}) };
    return byName(planCluster(ctx, assignAddresses('172.20.0.0/16', s.masters.count, s.agents.count)), 'demo-gateway').env;
  };

  it("are looked for on the host of each agent's engine, at its swarm address, not at the overlay's gateway address", () => {
    const s = spec([['local', 1], ['box', 2]]);
    const env = official(s, ['10.0.0.4', '10.0.0.5']);
    const agents = assignAddresses('172.20.0.0/16', 1, 3).agents;
    expect(env.GATEWAY_DOCKER_HOST).toBeUndefined();
    expect(env.GATEWAY_DOCKER_HOSTS).toBe(`${agents[0]}=10.0.0.4,${agents[1]}=10.0.0.5,${agents[2]}=10.0.0.5`);
    // an engine whose address is not known: its agents are left out (their tasks are looked for at the agent)
    expect(official(s, ['10.0.0.4', '']).GATEWAY_DOCKER_HOSTS).toBe(`${agents[0]}=10.0.0.4`);
    // --dry-run, before any swarm: a placeholder says what goes there
    expect(official(s).GATEWAY_DOCKER_HOSTS).toContain(`${agents[1]}=<engines[1] swarm address>`);
  });

  it('are not routed elsewhere without the docker containerizer, or with the emulated agents', () => {
    expect(official(spec([['local', 1], ['box', 1]], (s) => { s.agents.containerizers = ['mesos']; }), ['a', 'b']).GATEWAY_DOCKER_HOSTS).toBeUndefined();
    expect(byName(plan(spec([['local', 1], ['box', 1]])), 'demo-gateway').env.GATEWAY_DOCKER_HOSTS).toBeUndefined();
  });
});

describe('gatewayPortsOf', () => {
  it('reads container port → gateway port pairs, skipping what is not one', () => {
    expect([...gatewayPortsOf({ [LABEL.gatewayPorts]: '5050=20001,2181=20002' })]).toEqual([[5050, 20001], [2181, 20002]]);
    expect([...gatewayPortsOf({ [LABEL.gatewayPorts]: 'x,5050=,=1,8080=20003' })]).toEqual([[8080, 20003]]);
    expect(gatewayPortsOf(null).size).toBe(0);
  });
});

describe('labels', () => {
  it('mark every container of a cluster spanning engines with its engine and the list of all of them', () => {
    const stages = plan(spec([['local', 1], ['ssh://me@box', 1]], (s) => { s.addons.mesosDns = true; }));
    for (const p of all(stages)) {
      expect(p.labels[LABEL.engine], p.name).toBe(p.engine);
      expect(enginesFromLabels([{ Labels: p.labels }]), p.name).toEqual(['local', 'ssh://me@box']);
    }
  });

  it('are absent on a single-engine cluster, listed or not', () => {
    for (const s of [spec([]), spec([['local', 2]]), spec([['tcp://10.0.0.5:2375', 2]])]) {
      expect(spansEngines(s)).toBe(false);
      for (const p of all(plan(s))) {
        expect(p.engine, p.name).toBeUndefined();
        expect(Object.keys(p.labels).filter((k) => k === LABEL.engine || k === LABEL.engines), p.name).toEqual([]);
      }
    }
  });
});

describe('masters over engines', () => {
  it('bind every interface and advertise their cluster address only when the cluster spans engines', () => {
    const spread = plan(spec([['local', 1], ['box', 1]], (s) => { s.masters.count = 3; }));
    const single = plan(spec([], (s) => { s.masters.count = 3; s.agents.count = 2; }));
    for (const i of [1, 2, 3]) {
      const m = byName(spread, `demo-master${i}`);
      const alone = byName(single, `demo-master${i}`);
      expect(m.ip).toBe(alone.ip);
      expect(m.env.MESOS_IP).toBe('0.0.0.0');
      expect(m.env.MESOS_ADVERTISE_IP).toBe(m.ip);
      // everything else a master is told stays as it is on one engine (its hostname is still its address)
      const { MESOS_IP: _a, MESOS_ADVERTISE_IP: _b, ...rest } = m.env;
      const { MESOS_IP: ownIp, ...aloneRest } = alone.env;
      expect(ownIp).toBe(alone.ip);
      expect(rest).toEqual(aloneRest);
      expect(alone.env.MESOS_ADVERTISE_IP).toBeUndefined();
    }
  });

  it('leave agents and Marathon bound to their own address', () => {
    const stages = plan(spec([['local', 1], ['box', 1]]));
    const agent = byName(stages, 'demo-agent2');
    expect(agent.env.MESOS_IP).toBe(agent.ip);
    expect(agent.env.MESOS_ADVERTISE_IP).toBeUndefined();
    const marathon = byName(stages, 'demo-marathon');
    expect(marathon.env.LIBPROCESS_IP).toBe(marathon.ip);
  });
});

describe('one engine listed', () => {
  it('gives exactly the plan of a cluster with no engines listed', () => {
    for (const flavour of ['official', 'emulated'] as const) {
      const listed = plan(spec([['local', 3]], (s) => { s.masters.count = 3; s.agents.public = 1; s.addons.mesosDns = true; }), flavour);
      const unlisted = plan(spec([], (s) => { s.masters.count = 3; s.agents.count = 3; s.agents.public = 1; s.addons.mesosDns = true; }), flavour);
      expect(listed).toEqual(unlisted);
    }
  });

  it('and several engines keep the containers, stages and addresses of one', () => {
    const spread = plan(spec([['local', 1], ['box', 2]]));
    const alone = plan(spec([], (s) => { s.agents.count = 3; }));
    expect(spread.map((st) => st.map((p) => p.name))).toEqual(alone.map((st) => st.map((p) => p.name)));
    expect(all(spread).map((p) => p.ip)).toEqual(all(alone).map((p) => p.ip));
  });
});

describe('enginesFromLabels', () => {
  const engines = JSON.stringify(['local', 'tcp://10.0.0.5:2375']);

  it('reads the list of engines from the first item that has it', () => {
    expect(enginesFromLabels([{ Labels: { [LABEL.engines]: engines } }])).toEqual(['local', 'tcp://10.0.0.5:2375']);
    expect(enginesFromLabels([{ Labels: null }, {}, { Labels: { other: 'x' } }, { Labels: { [LABEL.engines]: engines } }])).toEqual(['local', 'tcp://10.0.0.5:2375']);
  });

  it('is empty (one engine) with no items or none labelled', () => {
    expect(enginesFromLabels([])).toEqual([]);
    expect(enginesFromLabels([{ Labels: { [LABEL.engine]: 'local' } }, { Labels: null }])).toEqual([]);
  });

  it('skips labels that are not a JSON list of strings, and reads a good one after them', () => {
    for (const junk of ['not json', '{"a":1}', '[1,2]', '["local",null]', '"local"', '']) {
      expect(enginesFromLabels([{ Labels: { [LABEL.engines]: junk } }]), junk).toEqual([]);
      expect(enginesFromLabels([{ Labels: { [LABEL.engines]: junk } }, { Labels: { [LABEL.engines]: engines } }]), junk).toEqual(['local', 'tcp://10.0.0.5:2375']);
    }
  });

  it('reads back what a plan spanning engines labels its containers with', () => {
    const stages = plan(spec([['local', 1], ['a', 0], ['unix:///other.sock', 1]]));
    expect(enginesFromLabels(all(stages).map((p) => ({ Labels: p.labels })))).toEqual(['local', 'a', 'unix:///other.sock']);
  });
});
