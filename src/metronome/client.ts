// A typed client for Metronome's /v1 jobs API (and /v0/scheduled-jobs, which
// takes a job with its schedules in one document), for the CLI and fixtures.
import { MesosUpError } from '../errors.js';
import { httpRequest, type HttpAnswer } from '../probes/http.js';
import type { Job, JobInfo, JobRun, Schedule } from './types.js';

export class MetronomeApiError extends MesosUpError {
  constructor(
    readonly status: number,
    readonly body: unknown,
    method: string,
    path: string,
  ) {
    const msg = (body as { message?: string } | undefined)?.message ?? (typeof body === 'string' ? body : '');
    const details = (body as { details?: Array<{ path: string; errors: string[] }> } | undefined)?.details;
    const detailText = details?.length ? `: ${details.map((d) => `${d.path || '/'} ${d.errors.join(', ')}`).join('; ')}` : '';
    super('METRONOME', `Metronome answered ${status} to ${method} ${path}${msg ? `: ${msg}` : ''}${detailText}`);
  }
}

const jobPath = (id: string) => `/v1/jobs/${encodeURIComponent(id)}`;

export class MetronomeClient {
  constructor(readonly baseUrl: string, private readonly opts: { timeoutMs?: number } = {}) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = `${this.baseUrl.replace(/\/$/, '')}${path}`;
    let res: HttpAnswer;
    try {
      res = await httpRequest(url, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }), timeoutMs: this.opts.timeoutMs ?? 15_000 });
    } catch (err) {
      throw new MesosUpError('METRONOME', `Cannot reach Metronome at ${this.baseUrl}: ${(err as Error).message}`, { hint: 'is the cluster up with the Metronome add-on? mesos-up status', cause: err });
    }
    let parsed: unknown = res.text;
    try {
      parsed = res.text ? JSON.parse(res.text) : undefined;
    } catch {
      /* a text answer (`pong`, `No consistent leadership`) */
    }
    if (res.status >= 400) throw new MetronomeApiError(res.status, parsed, method, path);
    return parsed as T;
  }

  listJobs = (embed: string[] = []): Promise<JobInfo[]> => this.request('GET', `/v1/jobs${embed.length ? `?embed=${embed.join(',')}` : ''}`);
  getJob = (id: string, embed: string[] = []): Promise<JobInfo> => this.request('GET', `${jobPath(id)}${embed.length ? `?embed=${embed.join(',')}` : ''}`);
  createJob = (job: Job): Promise<Job> => this.request('POST', '/v1/jobs', job);
  updateJob = (job: Job): Promise<Job> => this.request('PUT', jobPath(job.id), job);
  /** a job with its schedules, created or replaced in one call (/v0/scheduled-jobs) */
  createScheduledJob = (job: Job & { schedules: Schedule[] }): Promise<JobInfo> => this.request('POST', '/v0/scheduled-jobs', job);
  updateScheduledJob = (job: Job & { schedules: Schedule[] }): Promise<JobInfo> => this.request('PUT', `/v0/scheduled-jobs/${encodeURIComponent(job.id)}`, job);
  deleteJob = (id: string, stopCurrentJobRuns = false): Promise<Job> => this.request('DELETE', `${jobPath(id)}?stopCurrentJobRuns=${stopCurrentJobRuns}`);
  startRun = (id: string): Promise<JobRun> => this.request('POST', `${jobPath(id)}/runs`, {});
  runs = (id: string): Promise<JobRun[]> => this.request('GET', `${jobPath(id)}/runs`);
  stopRun = (id: string, runId: string): Promise<JobRun> => this.request('POST', `${jobPath(id)}/runs/${encodeURIComponent(runId)}/actions/stop`, {});
}
