// Marathon pods (1.7 API, /v2/pods) on a whole cluster: a pod of two
// containers that talk over localhost and share an ephemeral volume, its
// status with the allocated endpoint and health, scaling, a restart on a new
// definition, killing an instance (replaced, the pod not scaled), versions,
// deployments and events naming pods, and bad input answered with 1.7's
// status and body while the stored state stays as it was.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterInfo } from '../../src/lifecycle/describe.js';
import { cli, json } from '../support/cli.js';
import { eventually, officialImagesMissing, TEST_IMAGES } from './harness.js';
import { EventStream } from '../support/sse.js';
import { buildTaskImage, TASK_IMAGE } from '../support/task-image.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const NAME = 'pods';
let cluster: ClusterInfo;
let M = '';

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json; text: string; headers: Headers }> {
  const res = await fetch(`${M}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000), // only guards against a hang
  });
  const text = await res.text();
  let parsed: Json;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

// The server writes what it serves into the shared volume; the client fetches it over localhost into its own sandbox.
const server = {
  name: 'server',
  resources: { cpus: 0.05, mem: 32 },
  endpoints: [{ name: 'http-api', hostPort: 0 }],
  exec: {
    command: {
      shell: `echo "served by $MARATHON_CONTAINER_ID of $MARATHON_APP_ID" > shared/index.html; exec node -e "require('http').createServer((q, s) => s.end(require('fs').readFileSync('shared/index.html'))).listen(process.env.ENDPOINT_HTTP_API)"`,
    },
  },
  volumeMounts: [{ name: 'shared', mountPath: 'shared' }],
  healthCheck: { http: { endpoint: 'http-api', path: '/' }, intervalSeconds: 2, timeoutSeconds: 1, gracePeriodSeconds: 30, delaySeconds: 0 },
};
const client = {
  name: 'client',
  resources: { cpus: 0.05, mem: 32 },
  exec: { command: { shell: 'while true; do curl -sf http://127.0.0.1:$ENDPOINT_HTTP_API/ > got.tmp && mv got.tmp got.txt; sleep 1; done' } },
};
const POD = { id: '/team/web', networks: [{ mode: 'host' }], volumes: [{ name: 'shared' }], containers: [server, client] };

const statusOf = async (id = '/team/web') => (await call('GET', `/v2/pods${id}::status`)).body;

/** The pod's instances once there are `n`, all STABLE, and no deployment runs. */
async function stable(n: number, id = '/team/web'): Promise<Json[]> {
  return eventually(`${n} stable instances of ${id}`, async () => {
    const s = await statusOf(id);
    const deployments = (await call('GET', '/v2/deployments')).body;
    return s.instances?.length === n && s.instances.every((i: Json) => i.status === 'STABLE') && s.status === 'STABLE' && !deployments.length ? s.instances : undefined;
  }, 90_000, 500);
}

/**
 * A file in a pod container's sandbox, read through the agent's /files API:
 * the executor `instance-<safe id>.<uuid>` has it under tasks/<instance>.<container>.
 */
async function sandboxFile(instanceId: string, container: string, file: string): Promise<string | undefined> {
  const executorId = `instance-${instanceId.replace('.instance-', '.')}`;
  const agentUrl = cluster.agents[0]!.url!;
  const state = (await (await fetch(`${agentUrl}/state`)).json()) as Json;
  const exec = state.frameworks.flatMap((f: Json) => f.executors).find((e: Json) => e.id === executorId);
  if (!exec) return undefined;
  const res = await fetch(`${agentUrl}/files/read?path=${encodeURIComponent(`${exec.directory}/tasks/${instanceId}.${container}/${file}`)}&offset=0`);
  return res.ok ? (((await res.json()) as Json).data as string) || undefined : undefined;
}

beforeAll(async () => {
  await cli(['down', '--name', NAME]); // a cluster a killed earlier run left behind
  const [r] = await Promise.all([cli(['up', '--name', NAME, '--images', TEST_IMAGES.flavour, '--json']), buildTaskImage()]);
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  cluster = json<ClusterInfo>(r);
  M = cluster.marathonUrl!;
});

afterAll(async () => {
  const r = await cli(['down', '--name', NAME]);
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
});

describe.skipIf(officialImagesMissing)(`${TEST_IMAGES.flavour} Marathon pods`, () => {
  it('runs a pod whose containers talk over localhost and share a volume; status, scale, restart, kill, versions, delete', async () => {
    const stream = new EventStream(`${M}/v2/events`);
    await stream.ready;
    expect((await call('HEAD', '/v2/pods')).status).toBe(200);
    const created = await call('POST', '/v2/pods', POD);
    expect(created.status, created.text).toBe(201);
    expect(created.headers.get('location')).toBe(`${M}/team/web`);
    const deploymentId = created.headers.get('marathon-deployment-id');
    expect(deploymentId).toMatch(/^[0-9a-f-]{36}$/);
    // the normalized pod: defaults filled in, a host port of 0 on the endpoint, readOnly written
    expect(created.body).toMatchObject({
      id: '/team/web',
      containers: [
        { name: 'server', resources: { cpus: 0.05, mem: 32, disk: 0, gpus: 0 }, endpoints: [{ name: 'http-api', hostPort: 0 }], volumeMounts: [{ name: 'shared', mountPath: 'shared', readOnly: false }] },
        { name: 'client' },
      ],
      scaling: { kind: 'fixed', instances: 1 },
      scheduling: { backoff: { backoff: 1, backoffFactor: 1.15, maxLaunchDelay: 3600 }, upgrade: { minimumHealthCapacity: 1, maximumOverCapacity: 1 }, killSelection: 'YOUNGEST_FIRST', unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 } },
      executorResources: { cpus: 0.1, mem: 32, disk: 10 },
    });
    expect(created.body.scheduling.placement).toBeUndefined();
    const deployment = (await call('GET', '/v2/deployments')).body.find((d: Json) => d.id === deploymentId);
    if (deployment) {
      expect(deployment).toMatchObject({ affectedApps: [], affectedPods: ['/team/web'], steps: [{ actions: [{ action: 'StartPod', pod: '/team/web' }] }, { actions: [{ action: 'ScalePod', pod: '/team/web' }] }] });
    }

    const [instance] = await stable(1);
    expect(instance.id).toMatch(/^team_web\.instance-[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const [srv, cli2] = instance.containers;
    expect(srv).toMatchObject({ name: 'server', status: 'TASK_RUNNING', containerId: `${instance.id}.server`, conditions: [{ name: 'healthy', value: 'true', reason: 'health-reported-by-mesos' }] });
    expect(srv.endpoints).toEqual([{ name: 'http-api', allocatedHostPort: expect.any(Number), healthy: true }]);
    expect(cli2).toMatchObject({ name: 'client', status: 'TASK_RUNNING', endpoints: [], conditions: [] });
    expect(instance.specReference).toBe(`/v2/pods/team/web::versions/${created.body.version}`);

    // the client reached the server over localhost: what it fetched sits in its sandbox
    const fetched = await eventually('the client fetched the page', () => sandboxFile(instance.id, 'client', 'got.txt'), 30_000, 500);
    expect(fetched.trim()).toBe('served by server of /team/web');

    // scale: instance count alone is a ScalePod; the running instance stays
    const scaled = await call('PUT', '/v2/pods/team/web', { ...POD, scaling: { kind: 'fixed', instances: 2 } });
    expect(scaled.status, scaled.text).toBe(200);
    const two = await stable(2);
    expect(two.map((i: Json) => i.id)).toContain(instance.id);

    // kill one instance: it is answered as it was, replaced, the pod keeps 2
    const killed = await call('DELETE', `/v2/pods/team/web::instances/${instance.id}`);
    expect(killed.status, killed.text).toBe(200);
    expect(killed.body).toMatchObject({ instanceId: { idString: instance.id }, state: { condition: 'Running', goal: 'Running' } });
    const replaced = await eventually('a replacement', async () => {
      const s = await statusOf();
      const ids = s.instances.map((i: Json) => i.id);
      return !ids.includes(instance.id) && s.instances.length === 2 && s.instances.every((i: Json) => i.status === 'STABLE') ? ids : undefined;
    }, 90_000, 500);
    expect(replaced).toHaveLength(2);

    // a new definition restarts every instance (RestartPod)
    const restarted = await call('PUT', '/v2/pods/team/web', { ...POD, scaling: { kind: 'fixed', instances: 2 }, labels: { tier: 'web' } });
    expect(restarted.status, restarted.text).toBe(200);
    const after = await stable(2);
    expect(after.map((i: Json) => i.id).filter((id: string) => replaced.includes(id))).toEqual([]);
    expect(after.every((i: Json) => i.specReference.endsWith(restarted.body.version))).toBe(true);

    const versions = (await call('GET', '/v2/pods/team/web::versions')).body;
    expect(versions).toEqual(expect.arrayContaining([created.body.version, scaled.body.version, restarted.body.version]));
    expect((await call('GET', `/v2/pods/team/web::versions/${created.body.version}`)).body.scaling.instances).toBe(1);
    // pods show in their group, as their status (the definition under spec)
    const group = (await call('GET', '/v2/groups/team')).body;
    expect(group.pods.map((p: Json) => [p.id, p.status, p.spec.scaling.instances])).toEqual([['/team/web', 'STABLE', 2]]);

    const deleted = await call('DELETE', '/v2/pods/team/web');
    expect(deleted.status).toBe(202);
    await eventually('pod and instances gone', async () => ((await call('GET', '/v2/pods')).body.length === 0 && !(await call('GET', '/v2/deployments')).body.length ? true : undefined), 60_000, 500);
    expect((await call('GET', '/v2/pods/team/web')).body).toEqual({ message: '{"message": "pod with /team/web does not exist"}' });
    expect((await call('GET', '/v2/pods/team/web::status')).body).toEqual({ message: "Pod '/team/web' does not exist" });

    // the events a pod's life sends
    const names = new Set(stream.events.map((e) => e.event));
    for (const e of ['pod_created_event', 'pod_updated_event', 'pod_deleted_event', 'instance_changed_event', 'status_update_event', 'instance_health_changed_event', 'deployment_success']) expect(names, e).toContain(e);
    expect(stream.events.find((e) => e.event === 'pod_created_event')!.data).toEqual({ clientIp: expect.any(String), uri: '/v2/pods', eventType: 'pod_created_event', timestamp: expect.any(String) });
    expect(stream.events.some((e) => e.event === 'deployment_info' && e.data.currentStep.actions.some((a: Json) => a.pod === '/team/web'))).toBe(true);
    stream.close();
  });

  it("runs a container from an image (through the engine) beside a command container: they share the executor's network", async () => {
    const pod = {
      id: '/mixed',
      networks: [{ mode: 'host' }],
      containers: [
        { name: 'srv', resources: { cpus: 0.05, mem: 32 }, endpoints: [{ name: 'nc' }], image: { kind: 'DOCKER', id: TASK_IMAGE }, exec: { command: { shell: 'while true; do echo "from $MARATHON_CONTAINER_ID" | nc -l $ENDPOINT_NC; done' } } },
        { name: 'cli', resources: { cpus: 0.05, mem: 32 }, exec: { command: { shell: 'while true; do timeout 2 bash -c "head -1 < /dev/tcp/127.0.0.1/$ENDPOINT_NC" > got.tmp && mv got.tmp got.txt; sleep 1; done' } } },
      ],
    };
    expect((await call('POST', '/v2/pods', pod)).status).toBe(201);
    const [instance] = await stable(1, '/mixed');
    const got = await eventually('the command container read the image container over localhost', () => sandboxFile(instance.id, 'cli', 'got.txt'), 30_000, 500);
    expect(got.trim()).toBe('from srv');
    expect((await call('DELETE', '/v2/pods/mixed')).status).toBe(202);
    await eventually('mixed pod gone', async () => (!(await call('GET', '/v2/deployments')).body.length && !(await statusOf('/mixed')).instances ? true : undefined), 60_000, 500);
  });

  it('keeps an instance whose sidecar finished: still Running, the deployment done, nothing relaunched', async () => {
    const pod = { id: '/sidecar', containers: [{ ...client, name: 'main', exec: { command: { shell: 'sleep 600' } } }, { ...client, name: 'init', exec: { command: { shell: 'echo ready' } } }] };
    expect((await call('POST', '/v2/pods', pod)).status).toBe(201);
    const [first] = await stable(1, '/sidecar');
    expect(first.containers.map((c: Json) => [c.name, c.status])).toEqual([['main', 'TASK_RUNNING'], ['init', 'TASK_FINISHED']]);
    // a finished container neither ends the instance nor backs the pod off: the same instance stays, none is queued
    await new Promise((r) => setTimeout(r, 3000));
    const later = await statusOf('/sidecar');
    expect(later.instances.map((i: Json) => i.id)).toEqual([first.id]);
    expect((await call('GET', '/v2/queue')).body.queue).toEqual([]);
    expect((await call('DELETE', '/v2/pods/sidecar')).status).toBe(202);
    await eventually('sidecar pod gone', async () => (!(await call('GET', '/v2/deployments')).body.length ? true : undefined), 60_000, 500);
  });

  it("answers bad pods with 1.7's status and body, changing nothing", async () => {
    const before = (await call('GET', '/v2/pods')).body;
    const noContainers = await call('POST', '/v2/pods', { id: '/bad', containers: [] });
    expect(noContainers.status).toBe(422);
    expect(noContainers.body).toEqual({ message: 'Invalid JSON', details: [{ path: '/containers', errors: ['error.minLength'] }] });
    const malformed = await call('POST', '/v2/pods', '{"id": "/bad",');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ message: 'Invalid JSON', details: expect.any(String) });
    const twins = await call('POST', '/v2/pods', { id: '/bad', containers: [client, client] });
    expect(twins.status).toBe(422);
    expect(twins.body).toEqual({ message: 'Object is not valid', details: [{ path: '/containers', errors: ['container names must be unique'] }] });
    const hostPortInHostMode = await call('POST', '/v2/pods', { id: '/bad', networks: [{ mode: 'host' }], containers: [{ ...client, endpoints: [{ name: 'x', containerPort: 80 }] }] });
    expect(hostPortInHostMode.body.details).toEqual([{ path: '/containers(0)/endpoints(0)/containerPort', errors: ['is not allowed when using host-mode networking'] }]);
    // unknown fields are ignored as 1.7 does
    const extra = await call('POST', '/v2/pods', { id: '/extra', containers: [client], bogus: true, scaling: { kind: 'fixed', instances: 0 } });
    expect(extra.status, extra.text).toBe(201);
    expect(extra.body.bogus).toBeUndefined();
    const again = await call('POST', '/v2/pods', { id: '/extra', containers: [client] });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ message: 'A pod with id [/extra] already exists.' });
    // a path taken by an app
    const app = await call('POST', '/v2/apps', { id: '/taken', cmd: 'sleep 100', cpus: 0.01, mem: 16, instances: 0 });
    expect(app.status).toBe(201);
    const onApp = await call('POST', '/v2/pods', { id: '/taken', containers: [client] });
    expect(onApp.status).toBe(422);
    expect(onApp.body.details).toEqual([{ path: '/', errors: ['Applications and Pods may not share the same id'] }]);
    const badId = await call('GET', '/v2/pods/Not_Valid::status');
    expect(badId.status).toBe(422);
    expect(badId.body.message).toBe('Object is not valid');
    if (TEST_IMAGES.flavour === 'emulated') {
      // the emulator's own refusal (a real Marathon reserves and creates the volume)
      const persistent = await call('POST', '/v2/pods', { id: '/bad', volumes: [{ name: 'data', persistent: { size: 10 } }], containers: [{ ...client, volumeMounts: [{ name: 'data', mountPath: 'data' }] }] });
      expect(persistent.status).toBe(422);
      expect(persistent.body.details).toEqual([{ path: '/volumes(0)', errors: ['persistent volumes in pods are not supported by the emulated Marathon (resident apps are)'] }]);
    }
    const mismatch = await call('PUT', '/v2/pods/other', { id: '/extra', containers: [client] });
    expect(mismatch.status).toBe(400);
    expect(JSON.parse(mismatch.text)).toEqual({ message: "'/other' does not match definition's id ('/extra')" });
    expect((await call('GET', '/v2/pods')).body.map((p: Json) => p.id)).toEqual([...before.map((p: Json) => p.id), '/extra']);
    expect((await call('GET', '/v2/apps/taken')).status).toBe(200);
    await call('DELETE', '/v2/pods/extra?force=true');
    await call('DELETE', '/v2/apps/taken?force=true');
  });

  it('mesos-up app group and app pod: deploy from YAML, wait, list, scale, roll back, status, destroy', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mesos-up-pods-'));
    const groupFile = path.join(dir, 'shop.yaml');
    writeFileSync(groupFile, ['id: /shop', 'apps:', '  - id: db', '    cmd: sleep 3600', '    cpus: 0.01', '    mem: 16', '  - id: api', '    cmd: sleep 3600', '    cpus: 0.01', '    mem: 16', '    dependencies: [db]', ''].join('\n'));
    const target = ['--name', NAME];
    const deployed = await cli(['app', 'group', 'deploy', groupFile, '--wait', '--json', ...target]);
    expect(deployed.exitCode, deployed.stdout + deployed.stderr).toBe(0);
    const first = json<Json>(deployed);
    expect(first).toMatchObject({ id: '/shop', action: 'created', deploymentId: expect.any(String), waitedMs: expect.any(Number) });
    const list = await cli(['app', 'group', 'list', ...target]);
    expect(list.stdout).toContain('/shop');
    expect(list.stdout).toMatch(/app \/shop\/api: 1 instance\(s\), 1 running, depends on \/shop\/db/);
    const scaled = await cli(['app', 'group', 'scale', '/shop', '2', '--wait', ...target]);
    expect(scaled.exitCode, scaled.stdout + scaled.stderr).toBe(0);
    expect(json<Json>(await cli(['app', 'group', 'show', '/shop', ...target])).apps.map((a: Json) => a.instances)).toEqual([2, 2]);
    const versions = json<Json>(await cli(['app', 'group', 'versions', '/shop', '--json', ...target])).versions;
    expect(versions).toContain(first.version);
    const back = await cli(['app', 'group', 'rollback', '/shop', first.version, '--wait', ...target]);
    expect(back.exitCode, back.stdout + back.stderr).toBe(0);
    expect(json<Json>(await cli(['app', 'group', 'show', '/shop', ...target])).apps.map((a: Json) => a.instances)).toEqual([1, 1]);
    const gone = await cli(['app', 'group', 'destroy', '/shop', '--wait', ...target]);
    expect(gone.exitCode, gone.stdout + gone.stderr).toBe(0);
    const missing = await cli(['app', 'group', 'show', '/shop', ...target]);
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toContain("Group '/shop' does not exist");

    const podFile = path.join(dir, 'pod.json');
    writeFileSync(podFile, JSON.stringify({ ...POD, id: '/cli/web' }));
    const podDeployed = await cli(['app', 'pod', 'deploy', podFile, '--wait', ...target]);
    expect(podDeployed.exitCode, podDeployed.stdout + podDeployed.stderr).toBe(0);
    expect(podDeployed.stdout).toMatch(/^Pod \/cli\/web created \(version .*\), stable after /);
    const status = json<Json>(await cli(['app', 'pod', 'status', '/cli/web', '--json', ...target]));
    expect(status.status).toBe('STABLE');
    // the endpoint is reached from the host through the gateway: the server answers there
    const [endpoint] = status.endpoints;
    expect(endpoint).toMatchObject({ container: 'server', name: 'http-api', port: status.instances[0].containers[0].endpoints[0].allocatedHostPort, address: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    const page = await eventually('the pod answers from the host', async () => {
      const res = await fetch(`http://${endpoint.address}/`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
      return res?.ok ? res.text() : undefined;
    }, 30_000, 500);
    expect(page.trim()).toBe('served by server of /cli/web');
    const text = await cli(['app', 'pod', 'status', '/cli/web', ...target]);
    expect(text.stdout).toMatch(/server +TASK_RUNNING +http-api:\d+→127\.0\.0\.1:\d+ healthy/);
    expect((await cli(['app', 'pod', 'list', ...target])).stdout).toMatch(/\/cli\/web +server,client +1 +1 +STABLE/);
    const podGone = await cli(['app', 'pod', 'destroy', '/cli/web', '--wait', ...target]);
    expect(podGone.exitCode, podGone.stdout + podGone.stderr).toBe(0);
    expect((await cli(['app', 'pod', 'list', ...target])).stdout.trim()).toBe('No pods.');
    const bad = await cli(['app', 'pod', 'deploy', groupFile.replace('shop.yaml', 'nope.yaml'), ...target]);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toContain('nope.yaml');
  });
});
