// How the swarm building blocks name engines, read an engine's swarm state,
// tell a swarm we made from another, and refuse an engine too old for overlays.
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { endpointOf, isOurSwarm, requireSwarmCapable, swarmStateFrom } from '../../../src/engine/swarm.js';

// (only what the functions read: a modem's settings, or a version answer)
const engine = (fields: Record<string, unknown>) => fields as unknown as Docker;

describe('swarm building blocks', () => {
  it('names an engine as DOCKER_HOST and docker -H take it', () => {
    expect(endpointOf(engine({ modem: { socketPath: '/var/run/docker.sock' } }))).toBe('unix:///var/run/docker.sock');
    expect(endpointOf(engine({ modem: { protocol: 'http', host: '127.0.0.1', port: '23751' } }))).toBe('tcp://127.0.0.1:23751');
    expect(endpointOf(engine({ modem: { protocol: 'https', host: 'node2', port: 2376 } }))).toBe('tcp://node2:2376');
    expect(endpointOf(engine({ modem: { protocol: 'ssh', host: 'node3', port: 2222, username: 'ops' } }))).toBe('ssh://ops@node3:2222');
  });

  it("reads an engine's swarm state from its info, and tells a swarm we made by its labels", () => {
    const info = {
      Swarm: {
        NodeID: 'n1', NodeAddr: '172.30.0.2', LocalNodeState: 'active', ControlAvailable: true,
        RemoteManagers: [{ NodeID: 'n1', Addr: '172.30.0.2:2377' }], Cluster: { ID: 'c1', Spec: { Labels: { 'io.mesos-up.swarm-of': 'demo' } } },
      },
    };
    const s = swarmStateFrom(info);
    expect(s).toEqual({ state: 'active', isManager: true, nodeId: 'n1', nodeAddr: '172.30.0.2', clusterId: 'c1', managerAddrs: ['172.30.0.2:2377'], labels: { 'io.mesos-up.swarm-of': 'demo' } });
    expect(isOurSwarm(s, { 'io.mesos-up.swarm-of': 'demo' })).toBe(true);
    expect(isOurSwarm(s, { 'io.mesos-up.swarm-of': 'other' })).toBe(false);
    expect(swarmStateFrom({ Swarm: { LocalNodeState: '' } })).toEqual({ state: 'inactive', isManager: false });
    expect(swarmStateFrom({ Swarm: { LocalNodeState: 'weird' } })).toMatchObject({ state: 'error', error: 'unknown swarm state weird' });
  });

  it('refuses an engine older than API 1.25 (attachable overlays), naming it and its version', async () => {
    const old = engine({ modem: { protocol: 'http', host: '10.0.0.9', port: 2375 }, version: async () => ({ Version: '1.12.6', ApiVersion: '1.24' }) });
    await expect(requireSwarmCapable(old)).rejects.toMatchObject({
      code: 'CONFIG',
      message: 'The engine at tcp://10.0.0.9:2375 is Docker 1.12.6 (API 1.24): a cluster over several engines needs attachable overlay networks, API 1.25 (Docker 1.13) or newer',
    });
    const recent = engine({ modem: { socketPath: '/run/docker.sock' }, version: async () => ({ Version: '29.0.1', ApiVersion: '1.52' }) });
    expect(await requireSwarmCapable(recent)).toEqual({ version: '29.0.1', apiVersion: '1.52' });
  });
});
