// `mesos-up job deploy`'s job document from a file and flags.
import { describe, expect, it } from 'vitest';
import { jobFromFlags } from '../../../src/metronome/job-file.js';

describe('mesos-up job deploy: the job it sends', () => {
  it('builds a job from flags, with small defaults for what Metronome requires', () => {
    expect(jobFromFlags({}, { id: 'backup', cmd: 'echo hi' })).toEqual({ id: 'backup', run: { cmd: 'echo hi', cpus: 0.1, mem: 32, disk: 0 } });
    expect(jobFromFlags({}, { id: 'img', image: 'busybox', mem: 64 })).toEqual({ id: 'img', run: { docker: { image: 'busybox' }, cpus: 0.1, mem: 64, disk: 0 } });
  });

  it("keeps the file's run, flags winning; a file without flags is sent as it is", () => {
    const file = { id: 'nightly', labels: { team: 'a' }, run: { cmd: 'x', cpus: 1, mem: 128, disk: 10, restart: { policy: 'ON_FAILURE' as const } } };
    expect(jobFromFlags(file, {})).toEqual(file);
    expect(jobFromFlags(file, { cmd: 'y', mem: 256 }).run).toEqual({ cmd: 'y', cpus: 1, mem: 256, disk: 10, restart: { policy: 'ON_FAILURE' } });
  });

  it('sets the one schedule from --schedule and --tz, keeping the id and settings a file gives it', () => {
    expect(jobFromFlags({}, { id: 'j', cmd: 'x', schedule: '*/5 * * * *' }).schedules).toEqual([{ id: 'default', cron: '*/5 * * * *' }]);
    const file = { id: 'j', run: { cmd: 'x', cpus: 1, mem: 32, disk: 0 }, schedules: [{ id: 'hourly', cron: '0 * * * *', startingDeadlineSeconds: 120 }] };
    expect(jobFromFlags(file, { schedule: '30 * * * *', tz: 'Europe/Berlin' }).schedules).toEqual([{ id: 'hourly', cron: '30 * * * *', startingDeadlineSeconds: 120, timezone: 'Europe/Berlin' }]);
  });

  it('refuses a job without an id, and --tz without a schedule', () => {
    expect(() => jobFromFlags({}, { cmd: 'x' })).toThrow(/no id/);
    expect(() => jobFromFlags({}, { id: 'j', cmd: 'x', tz: 'UTC' })).toThrow(/--tz needs a schedule/);
  });
});
