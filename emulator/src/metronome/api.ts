// Metronome's HTTP API (routes file of 0.6.44): /ping, /info, /v1/metrics,
// /v1/queue, /v1/jobs[...] with schedules and runs, /v0/scheduled-jobs.
// Client errors have Play's error-handler shape {message, requestPath}
// (HTML-escaped); everything but /ping and /v1/metrics answers 503 until
// this instance leads.
import http from 'node:http';
import { makeLogger } from '../common/log.js';
import { Router, sendEmpty, sendJson, sendText, type Request } from '../common/http.js';
import { MARATHON_LIB_VERSION, METRONOME_VERSION } from './config.js';
import type { JobService } from './jobs.js';
import { jobInfoJson, jobJson, jobV0Json, parseEmbeds, runJson, scheduleJson, type Embed } from './json.js';
import type { MetronomeMetrics } from './metrics.js';
import { pathJobId, type JobSpec } from './model.js';
import type { JobScheduler } from './scheduler.js';
import { readJob, readSchedule, type Read } from './validation.js';

const log = makeLogger('Api');

export interface ApiContext {
  service: JobService;
  scheduler?: JobScheduler;
  metrics: MetronomeMetrics;
  isLeader(): boolean;
}

/** Twirl's HtmlFormat.escape, which the error handler applies to both strings. */
export function htmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' })[c]!);
}

/** Play's onClientError answer. */
function clientError(r: Request, status: number, message: string): void {
  sendJson(r.res, status, { message: htmlEscape(message), requestPath: htmlEscape(r.path) });
}

const jobNotFound = (r: Request, id: string) => sendJson(r.res, 404, { id, message: 'Job not found' });
const scheduleNotFound = (r: Request, id: string) => sendJson(r.res, 404, { id, message: 'Schedule not found' });
const runNotFound = (r: Request, jobId: string, runId: string) => sendJson(r.res, 404, { jobSpec: jobId, id: runId, message: 'Job Run not found' });

/** The job id route parameter, or a 400 already sent. */
function jobIdParam(r: Request): string | undefined {
  const raw = r.params.jobId!;
  const id = pathJobId(raw);
  if (!id) clientError(r, 400, `Not a valid id: ${raw}`);
  return id;
}

function embedsParam(r: Request): Set<Embed> | undefined {
  const embeds = parseEmbeds(r.query.getAll('embed'));
  if (!embeds) clientError(r, 400, 'Unknown embed options. Valid options are: activeRuns, schedules, history, historySummary');
  return embeds;
}

/** play's parse.json: content type, then syntax; undefined when an error was sent. */
async function jsonBody(r: Request): Promise<{ value: unknown } | undefined> {
  const type = String(r.req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && type !== 'text/json') {
    await r.body();
    clientError(r, 415, 'Expecting text/json or application/json body');
    return undefined;
  }
  const text = await r.body();
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    clientError(r, 400, `Invalid Json: ${(err as Error).message}`);
    return undefined;
  }
}

/** A validated body, or the 4xx already sent. */
async function validBody<T>(r: Request, read: (body: unknown) => Read<T>): Promise<T | undefined> {
  const body = await jsonBody(r);
  if (!body) return undefined;
  const result = read(body.value);
  if (!result.ok) {
    sendJson(r.res, 422, result.error);
    return undefined;
  }
  return result.value;
}

