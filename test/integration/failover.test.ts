// Failover with three masters, agent loss, and a crashed task, driven through
// `mesos-up chaos` as a user testing a framework's resilience would.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterInfo } from '../../src/lifecycle/describe.js';
import { MarathonClient } from '../../src/marathon/client.js';
import type { Task } from '../../src/marathon/types.js';
import { cli, json } from '../support/cli.js';
import { eventually } from '../emulator/harness.js';

const NAME = 'it-failover';
let cluster: ClusterInfo;
let marathon: MarathonClient;

const status = async () => json<ClusterInfo>(await cli(['status', '--name', NAME, '--json']));
/** status once it names a leader: one call can miss it while a master is slow to answer its probe */
const statusWithLeader = () => eventually('status to name a leader', async () => {
  const s = await status();
  return s.leader ? s : undefined;
}, 120_000, 1000);
const running = async (): Promise<Task[]> => (await marathon.appTasks('sleeper')).filter((t) => t.state === 'TASK_RUNNING');

beforeAll(async () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mesos-up-fo-')), 'cluster.yaml');
  // Short agent ping timeouts so a lost agent is noticed in seconds rather than 75 s.
  writeFileSync(file, `name: ${NAME}\nmasters:\n  count: 3\n  flags: { agent_ping_timeout: 6secs, max_agent_ping_timeouts: 2 }\nagents: { count: 2 }\n`);
  const r = await cli(['up', '-f', file, '--images', 'emulated', '--json']);
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  cluster = json<ClusterInfo>(r);
  marathon = new MarathonClient(cluster.marathonUrl!);
  await marathon.createApp({ id: '/sleeper', cmd: 'sleep 3600', cpus: 0.1, mem: 16, instances: 1 });
  await eventually('the sleeper to run', async () => (await running()).length === 1, 120_000);
});

afterAll(async () => {
  await cli(['down', '--name', NAME]);
});

describe('failover', () => {
  it('elects a new leader when the leader is killed; agents, Marathon and running tasks carry on', async () => {
    const before = (await running())[0]!;
    const oldLeader = (await statusWithLeader()).leader!;
    const k = await cli(['chaos', 'kill-leader', '--name', NAME, '--json']);
    expect(k.exitCode, k.stderr).toBe(0);
    expect(json<{ killed: string }>(k).killed).toBe(oldLeader);
    const after = await eventually('a new leader with both agents and Marathon back', async () => {
      const s = await status();
      const fw = s.frameworks.find((f) => f.name === 'marathon');
      return s.leader && s.leader !== oldLeader && s.agents.every((a) => a.active) && fw?.active ? s : undefined;
    }, 120_000, 1000); // (only a hang guard: ZooKeeper's session timeout, then re-registrations)
    expect(after.masters.filter((m) => m.name === oldLeader).map((m) => m.state), JSON.stringify(after.masters)).toEqual(['exited']);
    expect(after.health).toBe('degraded');
    const text = await eventually('status text to name the new leader', async () => {
      const t = await cli(['status', '--name', NAME]);
      return t.stdout.includes('(leader ') ? t.stdout : undefined;
    }, 120_000, 1000);
    expect(text).toContain(`(leader ${after.leader})`);
    const still = await running();
    expect(still.map((t) => t.id)).toEqual([before.id]);
    // up on a cluster with a dead container touches nothing and says how to repair it
    const again = await cli(['up', '--name', NAME, '--images', 'emulated']);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain(`not running: ${oldLeader}`);
    expect(again.stderr).toContain(`repair it by recreating it: mesos-up down --name ${NAME} && mesos-up up --name ${NAME}`);
    expect((await statusWithLeader()).leader).toBe(after.leader);
  });

  it('replaces the tasks of a killed agent on the other agent', async () => {
    const task = (await running())[0]!;
    const s = await status();
    const victim = s.agents.find((a) => a.ip === task.host)!;
    const other = s.agents.find((a) => a !== victim)!;
    const index = Number(victim.name.slice(`${NAME}-agent`.length));
    expect((await cli(['chaos', 'kill-agent', String(index), '--name', NAME])).exitCode).toBe(0);
    // (only a hang guard: two missed agent pings of 6 s, then Marathon's relaunch)
    const replacement = await eventually('a replacement on the other agent', async () => (await running()).find((t) => t.id !== task.id && t.host === other.ip), 120_000, 1000);
    expect(replacement.host).toBe(other.ip);
    // the leader reports the lost task as unreachable to Marathon, which is partition-aware
    const leader = (await statusWithLeader()).masterUrl!;
    const state = (await (await fetch(`${leader}/master/state`)).json()) as { frameworks: Array<{ name: string; unreachable_tasks: Array<{ id: string; state: string }> }> };
    const unreachable = state.frameworks.find((f) => f.name === 'marathon')!.unreachable_tasks;
    expect(unreachable.filter((t) => t.id === task.id).map((t) => t.state), JSON.stringify(unreachable)).toEqual(['TASK_UNREACHABLE']);
  });

  it('chaos kill-task crashes a task and Marathon starts a new one', async () => {
    const task = (await running())[0]!;
    const r = await cli(['chaos', 'kill-task', task.id, '--name', NAME, '--json']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    await eventually('a new task after the crash', async () => (await running()).find((t) => t.id !== task.id), 120_000, 500);
    const app = await marathon.getApp('sleeper', 'apps.lastTaskFailure');
    expect(app.lastTaskFailure?.taskId).toBe(task.id);
    expect(app.lastTaskFailure?.state).toMatch(/TASK_FAILED|TASK_KILLED/);
  });
});
