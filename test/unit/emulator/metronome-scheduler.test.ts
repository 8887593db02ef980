import { describe, expect, it } from 'vitest';
import type { MesosClient, V1Offer } from '../../../emulator/src/marathon/mesos/client.js';
import { MemTree } from '../../../emulator/src/marathon/storage.js';
import { loadConfig } from '../../../emulator/src/metronome/config.js';
import { RunManager } from '../../../emulator/src/metronome/runs.js';
import { JobScheduler } from '../../../emulator/src/metronome/scheduler.js';
import { MetronomeStore } from '../../../emulator/src/metronome/storage.js';
import { readJob } from '../../../emulator/src/metronome/validation.js';

type Call = { type: string; payload: Record<string, unknown> };

function setup() {
  const cfg = loadConfig(['-Dmetronome.leader.election.hostname=metronome-1'], {});
  const store = new MetronomeStore(new MemTree(), '/metronome/state');
  const scheduler = new JobScheduler(cfg, store);
  const calls: Call[] = [];
  scheduler.client = {
    subscribed: true,
    call: async (type: string, payload: Record<string, unknown> = {}) => {
      calls.push({ type, payload });
      return 202;
    },
  } as unknown as MesosClient;
  const runs = new RunManager(store, scheduler);
  scheduler.runs = runs;
  return { scheduler, runs, calls, cfg };
}

const offer = (cpus: number, mem: number): V1Offer => ({
  id: { value: 'o1' },
  framework_id: { value: 'f1' },
  agent_id: { value: 'a1' },
  hostname: 'agent-1',
  resources: [
    { name: 'cpus', type: 'SCALAR', scalar: { value: cpus }, role: '*' },
    { name: 'mem', type: 'SCALAR', scalar: { value: mem }, role: '*' },
    { name: 'disk', type: 'SCALAR', scalar: { value: 1000 }, role: '*' },
  ],
});

const job = (run: Record<string, unknown>) => {
  const r = readJob({ id: 'ci.build', run: { cpus: 0.5, mem: 64, disk: 0, ...run } });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
};
const settle = () => new Promise((r) => setTimeout(r, 10));

