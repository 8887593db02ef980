// Client libraries written by other people against the REAL Mesos and Marathon
// APIs, run unchanged against the emulated cluster: `mesos-framework` (tobilg,
// v1 HTTP Scheduler API) as a scheduler on the leading master, `marathon-node`
// (Marathon REST API and event stream) on Marathon. Each is used as its README
// documents; where a library itself misreads the real API, the workaround is
// here, with the reason, and the emulator stays as the real systems are.
// Host traffic goes to 127.0.0.1 only (published ports). With
// MESOS_UP_TEST_IMAGES=official the cluster runs the official images instead.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterInfo } from '../../src/lifecycle/describe.js';
import { cli, json } from '../support/cli.js';
import { eventually, officialImagesMissing, TEST_IMAGES } from './harness.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

// Both are CommonJS without type declarations.
const require = createRequire(import.meta.url);
const { Scheduler, Mesos } = require('mesos-framework') as { Scheduler: Json; Mesos: Json };
const marathonNode = require('marathon-node') as (url: string, opts?: Json) => Json;

const NAME = 'tp-clients';
let cluster: ClusterInfo;

async function getJson(url: string): Promise<Json> {
  // (30 s per request only guards against a hang)
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return res.json();
}

beforeAll(async () => {
  await cli(['down', '--name', NAME]); // a cluster a killed earlier run left behind
  const r = await cli(['up', '--name', NAME, '--images', TEST_IMAGES.flavour, '--json']);
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  cluster = json<ClusterInfo>(r);
  expect(cluster.masterUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(cluster.marathonUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});

afterAll(async () => {
  const r = await cli(['down', '--name', NAME]);
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
});

// (when every test of the file is skipped, vitest runs none of its hooks either: no cluster starts)
describe.skipIf(officialImagesMissing)('mesos-framework (v1 HTTP scheduler API)', () => {
  it('subscribes, launches command tasks from an offer, sees them run, finish and be killed, reconciles, tears down', async () => {
    const masterPort = Number(new URL(cluster.masterUrl!).port);
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'mesos-up-mesos-framework-'));
    const frameworkName = `tp-clients-mf-${process.pid}`;
    const mesos = Mesos.getMesos();
    const scheduler = new Scheduler({
      // The leading master itself, by its published port: no ZooKeeper (useZk is
      // off by default) and no Mesos DNS, so no request leaves 127.0.0.1.
      masterUrl: '127.0.0.1',
      port: masterPort,
      frameworkName,
      // Its default (10 s) is shorter than the 15 s heartbeat a 1.7 master sends;
      // on that timeout the library probes the master and may process.exit(1).
      masterConnectionTimeout: 120,
      // The library always logs to a file too (default ./logs, which must exist).
      logging: { path: logDir, fileName: 'mesos-framework.log', level: 'info' },
      tasks: {
        hello: {
          instances: 1,
          // CommandInfo(uris, environment, shell, value, arguments, user), as its README builds one
          commandInfo: new mesos.CommandInfo(null, null, true, 'echo hi; sleep 1', null, null),
          resources: { cpus: 0.1, mem: 32, ports: 1, disk: 0 },
        },
        sleeper: {
          instances: 1,
          commandInfo: new mesos.CommandInfo(null, null, true, 'sleep 300', null, null),
          resources: { cpus: 0.1, mem: 32, ports: 0, disk: 0 },
        },
      },
    });
    scheduler.logger.transports.console.silent = true; // the file keeps everything
    // A connection per request, as Node's default agent gave before Node 19. The
    // library puts a 'timeout' listener on each subscription's socket and never
    // removes it; with today's keep-alive global agent the socket goes back to
    // the pool, its 5 s idle timeout fires that listener, and the library then
    // opens a "redirect probe" with no error handler (an uncaught 'socket hang
    // up' later) that calls process.exit(1) when it gets no answer.
    scheduler.requestTemplate.agent = false;

    const seen: string[] = [];
    const updates: Json[] = [];
    const errors: string[] = [];
    let subscribed: Json;
    let offers = 0;
    let removedAfterTeardown = false;
    const on = (event: string, fn: (x: Json) => void = () => undefined) =>
      scheduler.on(event, (x: Json) => {
        seen.push(event);
        fn(x);
      });
    on('subscribed', (x) => (subscribed = x));
    on('offers', (x) => (offers += x.offers.length));
    on('update', (x) => updates.push(x.status));
    on('sent_accept');
    on('sent_acknowledge');
    on('sent_kill');
    on('sent_reconcile');
    on('sent_teardown');
    on('error', (e) => {
      const message = String(e?.message ?? e);
      errors.push(message);
      if (message.includes('Framework has been removed')) {
        removedAfterTeardown = true;
        // The library has no stop(): after its stream ends it re-subscribes
        // forever (its README example calls process.exit after TEARDOWN). Its
        // re-subscription of the torn-down id was just refused, as a real master
        // refuses it; end the loop here.
        scheduler.subscribe = () => undefined;
      }
    });
    const logTail = () =>
      readdirSync(logDir)
        .map((f) => readFileSync(path.join(logDir, f), 'utf8').split('\n').slice(-40).join('\n'))
        .join('\n');
    const diagnose = () => `events: ${seen.join(', ')}\nerrors: ${errors.join(' | ')}\nits log:\n${logTail()}`;

    try {
      // "Every scheduler.subscribe() call should be wrapped by an event handle reacting to [ready]"
      scheduler.on('ready', () => scheduler.subscribe());

      const frameworkId = await eventually('the SUBSCRIBED event', async () => subscribed?.frameworkId as string | undefined, 60_000);
      expect(subscribed.mesosStreamId, diagnose()).toMatch(/^[0-9a-f-]{36}$/);
      expect(scheduler.frameworkId).toBe(frameworkId);

      const of = (name: string) => (st: Json) => String(st.task_id?.value).startsWith(`${frameworkName}.${name}-1.`);
      const update = (what: string, pred: (st: Json) => boolean, timeoutMs = 60_000) =>
        eventually(what, async () => updates.find(pred), timeoutMs).catch((err: Error) => {
          throw new Error(`${err.message}\n${diagnose()}`);
        });

      // Both tasks came from offers the library matched and accepted itself.
      const finished = await update('hello: TASK_FINISHED', (st) => of('hello')(st) && st.state === 'TASK_FINISHED');
      const sleeping = await update('sleeper: TASK_RUNNING', (st) => of('sleeper')(st) && st.state === 'TASK_RUNNING');
      expect(offers).toBeGreaterThanOrEqual(1);
      expect(seen).toEqual(expect.arrayContaining(['sent_accept']));

      const states = updates.filter(of('hello')).map((st) => st.state as string);
      expect(states, diagnose()).toEqual(expect.arrayContaining(['TASK_RUNNING']));
      expect(states.indexOf('TASK_RUNNING')).toBeLessThan(states.indexOf('TASK_FINISHED'));
      expect(states.filter((st) => !['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'].includes(st)), diagnose()).toEqual([]);
      expect(finished.message).toBe('Command exited with status 0');
      expect(finished.source).toBe('SOURCE_EXECUTOR');
      expect(typeof finished.uuid).toBe('string'); // what the library acknowledges with
      const taskId = finished.task_id.value as string;
      const agentId = finished.agent_id.value as string;
      expect(sleeping.agent_id.value).toBe(agentId);

      // KILL, as the library sends it (task and agent id).
      const sleeperId = sleeping.task_id.value as string;
      scheduler.kill(sleeperId, agentId);
      const killed = await update('sleeper: TASK_KILLED', (st) => of('sleeper')(st) && st.state === 'TASK_KILLED');
      expect(killed.source).toBe('SOURCE_EXECUTOR');
      // Neither TASK_FINISHED nor TASK_KILLED is among its restartStates: it dropped both and relaunches nothing.
      await eventually('the library to drop its tasks', async () => scheduler.launchedTasks.length === 0, 60_000);
      expect(scheduler.pendingTasks).toEqual([]);

      // The library acknowledged every update: a terminal task leaves the
      // master's active tasks once its terminal update is acknowledged.
      const fwState = await eventually(
        'both acknowledged tasks among completed_tasks',
        async () => {
          const body = await getJson(`${cluster.masterUrl}/master/frameworks?framework_id=${frameworkId}`);
          const fw = body.frameworks?.[0];
          const done = new Set((fw?.completed_tasks ?? []).map((t: Json) => t.id));
          return done.has(taskId) && done.has(sleeperId) ? fw : undefined;
        },
        60_000,
      );
      expect(fwState.name).toBe(frameworkName);
      expect(fwState.tasks).toEqual([]);
      expect(fwState.completed_tasks.find((t: Json) => t.id === taskId).state).toBe('TASK_FINISHED');
      expect(fwState.completed_tasks.find((t: Json) => t.id === sleeperId).state).toBe('TASK_KILLED');
      // (sent_acknowledge comes with the 202, which can trail the master's books)
      const withUuid = updates.filter((st) => st.uuid !== undefined).length;
      await eventually('an acknowledgement per update', async () => seen.filter((e) => e === 'sent_acknowledge').length === withUuid, 60_000);

      // Explicit reconciliation of a task the master no longer knows, on a
      // registered agent, for a framework without PARTITION_AWARE: TASK_LOST.
      scheduler.reconcile(taskId, agentId);
      const reconciled = await update('the reconciliation update', (st) => of('hello')(st) && st.reason === 'REASON_RECONCILIATION');
      expect(reconciled.state).toBe('TASK_LOST');
      expect(reconciled.source).toBe('SOURCE_MASTER');
      expect(reconciled.message).toBe('Reconciliation: Task is unknown to the agent');
      expect(reconciled.uuid).toBeUndefined(); // nothing to acknowledge
      expect(seen).toEqual(expect.arrayContaining(['sent_reconcile']));

      scheduler.teardown();
      await eventually('sent_teardown', async () => seen.includes('sent_teardown'), 60_000);
      await eventually(
        'the framework among completed_frameworks',
        async () => {
          const body = await getJson(`${cluster.masterUrl}/master/frameworks`);
          return body.completed_frameworks?.some((f: Json) => f.id === frameworkId) && !body.frameworks.some((f: Json) => f.id === frameworkId);
        },
        60_000,
      );
      // The master closed the stream; the library re-subscribed with its id and was refused.
      await eventually('the refused re-subscription', async () => removedAfterTeardown, 60_000);
      // It never followed a redirect away from 127.0.0.1.
      expect(scheduler.options.masterUrl).toBe('127.0.0.1');
      expect(Number(scheduler.options.port)).toBe(masterPort);
    } finally {
      scheduler.subscribe = () => undefined;
      scheduler.httpRequest?.destroy?.();
      scheduler.logger.close();
      rmSync(logDir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(officialImagesMissing)('marathon-node (Marathon REST API)', () => {
  it('creates, reads, lists, versions, restarts and destroys an app', async () => {
    // request@2 (under marathon-node) would otherwise honour HTTP(S)_PROXY.
    const marathon = marathonNode(cluster.marathonUrl!, { proxy: null });
    const appId = '/tp-clients/sleeper';
    const statusEvents: Json[] = [];
    // The event bus, as its README shows (eventsource; filtered server-side by event_type).
    const es = marathon.events.createEventSource({ eventType: ['status_update_event'] });
    es.addEventListener('status_update_event', (e: Json) => statusEvents.push(JSON.parse(e.data)));
    await new Promise<void>((resolve, reject) => {
      es.onopen = () => resolve();
      es.onerror = (e: Json) => reject(new Error(`event stream: ${JSON.stringify(e)}`));
    });
    es.onerror = () => undefined; // it reconnects by itself; the assertions below tell if events went missing

    try {
      const info = await marathon.info.get();
      expect(info.name).toBe('marathon');
      expect(info.version).toBe('1.7.50');
      expect(info.elected).toBe(true);
      expect(info.frameworkId).toBe(cluster.marathon?.frameworkId);
      expect(await marathon.misc.ping()).toBe('pong');

      const created = await marathon.apps.create({ id: appId, cmd: 'sleep 3600', cpus: 0.1, mem: 32, instances: 1 });
      expect(created.id).toBe(appId);
      expect(created.cmd).toBe('sleep 3600');
      expect(created.instances).toBe(1);
      expect(created.version).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(created.deployments, JSON.stringify(created.deployments)).toHaveLength(1);
      expect(created.tasks).toEqual([]);

      const { app } = await marathon.apps.getOne(appId);
      expect(app.id).toBe(appId);
      expect(app.mem).toBe(32);
      expect(app.version).toBe(created.version);
      expect(app.versionInfo.lastConfigChangeAt).toBe(created.version);
      expect(app.portDefinitions, JSON.stringify(app.portDefinitions)).toHaveLength(1);

      const { apps } = await marathon.apps.getList();
      expect(apps.map((a: Json) => a.id)).toEqual(expect.arrayContaining([appId]));
      const filtered = await marathon.apps.getList({ id: 'tp-clients' });
      expect(filtered.apps.map((a: Json) => a.id)).toEqual([appId]);

      const { versions } = await marathon.apps.getVersions(appId);
      expect(versions).toEqual([created.version]);
      const atVersion = await marathon.apps.getVersion(appId, created.version);
      expect(atVersion.id).toBe(appId);
      expect(atVersion.cmd).toBe('sleep 3600');

      const running = await eventually(
        'a TASK_RUNNING task',
        async () => {
          const { tasks } = await marathon.apps.getTasks(appId);
          return tasks.length === 1 && tasks[0].state === 'TASK_RUNNING' ? tasks[0] : undefined;
        },
        60_000,
        500,
      );
      expect(running.appId).toBe(appId);
      expect(running.id).toMatch(/^tp-clients_sleeper\./);
      expect(running.ports, JSON.stringify(running.ports)).toHaveLength(1);
      const { slaves } = await getJson(`${cluster.masterUrl}/master/slaves`);
      expect(running.slaveId).toBe(slaves[0].id);
      expect(running.host).toBe(slaves[0].hostname);
      expect(running.startedAt).toMatch(/Z$/);
      const all = await marathon.tasks.getList();
      const listed = all.tasks.find((t: Json) => t.id === running.id);
      expect(listed.state).toBe('TASK_RUNNING');
      expect(listed.servicePorts).toEqual(app.portDefinitions.map((p: Json) => p.port));
      await eventually('its status_update_event', async () => statusEvents.some((e) => e.taskId === running.id && e.taskStatus === 'TASK_RUNNING'), 60_000);
      await eventually('the deployment to finish', async () => ((await marathon.deployments.getList()).length === 0 ? true : undefined), 60_000, 500);

      const restarted = await marathon.apps.restart(appId);
      expect(restarted.deploymentId).toMatch(/^[0-9a-f-]{36}$/);
      expect(restarted.version > created.version).toBe(true);
      const replacement = await eventually(
        'the replacement task',
        async () => {
          const { tasks } = await marathon.apps.getTasks(appId);
          const deployments = await marathon.deployments.getList();
          return tasks.length === 1 && tasks[0].id !== running.id && tasks[0].state === 'TASK_RUNNING' && deployments.length === 0 ? tasks[0] : undefined;
        },
        60_000,
        500,
      );
      expect(replacement.version).toBe(restarted.version);
      // Marathon lists versions in storage order, not sorted.
      expect([...(await marathon.apps.getVersions(appId)).versions].sort()).toEqual([created.version, restarted.version]);
      await eventually('the old task\'s TASK_KILLED event', async () => statusEvents.some((e) => e.taskId === running.id && e.taskStatus === 'TASK_KILLED'), 60_000);

      const destroyed = await marathon.apps.destroy(appId);
      expect(destroyed.deploymentId).toMatch(/^[0-9a-f-]{36}$/);
      const gone = await eventually(
        'the app to be gone',
        async () =>
          marathon.apps.getOne(appId).then(
            () => undefined,
            (err: Json) => err,
          ),
        60_000,
        500,
      );
      // request-promise's StatusCodeError: the status and the parsed JSON body
      expect(gone.statusCode).toBe(404);
      expect(gone.error).toEqual({ message: `App '${appId}' does not exist` });
      const left = (await marathon.apps.getList()).apps.map((a: Json) => a.id);
      expect(left, JSON.stringify(left)).not.toContain(appId);
      await eventually('no tasks left', async () => ((await marathon.tasks.getList()).tasks.length === 0 ? true : undefined), 60_000, 500);
    } finally {
      es.close();
      await marathon.apps.destroy(appId, true).catch(() => undefined);
    }
  });
  it('deploys, reads, scales, reorders by dependencies, rolls back and destroys a group of dependent apps', async () => {
    const marathon = marathonNode(cluster.marathonUrl!, { proxy: null });
    const groupId = '/tp-group';
    const name = 'tp-group'; // marathon-node puts it after /v2/groups/
    const app = { cmd: 'sleep 3600', cpus: 0.05, mem: 16, instances: 1 };
    try {
      const created = await marathon.groups.create({ id: groupId, apps: [{ id: 'api', ...app }, { id: 'worker', ...app, dependencies: ['api'] }] });
      expect(created.deploymentId).toMatch(/^[0-9a-f-]{36}$/);
      const group = await marathon.groups.getOne(name);
      expect(group.id).toBe(groupId);
      expect(group.version).toBe(created.version);
      // 1.7's app writer leaves out an empty dependencies list.
      expect(group.apps.map((a: Json) => [a.id, a.dependencies])).toEqual([[`${groupId}/api`, undefined], [`${groupId}/worker`, [`${groupId}/api`]]]);
      // The dependency is started first, then the app that needs it.
      await eventually('both running, deployment done', async () => {
        const { tasks } = await marathon.tasks.getList();
        const ours = tasks.filter((t: Json) => t.appId.startsWith(`${groupId}/`) && t.state === 'TASK_RUNNING');
        return ours.length === 2 && (await marathon.deployments.getList()).length === 0 ? true : undefined;
      }, 60_000, 500);
      // worker is launched only once api runs: its step waits for api's.
      const { tasks } = await marathon.tasks.getList();
      const task = (id: string) => tasks.find((t: Json) => t.appId === `${groupId}/${id}`);
      expect(task('api').startedAt <= task('worker').stagedAt, JSON.stringify([task('api'), task('worker')])).toBe(true);

      const scaled = await marathon.groups.update(name, { scaleBy: 2 });
      expect(scaled.version > created.version).toBe(true);
      const after = await marathon.groups.getOne(name);
      expect(after.apps.map((a: Json) => a.instances)).toEqual([2, 2]);
      await eventually('scaled', async () => ((await marathon.deployments.getList()).length === 0 ? true : undefined), 60_000, 500);

      // an update that turns the dependency around: api now waits for worker (a new config restarts both, worker's step first)
      const reordered = await marathon.groups.update(name, { id: groupId, apps: [{ id: 'api', ...app, instances: 2, dependencies: ['worker'] }, { id: 'worker', ...app, instances: 2 }] });
      const plan = (await marathon.deployments.getList()).find((d: Json) => d.id === reordered.deploymentId);
      if (plan) expect(plan.steps.map((s: Json) => s.actions.map((a: Json) => a.app))).toEqual([[`${groupId}/worker`], [`${groupId}/api`]]);
      await eventually('reordered', async () => ((await marathon.deployments.getList()).length === 0 ? true : undefined), 60_000, 500);
      expect((await marathon.groups.getOne(name)).apps.map((a: Json) => [a.id, a.dependencies])).toEqual([[`${groupId}/api`, [`${groupId}/worker`]], [`${groupId}/worker`, undefined]]);

      // rollback to the first version: one instance each, worker depending on api again
      const rolled = await marathon.groups.update(name, { version: created.version });
      expect(rolled.deploymentId).toMatch(/^[0-9a-f-]{36}$/);
      const back = await marathon.groups.getOne(name);
      expect(back.apps.map((a: Json) => [a.id, a.instances, a.dependencies])).toEqual([[`${groupId}/api`, 1, undefined], [`${groupId}/worker`, 1, [`${groupId}/api`]]]);

      const destroyed = await marathon.groups.destroy(name, true);
      expect(destroyed.deploymentId).toMatch(/^[0-9a-f-]{36}$/);
      const gone = await marathon.groups.getOne(name).then(() => undefined, (err: Json) => err);
      expect(gone.statusCode).toBe(404);
      expect(gone.error).toEqual({ message: `Group '${groupId}' does not exist` });
      await eventually('its tasks gone', async () => ((await marathon.tasks.getList()).tasks.some((t: Json) => t.appId.startsWith(`${groupId}/`)) ? undefined : true), 60_000, 500);
    } finally {
      await marathon.groups.destroy(name, true).catch(() => undefined);
    }
  });
});
