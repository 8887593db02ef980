import { describe, expect, it } from 'vitest';
import { formatTime, jobInfoJson, jobJson, jobV0Json, parseEmbeds, scheduleJson } from '../../../emulator/src/metronome/json.js';
import { emptyHistory } from '../../../emulator/src/metronome/model.js';
import { readJob, readSchedule } from '../../../emulator/src/metronome/validation.js';

const ok = <T>(r: { ok: true; value: T } | { ok: false; error: unknown }): T => {
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
};
const details = (r: { ok: boolean; error?: { details: unknown } }) => (r.ok ? undefined : r.error!.details);

describe('Metronome job bodies', () => {
  it('writes a job back with every defaulted run field, in upstream order', () => {
    const job = ok(readJob({ id: 'sleepy', run: { cmd: 'sleep 10', cpus: 0.1, mem: 32, disk: 0 } }));
    expect(JSON.stringify(jobJson(job))).toBe(
      '{"id":"sleepy","labels":{},"run":{"cpus":0.1,"mem":32,"disk":0,"gpus":0,"cmd":"sleep 10","env":{},"placement":{"constraints":[]},' +
        '"artifacts":[],"maxLaunchDelay":3600,"volumes":[],"restart":{"policy":"NEVER"},"secrets":{},"networks":[]}}',
    );
  });

  it('fills docker, artifact and constraint defaults, and stores EQ as IS', () => {
    const job = ok(
      readJob({
        id: 'prod.web',
        description: 'd',
        run: {
          cpus: 1, mem: 64, disk: 0,
          docker: { image: 'busybox' },
          artifacts: [{ uri: 'http://x/a.tgz' }],
          placement: { constraints: [{ attribute: 'hostname', operator: 'EQ', value: 'a' }] },
          restart: { policy: 'ON_FAILURE', activeDeadlineSeconds: 120 },
        },
      }),
    );
    const run = jobJson(job).run as Record<string, unknown>;
    expect(run.docker).toEqual({ image: 'busybox', privileged: false, parameters: [], forcePullImage: false });
    expect(run.artifacts).toEqual([{ uri: 'http://x/a.tgz', extract: true, executable: false, cache: false }]);
    expect(run.placement).toEqual({ constraints: [{ attribute: 'hostname', operator: 'IS', value: 'a' }] });
    expect(run.restart).toEqual({ policy: 'ON_FAILURE', activeDeadlineSeconds: 120 });
    expect(Object.keys(jobJson(job))).toEqual(['id', 'description', 'labels', 'run']);
  });

  it('answers schema violations with play-json paths and the validator texts', () => {
    expect(details(readJob({ id: 'Foo_Bar', run: { cpus: 0, mem: 'x', disk: 0, cmd: 'a' }, schedules: [] }))).toEqual([
      { path: '/id', errors: ["'Foo_Bar' does not match pattern '^([a-z0-9]+(\\-[a-z0-9]+)*)(\\.([a-z0-9]+(\\-[a-z0-9]+)*))*$'."] },
      { path: '/run/cpus', errors: ['0 is smaller than required minimum value of 0.01.'] },
      { path: '/run/mem', errors: ['Wrong type. Expected number, was string.'] },
      { path: '', errors: ["Additional properties are not allowed, but found properties 'schedules'."] },
    ]);
    expect(details(readJob({ run: { cmd: 'a' } }))).toEqual([
      { path: '/run', errors: ['Property cpus missing.', 'Property mem missing.', 'Property disk missing.'] },
      { path: '', errors: ['Property id missing.'] },
    ]);
    expect(details(readJob({ id: 'a', run: { cpus: 1, mem: 32, disk: 0, gpus: 1.5, cmd: 'x' } }))).toEqual([
      { path: '/run/gpus', errors: ['Wrong type. Expected integer, was number.'] },
    ]);
  });

  it('rejects a job with nothing to run, or with docker and ucr both', () => {
    const base = { cpus: 1, mem: 32, disk: 0 };
    expect(details(readJob({ id: 'a', run: base }))).toEqual([{ path: '/run', errors: ['Cmd, Docker or UCR image must be specified'] }]);
    expect(details(readJob({ id: 'a', run: { ...base, docker: { image: 'x' }, ucr: { image: { id: 'x' } } } }))).toEqual([
      { path: '/run', errors: ['Either Docker or UCR should be provided, but not both'] },
    ]);
    expect(details(readJob({ id: 'a', run: { ...base, cmd: 'x', volumes: [{ containerPath: '/a' }] } }))).toEqual([
      { path: '/run/volumes(0)', errors: ['expected HostVolume or SecretVolume object but got {"containerPath":"/a"}'] },
    ]);
  });

  it('v0 takes schedules (at most one) and writes them before run, without taskKillGracePeriodSeconds', () => {
    const body = { id: 'nightly', run: { cpus: 1, mem: 32, disk: 0, cmd: 'x' }, schedules: [{ id: 'every-night', cron: '0 2 * * *' }] };
    const job = ok(readJob(body, 'v0'));
    const json = jobV0Json(job, Date.parse('2024-05-01T10:00:00Z'));
    expect(Object.keys(json)).toEqual(['id', 'labels', 'schedules', 'run']);
    expect(json.schedules).toEqual([
      { id: 'every-night', cron: '0 2 * * *', timezone: 'UTC', startingDeadlineSeconds: 900, concurrencyPolicy: 'ALLOW', enabled: true, nextRunAt: '2024-05-02T02:00:00.000+0000' },
    ]);
    const two = { ...body, schedules: [{ id: 'aa', cron: '* * * * *' }, { id: 'bb', cron: '* * * * *' }] };
    expect(details(readJob(two, 'v0'))).toEqual([{ path: '/schedules', errors: ['has size 2, expected 1 or less'] }]);
    expect(details(readJob({ ...body, run: { ...body.run, taskKillGracePeriodSeconds: 5 } }, 'v0'))).toEqual([
      { path: '/run', errors: ["Additional properties are not allowed, but found properties 'taskKillGracePeriodSeconds'."] },
    ]);
  });
});

