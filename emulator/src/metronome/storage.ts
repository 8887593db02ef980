// Persistent state under `<zk path>/state`, in Metronome's node layout:
// job-specs/<jobId>, job-runs/<jobId>/<runId>, job-histories/<jobId>, plus
// the framework id. Payloads are our own JSON (upstream writes protobuf).
import type { Tree } from '../marathon/storage.js';
import { parseCron } from './cron.js';
import type { JobHistory, JobRun, JobSpec, ScheduleSpec } from './model.js';

type StoredSchedule = Omit<ScheduleSpec, 'parsed'>;
type StoredJob = Omit<JobSpec, 'schedules'> & { schedules: StoredSchedule[] };
type StoredRun = Omit<JobRun, 'spec'> & { spec: StoredJob };

const toStoredJob = (j: JobSpec): StoredJob => ({ ...j, schedules: j.schedules.map(({ parsed: _p, ...s }) => s) });

function fromStoredJob(j: StoredJob): JobSpec {
  return {
    ...j,
    schedules: j.schedules.flatMap((s) => {
      const parsed = parseCron(s.cron);
      return parsed ? [{ ...s, parsed }] : [];
    }),
  };
}

export interface Loaded {
  jobs: JobSpec[];
  runs: JobRun[];
  histories: Map<string, JobHistory>;
}

export class MetronomeStore {
  /** writes go out one after another, so a delete never overtakes the write before it */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly tree: Tree,
    private readonly root: string,
  ) {}

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private put(path: string, value: unknown): Promise<void> {
    return this.enqueue(() => this.tree.put(`${this.root}/${path}`, Buffer.from(JSON.stringify(value))));
  }

  private remove(path: string): Promise<void> {
    return this.enqueue(() => this.tree.remove(`${this.root}/${path}`));
  }

  saveJob(j: JobSpec): Promise<void> {
    return this.put(`job-specs/${j.id}`, toStoredJob(j));
  }
  deleteJob(id: string): Promise<void> {
    return this.remove(`job-specs/${id}`);
  }
  saveRun(r: JobRun): Promise<void> {
    return this.put(`job-runs/${r.jobId}/${r.id}`, { ...r, spec: toStoredJob(r.spec) });
  }
  deleteRun(r: JobRun): Promise<void> {
    return this.remove(`job-runs/${r.jobId}/${r.id}`);
  }
  saveHistory(jobId: string, h: JobHistory): Promise<void> {
    return this.put(`job-histories/${jobId}`, h);
  }
  deleteHistory(jobId: string): Promise<void> {
    return this.enqueue(async () => {
      await this.tree.remove(`${this.root}/job-histories/${jobId}`);
      await this.tree.remove(`${this.root}/job-runs/${jobId}`);
    });
  }

  async frameworkId(): Promise<string | undefined> {
    const data = await this.tree.get(`${this.root}/framework-id`);
    return data?.length ? data.toString('utf8') : undefined;
  }
  storeFrameworkId(id: string): Promise<void> {
    return this.enqueue(() => this.tree.put(`${this.root}/framework-id`, Buffer.from(id)));
  }
  deleteFrameworkId(): Promise<void> {
    return this.enqueue(() => this.tree.remove(`${this.root}/framework-id`));
  }

  private async readJson<T>(path: string): Promise<T | undefined> {
    const data = await this.tree.get(`${this.root}/${path}`);
    if (!data?.length) return undefined;
    try {
      return JSON.parse(data.toString('utf8')) as T;
    } catch {
      return undefined; // not ours (or damaged): skipped
    }
  }

  async load(): Promise<Loaded> {
    const jobs: JobSpec[] = [];
    for (const id of await this.tree.children(`${this.root}/job-specs`)) {
      const j = await this.readJson<StoredJob>(`job-specs/${id}`);
      if (j?.id && j.run) jobs.push(fromStoredJob(j));
    }
    const runs: JobRun[] = [];
    for (const jobId of await this.tree.children(`${this.root}/job-runs`)) {
      for (const runId of await this.tree.children(`${this.root}/job-runs/${jobId}`)) {
        const r = await this.readJson<StoredRun>(`job-runs/${jobId}/${runId}`);
        if (r?.id && r.spec) runs.push({ ...r, spec: fromStoredJob(r.spec) });
      }
    }
    const histories = new Map<string, JobHistory>();
    for (const jobId of await this.tree.children(`${this.root}/job-histories`)) {
      const h = await this.readJson<JobHistory>(`job-histories/${jobId}`);
      if (h) histories.set(jobId, h);
    }
    return { jobs, runs, histories };
  }
}
