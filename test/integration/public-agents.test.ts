// Public agents, as DC/OS has them: `up --public-agents 1` adds an agent whose
// resources are reserved to slave_public; Marathon registers in that role, so
// an app that accepts slave_public runs there and every other app stays on
// the private agents. Runs with either image flavour (MESOS_UP_TEST_IMAGES).
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterInfo } from '../../src/lifecycle/describe.js';
import type { Task } from '../../src/marathon/types.js';
import { officialImagesMissing, TEST_IMAGES } from '../emulator/harness.js';
import { cli, json } from '../support/cli.js';

const NAME = 'it-public';
const on = (...args: string[]) => [...args, '--name', NAME];
const dir = mkdtempSync(path.join(os.tmpdir(), 'mesos-up-public-'));
let cluster: ClusterInfo;

async function deploy(app: object): Promise<Task[]> {
  const file = path.join(dir, `${(app as { id: string }).id.replace(/\W/g, '')}.json`);
  writeFileSync(file, JSON.stringify(app));
  const r = await cli(['app', 'deploy', ...on(file, '--wait', '--json')]);
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  return json<{ tasks: Task[] }>(await cli(['app', 'tasks', ...on((app as { id: string }).id, '--json')])).tasks;
}

beforeAll(async () => {
  const r = await cli(['up', ...on('--public-agents', '1', '--images', TEST_IMAGES.flavour, '--json')]);
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  cluster = json<ClusterInfo>(r);
});

afterAll(async () => {
  await cli(on('down'));
});

describe.skipIf(officialImagesMissing)('public agents', () => {
  it('adds a public agent beside the private one, reserved to slave_public in the master', async () => {
    expect(cluster.agents.map((a) => [a.name, a.public ?? false])).toEqual([[`${NAME}-agent1`, false], [`${NAME}-agent2`, true]]);
    const state = (await (await fetch(`${cluster.masterUrl}/master/state`)).json()) as { slaves: Array<{ pid: string; reserved_resources: Record<string, { cpus: number }>; attributes: Record<string, string> }> };
    const pub = state.slaves.find((s) => s.pid.endsWith(`@${cluster.agents[1]!.ip}:5051`))!;
    expect(Object.keys(pub.reserved_resources)).toEqual(['slave_public']);
    expect(pub.attributes).toEqual({ public_ip: 'true' });
    const priv = state.slaves.find((s) => s.pid.endsWith(`@${cluster.agents[0]!.ip}:5051`))!;
    expect(priv.reserved_resources).toEqual({});
    const status = await cli(['status', ...on()]);
    expect(status.stdout).toMatch(new RegExp(`${NAME}-agent2\\s+public agent`));
  });

  it('runs an app that accepts slave_public on the public agent, and other apps on the private one', async () => {
    const info = (await (await fetch(`${cluster.marathonUrl}/v2/info`)).json()) as { marathon_config: { mesos_role: string | null } };
    expect(info.marathon_config.mesos_role).toBe('slave_public');
    const edge = await deploy({ id: '/edge', cmd: 'sleep 600', cpus: 0.1, mem: 32, instances: 1, acceptedResourceRoles: ['slave_public'] });
    expect(edge.map((t) => t.host)).toEqual([cluster.agents[1]!.ip]);
    const backend = await deploy({ id: '/backend', cmd: 'sleep 600', cpus: 0.1, mem: 32, instances: 2 });
    expect(backend.map((t) => t.host)).toEqual([cluster.agents[0]!.ip, cluster.agents[0]!.ip]);
    // what each task holds is what Marathon took from its agent's offer: reserved to slave_public on the public agent only
    const slaves = (await (await fetch(`${cluster.masterUrl}/master/slaves`)).json()) as { slaves: Array<{ pid: string; used_resources_full: Array<{ name: string; role: string }> }> };
    const used = (ip: string) => new Set(slaves.slaves.find((s) => s.pid.endsWith(`@${ip}:5051`))!.used_resources_full.map((r) => r.role));
    expect(used(cluster.agents[1]!.ip)).toEqual(new Set(['slave_public']));
    expect(used(cluster.agents[0]!.ip)).toEqual(new Set(['*']));
  });
});
