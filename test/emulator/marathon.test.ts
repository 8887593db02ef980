// Contract tests of the emulated Marathon (1.7 API). First Marathon alone with
// ZooKeeper (no Mesos master yet): flags, /ping, /v2/info, the app CRUD with
// its exact bodies and error bodies, versions, deployments, queue, groups,
// SSE, the ZooKeeper layout and persistence across a restart. Then a master
// and an agent join and a task really runs: TASK_RUNNING via the API and the
// event stream, a TCP connection to it through the agent's published port,
// a replacement with a new id after it exits, health checks, and deletion.
// With MESOS_UP_TEST_IMAGES=official the same tests run against the official images.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Zk } from '../../emulator/src/common/zk.js';
import { eventually, officialImagesMissing, TEST_IMAGES, TestNet, type TestContainer } from './harness.js';
import { EventStream } from '../support/sse.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

interface Res {
  status: number;
  body: Json;
  text: string;
  headers: Headers;
}

async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const res = await fetch(url, {
    method,
    redirect: 'manual',
    headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000), // only guards against a hang
  });
  const text = await res.text();
  let parsed: Json = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

/** Connects through a published port and reads the first line the task sends. */
function readLine(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let data = '';
    sock.setTimeout(3000, () => sock.destroy(new Error('timeout')));
    sock.on('data', (c) => {
      data += c.toString();
      if (data.includes('\n')) {
        sock.destroy();
        resolve(data.trim());
      }
    });
    sock.on('end', () => reject(new Error(`closed after ${JSON.stringify(data)}`)));
    sock.on('error', reject);
  });
}

// The app fields Marathon 1.7 writes for a plain command app (RAML writer rules).
const APP_KEYS = [
  'id', 'backoffFactor', 'backoffSeconds', 'cmd', 'cpus', 'disk', 'executor', 'instances', 'labels', 'maxLaunchDelaySeconds',
  'mem', 'gpus', 'networks', 'portDefinitions', 'requirePorts', 'upgradeStrategy', 'version', 'versionInfo', 'killSelection',
  'unreachableStrategy',
];

