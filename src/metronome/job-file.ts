// A Metronome job from a file and/or `mesos-up job deploy` flags.
import { MesosUpError } from '../errors.js';
import type { Job, Schedule } from './types.js';

export interface JobFlags {
  id?: string;
  cmd?: string;
  cpus?: number;
  mem?: number;
  disk?: number;
  image?: string;
  schedule?: string;
  tz?: string;
}

/**
 * The flags win over the file. A command or image given by flag brings small
 * defaults for what Metronome requires (cpus 0.1, mem 32, disk 0); `--schedule`
 * sets the job's one schedule (id `default`, or the id the file gives it).
 */
export function jobFromFlags(doc: Partial<Job> & { schedules?: Schedule[] }, f: JobFlags): Job & { schedules?: Schedule[] } {
  const run = { ...(doc.run ?? {}) } as Job['run'];
  if (f.cmd !== undefined) run.cmd = f.cmd;
  if (f.image !== undefined) run.docker = { ...(run.docker ?? {}), image: f.image };
  const byFlag = f.cmd !== undefined || f.image !== undefined;
  if (f.cpus !== undefined) run.cpus = f.cpus;
  else if (byFlag && run.cpus === undefined) run.cpus = 0.1;
  if (f.mem !== undefined) run.mem = f.mem;
  else if (byFlag && run.mem === undefined) run.mem = 32;
  if (f.disk !== undefined) run.disk = f.disk;
  else if (byFlag && run.disk === undefined) run.disk = 0;
  const id = f.id ?? doc.id;
  if (typeof id !== 'string' || !id) throw new MesosUpError('USAGE', 'The job has no id', { hint: 'give --id, or an "id" in the job file' });
  if (f.tz !== undefined && f.schedule === undefined && !doc.schedules?.length) throw new MesosUpError('USAGE', '--tz needs a schedule', { hint: 'add --schedule "<cron>"' });
  let schedules = doc.schedules;
  if (f.schedule !== undefined) {
    const first = schedules?.[0];
    schedules = [{ ...(first ?? { id: 'default' }), cron: f.schedule, ...(f.tz !== undefined ? { timezone: f.tz } : {}) }];
  } else if (f.tz !== undefined && schedules?.[0]) {
    schedules = [{ ...schedules[0], timezone: f.tz }, ...schedules.slice(1)];
  }
  return { ...doc, id, run, ...(schedules ? { schedules } : {}) };
}
