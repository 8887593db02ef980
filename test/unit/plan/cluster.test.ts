import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../../src/config/defaults.js';
import type { ClusterSpec } from '../../../src/config/schema.js';
import { assignAddresses } from '../../../src/plan/addresses.js';
import { planCluster, type PlanContext } from '../../../src/plan/cluster.js';
import { imageSet } from '../../../src/plan/images.js';
import type { ContainerPlan } from '../../../src/plan/types.js';

function spec(patch: (s: ClusterSpec) => void = () => undefined): ClusterSpec {
  const s = defaultSpec();
  patch(s);
  return s;
}

function plan(s: ClusterSpec, flavour: 'official' | 'emulated' = 'official'): ContainerPlan[][] {
  const ctx: PlanContext = { spec: s, images: imageSet(s, flavour, '0.1.0'), cliVersion: '0.1.0', runId: 'run1' };
  return planCluster(ctx, assignAddresses('172.20.0.0/16', s.masters.count, s.agents.count));
}

const byName = (stages: ContainerPlan[][], name: string) => stages.flat().find((p) => p.name === name)!;

describe('official flavour plan (what the real images expect)', () => {
  const stages = plan(spec((s) => { s.name = 'demo'; s.masters.count = 3; s.agents.count = 2; }));

  it('matches the golden plan', async () => {
    await expect(JSON.stringify(stages, null, 2)).toMatchFileSnapshot('./golden/official-3-masters-2-agents.json');
  });

  it('starts ZooKeeper, then masters, agents and the gateway together, then Marathon', () => {
    expect(stages.map((s) => s.map((p) => p.name))).toEqual([
      ['demo-zookeeper'],
      ['demo-master1', 'demo-master2', 'demo-master3', 'demo-agent1', 'demo-agent2', 'demo-gateway'],
      ['demo-marathon'],
    ]);
  });

  it("names ZooKeeper by its fixed address in every other container's flags", () => {
    const zk = byName(stages, 'demo-zookeeper');
    expect(zk.ip).toBe('172.20.0.198');
    expect(byName(stages, 'demo-master1').env.MESOS_ZK).toBe(`zk://${zk.ip}:2181/mesos`);
    expect(byName(stages, 'demo-agent2').env.MESOS_MASTER).toBe(`zk://${zk.ip}:2181/mesos`);
  });

  it('configures mesosphere/mesos-master through MESOS_* env, keeping its entrypoint', () => {
    const m = byName(stages, 'demo-master2');
    expect(m.image).toBe('mesosphere/mesos-master:1.7.1');
    expect(m.entrypoint).toBeUndefined();
    // replaces the image's CMD --registry=in_memory, which would beat MESOS_REGISTRY
    expect(m.cmd).toEqual(['--registry=replicated_log']);
    expect(m.env).toEqual({
      MESOS_ZK: 'zk://172.20.0.198:2181/mesos',
      MESOS_QUORUM: '2',
      MESOS_IP: m.ip,
      MESOS_HOSTNAME: m.ip,
      MESOS_PORT: '5050',
      MESOS_WORK_DIR: '/var/lib/mesos/master',
      MESOS_LOG_DIR: '/var/log/mesos',
      MESOS_REGISTRY: 'replicated_log',
      MESOS_CLUSTER: 'demo',
    });
  });

  it('configures mesosphere/mesos-slave with resources, containerizers and the Docker socket', () => {
    const a = byName(stages, 'demo-agent1');
    expect(a.image).toBe('mesosphere/mesos-slave:1.7.1');
    expect(a.env).toMatchObject({
      MESOS_MASTER: 'zk://172.20.0.198:2181/mesos',
      // the first half of each range: agent2 offers the second (official agents share the engine's host ports)
      MESOS_RESOURCES: 'cpus:2;mem:2048;disk:4096;ports:[8000-8049,31000-31499]',
      MESOS_CONTAINERIZERS: 'mesos,docker',
      MESOS_DOCKER_KILL_ORPHANS: 'false',
      MESOS_SYSTEMD_ENABLE_SUPPORT: 'false',
      MESOS_WORK_DIR: '/var/lib/mesos/agent',
      MESOS_LOG_DIR: '/var/log/mesos',
      MESOS_PORT: '5051',
    });
    expect(a.binds).toEqual(['/var/run/docker.sock:/var/run/docker.sock']);
    // nothing published on the agent: its API and task ports are reached through the gateway
    expect(a.ports).toEqual([]);
  });

  it('passes Marathon its flags as arguments to the image entrypoint', () => {
    const m = byName(stages, 'demo-marathon');
    expect(m.image).toBe('mesosphere/marathon:v1.7.50');
    expect(m.cmd).toEqual([
      '--master', 'zk://172.20.0.198:2181/mesos',
      '--zk', 'zk://172.20.0.198:2181/marathon',
      '--hostname', m.ip,
      '--http_port', '8080',
      '--local_port_min', '8000',
      '--local_port_max', '8100',
      '--mesos_role', 'marathon',
      '--mesos_authentication_principal', 'marathon',
    ]);
  });

  it('whitelists ruok on the official ZooKeeper image', () => {
    expect(byName(stages, 'demo-zookeeper').env.ZOO_4LW_COMMANDS_WHITELIST).toContain('ruok');
  });

  it('publishes every port on 127.0.0.1 only and labels every container', () => {
    for (const p of stages.flat()) {
      for (const b of p.ports) expect(b.hostIp).toBe('127.0.0.1');
      expect(p.labels).toMatchObject({ 'io.mesos-up.cluster': 'demo', 'io.mesos-up.run': 'run1', 'io.mesos-up.role': p.role });
      expect(p.network).toBe('mesos-up-demo');
    }
  });

  it('gives every container its own address', () => {
    const ips = stages.flat().filter((p) => p.ip).map((p) => p.ip);
    expect(new Set(ips).size).toBe(ips.length);
    // ZooKeeper, 3 masters, 2 agents, Marathon (the gateway takes whatever the engine gives)
    expect(ips).toHaveLength(7);
  });
});

