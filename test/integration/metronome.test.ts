// The Metronome add-on end to end: a fixture cluster with `addons: { metronome:
// {} }`; jobs made, run and read with `mesos-up job …`; a run that succeeds and
// one that fails, each as a Mesos task of the `metronome` framework; a job on
// a cron schedule that runs by itself, and its history; Metronome's own error
// bodies for bad input, passed on by the CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterInfo } from '../../src/lifecycle/describe.js';
import type { ClusterHandle } from '../../src/testing/cluster-handle.js';
import { startCluster } from '../../src/testing/start-cluster.js';
import { eventually, TEST_IMAGES } from '../emulator/harness.js';
import { cli, json } from '../support/cli.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const NAME = 'it-metronome';
let handle: ClusterHandle;
let cluster: ClusterInfo;
const job = (...args: string[]) => cli(['job', ...args, '--name', NAME]);

beforeAll(async () => {
  await cli(['down', '--name', NAME]);
  handle = await startCluster({ name: NAME, images: TEST_IMAGES.flavour, config: { addons: { metronome: {} } } });
  cluster = json<ClusterInfo>(await cli(['status', '--name', NAME, '--json']));
});

afterAll(async () => {
  await handle?.stop();
});

describe('the Metronome add-on', () => {
  it('is named by the handle, env and status, and answers its API', async () => {
    expect(handle.metronome?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(handle.env.METRONOME_URL).toBe(handle.metronome!.url);
    expect(cluster.metronome).toMatchObject({ name: `${NAME}-metronome`, state: 'running', url: handle.metronome!.url });
    expect((await cli(['env', '--name', NAME])).stdout).toContain(`export METRONOME_URL=${handle.metronome!.url}`);
    expect(await (await fetch(`${handle.metronome!.url}/ping`)).text()).toBe('pong');
  });

  it('runs a job to success and another to failure, as tasks of its own framework, and keeps their history', async () => {
    const made = await job('deploy', '--id', 'hello', '--cmd', 'echo "hello from $MESOS_TASK_ID"', '--json');
    expect(made.exitCode, made.stderr).toBe(0);
    expect(json<Json>(made)).toMatchObject({ id: 'hello', action: 'created', job: { id: 'hello', labels: {}, run: { cmd: 'echo "hello from $MESOS_TASK_ID"', cpus: 0.1, mem: 32, disk: 0, restart: { policy: 'NEVER' } } } });

    const ok = await job('run', 'hello', '--wait', '--json');
    expect(ok.exitCode, ok.stderr).toBe(0);
    const run = json<{ id: string; status: string }>(ok);
    expect(run.status).toBe('SUCCESS');
    expect(run.id).toMatch(/^\d{14}[a-zA-Z0-9]{5}$/);

    expect((await job('deploy', '--id', 'fails', '--cmd', 'exit 3')).exitCode).toBe(0);
    const failed = await job('run', 'fails', '--wait', '--json');
    expect(failed.exitCode).toBe(1);
    expect(json<{ status: string }>(failed).status).toBe('FAILED');

    // the runs' tasks, under the framework `metronome` on the master
    const history = json<Json>(await job('history', 'hello', '--json'));
    expect(history).toMatchObject({ id: 'hello', successCount: 1, failureCount: 0, runs: [{ id: run.id, status: 'SUCCESS' }] });
    const info = await handle.metronome!.client.getJob('hello', ['history']);
    const taskId = info.history!.successfulFinishedRuns[0]!.tasks![0]!;
    expect(taskId.startsWith(`hello_${run.id}.`)).toBe(true);
    const state = (await (await fetch(`${cluster.masterUrl}/master/state`)).json()) as Json;
    const framework = state.frameworks.find((f: Json) => f.name === 'metronome');
    expect(framework.completed_tasks.map((t: Json) => [t.id, t.state])).toContainEqual([taskId, 'TASK_FINISHED']);

    const list = await job('list');
    expect(list.stdout).toMatch(/hello\s+-\s+-\s+0\s+1\s+0/);
    expect(list.stdout).toMatch(/fails\s+-\s+-\s+0\s+0\s+1/);
  });

  it('runs a job on its cron schedule by itself', async () => {
    const made = await job('deploy', '--id', 'tick', '--cmd', 'date', '--schedule', '* * * * *', '--tz', 'Europe/Berlin', '--json');
    expect(made.exitCode, made.stderr).toBe(0);
    const schedule = json<Json>(made).job.schedules[0];
    expect(schedule).toMatchObject({ id: 'default', cron: '* * * * *', timezone: 'Europe/Berlin', concurrencyPolicy: 'ALLOW', enabled: true, startingDeadlineSeconds: 900 });
    expect(schedule.nextRunAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000\+0000$/);
    // Metronome waits at least 60 s before a new schedule's first run, then runs on the minute
    const history = await eventually('a scheduled run of tick', async () => {
      const h = json<Json>(await job('history', 'tick', '--json'));
      return h.successCount >= 1 ? h : undefined;
    }, 200_000, 2000);
    expect(history.runs[0].status).toBe('SUCCESS');
    expect((await job('destroy', 'tick')).exitCode).toBe(0);
    expect((await job('show', 'tick')).exitCode).toBe(1);
  }, 300_000);

  it("passes Metronome's own error bodies on for bad input", async () => {
    const badId = await job('deploy', '--id', 'Bad_Id', '--cmd', 'x');
    expect(badId.exitCode).toBe(1);
    expect(badId.stderr).toContain('Metronome answered 400 to GET /v1/jobs/Bad_Id: Not a valid id: Bad_Id');
    const bad = await job('deploy', '--id', 'zero', '--cmd', 'x', '--cpus', '0');
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain('Metronome answered 422 to POST /v1/jobs: Object is not valid: /run/cpus 0 is smaller than required minimum value of 0.01.');
    const cron = await job('deploy', '--id', 'never', '--cmd', 'x', '--schedule', '0 0 31 2 *');
    expect(cron.exitCode).toBe(1);
    expect(cron.stderr).toContain('Metronome answered 422 to POST /v0/scheduled-jobs');
    const missing = await job('run', 'nope');
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('Metronome answered 404 to POST /v1/jobs/nope/runs: Job not found');
    const none = await cli(['job', 'list', '--name', 'no-such-cluster']);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain('No cluster named no-such-cluster');
  });
});
