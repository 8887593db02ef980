import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../../src/config/defaults.js';
import { loadSpec } from '../../../src/config/load.js';
import type { ClusterSpec } from '../../../src/config/schema.js';
import { assignAddresses } from '../../../src/plan/addresses.js';
import type { PlanContext } from '../../../src/plan/cluster.js';
import { planGateway } from '../../../src/plan/gateway.js';
import { imageSet } from '../../../src/plan/images.js';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

function gateway(patch: (s: ClusterSpec) => void, flavour: 'official' | 'emulated') {
  const s = defaultSpec();
  patch(s);
  const ctx: PlanContext = { spec: s, images: imageSet(s, flavour, '0.1.0'), cliVersion: '0.1.0', runId: 'run1' };
  return planGateway(ctx, assignAddresses('172.20.0.0/16', s.masters.count, s.agents.count));
}

describe('the gateway plan', () => {
  it('publishes one pool port per agent plus gateway.taskPorts, and its control port, on 127.0.0.1', () => {
    const g = gateway((s) => { s.agents.count = 8; s.gateway.taskPorts = 20; }, 'emulated');
    expect(g.name).toBe('demo-gateway');
    expect(g.image).toBe('mesos-up/gateway:0.1.0');
    expect(g.ports.map((p) => p.container)).toEqual([7000, ...Array.from({ length: 28 }, (_, i) => 10000 + i)]);
    expect(g.ports.every((p) => p.hostIp === '127.0.0.1' && p.host === 0)).toBe(true);
    expect(g.env.GATEWAY_POOL).toBe('10000-10027');
    expect(g.binds).toEqual([]);
  });

  it('reads every master, so it follows a failover', () => {
    const g = gateway((s) => { s.masters.count = 3; }, 'emulated');
    expect(g.env.GATEWAY_MASTERS).toBe('172.20.0.201:5050,172.20.0.202:5050,172.20.0.203:5050');
  });

  it("sends a real agent's Docker task ports to the engine's host, where docker run -p binds them", () => {
    expect(gateway(() => undefined, 'official').env.GATEWAY_DOCKER_HOST).toBe('172.20.0.1');
    // The emulated agent serves its Docker tasks' ports itself; without the docker containerizer there are none.
    expect(gateway(() => undefined, 'emulated').env.GATEWAY_DOCKER_HOST).toBeUndefined();
    expect(gateway((s) => { s.agents.containerizers = ['mesos']; }, 'official').env.GATEWAY_DOCKER_HOST).toBeUndefined();
  });

  it('takes gateway.taskPorts from cluster.yaml and refuses nonsense with the line', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mesos-up-gw-'));
    writeFileSync(path.join(dir, 'cluster.yaml'), 'gateway:\n  taskPorts: 64\n');
    expect(loadSpec(undefined, {}, dir).spec.gateway.taskPorts).toBe(64);
    writeFileSync(path.join(dir, 'cluster.yaml'), 'gateway:\n  taskPorts: 500\n');
    expect(() => loadSpec(undefined, {}, dir)).toThrow(/cluster\.yaml:2:\d+: gateway\.taskPorts must be at most 200/);
  });
});

describe('agents.publishPorts (opt-in)', () => {
  it('publishes on each agent only the ports that agent offers', async () => {
    const { planCluster } = await import('../../../src/plan/cluster.js');
    const s = defaultSpec();
    s.agents.count = 2;
    s.agents.publishPorts = [{ begin: 8048, end: 8051 }];
    const ctx: PlanContext = { spec: s, images: imageSet(s, 'official', '0.1.0'), cliVersion: '0.1.0', runId: 'run1' };
    const agents = planCluster(ctx, assignAddresses('172.20.0.0/16', 1, 2)).flat().filter((p) => p.role === 'agent');
    // official agents with docker split 8000-8100: agent1 offers 8000-8049, agent2 8050-8100
    expect(agents.map((a) => a.ports.map((p) => p.container))).toEqual([[8048, 8049], [8050, 8051]]);
    const emulated = planCluster({ ...ctx, images: imageSet(s, 'emulated', '0.1.0') }, assignAddresses('172.20.0.0/16', 1, 2)).flat().filter((p) => p.role === 'agent');
    expect(emulated.map((a) => a.ports.map((p) => p.container))).toEqual([[8048, 8049, 8050, 8051], [8048, 8049, 8050, 8051]]);
  });
});