describe('plan variations', () => {
  it('mounts the Docker socket only when the docker containerizer is on', () => {
    const stages = plan(spec((s) => { s.agents.containerizers = ['mesos']; }));
    const a = byName(stages, 'demo-agent1');
    expect(a.binds).toEqual([]);
    expect(a.env.MESOS_CONTAINERIZERS).toBe('mesos');
    expect(a.env.MESOS_DOCKER_SOCKET).toBeUndefined();
  });

  it('uses the emulated images with the same env and flags', () => {
    const s = spec();
    // The gateway is ours in both flavours (test/unit/plan/gateway.test.ts).
    const official = plan(s, 'official').flat().filter((p) => p.role !== 'gateway');
    const emulated = plan(s, 'emulated').flat().filter((p) => p.role !== 'gateway');
    expect(emulated.map((p) => p.image)).toEqual(['mesos-up/zookeeper:0.1.0', 'mesos-up/mesos-master:0.1.0', 'mesos-up/mesos-agent:0.1.0', 'mesos-up/marathon:0.1.0']);
    expect(emulated.map((p) => [p.env, p.cmd])).toEqual(official.map((p) => [p.env, p.cmd]));
  });

  it('honours image overrides and fixed host ports', () => {
    const stages = plan(spec((s) => { s.imageOverrides.master = 'registry.local/mesos-master:1.11.0'; s.ports.master = 5050; s.ports.marathon = 8080; s.masters.count = 3; }));
    expect(byName(stages, 'demo-master1').image).toBe('registry.local/mesos-master:1.11.0');
    expect(byName(stages, 'demo-master1').ports[0]!.host).toBe(5050);
    expect(byName(stages, 'demo-master2').ports[0]!.host).toBe(0);
    expect(byName(stages, 'demo-marathon').ports[0]!.host).toBe(8080);
  });

  it('passes extra Mesos flags from cluster.yaml as MESOS_* variables', () => {
    const stages = plan(spec((s) => { s.masters.flags = { agent_ping_timeout: '6secs' }; s.agents.flags = { attributes: 'rack:a' }; }));
    expect(byName(stages, 'demo-master1').env.MESOS_AGENT_PING_TIMEOUT).toBe('6secs');
    expect(byName(stages, 'demo-agent1').env.MESOS_ATTRIBUTES).toBe('rack:a');
  });

  it('makes the last agents.public agents public and Marathon a slave_public framework, as on DC/OS; else Marathon has a role of its own', () => {
    const stages = plan(spec((s) => { s.agents.count = 3; s.agents.public = 1; }));
    for (const name of ['demo-agent1', 'demo-agent2']) {
      expect(byName(stages, name).env.MESOS_DEFAULT_ROLE).toBeUndefined();
      expect(byName(stages, name).labels['io.mesos-up.public']).toBeUndefined();
    }
    const pub = byName(stages, 'demo-agent3');
    expect(pub.env).toMatchObject({ MESOS_DEFAULT_ROLE: 'slave_public', MESOS_ATTRIBUTES: 'public_ip:true' });
    // no role in the resource text, so --default_role reserves every resource, ports included
    expect(pub.env.MESOS_RESOURCES).toMatch(/^cpus:2;mem:2048;disk:4096;ports:\[[0-9,-]+\]$/);
    expect(pub.labels['io.mesos-up.public']).toBe('true');
    const cmd = byName(stages, 'demo-marathon').cmd;
    expect(cmd.join(' ')).toContain('--mesos_role slave_public --default_accepted_resource_roles *');
    // the user's own role flags win
    const own = byName(plan(spec((s) => { s.agents.count = 2; s.agents.public = 1; s.marathon.args = ['--mesos_role=edge']; })), 'demo-marathon').cmd;
    expect(own.filter((a) => a.startsWith('--mesos_role'))).toEqual(['--mesos_role=edge']);
    // without public agents: its own role and a principal, so resident apps can reserve
    expect(byName(plan(spec()), 'demo-marathon').cmd.join(' ')).toContain('--mesos_role marathon --mesos_authentication_principal marathon');
    expect(byName(plan(spec()), 'demo-marathon').cmd).not.toContain('--default_accepted_resource_roles');
  });

  it('computes quorum floor(n/2)+1', () => {
    for (const [n, q] of [[1, '1'], [3, '2'], [5, '3']] as const) {
      expect(byName(plan(spec((s) => { s.masters.count = n; })), 'demo-master1').env.MESOS_QUORUM).toBe(q);
    }
  });
});

