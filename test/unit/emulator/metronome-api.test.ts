import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemTree } from '../../../emulator/src/marathon/storage.js';
import { createHttpServer } from '../../../emulator/src/metronome/api.js';
import { JobService } from '../../../emulator/src/metronome/jobs.js';
import { MetronomeMetrics } from '../../../emulator/src/metronome/metrics.js';
import { RunManager } from '../../../emulator/src/metronome/runs.js';
import { MetronomeStore } from '../../../emulator/src/metronome/storage.js';

let leader = false;
let base = '';
const store = new MetronomeStore(new MemTree(), '/metronome/state');
const runs = new RunManager(store, { enqueue: () => undefined, purge: () => undefined, kill: () => undefined });
const service = new JobService(store, runs);
const server = createHttpServer({ service, metrics: new MetronomeMetrics(), isLeader: () => leader });

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  service.stop();
  server.close();
});

async function call(method: string, path: string, body?: unknown, type = 'application/json') {
  const res = await fetch(base + path, { method, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'Content-Type': type } } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, type: res.headers.get('content-type') };
}

const job = { id: 'nightly.backup', run: { cpus: 0.1, mem: 32, disk: 0, cmd: 'sleep 1' } };

describe('the Metronome API', () => {
  it('answers /ping before leadership and 503 No consistent leadership elsewhere', async () => {
    expect(await call('GET', '/ping')).toMatchObject({ status: 200, text: 'pong' });
    expect(await call('GET', '/v1/jobs')).toMatchObject({ status: 503, text: 'No consistent leadership' });
    expect((await call('GET', '/v1/metrics')).status).toBe(200);
    await service.start();
    leader = true;
    expect(await call('GET', '/v1/jobs')).toMatchObject({ status: 200, json: [] });
  });

  it('creates a job (201), refuses a second with 409 and unknown ones with 404', async () => {
    const created = await call('POST', '/v1/jobs', job);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: 'nightly.backup', labels: {}, run: { maxLaunchDelay: 3600, restart: { policy: 'NEVER' } } });
    expect(await call('POST', '/v1/jobs', job)).toMatchObject({ status: 409, json: { message: 'Job with this id already exists' } });
    expect(await call('GET', '/v1/jobs/nope')).toMatchObject({ status: 404, json: { id: 'nope', message: 'Job not found' } });
  });

  it('answers client errors in the error-handler shape', async () => {
    expect(await call('GET', '/v1/jobs/Foo_Bar')).toMatchObject({ status: 400, json: { message: 'Not a valid id: Foo_Bar', requestPath: '/v1/jobs/Foo_Bar' } });
    expect(await call('POST', '/v1/jobs/nightly.backup')).toMatchObject({ status: 404, json: { message: 'Unknown route.', requestPath: '/v1/jobs/nightly.backup' } });
    expect(await call('GET', '/v1/info')).toMatchObject({ status: 404, json: { message: 'Unknown route.' } });
    expect(await call('GET', '/v1/jobs?embed=bogus')).toMatchObject({
      status: 400, json: { message: 'Unknown embed options. Valid options are: activeRuns, schedules, history, historySummary' },
    });
    expect((await call('POST', '/v1/jobs', 'x', 'text/plain')).status).toBe(415);
    expect((await call('POST', '/v1/jobs', '{', 'application/json')).status).toBe(400);
    expect((await call('POST', '/v1/jobs', { id: 'x', run: {} })).status).toBe(422);
  });

  it('replaces the body id by the path id on PUT and keeps the schedules', async () => {
    await call('POST', '/v1/jobs/nightly.backup/schedules', { id: 'nightly', cron: '0 2 * * *' });
    const put = await call('PUT', '/v1/jobs/nightly.backup', { ...job, id: 'other', description: 'new' });
    expect(put).toMatchObject({ status: 200, json: { id: 'nightly.backup', description: 'new' } });
    const info = await call('GET', '/v1/jobs/nightly.backup?embed=schedules');
    expect((info.json as { schedules: unknown[] }).schedules).toHaveLength(1);
  });

  it('manages one schedule per job', async () => {
    expect(await call('POST', '/v1/jobs/nightly.backup/schedules', { id: 'nightly', cron: '0 3 * * *' })).toMatchObject({
      status: 409, json: { message: 'requirement failed: A schedule with id nightly already exists' },
    });
    expect(await call('POST', '/v1/jobs/nightly.backup/schedules', { id: 'other', cron: '0 3 * * *' })).toMatchObject({
      status: 409, json: { message: 'requirement failed: Only one schedule supported at the moment' },
    });
    expect(await call('GET', '/v1/jobs/nightly.backup/schedules/zz')).toMatchObject({ status: 404, json: { id: 'zz', message: 'Schedule not found' } });
    const put = await call('PUT', '/v1/jobs/nightly.backup/schedules/nightly', { id: 'ignored', cron: '0 4 * * *', timezone: 'Europe/Berlin' });
    expect(put).toMatchObject({ status: 200, json: { id: 'nightly', cron: '0 4 * * *', timezone: 'Europe/Berlin' } });
    expect(await call('DELETE', '/v1/jobs/nightly.backup/schedules/nightly')).toMatchObject({ status: 200, text: '' });
    expect(await call('GET', '/v1/jobs/nightly.backup/schedules')).toMatchObject({ status: 200, json: [] });
  });

  it('starts a run (201 INITIAL), lists active runs, stops it and refuses to delete a job with active runs', async () => {
    const started = await call('POST', '/v1/jobs/nightly.backup/runs');
    expect(started.status).toBe(201);
    const run = started.json as { id: string; status: string; completedAt: unknown; tasks: unknown[] };
    expect(run).toMatchObject({ jobId: 'nightly.backup', status: 'INITIAL', completedAt: null, tasks: [] });
    expect((await call('GET', '/v1/jobs/nightly.backup/runs')).json).toHaveLength(1);
    expect(await call('GET', '/v1/jobs/nightly.backup/runs/nope')).toMatchObject({
      status: 404, json: { jobSpec: 'nightly.backup', id: 'nope', message: 'Job Run not found' },
    });
    expect(await call('DELETE', '/v1/jobs/nightly.backup')).toMatchObject({
      status: 409, json: { message: 'There are active job runs. Override with stopCurrentJobRuns=true' },
    });
    const stopped = await call('POST', `/v1/jobs/nightly.backup/runs/${run.id}/actions/stop`);
    expect(stopped).toMatchObject({ status: 200, json: { id: run.id, status: 'FAILED' } });
    expect((await call('GET', `/v1/jobs/nightly.backup/runs/${run.id}`)).status).toBe(404);
    const info = await call('GET', '/v1/jobs/nightly.backup?embed=history&embed=activeRuns');
    expect(info.json).toMatchObject({ activeRuns: [], history: { successCount: 0, failureCount: 1 } });
    expect((info.json as { history: { failedFinishedRuns: Array<{ id: string }> } }).history.failedFinishedRuns[0]!.id).toBe(run.id);
  });

  it('deletes a job with its history, and serves v0 scheduled jobs', async () => {
    expect(await call('DELETE', '/v1/jobs/nightly.backup?stopCurrentJobRuns=maybe')).toMatchObject({ status: 400 });
    expect(await call('DELETE', '/v1/jobs/nightly.backup')).toMatchObject({ status: 200, json: { id: 'nightly.backup' } });
    const v0 = await call('POST', '/v0/scheduled-jobs', { ...job, schedules: [{ id: 'every-night', cron: '0 2 * * *' }] });
    expect(v0.status).toBe(201);
    expect(Object.keys(v0.json as object)).toEqual(['id', 'labels', 'schedules', 'run']);
    const info = await call('GET', '/v1/jobs/nightly.backup?embed=historySummary');
    expect(info.json).toMatchObject({ historySummary: { successCount: 0, failureCount: 0, lastSuccessAt: null, lastFailureAt: null } });
    expect(await call('PUT', '/v0/scheduled-jobs/nope', job)).toMatchObject({ status: 404, json: { id: 'nope', message: 'Job not found' } });
  });
});
