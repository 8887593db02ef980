// Task groups (LAUNCH_GROUP) as Mesos 1.7.1 runs them: the master's group
// validation, tasks under one default executor in nested containers (their
// sandboxes inside the executor's, no executor environment), a failed task
// taking its own group down but not another group of the same executor, and
// how /master/state and the agent's /state show them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, officialImagesMissing, TEST_IMAGES, TestNet, type TestContainer } from './harness.js';
import { Scheduler } from './scheduler-client.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const scalar = (name: string, value: number) => ({ name, type: 'SCALAR', scalar: { value } });

describe.skipIf(officialImagesMissing)(`${TEST_IMAGES.flavour} task groups (1.7 API)`, () => {
  let net: TestNet;
  let master: TestContainer;
  let agent: TestContainer;
  let s: Scheduler;
  let agentId = '';
  const getJson = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(30_000) })).json() as Promise<Json>;

  const executor = (id: string, extra: Json = {}) => ({
    executor_id: { value: id }, type: 'DEFAULT', framework_id: { value: s.frameworkId },
    resources: [scalar('cpus', 0.1), scalar('mem', 32), scalar('disk', 10)], ...extra,
  });
  const task = (id: string, cmd: string) => ({ name: id, task_id: { value: id }, agent_id: { value: agentId }, resources: [scalar('cpus', 0.1), scalar('mem', 32)], command: { value: cmd } });
  const states = (id: string) => s.events.filter((e) => e.type === 'UPDATE' && e.update.status.task_id.value === id).map((e) => e.update.status);
  // (a timeout names, when it happens, the states the task did reach and the last events of the stream)
  const until = (id: string, state: string) =>
    eventually(`${id} ${state}`, async () => states(id).find((x) => x.state === state), 60_000, 250).catch((err: Error) => {
      const last = s.events.slice(-8).map((e) => (e.type === 'UPDATE' ? `UPDATE ${e.update.status.task_id.value} ${e.update.status.state}` : e.type));
      throw new Error(`${err.message}; seen: ${JSON.stringify(states(id).map((x) => [x.state, x.message]))}; stream ${s.ended ? 'ended' : 'open'}; last events: ${JSON.stringify(last)}`);
    });

  // Every offer outstanding on the agent, taken together: resources a finished
  // task frees come back as an offer of their own, so the oldest offer alone may
  // be too small for the next group (the master would answer TASK_ERROR).
  async function offerIds(): Promise<Json[]> {
    const first = await s.next((x) => x.type === 'OFFERS', 60_000);
    const offers = [...first.offers.offers, ...s.drain((x) => x.type === 'OFFERS').flatMap((x) => x.offers.offers)];
    const rescinded = new Set(s.events.filter((x) => x.type === 'RESCIND').map((x) => x.rescind.offer_id.value));
    return offers.filter((o) => !rescinded.has(o.id.value)).map((o) => o.id);
  }

  async function launchGroup(exec: Json, tasks: Json[]): Promise<void> {
    const r = await s.call({ type: 'ACCEPT', accept: { offer_ids: await offerIds(), operations: [{ type: 'LAUNCH_GROUP', launch_group: { executor: exec, task_group: { tasks } } }], filters: { refuse_seconds: 0 } } });
    expect(r.status).toBe(202);
  }

  beforeAll(async () => {
    net = await TestNet.create('task-groups');
    const zk = await net.run({ name: 'zk', target: 'zookeeper' });
    const zkUrl = `zk://${zk.ip}:2181/mesos`;
    master = await net.run({ name: 'master', target: 'mesos-master', publish: [5050], env: { MESOS_ZK: zkUrl, MESOS_QUORUM: '1', MESOS_REGISTRY: 'in_memory', MESOS_WORK_DIR: '/var/lib/mesos', MESOS_ALLOCATION_INTERVAL: '500ms' } });
    agent = await net.run({
      name: 'agent', target: 'mesos-agent', publish: [5051],
      env: { MESOS_MASTER: zkUrl, MESOS_WORK_DIR: '/var/lib/mesos/agent', MESOS_SYSTEMD_ENABLE_SUPPORT: 'false', MESOS_CONTAINERIZERS: 'mesos', MESOS_SWITCH_USER: 'false', MESOS_LAUNCHER: 'posix', MESOS_RESOURCES: 'cpus:2;mem:1024;disk:1000;ports:[31000-31010]' },
    });
    agentId = await eventually('agent registered', async () => (await getJson(`${master.url(5050)}/master/slaves`).catch(() => ({ slaves: [] }))).slaves[0]?.id, 60_000, 500);
    s = new Scheduler(master.url(5050));
    await s.subscribe({ user: 'root', name: 'groups' });
    await s.next((e) => e.type === 'SUBSCRIBED');
  });

  afterAll(async () => {
    s?.close();
    await net?.cleanup();
  });

  it("refuses a whole group for one problem, with validation::task::group's texts", async () => {
    await launchGroup(executor('E0', { framework_id: undefined }), [task('bad-1', 'true'), task('bad-2', 'true')]);
    for (const id of ['bad-1', 'bad-2']) {
      expect(await until(id, 'TASK_ERROR')).toMatchObject({ source: 'SOURCE_MASTER', reason: 'REASON_TASK_GROUP_INVALID', message: "'ExecutorInfo.framework_id' must be set" });
    }
    await launchGroup(executor('E0', { resources: [scalar('cpus', 0.1), scalar('mem', 16), scalar('disk', 10)] }), [task('small', 'true')]);
    expect((await until('small', 'TASK_ERROR')).message).toBe("Executor 'E0' uses less memory (16MB) than the minimum required (32MB)");
    // one task id twice: nothing launches, the others are killed before delivery
    await launchGroup(executor('E0'), [task('twin', 'true'), task('twin', 'true'), task('other', 'true')]);
    expect(await until('other', 'TASK_KILLED')).toMatchObject({ reason: 'REASON_TASK_KILLED_DURING_LAUNCH', message: 'A task within the task group was killed before delivery to the agent' });
    // a default executor only runs task groups
    const lone = { ...task('lone', 'true'), command: undefined, executor: executor('E9') };
    expect((await s.call({ type: 'ACCEPT', accept: { offer_ids: await offerIds(), operations: [{ type: 'LAUNCH', launch: { task_infos: [lone] } }], filters: { refuse_seconds: 0 } } })).status).toBe(202);
    expect(await until('lone', 'TASK_ERROR')).toMatchObject({ reason: 'REASON_TASK_INVALID', message: "'ExecutorInfo.type' must be 'CUSTOM'" });
  });

  it('runs a group under one default executor, each task in a nested container of it', async () => {
    await launchGroup(executor('E1'), [
      task('long-1', 'sleep 600'),
      // no executor environment, its own sandbox inside the executor's
      task('check-1', 'test -z "$MESOS_TASK_ID" && test -z "$MESOS_EXECUTOR_ID" && test -n "$MESOS_CONTAINER_IP" && test "$MESOS_SANDBOX" = "$PWD" && echo in-nested > out.txt'),
    ]);
    const finished = await until('check-1', 'TASK_FINISHED');
    expect(finished.executor_id).toEqual({ value: 'E1' });
    const running = await until('long-1', 'TASK_RUNNING');
    expect(running.container_status.container_id.parent).toEqual({ value: expect.any(String) });

    const state = await getJson(`http://127.0.0.1:${agent.hostPort(5051)}/state`);
    const executors = state.frameworks.find((f: Json) => f.id === s.frameworkId).executors;
    expect(executors).toHaveLength(1);
    const e1 = executors[0];
    // the executor's own resources and its running task's (an ended task holds nothing)
    expect(e1).toMatchObject({ id: 'E1', type: 'DEFAULT', container: running.container_status.container_id.parent.value, resources: { cpus: 0.2, mem: 64, disk: 10 } });
    expect(e1.tasks.map((t: Json) => [t.id, t.executor_id])).toEqual([['long-1', 'E1']]);
    expect(e1.completed_tasks.map((t: Json) => t.id)).toEqual(['check-1']);
    // the operator API: one executor as the scheduler gave it, tasks naming it
    const v1 = async (type: string) => (await fetch(`http://127.0.0.1:${agent.hostPort(5051)}/api/v1`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ type }) })).json() as Promise<Json>;
    expect((await v1('GET_EXECUTORS')).get_executors.executors.map((e: Json) => [e.executor_info.executor_id.value, e.executor_info.type, e.executor_info.command])).toEqual([['E1', 'DEFAULT', undefined]]);
    expect((await v1('GET_TASKS')).get_tasks.launched_tasks.map((t: Json) => [t.task_id.value, t.executor_id?.value])).toEqual([['long-1', 'E1']]);
    // the task's sandbox is linked from the executor's tasks/<id>
    const out = await agent.exec(['cat', `${e1.directory}/tasks/check-1/out.txt`]);
    expect(out.output.trim()).toBe('in-nested');

    const master1 = await getJson(`${master.url(5050)}/master/state`);
    const fw = master1.frameworks.find((f: Json) => f.id === s.frameworkId);
    expect(fw.executors.map((e: Json) => [e.executor_id, e.type, e.command])).toEqual([['E1', 'DEFAULT', { argv: [], uris: [] }]]);
    expect(fw.tasks.find((t: Json) => t.id === 'long-1').executor_id).toBe('E1');
  });

  it("shares a pod's ephemeral volume between the tasks of a group (SANDBOX_PATH, PARENT)", async () => {
    const shared = { type: 'MESOS', volumes: [{ container_path: 'data', mode: 'RW', source: { type: 'SANDBOX_PATH', sandbox_path: { type: 'PARENT', path: 'volumes/data' } } }] };
    await launchGroup(executor('E2'), [
      { ...task('writer-3', 'echo shared > data/note'), container: shared },
      { ...task('reader-3', 'for i in 1 2 3 4 5 6 7 8 9 10; do grep -q shared data/note 2>/dev/null && exit 0; sleep 0.5; done; exit 1'), container: shared },
    ]);
    await until('writer-3', 'TASK_FINISHED');
    await until('reader-3', 'TASK_FINISHED');
  });

  it('kills the rest of a group when one of its tasks fails, and leaves other groups of the executor running', async () => {
    await launchGroup(executor('E1'), [task('long-2', 'sleep 600'), task('fails-2', 'sleep 1; exit 3')]);
    expect((await until('fails-2', 'TASK_FAILED')).message).toBe('Command exited with status 3');
    await until('long-2', 'TASK_KILLED');
    expect(states('long-1').at(-1).state).toBe('TASK_RUNNING');
  });
});
