import { describe, expect, it } from 'vitest';
import { MemTree } from '../../../emulator/src/marathon/storage.js';
import { newRunId, newTaskId, pathJobId, runAppId, runIdOfTask, taskName, type JobRun } from '../../../emulator/src/metronome/model.js';
import { RunManager, taskStatusOf, type RunDriver } from '../../../emulator/src/metronome/runs.js';
import { MetronomeStore } from '../../../emulator/src/metronome/storage.js';
import { taskEnv } from '../../../emulator/src/metronome/task.js';
import { readJob } from '../../../emulator/src/metronome/validation.js';

function setup(restart?: Record<string, unknown>) {
  let now = Date.parse('2024-05-01T10:00:00Z');
  const calls: string[] = [];
  const driver: RunDriver = {
    enqueue: (r) => calls.push(`enqueue ${r.id}`),
    purge: (r) => calls.push(`purge ${r.id}`),
    kill: (t) => calls.push(`kill ${t}`),
  };
  const store = new MetronomeStore(new MemTree(), '/metronome/state');
  const runs = new RunManager(store, driver, 1000, () => now);
  const parsed = readJob({ id: 'prod.backup', labels: { 'team.name': 'ops' }, run: { cpus: 0.5, mem: 64, disk: 0, cmd: 'true', ...(restart ? { restart } : {}) } });
  if (!parsed.ok) throw new Error('bad job');
  return { runs, calls, job: parsed.value, store, advance: (ms: number) => (now += ms) };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe('Metronome identifiers', () => {
  it('makes run ids of the UTC time and five letters or digits', () => {
    expect(newRunId(Date.parse('2016-12-13T09:17:34Z'))).toMatch(/^20161213091734[A-Za-z0-9]{5}$/);
  });

  it('makes task ids <job id with _>_<runId>.<uuid v1> and reads the run back out', () => {
    const id = newTaskId('prod.example.app', '20161213091734cBnVe');
    expect(id).toMatch(/^prod_example_app_20161213091734cBnVe\.[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(runIdOfTask(id)).toEqual({ jobId: 'prod.example.app', runId: '20161213091734cBnVe' });
    expect(taskName('prod.example.app', '20161213091734cBnVe')).toBe('20161213091734cBnVe.app.example.prod');
    expect(runAppId('prod.example.app', '20161213091734cBnVe')).toBe('/prod/example/app/20161213091734cBnVe');
  });

  it('reads path job ids as the binder does', () => {
    expect(pathJobId('a..b')).toBe('a.b');
    expect(pathJobId('Foo_Bar')).toBeUndefined();
    expect(pathJobId('-a')).toBeUndefined();
  });

  it('maps Mesos states to the task statuses the API shows', () => {
    expect(taskStatusOf('TASK_KILLING')).toBe('TASK_RUNNING');
    expect(taskStatusOf('TASK_LOST')).toBe('TASK_FAILED');
    expect(taskStatusOf('TASK_ERROR')).toBe('TASK_FAILED');
    expect(taskStatusOf('TASK_KILLED')).toBe('TASK_KILLED');
  });
});

describe('a job run', () => {
  it('goes INITIAL → ACTIVE → SUCCESS and lands in the history', async () => {
    const { runs, calls, job, advance } = setup();
    const run = runs.start(job);
    expect(run.status).toBe('INITIAL');
    expect(calls).toEqual([`enqueue ${run.id}`]);
    const task = newTaskId(job.id, run.id);
    runs.onTaskUpdate(job.id, run.id, task, 'TASK_STARTING');
    runs.onTaskUpdate(job.id, run.id, task, 'TASK_RUNNING');
    expect(run.status).toBe('ACTIVE');
    expect(run.tasks).toEqual([{ id: task, startedAt: Date.parse('2024-05-01T10:00:00Z'), status: 'TASK_RUNNING' }]);
    advance(5000);
    runs.onTaskUpdate(job.id, run.id, task, 'TASK_FINISHED');
    expect(run.status).toBe('SUCCESS');
    await settle();
    expect(runs.get(job.id, run.id)).toBeUndefined();
    const h = runs.history(job.id);
    expect(h.successCount).toBe(1);
    expect(h.failureCount).toBe(0);
    expect(h.successfulFinishedRuns).toEqual([{ id: run.id, createdAt: run.createdAt, finishedAt: run.createdAt + 5000, tasks: [task] }]);
    expect(run.tasks[0]!.completedAt).toBe(run.createdAt + 5000);
  });

  it('fails at once under NEVER, without a completedAt on the failed task', async () => {
    const { runs, job } = setup();
    const run = runs.start(job);
    const task = newTaskId(job.id, run.id);
    runs.onTaskUpdate(job.id, run.id, task, 'TASK_RUNNING');
    runs.onTaskUpdate(job.id, run.id, task, 'TASK_FAILED');
    expect(run.status).toBe('FAILED');
    expect(run.completedAt).toBeDefined();
    expect(run.tasks[0]!.completedAt).toBeUndefined();
    await settle();
    expect(runs.history(job.id).failureCount).toBe(1);
  });

  it('launches another task under ON_FAILURE until activeDeadlineSeconds has passed', async () => {
    const { runs, calls, job, advance } = setup({ policy: 'ON_FAILURE', activeDeadlineSeconds: 60 });
    const run = runs.start(job);
    const t1 = newTaskId(job.id, run.id);
    runs.onTaskUpdate(job.id, run.id, t1, 'TASK_RUNNING');
    runs.onTaskUpdate(job.id, run.id, t1, 'TASK_FAILED');
    expect(run.status).toBe('ACTIVE');
    expect(calls.filter((c) => c.startsWith('enqueue'))).toHaveLength(2);
    advance(61_000);
    const t2 = newTaskId(job.id, run.id);
    runs.onTaskUpdate(job.id, run.id, t2, 'TASK_RUNNING');
    runs.onTaskUpdate(job.id, run.id, t2, 'TASK_FAILED');
    expect(run.status).toBe('FAILED');
    expect(run.tasks.map((t) => t.id)).toEqual([t1, t2]);
    await settle();
    expect(runs.history(job.id).failedFinishedRuns[0]!.tasks).toEqual([t1, t2]);
  });

  it('stops: kills active tasks, answers the run FAILED and counts a failure', async () => {
    const { runs, calls, job } = setup();
    const run = runs.start(job);
    const task = newTaskId(job.id, run.id);
    runs.onTaskUpdate(job.id, run.id, task, 'TASK_RUNNING');
    const stopped = await runs.stop(job.id, run.id);
    expect(stopped?.status).toBe('FAILED');
    expect(calls).toContain(`kill ${task}`);
    expect(calls).toContain(`purge ${run.id}`);
    expect(runs.runsOf(job.id)).toEqual([]);
    expect(runs.history(job.id).failureCount).toBe(1);
    expect(await runs.stop(job.id, run.id)).toBeUndefined();
    // a late update of the stopped run is not ours any more
    expect(runs.onTaskUpdate(job.id, run.id, task, 'TASK_KILLED')).toBe(false);
  });

  it('aborts a scheduled run that has not started within its startingDeadline', async () => {
    const { runs, job, advance } = setup();
    const run = runs.start(job, { id: 'ab', cron: '* * * * *', parsed: undefined as never, timezone: 'UTC', startingDeadlineSeconds: 60, concurrencyPolicy: 'ALLOW', enabled: true });
    advance(59_000);
    runs.checkDeadlines();
    expect(run.status).toBe('INITIAL');
    advance(1000);
    runs.checkDeadlines();
    await settle();
    expect(run.status).toBe('FAILED');
    expect(runs.history(job.id).failureCount).toBe(1);
  });

  it('is kept in storage while active and restored after a restart', async () => {
    const { runs, job, store } = setup();
    const run = runs.start(job);
    await settle();
    const loaded = await store.load();
    expect(loaded.runs.map((r: JobRun) => [r.id, r.status])).toEqual([[run.id, 'STARTING']]);
  });

  it('gives the task the MARATHON_APP_* environment of the run', () => {
    const { runs, job } = setup();
    const run = runs.start(job);
    const env = Object.fromEntries(taskEnv(run, 'tid', 'agent-1'));
    expect(env).toMatchObject({
      MESOS_TASK_ID: 'tid',
      MARATHON_APP_ID: `/prod/backup/${run.id}`,
      MARATHON_APP_VERSION: '1970-01-01T00:00:00.000Z',
      MARATHON_APP_RESOURCE_CPUS: '0.5',
      MARATHON_APP_RESOURCE_MEM: '64.0',
      MARATHON_APP_RESOURCE_DISK: '0.0',
      MARATHON_APP_RESOURCE_GPUS: '0',
      MARATHON_APP_LABELS: 'TEAM_NAME',
      MARATHON_APP_LABEL_TEAM_NAME: 'ops',
      HOST: 'agent-1',
    });
  });
});