export function createRouter(ctx: ApiContext): Router {
  const { service } = ctx;
  const runs = service.runs;
  const router = new Router();
  const unknownRoute = (r: Request) => clientError(r, 404, 'Unknown route.');
  router.notFound = unknownRoute;
  router.methodNotAllowed = unknownRoute;
  // Play's server error: 500 naming the path only
  const on = (method: string, pattern: string, handler: (r: Request) => void | Promise<void>) =>
    router.on(method, pattern, async (r) => {
      try {
        await handler(r);
      } catch (err) {
        log.error(`Error serving ${r.path}: ${(err as Error).stack ?? err}`);
        if (!r.res.headersSent) sendJson(r.res, 500, { requestPath: htmlEscape(r.path) });
        else r.res.end();
      }
    });

  on('GET', '/ping', (r) => sendText(r.res, 200, 'pong'));
  on('GET', '/info', (r) => sendJson(r.res, 200, { version: METRONOME_VERSION, libVersion: MARATHON_LIB_VERSION }));
  on('GET', '/v1/metrics', (r) => sendJson(r.res, 200, ctx.metrics.json(runs.all().length)));

  on('GET', '/v1/queue', (r) => {
    // grouped by the FIRST segment of the job id, as upstream does
    const groups = new Map<string, Array<{ runId: string }>>();
    for (const run of ctx.scheduler?.queued() ?? []) {
      const key = run.jobId.split('.')[0]!;
      const list = groups.get(key) ?? [];
      if (!list.some((x) => x.runId === run.id)) list.push({ runId: run.id });
      groups.set(key, list);
    }
    sendJson(r.res, 200, [...groups].map(([jobId, list]) => ({ jobId, runs: list })));
  });

  // ---- jobs ----
  on('GET', '/v1/jobs', (r) => {
    const embeds = embedsParam(r);
    if (!embeds) return;
    const list = [...service.jobs.values()].map((j) => jobInfoJson(j, embeds, runs.runsOf(j.id), runs.history(j.id), true));
    sendJson(r.res, 200, list);
  });

  on('POST', '/v1/jobs', async (r) => {
    const job = await validBody(r, (b) => readJob(b));
    if (!job) return;
    if (!(await service.create(job))) return sendJson(r.res, 409, { message: 'Job with this id already exists' });
    sendJson(r.res, 201, jobJson(job));
  });

  on('GET', '/v1/jobs/:jobId', (r) => {
    const id = jobIdParam(r);
    if (!id) return;
    const embeds = embedsParam(r);
    if (!embeds) return;
    const job = service.jobs.get(id);
    if (!job) return jobNotFound(r, id);
    sendJson(r.res, 200, jobInfoJson(job, embeds, runs.runsOf(id), runs.history(id), false));
  });

  on('PUT', '/v1/jobs/:jobId', async (r) => {
    const id = jobIdParam(r);
    if (!id) return;
    const job = await validBody(r, (b) => readJob(b));
    if (!job) return;
    const updated = await service.update(id, job);
    if (!updated) return jobNotFound(r, id);
    sendJson(r.res, 200, jobJson(updated));
  });

  on('DELETE', '/v1/jobs/:jobId', async (r) => {
    const id = jobIdParam(r);
    if (!id) return;
    const raw = r.query.get('stopCurrentJobRuns') ?? 'false';
    const stop = { true: true, false: false, '1': true, '0': false }[raw];
    if (stop === undefined) return clientError(r, 400, 'Cannot parse parameter stopCurrentJobRuns as Boolean: should be true, false, 0 or 1');
    const result = await service.delete(id, stop);
    if (result === 'missing') return jobNotFound(r, id);
    if (result === 'active') return sendJson(r.res, 409, { message: 'There are active job runs. Override with stopCurrentJobRuns=true' });
    sendJson(r.res, 200, jobJson(result));
  });

  // ---- schedules ----
  const withJob = (handler: (r: Request, job: JobSpec) => void | Promise<void>) => async (r: Request) => {
    const id = jobIdParam(r);
    if (!id) return;
    const job = service.jobs.get(id);
    if (!job) return jobNotFound(r, id);
    await handler(r, job);
  };

  on('GET', '/v1/jobs/:jobId/schedules', withJob((r, job) => sendJson(r.res, 200, job.schedules.map((s) => scheduleJson(s)))));

  on('GET', '/v1/jobs/:jobId/schedules/:scheduleId', withJob((r, job) => {
    const s = job.schedules.find((x) => x.id === r.params.scheduleId);
    if (!s) return scheduleNotFound(r, r.params.scheduleId!);
    sendJson(r.res, 200, scheduleJson(s));
  }));

  on('POST', '/v1/jobs/:jobId/schedules', async (r) => {
    const id = jobIdParam(r);
    if (!id) return;
    const schedule = await validBody(r, readSchedule);
    if (!schedule) return;
    if (!service.jobs.has(id)) return jobNotFound(r, id);
    const conflict = await service.addSchedule(id, schedule);
    if (conflict) return sendJson(r.res, 409, { message: conflict });
    sendJson(r.res, 201, scheduleJson(schedule));
  });

  on('PUT', '/v1/jobs/:jobId/schedules/:scheduleId', async (r) => {
    const id = jobIdParam(r);
    if (!id) return;
    const schedule = await validBody(r, readSchedule);
    if (!schedule) return;
    if (!service.jobs.has(id)) return jobNotFound(r, id);
    const updated = await service.updateSchedule(id, r.params.scheduleId!, schedule);
    if (!updated) return scheduleNotFound(r, r.params.scheduleId!);
    sendJson(r.res, 200, scheduleJson(updated));
  });

  on('DELETE', '/v1/jobs/:jobId/schedules/:scheduleId', withJob(async (r, job) => {
    if (!(await service.deleteSchedule(job.id, r.params.scheduleId!))) return scheduleNotFound(r, r.params.scheduleId!);
    sendEmpty(r.res, 200);
  }));

  // ---- runs ----
  on('GET', '/v1/jobs/:jobId/runs', withJob((r, job) => sendJson(r.res, 200, runs.runsOf(job.id).map(runJson))));

  on('POST', '/v1/jobs/:jobId/runs', withJob(async (r, job) => {
    await r.body(); // ignored, whatever it is
    sendJson(r.res, 201, runJson(runs.start(job)));
  }));

  on('GET', '/v1/jobs/:jobId/runs/:runId', (r) => {
    const id = jobIdParam(r);
    if (!id) return;
    // no check that the job exists: an unknown job is a run not found
    const run = runs.get(id, r.params.runId!);
    if (!run) return runNotFound(r, id, r.params.runId!);
    sendJson(r.res, 200, runJson(run));
  });

  on('POST', '/v1/jobs/:jobId/runs/:runId/actions/stop', withJob(async (r, job) => {
    const run = await runs.stop(job.id, r.params.runId!);
    if (!run) return runNotFound(r, job.id, r.params.runId!);
    sendJson(r.res, 200, runJson(run));
  }));

  // ---- v0 ----
  on('POST', '/v0/scheduled-jobs', async (r) => {
    const job = await validBody(r, (b) => readJob(b, 'v0'));
    if (!job) return;
    if (!(await service.create(job))) return sendJson(r.res, 409, { message: 'Job with this id already exists' });
    sendJson(r.res, 201, jobV0Json(job));
  });

  on('PUT', '/v0/scheduled-jobs/:jobId', async (r) => {
    const id = jobIdParam(r);
    if (!id) return;
    const job = await validBody(r, (b) => readJob(b, 'v0'));
    if (!job) return;
    const updated = await service.replaceWithSchedules(id, job);
    if (!updated) return jobNotFound(r, id);
    sendJson(r.res, 200, jobV0Json(updated));
  });

  return router;
}

/** Paths served by a non-leader too (LeaderProxyFilter's exceptions). */
const ALWAYS_LOCAL = new Set(['/ping', '/v1/metrics']);

export function createHttpServer(ctx: ApiContext): http.Server {
  const listener = createRouter(ctx).listener();
  return http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!ALWAYS_LOCAL.has(path) && !ctx.isLeader()) {
      // a single instance has no leader to proxy to
      req.resume();
      return sendText(res, 503, 'No consistent leadership');
    }
    listener(req, res);
  });
}