describe('assignAddresses', () => {
  it('places ZooKeeper, Mesos-DNS, masters, agents and Marathon at fixed offsets in the subnet', () => {
    expect(assignAddresses('192.168.48.0/20', 3, 2)).toEqual({
      engineHost: '192.168.48.1',
      zookeeper: '192.168.48.198',
      mesosDns: '192.168.48.199',
      marathonLb: '192.168.48.197',
      metronome: '192.168.48.196',
      marathon: '192.168.48.200',
      masters: ['192.168.48.201', '192.168.48.202', '192.168.48.203'],
      agents: ['192.168.48.210', '192.168.48.211'],
    });
  });

  it('refuses a subnet smaller than /24', () => {
    expect(() => assignAddresses('10.1.2.0/26', 1, 1)).toThrow(/smaller than a \/24/);
  });
});

describe('the Mesos-DNS add-on in the plan', () => {
  const withDns = (flavour: 'official' | 'emulated') => {
    const s = defaultSpec();
    s.agents.count = 2;
    s.addons.mesosDns = true;
    return plan(s, flavour).flat();
  };

  it('is not there unless asked for', () => {
    expect(plan(defaultSpec(), 'official').flat().some((p) => p.role === 'mesos-dns')).toBe(false);
    expect(plan(defaultSpec(), 'official').flat().find((p) => p.role === 'agent')!.dns).toBeUndefined();
  });

  it('runs the pinned official image with its config file, or ours, publishing DNS over UDP and the HTTP API; agents resolve through it', () => {
    for (const flavour of ['official', 'emulated'] as const) {
      const all = withDns(flavour);
      const dns = all.find((p) => p.role === 'mesos-dns')!;
      expect(dns.image).toBe(flavour === 'official' ? 'mesosphere/mesos-dns:v0.6.0' : 'mesos-up/mesos-dns:0.1.0');
      expect(dns.cmd).toEqual(flavour === 'official' ? ['/usr/bin/mesos-dns', '-v=1', '-config=/config.json'] : ['-config=/config.json']);
      expect(dns.ip).toBe('172.20.0.199');
      expect(dns.ports.map((p) => [p.container, p.protocol ?? 'tcp'])).toEqual([[53, 'udp'], [53, 'tcp'], [8123, 'tcp']]);
      const config = JSON.parse(dns.files![0]!.content);
      expect(dns.files![0]!.path).toBe('/config.json');
      expect(config).toMatchObject({ masters: ['172.20.0.201:5050'], domain: 'mesos', port: 53, httpport: 8123, resolvers: ['127.0.0.11'], externalon: true });
      for (const agent of all.filter((p) => p.role === 'agent')) expect(agent.dns).toEqual(['172.20.0.199']);
    }
  });
});

