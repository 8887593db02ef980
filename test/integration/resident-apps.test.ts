// Resident apps as Marathon 1.7 runs them on a mesos-up cluster: an app with a
// persistent volume reserves resources and creates its volume through the
// master, its task writes there, a killed task comes back on the same agent
// with the data, a wiped one starts afresh on a new reservation, and deleting
// the app destroys and unreserves what it held. Either image flavour.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterInfo } from '../../src/lifecycle/describe.js';
import { eventually, officialImagesMissing, TEST_IMAGES } from '../emulator/harness.js';
import { cli, json } from '../support/cli.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const NAME = 'it-resident';
const on = (...args: string[]) => [...args, '--name', NAME];
const dir = mkdtempSync(path.join(os.tmpdir(), 'mesos-up-resident-'));
let cluster: ClusterInfo;

const APP = {
  id: '/db',
  cmd: 'echo "$MESOS_TASK_ID" >> data/log && sleep 600',
  cpus: 0.1,
  mem: 32,
  instances: 1,
  container: { type: 'MESOS', volumes: [{ containerPath: 'data', mode: 'RW', persistent: { size: 16 } }] },
};

const marathon = async (method: string, p: string, body?: unknown): Promise<{ status: number; body: Json }> => {
  const res = await fetch(`${cluster.marathonUrl}${p}`, { method, headers: { 'Content-Type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
};
const tasks = async (): Promise<Json[]> => (await marathon('GET', '/v2/apps/db/tasks')).body.tasks;
const running = (id?: string) =>
  eventually(`a running task of /db${id ? ` other than ${id}` : ''}`, async () => (await tasks()).find((t) => t.state === 'TASK_RUNNING' && t.id !== id), 120_000, 500);
/** What the agent's volume of a task holds (data/log), read in the task's sandbox. */
const volumeLog = async (taskId: string): Promise<string[]> => {
  const r = await cli(['task', 'exec', '--name', NAME, taskId, '--', 'cat data/log']);
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  return r.stdout.trim().split('\n');
};
const reservedForMarathon = async (): Promise<Json[]> => {
  const slaves = (await (await fetch(`${cluster.masterUrl}/master/slaves`)).json()) as Json;
  return slaves.slaves.flatMap((s: Json) => s.reserved_resources_full.marathon ?? []);
};

beforeAll(async () => {
  const r = await cli(['up', ...on('--images', TEST_IMAGES.flavour, '--json')]);
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  cluster = json<ClusterInfo>(r);
});

afterAll(async () => {
  await cli(on('down'));
});

describe.skipIf(officialImagesMissing)('resident apps', () => {
  it('validates a resident app as 1.7 does and fills in its residency and strategies', async () => {
    const bad = await marathon('POST', '/v2/apps', { ...APP, id: '/bad', acceptedResourceRoles: ['marathon'], upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 1 } });
    expect(bad.status).toBe(422);
    expect(bad.body.details).toEqual(expect.arrayContaining([
      { path: '/acceptedResourceRoles', errors: ['A resident app must have `acceptedResourceRoles = ["*"]`.'] },
      { path: '/upgradeStrategy/maximumOverCapacity', errors: ['got 1.0, expected 0.0'] },
    ]));
    const file = path.join(dir, 'db.json');
    writeFileSync(file, JSON.stringify(APP));
    const r = await cli(['app', 'deploy', ...on(file, '--json')]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const app = (await marathon('GET', '/v2/apps/db')).body.app;
    expect(app).toMatchObject({
      residency: { relaunchEscalationTimeoutSeconds: 3600, taskLostBehavior: 'WAIT_FOREVER' },
      upgradeStrategy: { maximumOverCapacity: 0, minimumHealthCapacity: 0.5 },
      unreachableStrategy: 'disabled',
    });
    expect(app.container.volumes).toEqual([{ containerPath: 'data', persistent: { type: 'root', size: 16, constraints: [] }, mode: 'RW' }]);
    // its reservations were made for these resources and volumes
    const grow = await marathon('PUT', '/v2/apps/db', { cpus: 0.2 });
    expect(grow.status).toBe(422);
    expect(grow.body.details).toEqual([{ path: '/', errors: ['Resident Tasks may not change resource requirements!'] }]);
    const moved = await marathon('PUT', '/v2/apps/db', { container: { type: 'MESOS', volumes: [{ containerPath: 'other', mode: 'RW', persistent: { size: 16 } }] } });
    expect(moved.body.details).toEqual([{ path: '/', errors: ['Persistent volumes can not be changed!'] }]);
  });

  it('reserves and creates its volume, and a killed task comes back on the same agent with its data', async () => {
    const first = await running();
    expect(first.localVolumes).toEqual([{ runSpecId: '/db', containerPath: 'data', uuid: expect.any(String), persistenceId: expect.stringMatching(/^db#data#[0-9a-f-]{36}$/) }]);
    expect(first.id).toMatch(/^db\.[0-9a-f-]{36}\.1$/);
    // the master holds the reservation, labelled for the instance, and the volume
    const reserved = await reservedForMarathon();
    const volume = reserved.find((r) => r.disk?.persistence);
    expect(volume).toMatchObject({
      name: 'disk', role: 'marathon', scalar: { value: 16 },
      reservation: { principal: 'marathon', labels: { labels: [{ key: 'marathon_framework_id', value: expect.any(String) }, { key: 'marathon_task_id', value: first.id.replace(/\.1$/, '') }] } },
      disk: { persistence: { id: first.localVolumes[0].persistenceId, principal: 'marathon' }, volume: { container_path: 'data', mode: 'RW' } },
    });
    expect(await volumeLog(first.id)).toEqual([first.id]);

    expect((await marathon('DELETE', `/v2/apps/db/tasks/${first.id}`)).status).toBe(200);
    const second = await running(first.id);
    expect(second.id).toBe(first.id.replace(/\.1$/, '.2'));
    expect(second.slaveId).toBe(first.slaveId);
    expect(second.localVolumes).toEqual(first.localVolumes);
    expect(await volumeLog(second.id)).toEqual([first.id, second.id]);
  });

  it('starts afresh on a new reservation after a wipe, and gives everything back when the app is deleted', async () => {
    const before = await running();
    expect((await marathon('DELETE', `/v2/apps/db/tasks/${before.id}?wipe=true`)).status).toBe(200);
    const fresh = await running(before.id);
    expect(fresh.localVolumes[0].persistenceId).not.toBe(before.localVolumes[0].persistenceId);
    expect(await volumeLog(fresh.id)).toEqual([fresh.id]);
    // the wiped instance's reservation and volume are destroyed and unreserved
    await eventually('only the new reservation left', async () => {
      const ids = (await reservedForMarathon()).filter((r) => r.disk?.persistence).map((r) => r.disk.persistence.id);
      return ids.length === 1 && ids[0] === fresh.localVolumes[0].persistenceId;
    }, 120_000, 500);

    expect((await marathon('DELETE', '/v2/apps/db')).status).toBe(200);
    await eventually('nothing reserved for Marathon', async () => (await reservedForMarathon()).length === 0, 120_000, 500);
  });
});
