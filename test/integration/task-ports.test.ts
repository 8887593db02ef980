// The task-port model end to end: every port a running task was given is
// reached from the host at the address `status` and `app tasks` print (through
// the cluster's gateway), for command and Docker tasks, on ports outside any
// published slice, on two agents; nothing is published per agent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterInfo } from '../../src/lifecycle/describe.js';
import type { Task } from '../../src/marathon/types.js';
import { cli, json } from '../support/cli.js';
import { clusterObjects, docker } from '../support/docker.js';
import { buildTaskImage, TASK_IMAGE } from '../support/task-image.js';
import { readFrom } from '../support/tcp.js';

const NAME = 'it-ports';
const on = (...args: string[]) => [...args, '--name', NAME];
type TaskWithEndpoints = Task & { endpoints: Array<{ port: number; address: string | null }> };

/** The greeting a task sends at a host address; a task may need a moment to listen. */
async function greeting(address: string): Promise<string> {
  const port = Number(address.split(':')[1]);
  let last = '';
  for (let i = 0; i < 60; i++) {
    last = await readFrom(port).catch((e: Error) => e.message);
    if (last.startsWith('hello')) return last.trim();
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no greeting at ${address}; last: ${last}`);
}

const tasksOf = async (app: string) => json<{ tasks: TaskWithEndpoints[] }>(await cli(['app', 'tasks', ...on(app, '--json')])).tasks;

beforeAll(async () => {
  await buildTaskImage();
  const r = await cli(['up', ...on('--agents', '2', '--images', 'emulated', '--json')]);
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
});

afterAll(async () => {
  await cli(on('down'));
});

describe('task ports from the host', () => {
  it('publishes nothing on the agents; the gateway reaches each agent API', async () => {
    const d = await docker();
    for (const c of await d.listContainers({ filters: { label: [`io.mesos-up.cluster=${NAME}`, 'io.mesos-up.role=agent'] } })) {
      expect(c.Ports.filter((p) => p.PublicPort), c.Names[0]).toEqual([]);
    }
    const s = json<ClusterInfo>(await cli(['status', ...on('--json')]));
    expect(s.agents.map((a) => a.name)).toEqual([`${NAME}-agent1`, `${NAME}-agent2`]);
    for (const a of s.agents) {
      const state = (await (await fetch(`${a.url}/state`)).json()) as { hostname: string };
      expect(state.hostname, a.name).toBe(a.ip);
    }
  });

  it('reaches a command task on port 8050 on each of two agents', async () => {
    const cmd = 'while true; do echo "hello $MESOS_TASK_ID" | nc -q 0 -l $PORT0; done';
    const r = await cli(['app', 'deploy', ...on('--id', 'cmd-8050', '--cmd', cmd, '--cpus', '0.1', '--mem', '32', '--instances', '2', '--port', '8050', '--wait', '--json')]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const tasks = await tasksOf('cmd-8050');
    expect(new Set(tasks.map((t) => t.host)).size, JSON.stringify(tasks)).toBe(2);
    for (const t of tasks) {
      expect(t.endpoints.map((e) => e.port)).toEqual([8050]);
      expect(t.endpoints[0]!.address).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(await greeting(t.endpoints[0]!.address!)).toBe(`hello ${t.id}`);
    }
    // status lists the same addresses, one per task port
    const s = json<ClusterInfo>(await cli(['status', ...on('--json')]));
    for (const t of tasks) expect(s.endpoints.filter((e) => e.taskId === t.id).map((e) => e.address)).toEqual([t.endpoints[0]!.address]);
    const text = (await cli(['status', ...on()])).stdout;
    for (const t of tasks) expect(text).toMatch(new RegExp(`${t.id}\\s+8050 on ${NAME}-agent\\d\\s+→ ${t.endpoints[0]!.address!.replace(/\./g, '\\.')}`));
  });

  it('reaches a Docker task by its host port 8061 (bridge networking, container port 8000)', async () => {
    const app = {
      id: '/docker-8061',
      cmd: 'while true; do echo "hello $MESOS_TASK_ID" | nc -q 0 -l 8000; done',
      cpus: 0.1,
      mem: 32,
      instances: 1,
      container: { type: 'DOCKER', docker: { image: TASK_IMAGE }, portMappings: [{ hostPort: 8061, containerPort: 8000 }] },
      networks: [{ mode: 'container/bridge' }],
      requirePorts: true,
    };
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const file = `${mkdtempSync('/tmp/mesos-up-ports-')}/app.json`;
    writeFileSync(file, JSON.stringify(app));
    const r = await cli(['app', 'deploy', file, ...on('--wait', '--json')]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const [t] = await tasksOf('docker-8061');
    expect(t!.endpoints.map((e) => e.port)).toEqual([8061]);
    expect(await greeting(t!.endpoints[0]!.address!)).toBe(`hello ${t!.id}`);
  });

  it('gives a replacement task its own address and drops the old one', async () => {
    const [old] = await tasksOf('docker-8061');
    expect((await cli(['app', 'kill-task', ...on(old!.id)])).exitCode).toBe(0);
    const w = await cli(['app', 'wait', ...on('docker-8061', '--replacing', old!.id, '--timeout', '120s', '--json')]);
    expect(w.exitCode, w.stderr).toBe(0);
    const tasks = await tasksOf('docker-8061');
    const next = tasks.find((t) => t.id !== old!.id)!;
    expect(next.endpoints[0]!.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await greeting(next.endpoints[0]!.address!)).toBe(`hello ${next.id}`);
    // The old task keeps its route while it is being killed (it still holds its
    // port), and loses it once it has ended. (90 s only guards against a hang.)
    let seen: string[] = [];
    for (const until = Date.now() + 90_000; Date.now() < until; await new Promise((r) => setTimeout(r, 500))) {
      seen = json<ClusterInfo>(await cli(['status', ...on('--json')])).endpoints.map((e) => e.taskId);
      if (!seen.includes(old!.id)) break;
    }
    expect(seen).not.toContain(old!.id);
    expect(seen).toContain(next.id);
  });

  it('down removes the gateway with the rest', async () => {
    expect((await cli(on('down'))).exitCode).toBe(0);
    expect(await clusterObjects(NAME)).toEqual([]);
  });
});
