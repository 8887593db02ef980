// `mesos-up job …`: Metronome jobs (the Metronome add-on) from the command line.
import type { Command } from 'commander';
import { MesosUpError } from '../errors.js';
import type { Job, JobInfo, JobRun, Schedule } from '../metronome/types.js';
import type { MetronomeClient } from '../metronome/client.js';
import { deadlineOf, num, out } from './app-commands.js';
import { table } from './format.js';
import { action, clusterNameFrom, interruptSignal } from './run.js';

// Loaded when a command runs, not for --help (see deferred.ts).
const load = () => import('./deferred.js');

interface Target {
  name?: string;
  config?: string;
  metronome?: string;
  json?: boolean;
}

/** --metronome URL, else the cluster named by --name, else $METRONOME_URL, else the default cluster. */
async function resolve(opts: Target): Promise<MetronomeClient> {
  const { MetronomeClient, clusterView, connectEngine, describeView } = await load();
  const url = opts.metronome ?? (opts.name ? undefined : process.env.METRONOME_URL);
  if (url) return new MetronomeClient(url);
  const info = await describeView(await clusterView(await connectEngine(), clusterNameFrom(opts)), { probe: false });
  if (!info.metronome?.url || info.metronome.state !== 'running') {
    throw new MesosUpError('NOT_FOUND', `Cluster ${info.name} has no running Metronome`, {
      hint: info.metronome ? `mesos-up logs metronome --name ${info.name}` : `start it with the add-on: mesos-up up --addons metronome${info.name === 'demo' ? '' : ` --name ${info.name}`} (or addons: { metronome: {} } in cluster.yaml)`,
    });
  }
  return new MetronomeClient(info.metronome.url);
}

const targetOptions = (cmd: Command) =>
  cmd
    .option('-n, --name <name>', 'cluster name (default: $METRONOME_URL, else name in cluster.yaml, else demo)')
    .option('--metronome <url>', 'talk to this Metronome instead of a mesos-up cluster')
    .option('--json', 'print JSON');

const isNotFound = (err: unknown) => (err as { status?: number }).status === 404;

/** A run's end: active while listed under runs, then in the history's successful or failed runs. */
async function waitForRun(client: MetronomeClient, jobId: string, runId: string, deadline: number, signal: AbortSignal): Promise<'SUCCESS' | 'FAILED'> {
  const { sleep } = await load();
  for (;;) {
    if (signal.aborted) throw new MesosUpError('INTERRUPTED', 'interrupted');
    const job = await client.getJob(jobId, ['activeRuns', 'history']);
    if (!job.activeRuns?.some((r) => r.id === runId)) {
      if (job.history?.successfulFinishedRuns.some((r) => r.id === runId)) return 'SUCCESS';
      if (job.history?.failedFinishedRuns.some((r) => r.id === runId)) return 'FAILED';
    }
    if (Date.now() > deadline) {
      const run = job.activeRuns?.find((r) => r.id === runId);
      throw new MesosUpError('DEADLINE', `Run ${runId} of job ${jobId} has not finished (${run ? `${run.status}, tasks ${run.tasks.map((t) => t.status).join(', ') || 'none yet'}` : 'not found'})`, {
        hint: `mesos-up job show ${jobId}; raise --timeout`,
      });
    }
    await sleep(500, signal);
  }
}