describe('Metronome schedule bodies', () => {
  it('fills defaults and adds nextRunAt in the JVM zone format', () => {
    const s = ok(readSchedule({ id: 'everyminute', cron: '* * * * *', timezone: 'America/Chicago', startingDeadlineSeconds: 60 }));
    expect(JSON.stringify(scheduleJson(s, Date.parse('2016-12-13T15:17:20Z')))).toBe(
      '{"id":"everyminute","cron":"* * * * *","timezone":"America/Chicago","startingDeadlineSeconds":60,"concurrencyPolicy":"ALLOW","enabled":true,"nextRunAt":"2016-12-13T15:18:00.000+0000"}',
    );
  });

  it('answers each invalid field with upstream texts', () => {
    expect(details(readSchedule({ id: 'ab', cron: 'wrong cron' }))).toEqual([{ path: '/cron', errors: ['Can not read cron expression "wrong cron"'] }]);
    expect(details(readSchedule({ id: 'ab', cron: '* * * * *', timezone: 'Mars/Base' }))).toEqual([
      { path: '/timezone', errors: ['No time zone found with this id: "Mars/Base"'] },
    ]);
    expect(details(readSchedule({ id: 'ab', cron: '* * * * *', startingDeadlineSeconds: 30 }))).toEqual([
      { path: '/startingDeadline', errors: ['got 30 seconds, expected 1 minute or more'] },
    ]);
    expect(details(readSchedule({ id: 'ab', cron: '* * * * *', concurrencyPolicy: 'REPLACE' }))).toEqual([
      { path: '/concurrencyPolicy', errors: ['Instance is invalid enum value.'] },
    ]);
    expect(details(readSchedule({ id: 'a', cron: '* * * * *' }))).toEqual([
      { path: '/id', errors: ["'a' does not match pattern '^([a-z0-9][a-z0-9\\-]*[a-z0-9]+)$'."] },
    ]);
  });
});

describe('JobInfo and embeds', () => {
  const job = ok(readJob({ id: 'a', run: { cpus: 1, mem: 32, disk: 0, cmd: 'x' } }));

  it('reads repeated and comma-separated embeds, and refuses unknown or empty ones', () => {
    expect([...parseEmbeds(['activeRuns', 'history,schedules'])!]).toEqual(['activeRuns', 'history', 'schedules']);
    expect(parseEmbeds(['nope'])).toBeUndefined();
    expect(parseEmbeds([''])).toBeUndefined();
    expect(parseEmbeds([])!.size).toBe(0);
  });

  it('adds only what was embedded; the list leaves out activeRuns of a job without runs', () => {
    const all = parseEmbeds(['activeRuns,schedules,history,historySummary'])!;
    expect(Object.keys(jobInfoJson(job, all, [], emptyHistory(), false))).toEqual(['id', 'labels', 'run', 'schedules', 'activeRuns', 'history', 'historySummary']);
    expect(Object.keys(jobInfoJson(job, all, [], emptyHistory(), true))).not.toContain('activeRuns');
    expect(jobInfoJson(job, all, [], emptyHistory(), false).history).toEqual({
      successCount: 0, failureCount: 0, lastSuccessAt: null, lastFailureAt: null, successfulFinishedRuns: [], failedFinishedRuns: [],
    });
    expect(jobInfoJson(job, new Set(), [], emptyHistory(), false)).toEqual(jobJson(job));
  });

  it('formats times with milliseconds and a +0000 offset', () => {
    expect(formatTime(Date.parse('2016-07-15T13:02:59.735Z'))).toBe('2016-07-15T13:02:59.735+0000');
  });
});