describe.skipIf(officialImagesMissing)(`${TEST_IMAGES.flavour} Marathon`, () => {
  let tnet: TestNet;
  let zk: TestContainer;
  let marathon: TestContainer;
  let m: string;
  let zkClient: Zk | undefined;

  beforeAll(async () => {
    tnet = await TestNet.create('marathon');
    zk = await tnet.run({ name: 'zk', target: 'zookeeper', publish: [2181] });
    marathon = await tnet.run({
      name: 'marathon',
      target: 'marathon',
      cmd: ['--master', `zk://${zk.ip}:2181/mesos`, '--zk', `zk://${zk.ip}:2181/marathon`, '--decline_offer_duration', '5000'],
      publish: [8080],
    });
    m = marathon.url(8080);
    await eventually('Marathon answers /ping', async () => (await call('GET', `${m}/ping`)).status === 200, 60_000, 500);
  });

  afterAll(async () => {
    zkClient?.close();
    if (process.env.MESOS_UP_TEST_LOGS) console.log(await marathon?.logs());
    await tnet?.cleanup();
  });

  describe('without a Mesos master', () => {
    it('refuses to start without --master, like Scallop', async () => {
      const bad = await tnet.run({ name: 'nomaster', target: 'marathon', cmd: ['--zk', `zk://${zk.ip}:2181/other`] });
      const { StatusCode } = (await tnet.docker.getContainer(bad.id).wait()) as { StatusCode: number };
      expect(StatusCode).toBe(1);
      expect(await bad.logs()).toContain("Required option 'master' not found");
    });

    it('answers /ping with content negotiation', async () => {
      const plain = await call('GET', `${m}/ping`);
      expect(plain.text).toBe('pong');
      expect(plain.headers.get('content-type')).toMatch(/^text\/plain/);
      const asJson = await call('GET', `${m}/ping`, undefined, { Accept: 'application/json' });
      expect(asJson.body).toBe('pong');
      expect(asJson.headers.get('content-type')).toMatch(/^application\/json/);
      expect(plain.headers.get('x-marathon-leader')).toBe(`http://${marathon.ip}:8080`);
    });

    it('serves /v2/plugins with no plugins loaded (the Marathon UI asks at start-up)', async () => {
      const list = await call('GET', `${m}/v2/plugins`, undefined, { Accept: 'application/json' });
      expect(list.status).toBe(200);
      expect(list.headers.get('content-type')).toMatch(/^application\/json/);
      expect(list.body).toEqual({ plugins: [] });
      // Every method a plugin could serve finds no plugin with that id.
      for (const method of ['GET', 'PUT', 'POST', 'DELETE']) {
        const res = await call(method, `${m}/v2/plugins/webjar/some/path`, method === 'PUT' || method === 'POST' ? { a: 1 } : undefined);
        expect({ method, status: res.status, body: res.body }).toEqual({ method, status: 404, body: { message: 'No plugin with this pluginId: webjar' } });
      }
      expect((await call('HEAD', `${m}/v2/plugins/webjar/x`)).status).toBe(404);
      // The body is a String with no declared media type: Jersey types it from Accept.
      expect((await call('GET', `${m}/v2/plugins/webjar/x`)).headers.get('content-type')).toMatch(/^text\/plain/);
      const asJson = await call('GET', `${m}/v2/plugins/webjar/x`, undefined, { Accept: 'application/json' });
      expect(asJson.headers.get('content-type')).toMatch(/^application\/json/);
      // A plugin path is required after the id; other methods are not allowed.
      expect(await call('GET', `${m}/v2/plugins/webjar`)).toMatchObject({ status: 500, body: { message: 'URI not found' } });
      expect(await call('POST', `${m}/v2/plugins`)).toMatchObject({ status: 405, body: { message: 'Method Not Allowed' } });
      expect(await call('PATCH', `${m}/v2/plugins/webjar/x`)).toMatchObject({ status: 405, body: { message: 'Method Not Allowed' } });
    });

    it('serves /v2/info and /v2/leader before Mesos registration (frameworkId null)', async () => {
      const info = await call('GET', `${m}/v2/info`);
      expect(info.status).toBe(200);
      expect(Object.keys(info.body)).toEqual(['name', 'version', 'buildref', 'elected', 'leader', 'frameworkId', 'marathon_config', 'zookeeper_config', 'http_config']);
      expect(info.body).toMatchObject({ name: 'marathon', version: '1.7.50', elected: true, leader: `${marathon.ip}:8080`, frameworkId: null });
      expect(info.body.marathon_config).toMatchObject({
        master: `zk://${zk.ip}:2181/mesos`, framework_name: 'marathon', ha: true, hostname: marathon.ip, local_port_min: 10000,
        local_port_max: 20000, decline_offer_duration: 5000, mesos_user: 'root', mesos_role: null, task_launch_timeout: 300000,
      });
      expect(info.body.zookeeper_config).toMatchObject({ zk: `zk://${zk.ip}:2181/marathon`, zk_max_versions: 50, zk_session_timeout: 10000 });
      expect(info.body.http_config).toEqual({ http_port: 8080, https_port: 8443 });
      expect((await call('GET', `${m}/v2/leader`)).body).toEqual({ leader: `${marathon.ip}:8080` });
    });

    it('creates an app: 201, headers, the normalized 1.7 body; unknown fields are ignored', async () => {
      const res = await call('POST', `${m}/v2/apps`, { id: 'web', cmd: 'sleep 1000', cpus: 0.1, mem: 16, whatever: { x: 1 } });
      expect(res.status).toBe(201);
      const deploymentId = res.headers.get('marathon-deployment-id');
      expect(deploymentId).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get('location')).toMatch(/\/web$/);
      expect(res.body).not.toHaveProperty('whatever');
      // Posted answer: no versionInfo yet, service port still 0, empty counts and tasks.
      expect(Object.keys(res.body)).toEqual([...APP_KEYS.filter((k) => k !== 'versionInfo'), 'tasksStaged', 'tasksRunning', 'tasksHealthy', 'tasksUnhealthy', 'deployments', 'tasks']);
      expect(res.body).toMatchObject({
        id: '/web', cmd: 'sleep 1000', cpus: 0.1, mem: 16, disk: 0, gpus: 0, instances: 1, executor: '', backoffSeconds: 1, backoffFactor: 1.15,
        maxLaunchDelaySeconds: 3600, networks: [{ mode: 'host' }], portDefinitions: [{ port: 0, name: 'default', protocol: 'tcp' }],
        requirePorts: false, upgradeStrategy: { maximumOverCapacity: 1, minimumHealthCapacity: 1 }, killSelection: 'YOUNGEST_FIRST',
        unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 }, labels: {},
        tasksStaged: 0, tasksRunning: 0, tasksHealthy: 0, tasksUnhealthy: 0, deployments: [{ id: deploymentId }], tasks: [],
      });

      const shown = await call('GET', `${m}/v2/apps/web`);
      expect(shown.status).toBe(200);
      expect(Object.keys(shown.body)).toEqual(['app']);
      const app = shown.body.app;
      expect(Object.keys(app)).toEqual([...APP_KEYS, 'tasksStaged', 'tasksRunning', 'tasksHealthy', 'tasksUnhealthy', 'deployments', 'tasks']);
      expect(app.portDefinitions).toEqual([{ port: 10000, name: 'default', protocol: 'tcp' }]);
      expect(app.versionInfo).toEqual({ lastScalingAt: app.version, lastConfigChangeAt: app.version });
      expect(app.version).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

      const list = await call('GET', `${m}/v2/apps`);
      expect(list.body.apps.map((a: Json) => a.id)).toEqual(['/web']);
      expect(list.body.apps[0]).toHaveProperty('tasksRunning', 0);
      expect(list.body.apps[0]).toHaveProperty('deployments');
      expect(list.body.apps[0]).not.toHaveProperty('tasks');
      expect((await call('GET', `${m}/v2/apps?embed=apps.tasks`)).body.apps[0].tasks).toEqual([]);
      expect((await call('GET', `${m}/v2/apps?id=nothing`)).body).toEqual({ apps: [] });
    });

    it('answers errors with the exact status codes and bodies', async () => {
      expect(await call('POST', `${m}/v2/apps`, { id: '/web', cmd: 'sleep 1' })).toMatchObject({
        status: 409, body: { message: 'An app with id [/web] already exists.' },
      });
      expect(await call('POST', `${m}/v2/apps`, { id: '/Bad_Id', cmd: 'sleep 1' })).toMatchObject({
        status: 422, body: { message: 'Invalid JSON', details: [{ path: '/id', errors: ['error.pattern'] }] },
      });
      expect(await call('POST', `${m}/v2/apps`, { id: 5 })).toMatchObject({
        status: 422, body: { message: 'Invalid JSON', details: [{ path: '/id', errors: ['error.expected.jsstring'] }] },
      });
      expect((await call('POST', `${m}/v2/apps`, { id: '/x', cmd: 'sleep 1', cpus: 0, instances: 'two' })).body).toEqual({
        message: 'Invalid JSON',
        details: [{ path: '/cpus', errors: ['error.min'] }, { path: '/instances', errors: ['error.expected.jsnumber'] }],
      });
      expect(await call('POST', `${m}/v2/apps`, { id: '/nocmd' })).toMatchObject({
        status: 422,
        body: { message: 'Object is not valid', details: [{ path: '/', errors: ["AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."] }] },
      });
      const broken = await call('POST', `${m}/v2/apps`, '{"id": "/x",');
      expect(broken.status).toBe(400);
      expect(broken.body.message).toBe('Invalid JSON');
      expect(await call('POST', `${m}/v2/apps`, '')).toMatchObject({ status: 400, body: { message: 'Please specify data in JSON format' } });
      expect(await call('GET', `${m}/v2/apps/nope`)).toMatchObject({ status: 404, body: { message: "App '/nope' does not exist" } });
      expect(await call('DELETE', `${m}/v2/apps/nope`)).toMatchObject({ status: 404, body: { message: "App '/nope' does not exist" } });
      expect(await call('GET', `${m}/v2/apps/nope/versions`)).toMatchObject({ status: 404, body: { message: "App '/nope' does not exist" } });
      expect(await call('DELETE', `${m}/v2/apps/web/tasks/web.nope`)).toMatchObject({ status: 404, body: { message: "Task 'web.nope' does not exist" } });
      expect(await call('POST', `${m}/v2/info`)).toMatchObject({ status: 405, body: { message: 'Method Not Allowed' } });
    });

    it('locks an app while its deployment runs; ?force=true overrides; versions are kept', async () => {
      // No master: the first deployment of /web cannot finish.
      const stream = new EventStream(`${m}/v2/events?event_type=group_change_failed`);
      expect((await stream.ready).statusCode).toBe(200);
      const locked = await call('PUT', `${m}/v2/apps/web`, { cmd: 'sleep 2000' });
      expect(locked.status).toBe(409);
      expect(locked.body.message).toBe(
        "App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.",
      );
      // The refused change is announced as GroupManagerImpl does.
      const failed = await eventually('group_change_failed', async () => stream.find((e) => e.event === 'group_change_failed'), 30_000, 100);
      stream.close();
      expect(Object.keys(failed.data)).toEqual(['groupId', 'version', 'reason', 'eventType', 'timestamp']);
      expect(failed.data).toMatchObject({ groupId: '/', reason: locked.body.message, eventType: 'group_change_failed' });
      expect(locked.body.deployments, JSON.stringify(locked.body.deployments)).toHaveLength(1);
      const forced = await call('PUT', `${m}/v2/apps/web?force=true`, { cmd: 'sleep 2000' });
      expect(forced.status).toBe(200);
      expect(Object.keys(forced.body)).toEqual(['version', 'deploymentId']);
      expect(forced.headers.get('marathon-deployment-id')).toBe(forced.body.deploymentId);

      const app = (await call('GET', `${m}/v2/apps/web`)).body.app;
      expect(app.cmd).toBe('sleep 2000');
      expect(app.version).toBe(forced.body.version);
      expect(app.portDefinitions[0].port).toBe(10000);
      const versions = (await call('GET', `${m}/v2/apps/web/versions`)).body.versions;
      expect(versions, JSON.stringify(versions)).toHaveLength(2);
      expect(versions[0]).toBe(forced.body.version);
      const first = await call('GET', `${m}/v2/apps/web/versions/${versions[1]}`);
      expect(first.body).toMatchObject({ id: '/web', cmd: 'sleep 1000', version: versions[1] });
      expect(await call('GET', `${m}/v2/apps/web/versions/2000-01-01T00:00:00.000Z`)).toMatchObject({
        status: 404, body: { message: "App '/web' does not exist in version 2000-01-01T00:00:00.000Z" },
      });

      const deployments = (await call('GET', `${m}/v2/deployments`)).body;
      expect(Array.isArray(deployments)).toBe(true);
      const d = deployments.find((x: Json) => x.id === forced.body.deploymentId);
      expect(d).toMatchObject({
        affectedApps: ['/web'], affectedPods: [], steps: [{ actions: [{ action: 'RestartApplication', app: '/web' }] }],
        currentActions: [{ action: 'RestartApplication', app: '/web', readinessCheckResults: [] }], currentStep: 1, totalSteps: 1,
      });
      const queue = (await call('GET', `${m}/v2/queue`)).body.queue;
      expect(queue[0]).toMatchObject({ count: 1, app: { id: '/web' }, delay: { timeLeftSeconds: 0 } });
      expect(queue[0].processedOffersSummary).toMatchObject({ processedOffersCount: 0, unusedOffersCount: 0 });

      // PUT creates a missing app (201); PATCH of a missing one is 404.
      const created = await call('PUT', `${m}/v2/apps/group/sub`, { cmd: 'sleep 5', cpus: 0.01, mem: 8 });
      expect(created.status).toBe(201);
      expect(await call('PATCH', `${m}/v2/apps/group/missing`, { cpus: 1 })).toMatchObject({ status: 404 });
      expect((await call('GET', `${m}/v2/apps/group/sub`)).body.app.portDefinitions[0].port).toBe(10001);
      const groups = (await call('GET', `${m}/v2/groups`)).body;
      expect(groups).toMatchObject({ id: '/', dependencies: [], pods: [] });
      expect(groups.apps.map((a: Json) => a.id)).toEqual(['/web']);
      expect(groups.groups.map((g: Json) => g.id)).toEqual(['/group']);

      const cancel = await call('DELETE', `${m}/v2/deployments/${forced.body.deploymentId}?force=true`);
      expect(cancel.status).toBe(202);
      expect(await call('DELETE', `${m}/v2/deployments/nope`)).toMatchObject({ status: 404, body: { message: 'DeploymentPlan nope does not exist' } });
    });

    it('streams events only to clients accepting text/event-stream', async () => {
      const refused = await call('GET', `${m}/v2/events`);
      expect(refused.status).toBe(405);
      const stream = new EventStream(`${m}/v2/events`);
      await eventually('event_stream_attached', async () => stream.find((e) => e.event === 'event_stream_attached'), 60_000, 100);
      const posted = await call('POST', `${m}/v2/apps`, { id: '/evented', cmd: 'sleep 10', cpus: 0.01, mem: 8 });
      expect(posted.status).toBe(201);
      const post = await eventually('api_post_event', async () => stream.find((e) => e.event === 'api_post_event'), 60_000, 100);
      expect(Object.keys(post.data)).toEqual(['clientIp', 'uri', 'appDefinition', 'eventType', 'timestamp']);
      expect(post.data).toMatchObject({ uri: '/v2/apps', eventType: 'api_post_event', appDefinition: { id: '/evented' } });
      const info = await eventually('deployment_info', async () => stream.find((e) => e.event === 'deployment_info'), 60_000, 100);
      expect(Object.keys(info.data)).toEqual(['plan', 'currentStep', 'eventType', 'timestamp']);
      expect(info.data.plan).toMatchObject({ id: posted.headers.get('marathon-deployment-id'), original: { id: '/' }, target: { id: '/' } });
      expect(info.data.currentStep).toEqual({ actions: [{ action: 'StartApplication', app: '/evented' }] });
      const change = await eventually('group_change_success', async () => stream.find((e) => e.event === 'group_change_success'), 60_000, 100);
      expect(change.data).toMatchObject({ groupId: '/', version: posted.body.version });
      expect(stream.raw).toMatch(/^event: event_stream_attached\r\ndata: \{/);
      stream.close();

      const filtered = new EventStream(`${m}/v2/events?event_type=app_terminated_event`);
      expect((await filtered.ready).statusCode).toBe(200);
      expect((await call('DELETE', `${m}/v2/apps/evented`)).status).toBe(200);
      const gone = await eventually('app_terminated_event', async () => filtered.find((e) => e.event === 'app_terminated_event'), 60_000, 100);
      expect(gone.data).toMatchObject({ appId: '/evented', eventType: 'app_terminated_event' });
      expect(filtered.events.map((e) => e.event).filter((e) => e !== 'app_terminated_event')).toEqual([]);
      filtered.close();
    });

    it('publishes add_health_check_event per check and app version, and remove_health_check_event per check when they go', async () => {
      const kinds = ['add_health_check_event', 'remove_health_check_event'];
      const stream = new EventStream(`${m}/v2/events?${kinds.map((k) => `event_type=${k}`).join('&')}`);
      expect((await stream.ready).statusCode).toBe(200);
      const of = (kind: string) => stream.events.filter((e) => e.event === kind).map((e) => e.data);
      const atLeast = (kind: string, n: number) => eventually(`${n} × ${kind}`, async () => (of(kind).length >= n ? of(kind) : undefined), 60_000, 100);
      const healthChecks = [{ protocol: 'HTTP', path: '/health', portIndex: 0 }, { protocol: 'MESOS_TCP', portIndex: 0 }];
      const posted = await call('POST', `${m}/v2/apps`, { id: '/checked', cmd: 'sleep 100', cpus: 0.01, mem: 8, instances: 0, healthChecks });
      expect(posted.status).toBe(201);
      const first = await atLeast('add_health_check_event', 2);
      // Marathon's own key order; the check as /v2/apps shows it; the app's version.
      expect(first.map((d) => Object.keys(d))).toEqual(Array(2).fill(['appId', 'eventType', 'healthCheck', 'timestamp', 'version']));
      const v1 = (await call('GET', `${m}/v2/apps/checked`)).body.app;
      expect(first.map((d) => d.healthCheck)).toEqual(v1.healthChecks);
      expect(first.map((d) => [d.appId, d.version])).toEqual([['/checked', v1.version], ['/checked', v1.version]]);

      // A new version registers its checks again; the old version's go once no task runs it.
      expect((await call('PUT', `${m}/v2/apps/checked`, { cmd: 'sleep 200' })).status).toBe(200);
      const adds = await atLeast('add_health_check_event', 4);
      const v2 = (await call('GET', `${m}/v2/apps/checked`)).body.app;
      expect(adds.slice(2).map((d) => d.version)).toEqual([v2.version, v2.version]);
      expect((await call('DELETE', `${m}/v2/apps/checked`)).status).toBe(200);
      const removes = await atLeast('remove_health_check_event', 4); // 2 checks × 2 versions
      expect(removes.map((d) => Object.keys(d))).toEqual(Array(4).fill(['appId', 'eventType', 'timestamp']));
      expect(removes.every((d) => d.appId === '/checked')).toBe(true);
      expect(of('add_health_check_event')).toHaveLength(4);
      stream.close();
    });

    it('keeps its state in ZooKeeper under <zk path>/state and leader-curator', async () => {
      zkClient = await Zk.connect(`127.0.0.1:${zk.hostPort(2181)}`);
      const latch = await zkClient.getChildren('/marathon/leader-curator');
      expect(latch, JSON.stringify(latch)).toHaveLength(1);
      expect(latch[0]).toMatch(/^_c_[0-9a-f-]{36}-latch-\d{10}$/);
      expect((await zkClient.getData(`/marathon/leader-curator/${latch[0]}`))?.toString()).toBe(`${marathon.ip}:8080`);
      expect(await zkClient.getChildren('/marathon/state')).toEqual(expect.arrayContaining(['apps', 'group', 'deployment']));
      const buckets = await zkClient.getChildren('/marathon/state/apps');
      const nodes = (await Promise.all(buckets.map(async (b) => (await zkClient!.getChildren(`/marathon/state/apps/${b}`)).map((id) => ({ id, path: `/marathon/state/apps/${b}/${id}` }))))).flat();
      const withData = await Promise.all(nodes.map(async (n) => ({ ...n, size: (await zkClient!.getData(n.path))?.length ?? 0 })));
      // The current apps have a definition; a deleted app's node is emptied and keeps its versions (ZkPersistenceStore.rawDeleteCurrent).
      expect(withData.filter((n) => n.size > 0).map((n) => n.id).sort()).toEqual(['group_sub', 'web']);
      expect(withData.filter((n) => n.size === 0).map((n) => n.id)).toContain('evented');
    });

    it('runs a standby that proxies to the leader and redirects /v2/events', async () => {
      const standby = await tnet.run({
        name: 'marathon2',
        target: 'marathon',
        cmd: ['--master', `zk://${zk.ip}:2181/mesos`, '--zk', `zk://${zk.ip}:2181/marathon`],
        publish: [8080],
      });
      const s = standby.url(8080);
      const leader = await eventually('standby proxies', async () => {
        const r = await call('GET', `${s}/v2/leader`);
        return r.status === 200 ? r : undefined;
      }, 60_000, 500);
      expect(leader.body).toEqual({ leader: `${marathon.ip}:8080` });
      expect(leader.headers.get('x-marathon-via')).toBe(`1.1 ${standby.ip}:8080`);
      expect(leader.headers.get('x-marathon-leader')).toBe(`http://${marathon.ip}:8080`);
      const info = (await call('GET', `${s}/v2/info`)).body;
      expect(info).toMatchObject({ elected: true, leader: `${marathon.ip}:8080` });
      const events = await call('GET', `${s}/v2/events`, undefined, { Accept: 'text/event-stream' });
      expect(events.status).toBe(302);
      expect(events.headers.get('location')).toBe(`http://${marathon.ip}:8080/v2/events`);
      await standby.stop();
    });

    it('keeps apps and versions across a restart', async () => {
      const before = (await call('GET', `${m}/v2/apps/web`)).body.app;
      await marathon.stop();
      await marathon.start();
      m = marathon.url(8080);
      await eventually('Marathon back', async () => (await call('GET', `${m}/v2/apps/web`)).status === 200, 60_000, 500);
      const after = (await call('GET', `${m}/v2/apps/web`)).body.app;
      expect(after.version).toBe(before.version);
      expect(after.versionInfo).toEqual(before.versionInfo);
      expect(after.portDefinitions).toEqual(before.portDefinitions);
      const versions = (await call('GET', `${m}/v2/apps/web/versions`)).body.versions;
      expect(versions, JSON.stringify(versions)).toHaveLength(2);
      expect((await call('GET', `${m}/v2/apps`)).body.apps.map((a: Json) => a.id)).toEqual(['/group/sub', '/web']);
      expect((await call('GET', `${m}/v2/info`)).body.frameworkId).toBeNull();
      // Clean up: the apps would otherwise take resources of the agent below.
      expect((await call('DELETE', `${m}/v2/apps/web`)).status).toBe(200);
      expect((await call('DELETE', `${m}/v2/apps/group/sub`)).status).toBe(200);
      expect((await call('GET', `${m}/v2/apps`)).body).toEqual({ apps: [] });
    });
  });

  describe('with a master and an agent', () => {
    let master: TestContainer;
    let agent: TestContainer;

    beforeAll(async () => {
      master = await tnet.run({
        name: 'master',
        target: 'mesos-master',
        env: { MESOS_ZK: `zk://${zk.ip}:2181/mesos`, MESOS_QUORUM: '1', MESOS_REGISTRY: 'in_memory', MESOS_WORK_DIR: '/var/lib/mesos/master' },
        publish: [5050],
      });
      agent = await tnet.run({
        name: 'agent',
        target: 'mesos-agent',
        env: {
          MESOS_MASTER: `zk://${zk.ip}:2181/mesos`,
          MESOS_WORK_DIR: '/var/lib/mesos/agent',
          MESOS_RESOURCES: 'cpus:2;mem:1024;disk:2048;ports:[8000-8100,31000-31010]',
          MESOS_SWITCH_USER: 'false',
          MESOS_SYSTEMD_ENABLE_SUPPORT: 'false',
        },
        publish: [8000],
      });
    });

    afterAll(async () => {
      if (process.env.MESOS_UP_TEST_LOGS) {
        console.log(await master?.logs());
        console.log(await agent?.logs());
      }
    });

    it('registers as framework "marathon" and reports its framework id', async () => {
      const id = await eventually('frameworkId', async () => (await call('GET', `${m}/v2/info`)).body.frameworkId ?? undefined, 60_000, 500);
      expect(id).toMatch(/-0000$/);
      const fws = (await call('GET', `${master.url(5050)}/master/frameworks`)).body.frameworks;
      const fw = fws.find((f: Json) => f.id === id);
      expect(fw).toMatchObject({
        name: 'marathon', active: true, user: 'root', failover_timeout: 604800, checkpoint: true, hostname: marathon.ip,
        webui_url: `http://${marathon.ip}:8080`,
      });
      expect(fw.capabilities).toEqual(expect.arrayContaining(['PARTITION_AWARE', 'REGION_AWARE']));
    });

    it('says on /v2/queue why an app is not placed: processedOffersSummary, and the last unused offers with ?embed=lastUnusedOffers', async () => {
      // The agent has 1024 MB: no offer can hold 4096.
      expect((await call('POST', `${m}/v2/apps`, { id: '/too-big', cmd: 'sleep 1000', cpus: 0.1, mem: 4096 })).status).toBe(201);
      try {
        const item = await eventually('an offer unused for lack of memory', async () => {
          const q = (await call('GET', `${m}/v2/queue?embed=lastUnusedOffers`)).body.queue.find((x: Json) => x.app.id === '/too-big');
          return q?.lastUnusedOffers?.length ? q : undefined;
        }, 60_000, 500);
        expect(Object.keys(item)).toEqual(['count', 'delay', 'since', 'processedOffersSummary', 'lastUnusedOffers', 'app']);
        const [unused, ...more] = item.lastUnusedOffers;
        expect(more).toEqual([]); // one per agent
        expect(Object.keys(unused)).toEqual(['offer', 'reason', 'timestamp']);
        expect(unused.reason).toEqual(['InsufficientMemory']);
        expect(unused.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect(Object.keys(unused.offer)).toEqual(['id', 'hostname', 'agentId', 'resources', 'attributes']);
        expect(unused.offer.agentId).toMatch(/-S\d+$/);
        const mem = unused.offer.resources.find((r: Json) => r.name === 'mem');
        expect(mem).toEqual({ name: 'mem', role: '*', scalar: expect.any(Number) });
        expect(mem.scalar).toBeLessThan(4096);
        expect(unused.offer.resources.find((r: Json) => r.name === 'ports')).toMatchObject({ name: 'ports', role: '*', ranges: expect.any(Array) });
        const s = item.processedOffersSummary;
        expect(s.unusedOffersCount).toBeGreaterThanOrEqual(1);
        expect(s.lastUnusedOfferAt).toEqual(expect.any(String));
        expect(s).not.toHaveProperty('lastUsedOfferAt');
        const funnel = ['UnfulfilledRole', 'UnfulfilledConstraint', 'NoCorrespondingReservationFound', 'AgentMaintenance', 'InsufficientCpus', 'InsufficientMemory', 'InsufficientDisk', 'InsufficientGpus', 'InsufficientPorts', 'DeclinedScarceResources'];
        expect(s.rejectSummaryLastOffers.map((r: Json) => r.reason)).toEqual(funnel);
        expect(s.rejectSummaryLastOffers.slice(4, 7)).toEqual([
          { reason: 'InsufficientCpus', declined: 0, processed: 1 },
          { reason: 'InsufficientMemory', declined: 1, processed: 1 },
          { reason: 'InsufficientDisk', declined: 0, processed: 0 },
        ]);
        expect(s.rejectSummaryLaunchAttempt.find((r: Json) => r.reason === 'InsufficientMemory').declined).toBe(s.unusedOffersCount);
        const plain = (await call('GET', `${m}/v2/queue`)).body.queue.find((x: Json) => x.app.id === '/too-big');
        expect(plain).not.toHaveProperty('lastUnusedOffers');
      } finally {
        await call('DELETE', `${m}/v2/apps/too-big?force=true`);
      }
    });

    it('runs a task, reaches it through the agent, replaces it after it exits, and removes it with the app', async () => {
      const stream = new EventStream(`${m}/v2/events?event_type=status_update_event`);
      expect((await stream.ready).statusCode).toBe(200);
      const res = await call('POST', `${m}/v2/apps`, {
        id: '/marathon-nc',
        cmd: 'echo "hello $MESOS_TASK_ID" | nc -l $PORT0',
        cpus: 0.1,
        mem: 32,
        requirePorts: true,
        portDefinitions: [{ port: 8000 }],
      });
      expect(res.status).toBe(201);

      const running = await eventually(
        'status_update_event TASK_RUNNING',
        async () => stream.find((e) => e.data.appId === '/marathon-nc' && e.data.taskStatus === 'TASK_RUNNING'),
        60_000,
        200,
      );
      expect(Object.keys(running.data)).toEqual(['slaveId', 'taskId', 'taskStatus', 'message', 'appId', 'host', 'ipAddresses', 'ports', 'version', 'eventType', 'timestamp']);
      expect(running.data.ports).toEqual([8000]);
      const taskId: string = running.data.taskId;
      expect(taskId).toMatch(/^marathon-nc\.[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);

      const app = await eventually('tasksRunning 1', async () => {
        const a = (await call('GET', `${m}/v2/apps/marathon-nc`)).body.app;
        return a.tasksRunning === 1 && a.deployments.length === 0 ? a : undefined;
      }, 60_000, 250);
      const task = app.tasks[0];
      expect(Object.keys(task)).toEqual(['appId', 'healthCheckResults', 'host', 'id', 'ipAddresses', 'ports', 'servicePorts', 'slaveId', 'state', 'stagedAt', 'startedAt', 'version', 'localVolumes']);
      expect(task).toMatchObject({ id: taskId, appId: '/marathon-nc', state: 'TASK_RUNNING', ports: [8000], servicePorts: [], version: app.version, localVolumes: [] });
      expect(task.slaveId).toMatch(/-S\d+$/);
      const all = (await call('GET', `${m}/v2/tasks`)).body.tasks;
      expect(all.find((t: Json) => t.id === taskId).servicePorts).toEqual([8000]);
      const text = await call('GET', `${m}/v2/tasks`, undefined, { Accept: 'text/plain' });
      expect(text.text).toBe(`marathon-nc\t8000\t${task.host}:8000\t\n`);

      // The task's own greeting, through the agent's published port 8000.
      const line = await eventually('the task answers', async () => readLine(agent.hostPort(8000)), 60_000, 250);
      expect(line).toBe(`hello ${taskId}`);

      // nc exits after the connection: a replacement with a new id takes over.
      const replacement = await eventually('replacement task', async () => {
        const a = (await call('GET', `${m}/v2/apps/marathon-nc`)).body.app;
        const t = a.tasks.find((x: Json) => x.id !== taskId && x.state === 'TASK_RUNNING');
        return t && a.tasks.length === 1 ? t : undefined;
      }, 60_000, 250);
      expect(replacement.id).toMatch(/^marathon-nc\./);
      expect(stream.events.filter((e) => e.data.taskId === taskId).map((e) => e.data.taskStatus)).toEqual(expect.arrayContaining(['TASK_FINISHED']));

      const del = await call('DELETE', `${m}/v2/apps/marathon-nc`);
      expect(del.status).toBe(200);
      await eventually('replacement killed', async () => stream.find((e) => e.data.taskId === replacement.id && e.data.taskStatus === 'TASK_KILLED'), 60_000, 250);
      expect((await call('GET', `${m}/v2/apps/marathon-nc`)).status).toBe(404);
      expect((await call('GET', `${m}/v2/tasks`)).body.tasks).toEqual([]);
      const masterTasks = (await call('GET', `${master.url(5050)}/master/tasks`)).body.tasks;
      expect(masterTasks.filter((t: Json) => t.state === 'TASK_RUNNING')).toEqual([]);
      stream.close();
    });

    it('kills a running task it has no record of after a restart, and reports it with unknown_instance_terminated_event', async () => {
      expect((await call('POST', `${m}/v2/apps`, { id: '/orphan', cmd: 'sleep 1000', cpus: 0.1, mem: 16 })).status).toBe(201);
      const task = await eventually('orphan running', async () => (await call('GET', `${m}/v2/apps/orphan/tasks`)).body.tasks?.find((t: Json) => t.state === 'TASK_RUNNING'), 60_000, 500);
      // Marathon forgets the instance (its node in ZooKeeper) while it is down; the task keeps running.
      await marathon.stop();
      const zkc = await Zk.connect(`127.0.0.1:${zk.hostPort(2181)}`);
      try {
        const buckets = await zkc.getChildren('/marathon/state/instance');
        const nodes = (await Promise.all(buckets.map(async (b) => (await zkc.getChildren(`/marathon/state/instance/${b}`)).map((i) => `/marathon/state/instance/${b}/${i}`)))).flat();
        const node = nodes.find((n) => n.endsWith(`/${task.id.replace(/^(orphan)\.(.+)$/, '$1.marathon-$2')}`));
        expect(node, JSON.stringify(nodes)).toBeDefined();
        await zkc.removeRecursive(node!);
      } finally {
        zkc.close();
      }
      await marathon.start();
      m = marathon.url(8080);
      // Subscribed before Marathon registers again (it answers HTTP first), so the event is not missed.
      const stream = await eventually('event stream back', async () => {
        const es = new EventStream(`${m}/v2/events?event_type=unknown_instance_terminated_event`);
        const res = await es.ready.catch(() => undefined);
        if (res?.statusCode === 200) return es;
        es.close();
        return undefined;
      }, 60_000, 100);
      try {
        const ev = await eventually('unknown_instance_terminated_event', async () => stream.find((e) => e.event === 'unknown_instance_terminated_event'), 60_000, 200);
        expect(Object.keys(ev.data)).toEqual(['instanceId', 'runSpecId', 'condition', 'timestamp', 'eventType']);
        expect(ev.data).toMatchObject({ instanceId: task.id.replace(/^(orphan)\.(.+)$/, '$1.marathon-$2'), runSpecId: '/orphan', condition: 'Killed' });
        // It no longer runs: the master lists it as killed.
        const tasks = (await call('GET', `${master.url(5050)}/master/tasks`)).body.tasks as Json[];
        expect(tasks.find((t) => t.id === task.id)).toMatchObject({ state: 'TASK_KILLED' });
      } finally {
        stream.close();
        await call('DELETE', `${m}/v2/apps/orphan?force=true`);
      }
    });

    it('holds a deployment until the new task passes its readiness check, and shows the results', async () => {
      // The task answers 503 until /tmp/ready-gate exists in the agent (command tasks share its /tmp).
      await agent.exec(['rm', '-f', '/tmp/ready-gate']);
      const server =
        'while true; do if [ -f /tmp/ready-gate ]; then s="200 OK"; b=ready; else s="503 Service Unavailable"; b=warming; fi; ' +
        'printf "HTTP/1.1 $s\\r\\nContent-Type: text/plain; charset=utf-8\\r\\nContent-Length: ${#b}\\r\\nConnection: close\\r\\n\\r\\n$b" | nc -l $PORT0 >/dev/null; done';
      const readinessChecks = [{ name: 'ready', path: '/ready', portName: 'http-api', intervalSeconds: 2, timeoutSeconds: 1, preserveLastResponse: true }];
      expect(await call('POST', `${m}/v2/apps`, { id: '/not-ready', cmd: 'sleep 1', portDefinitions: [{ port: 0, name: 'web' }], readinessChecks })).toMatchObject({
        status: 422,
        body: { message: 'Object is not valid', details: [{ path: '/readinessChecks(0)/portName', errors: ['No port definition reference for portName http-api'] }] },
      });
      const posted = await call('POST', `${m}/v2/apps`, { id: '/gated', cmd: server, cpus: 0.05, mem: 16, portDefinitions: [{ port: 0, name: 'http-api' }], readinessChecks });
      expect(posted.status).toBe(201);
      expect(posted.body.readinessChecks).toEqual([{ ...readinessChecks[0], protocol: 'HTTP', httpStatusCodesForReady: [200] }]);
      const deploymentId: string = posted.body.deployments[0].id;
      try {
        // Running, answering 503: the deployment waits, and says why.
        const waiting = await eventually('a 503 readiness result', async () => {
          const d = ((await call('GET', `${m}/v2/deployments`)).body as Json[]).find((x) => x.id === deploymentId);
          const result = d?.currentActions.find((a: Json) => a.app === '/gated')?.readinessCheckResults[0];
          return result?.lastResponse?.status === 503 ? { d, result } : undefined;
        }, 60_000, 250);
        const app = (await call('GET', `${m}/v2/apps/gated?embed=app.readiness&embed=app.tasks`)).body.app;
        expect(app.tasks.map((t: Json) => t.state)).toEqual(['TASK_RUNNING']);
        expect(Object.keys(waiting.result)).toEqual(['name', 'taskId', 'ready', 'lastResponse']);
        expect(waiting.result).toEqual({ name: 'ready', taskId: app.tasks[0].id, ready: false, lastResponse: { status: 503, contentType: 'text/plain', body: 'warming' } });
        expect(app.readinessCheckResults).toEqual([waiting.result]);
        expect(app.deployments).toEqual([{ id: deploymentId }]);

        // Ready: the deployment finishes and the results go with it.
        expect((await agent.exec(['touch', '/tmp/ready-gate'])).exitCode).toBe(0);
        const done = await eventually('deployment finished', async () => {
          const a = (await call('GET', `${m}/v2/apps/gated?embed=app.readiness`)).body.app;
          return a.deployments.length === 0 ? a : undefined;
        }, 60_000, 250);
        expect(done.readinessCheckResults).toEqual([]);
        expect(done.tasksRunning).toBe(1);
      } finally {
        await call('DELETE', `${m}/v2/apps/gated?force=true`);
        await agent.exec(['rm', '-f', '/tmp/ready-gate']);
      }
    });

    it('creates, reads, updates, scales, rolls back and deletes groups as GroupsResource does', async () => {
      const stream = new EventStream(`${m}/v2/events?event_type=group_change_success&event_type=group_change_failed`);
      expect((await stream.ready).statusCode).toBe(200);
      const sleeper = { cmd: 'sleep 1000', cpus: 0.01, mem: 8 };
      const posted = await call('POST', `${m}/v2/groups`, {
        id: 'stack',
        apps: [{ id: 'db', ...sleeper, instances: 1 }],
        groups: [{ id: 'web', apps: [{ id: 'front', ...sleeper, instances: 0, dependencies: ['../db'] }] }],
      });
      expect(posted.status).toBe(201);
      expect(Object.keys(posted.body)).toEqual(['version', 'deploymentId']);
      expect(posted.headers.get('marathon-deployment-id')).toBe(posted.body.deploymentId);
      expect(posted.headers.get('location')).toMatch(/\/stack$/);
      const v1: string = posted.body.version;
      try {
        expect(await call('POST', `${m}/v2/groups`, { id: '/stack' })).toMatchObject({ status: 409, body: { message: 'Group /stack is already created. Use PUT to change this group.' } });
        expect(await call('POST', `${m}/v2/groups`, {})).toMatchObject({ status: 409, body: { message: 'Group / is already created. Use PUT to change this group.' } });

        // GroupInfo: id, dependencies, version, then apps, groups, pods; every group has the root's version.
        const group = (await call('GET', `${m}/v2/groups/stack`)).body;
        expect(Object.keys(group)).toEqual(['id', 'dependencies', 'version', 'apps', 'groups', 'pods']);
        expect(group).toMatchObject({ id: '/stack', dependencies: [], version: v1, pods: [] });
        expect(group.apps.map((a: Json) => a.id)).toEqual(['/stack/db']);
        expect(group.groups).toHaveLength(1);
        expect(group.groups[0]).toMatchObject({ id: '/stack/web', version: v1 });
        expect(group.groups[0].apps[0]).toMatchObject({ id: '/stack/web/front', dependencies: ['/stack/db'] });
        expect(((await call('GET', `${m}/v2/groups/stack/apps`)).body as Json[]).map((a) => a.id)).toEqual(['/stack/db', '/stack/web/front']);

        // dryRun: the plan, nothing changed; a group's dependencies order its apps after the other group's.
        const dry = await call('PUT', `${m}/v2/groups/order?dryRun=true`, {
          groups: [
            { id: 'back', apps: [{ id: 'store', ...sleeper }] },
            { id: 'front', dependencies: ['/order/back'], apps: [{ id: 'ui', ...sleeper }] },
          ],
        });
        expect(dry.status).toBe(200);
        expect(Object.keys(dry.body)).toEqual(['steps']);
        expect(dry.body.steps.slice(1)).toEqual([
          { actions: [{ action: 'ScaleApplication', app: '/order/back/store' }] },
          { actions: [{ action: 'ScaleApplication', app: '/order/front/ui' }] },
        ]);
        expect(dry.body.steps[0].actions.map((a: Json) => a.app).sort()).toEqual(['/order/back/store', '/order/front/ui']);
        expect((await call('GET', `${m}/v2/groups/order`)).status).toBe(404);

        // Validation, before anything changes.
        expect(await call('PUT', `${m}/v2/groups/stack`, { id: '/stack', scaleBy: 2 })).toMatchObject({
          status: 422,
          body: { message: 'Object is not valid', details: [{ path: '/scaleBy', errors: ['not allowed in conjunction with other properties.'] }] },
        });
        expect(await call('POST', `${m}/v2/groups`, { id: '/bad', apps: [{ id: '/elsewhere/x', ...sleeper }] })).toMatchObject({
          status: 422,
          body: { details: [{ path: '/apps(0)/id', errors: ['Identifier is not child of /bad. Hint: use relative paths.'] }] },
        });
        expect(await call('POST', `${m}/v2/groups`, { id: '/Bad_Group', dependencies: ['ok', 'not ok'] })).toMatchObject({
          status: 422,
          body: { message: 'Invalid JSON', details: [{ path: '/id', errors: ['error.pattern'] }, { path: '/dependencies(1)', errors: ['error.pattern'] }] },
        });
        expect(await call('PUT', `${m}/v2/groups/cycle`, { apps: [{ id: 'a', ...sleeper, dependencies: ['b'] }, { id: 'b', ...sleeper, dependencies: ['a'] }] })).toMatchObject({
          status: 422,
          body: { message: 'Object is not valid', details: [{ path: '/', errors: ['Dependency graph has cyclic dependencies.'] }] },
        });
        expect((await call('GET', `${m}/v2/groups/cycle`)).status).toBe(404);

        // scaleBy: every app below the group, rounded up.
        const scaled = await call('PUT', `${m}/v2/groups/stack?force=true`, { scaleBy: 2.5 });
        expect(scaled.status).toBe(200);
        expect((await call('GET', `${m}/v2/apps/stack/db`)).body.app.instances).toBe(3);
        expect((await call('GET', `${m}/v2/apps/stack/web/front`)).body.app.instances).toBe(0);
        // Rollback to the first version: the group as it was, under a new version.
        const rolled = await call('PUT', `${m}/v2/groups/stack?force=true`, { version: v1 });
        expect(rolled.status).toBe(200);
        const db = (await call('GET', `${m}/v2/apps/stack/db`)).body.app;
        expect(db.instances).toBe(1);
        expect(db.version).toBe(rolled.body.version);
        const versions = (await call('GET', `${m}/v2/groups/stack/versions`)).body as string[];
        expect(versions).toEqual(expect.arrayContaining([v1, scaled.body.version, rolled.body.version]));
        const old = (await call('GET', `${m}/v2/groups/stack/versions/${scaled.body.version}`)).body;
        expect(old).toMatchObject({ id: '/stack', version: scaled.body.version });
        expect(old.apps[0]).toMatchObject({ id: '/stack/db', instances: 3 });
        expect(await call('GET', `${m}/v2/groups/stack/versions/yesterday`)).toMatchObject({
          status: 422,
          body: { message: "Invalid timestamp provided 'yesterday'. Expecting ISO-8601 datetime string." },
        });

        // A group outlives its last app.
        expect((await call('DELETE', `${m}/v2/apps/stack/web/front?force=true`)).status).toBe(200);
        expect((await call('GET', `${m}/v2/groups/stack/web`)).body).toMatchObject({ id: '/stack/web', apps: [], groups: [] });
        // A change below /stack is announced for /stack, the parent of the URL's path.
        const nested = await call('PUT', `${m}/v2/groups/stack/web`, { dependencies: ['/stack/db'] });
        expect(nested.status).toBe(200);
        expect((await call('GET', `${m}/v2/groups/stack/web`)).body.dependencies).toEqual(['/stack/db']);

        const deleted = await call('DELETE', `${m}/v2/groups/stack?force=true`);
        expect(deleted.status).toBe(200);
        expect(Object.keys(deleted.body)).toEqual(['version', 'deploymentId']);
        expect(await call('GET', `${m}/v2/groups/stack`)).toMatchObject({ status: 404, body: { message: "Group '/stack' does not exist" } });
        expect((await call('GET', `${m}/v2/apps/stack/db`)).status).toBe(404);
        expect(await call('DELETE', `${m}/v2/groups/stack`)).toMatchObject({ status: 404, body: { message: "Group '/stack' does not exist" } });

        // Events name the parent of the path in the URL.
        const changes = await eventually('group change events', async () => {
          const got = stream.events.filter((e) => [v1, nested.body.version, deleted.body.version].includes(e.data.version) || e.data.reason === "Group '/stack' does not exist");
          return got.length >= 4 ? got : undefined;
        }, 30_000, 100);
        expect(changes.map((e) => [e.event, e.data.groupId])).toEqual([
          ['group_change_success', '/'], ['group_change_success', '/stack'], ['group_change_success', '/'], ['group_change_failed', '/'],
        ]);
      } finally {
        stream.close();
        await call('DELETE', `${m}/v2/groups/stack?force=true`);
      }
    });

    it("counts offers, launches, deployments and HTTP traffic in 1.7.50's default (Dropwizard) /metrics", async () => {
      const doc = (await call('GET', `${m}/metrics`)).body;
      expect(Object.keys(doc)).toEqual(['version', 'counters', 'gauges', 'histograms', 'meters', 'timers']);
      expect(doc.version).toBe('4.0.0');
      expect(doc.histograms).toEqual({});
      // Earlier tests in this file ran tasks on this Marathon.
      for (const name of ['mesos.offers.incoming', 'mesos.offers.used', 'tasks.launched', 'mesos.offer-operations.launch', 'deployments', 'mesos.calls.revive']) {
        expect(doc.counters[`marathon.${name}.counter`]?.count, name).toBeGreaterThan(0);
      }
      expect(doc.counters['marathon.mesos.offer-operations.launch-group.counter']).toEqual({ count: 0 });
      const apps = (await call('GET', `${m}/v2/apps`)).body.apps as Json[];
      expect(doc.gauges['marathon.apps.active.gauge']).toEqual({ value: apps.length });
      // Every group, the root and empty ones included.
      const countGroups = (g: Json): number => 1 + (g.groups as Json[]).reduce((n, c) => n + countGroups(c), 0);
      expect(doc.gauges['marathon.groups.active.gauge']).toEqual({ value: countGroups((await call('GET', `${m}/v2/groups`)).body) });
      // Tasks of earlier tests may still be going away: the gauge and /v2/tasks agree once they are.
      await eventually('tasks.running agrees with /v2/tasks', async () => {
        const running = ((await call('GET', `${m}/v2/tasks`)).body.tasks as Json[]).filter((t) => t.state === 'TASK_RUNNING').length;
        return (await call('GET', `${m}/metrics`)).body.gauges['marathon.tasks.running.gauge'].value === running;
      }, 30_000, 250);
      const timer = doc.timers['marathon.http.requests.duration.timer.seconds'];
      expect(Object.keys(timer)).toEqual([
        'count', 'min', 'mean', 'max', 'p50', 'p75', 'p95', 'p98', 'p99', 'p999', 'stddev', 'm1_rate', 'm5_rate', 'm15_rate', 'mean_rate', 'duration_units', 'rate_units',
      ]);
      expect(timer).toMatchObject({ duration_units: 'seconds', rate_units: 'calls/second' });
      expect(timer.count).toBeGreaterThan(10);
      expect(timer.max).toBeLessThan(60);
      expect(doc.timers['marathon.http.requests.get.duration.timer.seconds'].count).toBeLessThanOrEqual(timer.count);
      expect(Object.keys(doc.meters['marathon.http.responses.2xx.rate'])).toEqual(['count', 'm1_rate', 'm5_rate', 'm15_rate', 'mean_rate', 'units']);
      expect(doc.meters['marathon.http.responses.4xx.rate'].count).toBeGreaterThan(0);
      // One more GET is one more in the timer.
      const again = (await call('GET', `${m}/metrics`)).body;
      expect(again.timers['marathon.http.requests.duration.timer.seconds'].count).toBeGreaterThan(timer.count);
      // Prometheus is off by default, as in 1.7.50.
      const prom = await call('GET', `${m}/metrics/prometheus`);
      expect(prom.status).toBe(404);
      expect(prom.headers.get('content-type')).toBe('text/plain');
      expect(JSON.parse(prom.text)).toEqual({ message: 'Prometheus reporter is disabled' });
    });

    it('serves /metrics/prometheus with --metrics_prometheus, under --metrics_name_prefix', async () => {
      const other = await tnet.run({
        name: 'marathon-prom',
        target: 'marathon',
        cmd: ['--master', `zk://${zk.ip}:2181/mesos`, '--zk', `zk://${zk.ip}:2181/marathon-prom`, '--metrics_prometheus', '--metrics_name_prefix', 'mu', '--framework_name', 'prom'],
        publish: [8080],
      });
      try {
        const u = other.url(8080);
        const text = await eventually('prometheus text', async () => {
          const r = await call('GET', `${u}/metrics/prometheus`);
          return r.status === 200 && r.text.includes('mu_apps_active_gauge') ? r : undefined;
        }, 60_000, 500);
        expect(text.headers.get('content-type')).toBe('text/plain');
        const body = text.text;
        expect(body).toContain('# TYPE mu_apps_active_gauge gauge\nmu_apps_active_gauge 0\n\n');
        expect(body).toMatch(/# TYPE mu_mesos_offers_incoming_counter counter\nmu_mesos_offers_incoming_counter \d+\n\n/);
        // Jetty's handler keeps its own `marathon` prefix: a summary in seconds, then gauges.
        expect(body).toMatch(/# TYPE marathon_http_requests_duration_timer_seconds summary\nmarathon_http_requests_duration_timer_seconds\{quantile="0\.5"\} \d+\.\d{6}\n/);
        expect(body).toMatch(/\nmarathon_http_requests_duration_timer_seconds_count \d+\n# TYPE marathon_http_requests_duration_timer_seconds_min gauge\n/);
        expect(body).toMatch(/# TYPE marathon_http_responses_2xx_rate_count gauge\nmarathon_http_responses_2xx_rate_count \d+\n# TYPE marathon_http_responses_2xx_rate_mean_rate gauge\n/);
        // Gauges first, then counters, meters and timers, each in name order.
        const types = [...body.matchAll(/^# TYPE (\S+) (\w+)$/gm)].map((x) => x[1]!);
        expect(types.indexOf('mu_tasks_running_gauge')).toBeLessThan(types.indexOf('mu_deployments_counter'));
        expect(types.indexOf('mu_deployments_counter')).toBeLessThan(types.indexOf('marathon_http_responses_1xx_rate_count'));
        expect(types.indexOf('marathon_http_responses_5xx_rate_m15_rate')).toBeLessThan(types.indexOf('marathon_http_requests_duration_timer_seconds'));
        const doc = (await call('GET', `${u}/metrics`)).body;
        expect(doc.counters).toHaveProperty(['mu.mesos.offers.incoming.counter']);
        expect(doc.timers).toHaveProperty(['marathon.http.requests.duration.timer.seconds']);
      } finally {
        await other.stop();
      }
    });

    it('probes Marathon-side health checks and scales with a deployment', async () => {
      const res = await call('POST', `${m}/v2/apps`, {
        id: '/healthy',
        cmd: 'while true; do nc -l -k $PORT0; done',
        cpus: 0.05,
        mem: 16,
        healthChecks: [{ protocol: 'TCP', gracePeriodSeconds: 10, intervalSeconds: 1, timeoutSeconds: 1, maxConsecutiveFailures: 3 }],
      });
      expect(res.status).toBe(201);
      const app = await eventually('healthy', async () => {
        const a = (await call('GET', `${m}/v2/apps/healthy`)).body.app;
        return a.tasksHealthy === 1 ? a : undefined;
      }, 60_000, 250);
      expect(app.healthChecks).toEqual([
        { gracePeriodSeconds: 10, intervalSeconds: 1, maxConsecutiveFailures: 3, portIndex: 0, protocol: 'TCP', ipProtocol: 'IPv4', timeoutSeconds: 1, delaySeconds: 15 },
      ]);
      expect(app.tasks[0].healthCheckResults[0]).toMatchObject({ alive: true, consecutiveFailures: 0, instanceId: app.tasks[0].id.replace('.', '.marathon-') });

      const scaled = await call('PUT', `${m}/v2/apps/healthy`, { instances: 2 });
      expect(scaled.status).toBe(200);
      const d = (await call('GET', `${m}/v2/deployments`)).body.find((x: Json) => x.id === scaled.body.deploymentId);
      if (d) expect(d.steps).toEqual([{ actions: [{ action: 'ScaleApplication', app: '/healthy' }] }]);
      const two = await eventually('two healthy', async () => {
        const a = (await call('GET', `${m}/v2/apps/healthy`)).body.app;
        return a.tasksHealthy === 2 && a.deployments.length === 0 ? a : undefined;
      }, 60_000, 250);
      expect(two.versionInfo.lastConfigChangeAt).toBe(app.versionInfo.lastConfigChangeAt);
      expect(two.versionInfo.lastScalingAt).toBe(scaled.body.version);
      expect((await call('DELETE', `${m}/v2/apps/healthy`)).status).toBe(200);
    });
  });
});