describe('the Marathon-LB add-on in the plan', () => {
  const withLb = (flavour: 'official' | 'emulated', edit: (s: ReturnType<typeof defaultSpec>) => void = () => undefined) => {
    const s = defaultSpec();
    s.addons.marathonLb = { group: 'external' };
    edit(s);
    return plan(s, flavour).flat();
  };

  it('is not there unless asked for, and Marathon keeps its flags', () => {
    const all = plan(defaultSpec(), 'official').flat();
    expect(all.some((p) => p.role === 'marathon-lb')).toBe(false);
    expect(all.find((p) => p.role === 'marathon')!.cmd).not.toContain('--enable_features');
    expect(all.find((p) => p.role === 'gateway')!.env.GATEWAY_LB).toBeUndefined();
  });

  it("runs the pinned official image or ours with the real image's arguments, publishes 80, 443, 9090, 9091, and has the gateway route its service ports", () => {
    for (const flavour of ['official', 'emulated'] as const) {
      const all = withLb(flavour, (s) => (s.addons.marathonLb = { group: 'web' }));
      const lb = all.find((p) => p.role === 'marathon-lb')!;
      expect(lb.image).toBe(flavour === 'official' ? 'mesosphere/marathon-lb:v1.15.0' : 'mesos-up/marathon-lb:0.1.0');
      expect(lb.cmd).toEqual(['sse', '-m', 'http://172.20.0.200:8080', '--health-check', '--group', 'web']);
      expect(lb.env.PORTS).toBeDefined();
      expect(lb.ip).toBe('172.20.0.197');
      expect(lb.ports.map((p) => p.container)).toEqual([80, 443, 9090, 9091]);
      expect(all.find((p) => p.role === 'gateway')!.env.GATEWAY_LB).toBe('172.20.0.197');
      // task_killing: a task being killed leaves the load balancer before it stops
      expect(all.find((p) => p.role === 'marathon')!.cmd.join(' ')).toContain('--enable_features task_killing');
    }
  });

  it("leaves Marathon's features to a user who names them", () => {
    const all = withLb('emulated', (s) => (s.marathon.args = ['--enable_features=gpu_resources']));
    const cmd = all.find((p) => p.role === 'marathon')!.cmd;
    expect(cmd.filter((a) => a.startsWith('--enable_features'))).toEqual(['--enable_features=gpu_resources']);
  });
});

describe('the Metronome add-on in the plan', () => {
  it('runs our Metronome in both flavours with the METRONOME_* settings the real one reads, publishing its API', () => {
    for (const flavour of ['official', 'emulated'] as const) {
      const s = defaultSpec();
      s.addons.metronome = true;
      const m = plan(s, flavour).flat().find((p) => p.role === 'metronome')!;
      expect(m.image).toBe('mesos-up/metronome:0.1.0');
      expect(m.ip).toBe('172.20.0.196');
      expect(m.env).toMatchObject({
        METRONOME_ZK_URL: 'zk://172.20.0.198:2181/metronome',
        METRONOME_MESOS_MASTER_URL: 'zk://172.20.0.198:2181/mesos',
        METRONOME_PLAY_SERVER_HTTP_PORT: '9000',
        METRONOME_LEADER_ELECTION_HOSTNAME: '172.20.0.196',
      });
      expect(m.ports.map((p) => p.container)).toEqual([9000]);
    }
    expect(plan(defaultSpec(), 'emulated').flat().some((p) => p.role === 'metronome')).toBe(false);
  });
});
