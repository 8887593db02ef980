// The whole CLI on a real Docker Engine with the emulated images: up, status,
// env, ls, logs, a second cluster beside the first, down (twice).
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterInfo } from '../../src/lifecycle/describe.js';
import { cli, json } from '../support/cli.js';
import { clusterObjects, docker } from '../support/docker.js';

const A = 'it-life-a';
const B = 'it-life-b';

afterAll(async () => {
  await cli(['down', '--name', A]);
  await cli(['down', '--name', B]);
});

describe('mesos-up up / status / env / ls / logs / down', () => {
  let a: ClusterInfo & { env: string[] };

  it('up starts a cluster and waits until Marathon receives offers', async () => {
    const r = await cli(['up', '--name', A, '--images', 'emulated', '--json']);
    expect(r.stderr).toBe('');
    expect(r.exitCode, r.stdout).toBe(0);
    a = json(r);
    expect(a.health).toBe('running');
    expect(a.leader).toBe(`${A}-master1`);
    expect(a.marathonUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(a.masterUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(a.zkUrl).toMatch(/^zk:\/\/127\.0\.0\.1:\d+$/);
    // what "up" promised holds when we look for ourselves
    const info = (await (await fetch(`${a.marathonUrl}/v2/info`)).json()) as { frameworkId: string };
    expect(info.frameworkId).toMatch(/-0000$/);
    const state = (await (await fetch(`${a.masterUrl}/master/state`)).json()) as { slaves: Array<{ active: boolean }>; frameworks: Array<{ id: string; active: boolean }> };
    expect(state.slaves.map((s) => s.active), JSON.stringify(state.slaves)).toEqual([true]);
    expect(state.frameworks.filter((f) => f.id === info.frameworkId).map((f) => f.active), JSON.stringify(state.frameworks)).toEqual([true]);
  });

  it('status rebuilds the cluster from labels and live probes', async () => {
    const r = await cli(['status', '--name', A, '--json']);
    expect(r.exitCode).toBe(0);
    const s = json<ClusterInfo>(r);
    expect(s.containers.map((c) => c.name).sort()).toEqual([`${A}-agent1`, `${A}-gateway`, `${A}-marathon`, `${A}-master1`, `${A}-zookeeper`]);
    expect(s.agents[0]!.active).toBe(true);
    // The agent's API from the host, through the gateway
    expect(s.agents[0]!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${s.agents[0]!.url}/state`)).status).toBe(200);
    expect(s.frameworks.find((f) => f.name === 'marathon')?.offersSent).toBeGreaterThan(0);
    const text = await cli(['status', '--name', A]);
    expect(text.stdout).toContain(`Cluster ${A}: running`);
    expect(text.stdout).toContain(`(leader ${A}-master1)`);
  });

  it('binds every published port to 127.0.0.1, mounts the Docker socket only into agents, runs nothing privileged', async () => {
    const d = await docker();
    const containers = await d.listContainers({ all: true, filters: { label: [`io.mesos-up.cluster=${A}`] } });
    expect(containers.map((c) => c.Names[0]).sort()).toEqual([`/${A}-agent1`, `/${A}-gateway`, `/${A}-marathon`, `/${A}-master1`, `/${A}-zookeeper`]);
    for (const c of containers) {
      const info = await d.getContainer(c.Id).inspect();
      expect(info.HostConfig.Privileged, c.Names[0]).toBe(false);
      for (const bindings of Object.values(info.HostConfig.PortBindings ?? {})) {
        for (const b of bindings as Array<{ HostIp: string }>) expect(b.HostIp, c.Names[0]).toBe('127.0.0.1');
      }
      const socketMounted = (info.Mounts ?? []).some((m) => m.Source === '/var/run/docker.sock');
      expect(socketMounted, c.Names[0]).toBe(c.Labels['io.mesos-up.role'] === 'agent');
    }
  });

  it('env prints export lines a shell can eval', async () => {
    const r = await cli(['env', '--name', A]);
    expect(r.stdout.split('\n')).toEqual([`export MESOS_MASTER_URL=${a.masterUrl}`, `export MARATHON_URL=${a.marathonUrl}`, `export ZK_URL=${a.zkUrl}`]);
  });

  it('a second cluster starts beside the first with no port clash, and ls shows both', async () => {
    // --canary also waits for a tiny app to run, and removes it again
    const r = await cli(['up', '--name', B, '--images', 'emulated', '--agents', '2', '--canary', '--json']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const b = json<ClusterInfo & { timings: Array<{ stage: string }> }>(r);
    expect(b.agents.map((x) => x.name).sort()).toEqual([`${B}-agent1`, `${B}-agent2`]);
    expect(b.timings.map((t) => t.stage)).toEqual(expect.arrayContaining(['Running a canary task']));
    const apps = (await (await fetch(`${b.marathonUrl}/v2/apps`)).json()) as { apps: unknown[] };
    expect(apps.apps).toEqual([]);
    expect(b.marathonUrl).not.toBe(a.marathonUrl);
    const ls = json<{ clusters: ClusterInfo[] }>(await cli(['ls', '--json']));
    const names = ls.clusters.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining([A, B]));
  });

  it('logs prints a role’s output', async () => {
    const r = await cli(['logs', 'master', '--name', A, '--tail', '50']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout, r.stderr).not.toBe('');
    const bad = await cli(['logs', 'nosuchrole', '--name', A]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain('has no role or container "nosuchrole"');
  });

  it('down removes exactly that cluster, is idempotent, and leaves others alone', async () => {
    const d = await docker();
    const bystander = await d.createContainer({ Image: 'debian:bookworm-slim', Cmd: ['sleep', '300'], Labels: { 'io.mesos-up.test': 'bystander' } });
    try {
      const r = await cli(['down', '--name', A]);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`Removed cluster ${A}: 5 containers, 1 networks`));
      expect(await clusterObjects(A)).toEqual([]);
      expect(await clusterObjects(B)).toEqual(expect.arrayContaining([`container /${B}-marathon`]));
      expect((await bystander.inspect()).Id).toBeTruthy();
      const again = await cli(['down', '--name', A]);
      expect(again.exitCode).toBe(0);
      expect(again.stdout).toContain(`No cluster named ${A}; nothing to remove.`);
      const s = await cli(['status', '--name', A]);
      expect(s.exitCode).toBe(1);
      expect(s.stderr).toContain(`No cluster named ${A}`);
    } finally {
      await bystander.remove({ force: true });
    }
    expect((await cli(['down', '--name', B])).exitCode).toBe(0);
    expect(await clusterObjects(B)).toEqual([]);
  });
});
