// What the emulated Marathon sends to launch a pod instance (TaskGroupBuilder's
// facts): the offer split between a DEFAULT executor (its resources and every
// port of the pod) and one task per container, ids, environment, volumes and
// health checks; and the pod as POST /v2/pods normalizes it.
import { describe, expect, it } from 'vitest';
import { OfferPool } from '../../../emulator/src/marathon/mesos/matcher.js';
import { normalizePod, readPod, validatePod } from '../../../emulator/src/marathon/pod/normalize.js';
import { executorIdOf, launchGroupOperation, matchPod } from '../../../emulator/src/marathon/pod/task-group.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const scalar = (name: string, value: number) => ({ name, type: 'SCALAR', scalar: { value } });
const offer = (ports: [number, number]) => ({
  id: { value: 'o1' },
  agent_id: { value: 'S0' },
  hostname: 'agent1',
  resources: [scalar('cpus', 1), scalar('mem', 512), scalar('disk', 100), { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: ports[0], end: ports[1] }] } }],
});

const POD = {
  id: '/team/web',
  networks: [{ mode: 'host' }],
  labels: { tier: 'front' },
  volumes: [{ name: 'shared' }],
  containers: [
    { name: 'server', resources: { cpus: 0.2, mem: 64 }, endpoints: [{ name: 'http-api' }], volumeMounts: [{ name: 'shared', mountPath: 'data' }], exec: { command: { shell: 'serve' } }, healthCheck: { http: { endpoint: 'http-api', path: '/ok' } } },
    { name: 'client', resources: { cpus: 0.1, mem: 32 }, exec: { command: { argv: ['loop', '-v'] } }, volumeMounts: [{ name: 'shared', mountPath: 'in', readOnly: true }] },
  ],
};

const pod = () => {
  const raw = readPod(structuredClone(POD));
  validatePod(raw);
  return normalizePod(raw, '2026-12-02T03:00:00.000Z');
};

describe('pod launch (LAUNCH_GROUP)', () => {
  it('normalizes as 1.7.50: host port 0 outside container networks, readOnly written, default scheduling', () => {
    const p = pod();
    expect(p.containers[0]!.endpoints).toEqual([{ name: 'http-api', hostPort: 0 }]);
    expect(p.containers[0]!.volumeMounts).toEqual([{ name: 'shared', mountPath: 'data', readOnly: false }]);
    expect(p.containers[1]!.resources).toEqual({ cpus: 0.1, mem: 32, disk: 0, gpus: 0 });
    expect(p.executorResources).toEqual({ cpus: 0.1, mem: 32, disk: 10 });
    expect(p.scheduling.unreachableStrategy).toEqual({ inactiveAfterSeconds: 0, expungeAfterSeconds: 0 });
  });

  it('puts the executor resources and every port on the executor, each container its own resources', () => {
    const p = pod();
    const pool = new OfferPool(offer([31000, 31000]) as Json);
    const m = matchPod(pool, p, new Set(['*']), []);
    if (Array.isArray(m)) throw new Error(`no match: ${m.join(', ')}`);
    expect(pool.launches).toBe(1);
    const op = launchGroupOperation({ pod: p, instanceId: 'team_web.instance-1', executorId: executorIdOf('team_web.instance-1'), frameworkId: 'F', agentId: 'S0', hostname: 'agent1', match: m }) as Json;
    const { executor, task_group } = op.launch_group;
    expect(executor.executor_id.value).toBe('instance-team_web.1');
    expect(executor.type).toBe('DEFAULT');
    expect(executor.resources.map((r: Json) => [r.name, r.scalar?.value ?? r.ranges.range])).toEqual([['cpus', 0.1], ['mem', 32], ['disk', 10], ['ports', [{ begin: 31000, end: 31000 }]]]);
    const [server, client] = task_group.tasks;
    expect(server.task_id.value).toBe('team_web.instance-1.server');
    expect(server.resources.map((r: Json) => [r.name, r.scalar.value])).toEqual([['cpus', 0.2], ['mem', 64]]);
    expect(server.command).toMatchObject({ shell: true, value: 'serve' });
    // argv without overrideEntrypoint: arguments only
    expect(client.command).toMatchObject({ shell: false, arguments: ['loop', '-v'] });
    expect(client.command.value).toBeUndefined();
    const env = Object.fromEntries(client.command.environment.variables.map((v: Json) => [v.name, v.value]));
    expect(env).toMatchObject({
      HOST: 'agent1', MESOS_TASK_ID: 'team_web.instance-1.client', MESOS_EXECUTOR_ID: 'instance-team_web.1', MARATHON_APP_ID: '/team/web',
      MARATHON_CONTAINER_ID: 'client', MARATHON_CONTAINER_RESOURCE_MEM: '32.0', MARATHON_APP_LABELS: 'TIER', MARATHON_APP_LABEL_TIER: 'front',
      ENDPOINT_HTTP_API: '31000', EP_HOST_HTTP_API: '31000',
    });
    expect(server.container.volumes).toEqual([{ container_path: 'data', mode: 'RW', source: { type: 'SANDBOX_PATH', sandbox_path: { type: 'PARENT', path: 'volumes/shared' } } }]);
    expect(client.container.volumes[0].mode).toBe('RO');
    // the host network named: the check dials the allocated host port
    expect(server.health_check).toMatchObject({ type: 'HTTP', http: { scheme: 'http', port: 31000, path: '/ok', protocol: 'IPv4' }, interval_seconds: 60, grace_period_seconds: 300 });
  });

  it('takes nothing from an offer that cannot hold the whole pod', () => {
    const p = pod();
    const small = { ...offer([31000, 31000]), resources: [scalar('cpus', 0.35), scalar('mem', 512), scalar('disk', 100), offer([31000, 31000]).resources[3]] };
    const pool = new OfferPool(small as Json);
    expect(matchPod(pool, p, new Set(['*']), [])).toEqual(['InsufficientCpus']);
    expect(pool.launches).toBe(0);
    expect(pool.scalars.get('cpus')![0]!.left).toBe(0.35);
    expect(pool.ports[0]!.ranges).toEqual([{ begin: 31000, end: 31000 }]);
  });
});