export function registerJobCommands(program: Command): void {
  const job = program.command('job').description('Metronome jobs (the Metronome add-on): deploy, run, list, show, history, destroy');

  targetOptions(
    job
      .command('deploy [file]')
      .description('create or replace a job from a JSON/YAML file (Metronome\'s job format; "schedules" allowed) and/or flags')
      .option('--id <id>', 'job id (lower-case letters, digits, - and .)')
      .option('--cmd <cmd>', 'command to run (sh -c)')
      .option('--cpus <n>', 'CPUs per run (default 0.1 with --cmd)', num('--cpus'))
      .option('--mem <mb>', 'memory per run, MB (default 32 with --cmd)', num('--mem'))
      .option('--disk <mb>', 'disk per run, MB (default 0)', num('--disk'))
      .option('--image <image>', 'run in this Docker image')
      .option('--schedule <cron>', 'run it on this cron schedule (5 fields, e.g. "*/5 * * * *")')
      .option('--tz <zone>', 'the schedule\'s time zone (default UTC)'),
  ).action(
    action(async (file: string | undefined, opts: Target & { id?: string; cmd?: string; cpus?: number; mem?: number; disk?: number; image?: string; schedule?: string; tz?: string }) => {
      const { readAppDocument, jobFromFlags } = await load();
      const doc = { ...(file ? readAppDocument(file) : {}) } as Partial<Job> & { schedules?: Schedule[] };
      const def = jobFromFlags(doc, opts);
      const client = await resolve(opts);
      let exists = true;
      try {
        await client.getJob(def.id);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        exists = false;
      }
      let saved: JobInfo;
      if (def.schedules) saved = exists ? await client.updateScheduledJob(def as Job & { schedules: Schedule[] }) : await client.createScheduledJob(def as Job & { schedules: Schedule[] });
      else saved = exists ? await client.updateJob(def) : await client.createJob(def);
      const result = { id: saved.id, action: exists ? 'updated' : 'created', job: saved };
      out(opts.json, result, () =>
        [`Job ${saved.id} ${result.action}`, ...(saved.schedules ?? []).map((s) => `  schedule ${s.id}: ${s.cron} (${s.timezone ?? 'UTC'})${s.enabled === false ? ', disabled' : ''}, next run ${s.nextRunAt ?? '-'}`)].join('\n'),
      );
    }),
  );

  targetOptions(
    job
      .command('run <id>')
      .description('start a run of a job now')
      .option('--wait', 'block until the run ends; exit 1 when it failed')
      .option('--timeout <duration>', 'deadline for --wait (default 5m)'),
  ).action(
    action(async (id: string, opts: Target & { wait?: boolean; timeout?: string }) => {
      const client = await resolve(opts);
      const run = await client.startRun(id);
      const result: { id: string; jobId: string; status: string; createdAt: string } = { id: run.id, jobId: run.jobId, status: run.status, createdAt: run.createdAt };
      if (opts.wait) {
        const interrupt = interruptSignal();
        try {
          result.status = await waitForRun(client, id, run.id, deadlineOf(opts.timeout, 300_000), interrupt.signal);
        } finally {
          interrupt.dispose();
        }
      }
      out(opts.json, result, () => `Run ${run.id} of job ${id}: ${result.status}`);
      if (result.status === 'FAILED') process.exitCode = 1;
    }),
  );

  targetOptions(job.command('list').description('list the jobs, their schedules and how their runs went')).action(
    action(async (opts: Target) => {
      const client = await resolve(opts);
      const jobs = (await client.listJobs(['activeRuns', 'schedules', 'historySummary'])).sort((a, b) => a.id.localeCompare(b.id));
      out(opts.json, { jobs }, () =>
        jobs.length === 0
          ? 'No jobs.'
          : table([
              ['ID', 'SCHEDULE', 'NEXT RUN', 'ACTIVE', 'SUCCEEDED', 'FAILED', 'LAST SUCCESS'],
              ...jobs.map((j) => {
                const s = j.schedules?.[0];
                return [j.id, s ? `${s.cron} ${s.timezone ?? 'UTC'}` : '-', s?.nextRunAt ?? '-', String(j.activeRuns?.length ?? 0), String(j.historySummary?.successCount ?? 0), String(j.historySummary?.failureCount ?? 0), j.historySummary?.lastSuccessAt ?? '-'];
              }),
            ]),
      );
    }),
  );

  targetOptions(job.command('show <id>').description('print a job with its schedules, active runs and history summary as JSON')).action(
    action(async (id: string, opts: Target) => {
      const client = await resolve(opts);
      process.stdout.write(`${JSON.stringify(await client.getJob(id, ['schedules', 'activeRuns', 'historySummary']), null, 2)}\n`);
    }),
  );

  targetOptions(job.command('history <id>').description('the finished runs of a job, newest first')).action(
    action(async (id: string, opts: Target) => {
      const client = await resolve(opts);
      const info = await client.getJob(id, ['history', 'activeRuns']);
      const h = info.history!;
      const runs = [
        ...h.successfulFinishedRuns.map((r) => ({ ...r, status: 'SUCCESS' as const })),
        ...h.failedFinishedRuns.map((r) => ({ ...r, status: 'FAILED' as const })),
      ].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      const active: JobRun[] = info.activeRuns ?? [];
      out(opts.json, { id, successCount: h.successCount, failureCount: h.failureCount, lastSuccessAt: h.lastSuccessAt, lastFailureAt: h.lastFailureAt, active, runs }, () =>
        [
          `Job ${id}: ${h.successCount} succeeded, ${h.failureCount} failed${active.length ? `, ${active.length} running` : ''}`,
          ...(runs.length ? [table([['  RUN', 'STATUS', 'STARTED', 'FINISHED'], ...runs.map((r) => [`  ${r.id}`, r.status, r.createdAt, r.finishedAt])])] : []),
          ...active.map((r) => `  ${r.id} ${r.status} (since ${r.createdAt})`),
        ].join('\n'),
      );
    }),
  );

  targetOptions(job.command('destroy <id>').description('remove a job, stopping its active runs')).action(
    action(async (id: string, opts: Target) => {
      const client = await resolve(opts);
      await client.deleteJob(id, true);
      out(opts.json, { id, action: 'destroyed' }, () => `Job ${id} destroyed`);
    }),
  );
}