describe("Metronome's Mesos framework", () => {
  it('subscribes as metronome with checkpointing, 7 days of failover and the partition/region capabilities', async () => {
    const { scheduler } = setup();
    const info = await scheduler.frameworkInfo();
    expect(info).toMatchObject({
      name: 'metronome', checkpoint: true, failover_timeout: 604800, hostname: 'metronome-1', webui_url: 'http://metronome-1:9000',
      capabilities: [{ type: 'PARTITION_AWARE' }, { type: 'REGION_AWARE' }],
    });
    expect(info).not.toHaveProperty('role');
  });

  it('launches a command run as a shell CommandInfo with the run task name, REVIVEing for it first', async () => {
    const { scheduler, runs, calls } = setup();
    const run = runs.start(job({ cmd: 'make test' }));
    expect(calls.map((c) => c.type)).toEqual(['REVIVE']);
    scheduler.onOffers([offer(4, 1024)]);
    await settle();
    const accept = calls.find((c) => c.type === 'ACCEPT')!;
    const ops = accept.payload.operations as Array<{ launch: { task_infos: Array<Record<string, any>> } }>;
    const task = ops[0]!.launch.task_infos[0]!;
    expect(task.name).toBe(`${run.id}.build.ci`);
    expect(task.task_id.value).toMatch(new RegExp(`^ci_build_${run.id}\\.`));
    expect(task.command).toMatchObject({ shell: true, value: 'make test' });
    expect(task.resources.map((r: any) => [r.name, r.scalar.value])).toEqual([['cpus', 0.5], ['mem', 64]]);
    expect(task.container).toBeUndefined();
    expect(scheduler.queued()).toEqual([]);
  });

  it('runs a Docker job in a DOCKER ContainerInfo labelled with the task id', async () => {
    const { scheduler, runs, calls } = setup();
    runs.start(job({ docker: { image: 'alpine:3', forcePullImage: true } }));
    scheduler.onOffers([offer(1, 128)]);
    await settle();
    const task = (calls.find((c) => c.type === 'ACCEPT')!.payload.operations as any)[0].launch.task_infos[0];
    expect(task.container).toMatchObject({ type: 'DOCKER', docker: { image: 'alpine:3', network: 'HOST', force_pull_image: true } });
    expect(task.container.docker.parameters).toEqual([{ key: 'label', value: `MESOS_TASK_ID=${task.task_id.value}` }]);
    expect(task.command.environment.variables).toContainEqual({ name: 'MARATHON_APP_DOCKER_IMAGE', value: 'alpine:3' });
  });

  it('declines an offer too small for every waiting run with a 120 s filter', async () => {
    const { scheduler, runs, calls } = setup();
    runs.start(job({ cmd: 'x' }));
    scheduler.onOffers([offer(0.1, 1024)]);
    await settle();
    expect(calls.at(-1)).toEqual({ type: 'DECLINE', payload: { offer_ids: [{ value: 'o1' }], filters: { refuse_seconds: 120 } } });
    expect(scheduler.queued()).toHaveLength(1);
  });

  it('keeps running when a LIKE constraint does not compile: no agent meets it, the offer is declined', async () => {
    const { scheduler, runs, calls } = setup();
    runs.start(job({ cmd: 'x', placement: { constraints: [{ attribute: 'hostname', operator: 'LIKE', value: '(' }] } }));
    runs.start(job({ cmd: 'y', placement: { constraints: [{ attribute: 'hostname', operator: 'LIKE', value: 'agent-.*' }] } }));
    scheduler.onOffers([offer(4, 1024)]);
    await settle();
    const launched = (calls.find((c) => c.type === 'ACCEPT')!.payload.operations as any)[0].launch.task_infos;
    expect(launched.map((t: any) => t.command.value)).toEqual(['y']);
    expect(scheduler.queued()).toHaveLength(1);
  });

  it('acknowledges updates and kills a task whose run is over', async () => {
    const { scheduler, runs, calls } = setup();
    const run = runs.start(job({ cmd: 'x' }));
    scheduler.onOffers([offer(1, 128)]);
    await settle();
    const taskId = (calls.find((c) => c.type === 'ACCEPT')!.payload.operations as any)[0].launch.task_infos[0].task_id.value;
    scheduler.onUpdate({ task_id: { value: taskId }, state: 'TASK_RUNNING', agent_id: { value: 'a1' }, uuid: 'u1' });
    expect(run.status).toBe('ACTIVE');
    expect(calls.at(-1)).toMatchObject({ type: 'ACKNOWLEDGE', payload: { uuid: 'u1', task_id: { value: taskId } } });
    scheduler.onUpdate({ task_id: { value: 'ci_build_20240101000000abcde.x' }, state: 'TASK_RUNNING', agent_id: { value: 'a1' } });
    expect(calls.at(-1)).toEqual({ type: 'KILL', payload: { task_id: { value: 'ci_build_20240101000000abcde.x' }, agent_id: { value: 'a1' } } });
  });
});

describe('Metronome settings', () => {
  it('reads METRONOME_* variables, with -D properties winning, and the upstream defaults', () => {
    const env = { METRONOME_ZK_URL: 'zk://zk:2181/metronome', METRONOME_MESOS_MASTER_URL: 'zk://zk:2181/mesos', METRONOME_PLAY_SERVER_HTTP_PORT: '9100' };
    const cfg = loadConfig(['-d', '-Dplay.server.http.port=9200'], env);
    expect(cfg).toMatchObject({ zkUrl: 'zk://zk:2181/metronome', master: 'zk://zk:2181/mesos', httpPort: 9200, frameworkName: 'metronome', historyCount: 1000 });
    expect(loadConfig([], {})).toMatchObject({ zkUrl: 'zk://localhost:2181/metronome', master: 'localhost:5050', httpPort: 9000 });
  });
});

