// A failover of three emulated masters with --registry=replicated_log, with an
// agent and Marathon running a task. The agent and Marathon are paused while
// the leader dies, so the new leader's view before they come back can be seen:
// the old leader's agent as recovered (from the registry), then registered
// again with its id; Marathon's framework learned again from that agent (as
// recovered), then active again with its id once Marathon re-subscribes; the
// task running throughout. Frameworks are not in a 1.7 registry: until an agent
// or the scheduler comes back, the new leader lists none.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, TestNet, type TestContainer } from './harness.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const REGISTRY = 'replicated_log';

async function getJson(url: string): Promise<Json> {
  // (30 s per request only guards against a hang)
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(30_000) });
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

describe('emulated masters keep agents and frameworks across a failover (--registry=replicated_log)', () => {
  let net: TestNet;
  let masters: TestContainer[] = [];
  let agent: TestContainer;
  let marathon: TestContainer;
  let m = '';
  const paused = new Set<TestContainer>();

  const pause = async (c: TestContainer) => {
    // the cgroup freezer can fail on a busy machine ("unable to freeze") while a
    // process sits in uninterruptible IO; runc thaws the container then: try again
    for (let attempt = 1; ; attempt++) {
      try {
        await net.docker.getContainer(c.id).pause();
        break;
      } catch (err) {
        if (attempt >= 5 || !/unable to freeze/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    paused.add(c);
  };
  const unpause = async (c: TestContainer) => {
    await net.docker.getContainer(c.id).unpause();
    paused.delete(c);
  };
  /** The one master reporting master/elected 1 among `candidates`. */
  const findLeader = (candidates: TestContainer[]) =>
    eventually('exactly one elected master', async () => {
      const flags = await Promise.all(candidates.map((c) => getJson(`${c.url(5050)}/metrics/snapshot`).then((s) => s['master/elected']).catch(() => undefined)));
      const leaders = candidates.filter((_, i) => flags[i] === 1);
      return leaders.length === 1 && flags.every((f) => f !== undefined) ? leaders[0] : undefined;
    }, 120_000, 500);

  beforeAll(async () => {
    net = await TestNet.create('master-failover');
    const zk = await net.run({ name: 'zk', target: 'zookeeper' });
    const zkUrl = `zk://${zk.ip}:2181/mesos`;
    const env = {
      MESOS_ZK: zkUrl,
      MESOS_QUORUM: '2',
      MESOS_REGISTRY: REGISTRY,
      MESOS_WORK_DIR: '/var/lib/mesos/master',
      MESOS_ZK_SESSION_TIMEOUT: '6secs',
    };
    // (the flag too: the image's CMD, like mesosphere/mesos-master's, says --registry=in_memory)
    masters = await Promise.all([1, 2, 3].map((n) => net.run({ name: `master${n}`, target: 'mesos-master', env, cmd: [`--registry=${REGISTRY}`], publish: [5050] })));
    agent = await net.run({
      name: 'agent1',
      target: 'mesos-agent',
      env: {
        MESOS_MASTER: zkUrl,
        MESOS_WORK_DIR: '/var/lib/mesos/agent',
        MESOS_RESOURCES: 'cpus:2;mem:1024;disk:2048;ports:[31000-31100]',
        MESOS_SWITCH_USER: 'false',
        MESOS_SYSTEMD_ENABLE_SUPPORT: 'false',
      },
    });
    marathon = await net.run({
      name: 'marathon',
      target: 'marathon',
      // (it reconciles its tasks every 2 s rather than every 10 minutes, so the test can wait for one with the new leader)
      cmd: ['--master', zkUrl, '--zk', `zk://${zk.ip}:2181/marathon`, '--reconciliation_initial_delay', '1000', '--reconciliation_interval', '2000'],
      publish: [8080],
    });
    m = marathon.url(8080);
  });

  afterAll(async () => {
    for (const c of paused) await net.docker.getContainer(c.id).unpause().catch(() => undefined);
    if (process.env.MESOS_UP_TEST_LOGS) {
      for (const c of [...masters, agent, marathon].filter(Boolean)) writeFileSync(`${process.env.MESOS_UP_TEST_LOGS}/${c.name}.log`, await c.logs());
    }
    await net?.cleanup();
  });

  it('lists the old leader\'s agent as recovered, then registered again; Marathon\'s framework as recovered, then active; the task keeps running', async () => {
    // (every wait below only guards against a hang: ZooKeeper sessions, elections and re-registrations have no deadline of their own)
    const leader = await findLeader(masters);
    const frameworkId: string = await eventually('Marathon registered', async () => (await getJson(`${m}/v2/info`)).frameworkId || undefined, 120_000, 500);
    const agentId: string = await eventually('the agent registered', async () => (await getJson(`${leader.url(5050)}/master/state`)).slaves[0]?.id, 120_000, 500);
    const created = await fetch(`${m}/v2/apps`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: '/sleeper', cmd: 'sleep 3600', cpus: 0.1, mem: 16, instances: 1 }),
    });
    expect(created.status, await created.text()).toBe(201);
    const task = await eventually('the sleeper running', async () => {
      const tasks = (await getJson(`${m}/v2/apps/sleeper/tasks`)).tasks as Json[];
      return tasks.length === 1 && tasks[0].state === 'TASK_RUNNING' ? tasks[0] : undefined;
    }, 120_000, 500);
    expect(task.slaveId).toBe(agentId);

    // The leader dies while the agent and Marathon cannot answer.
    await pause(agent);
    await pause(marathon);
    await leader.kill();
    const standbys = masters.filter((c) => c !== leader);
    const next = await findLeader(standbys);
    const url = next.url(5050);

    // Once it has read the registry: the agent as recovered, with the old leader's id; no framework yet.
    const recovered = await eventually('the new leader to list the agent as recovered', async () => {
      const s = await getJson(`${url}/master/state`);
      return s.recovered_slaves.length ? s : undefined;
    }, 120_000, 500);
    expect(recovered.recovered_slaves, JSON.stringify(recovered.recovered_slaves)).toEqual([{ id: agentId, hostname: agent.ip, port: 5051, attributes: {} }]);
    expect(recovered.slaves).toEqual([]);
    expect(recovered.frameworks).toEqual([]);
    expect((await getJson(`${url}/master/slaves`)).recovered_slaves.map((s: Json) => s.id)).toEqual([agentId]);
    expect((await getJson(`${url}/master/frameworks`)).frameworks).toEqual([]);

    // The agent comes back: registered with its id, and Marathon's framework is known again (recovered, with the task).
    await unpause(agent);
    const reregistered = await eventually('the agent to re-register', async () => {
      const s = await getJson(`${url}/master/state`);
      return s.slaves.length === 1 && s.frameworks.length === 1 ? s : undefined;
    }, 120_000, 500);
    expect(reregistered.recovered_slaves).toEqual([]);
    expect(reregistered.slaves.map((s: Json) => [s.id, s.active])).toEqual([[agentId, true]]);
    const fw = reregistered.frameworks[0];
    expect([fw.id, fw.name, fw.recovered, fw.active, fw.connected]).toEqual([frameworkId, 'marathon', true, false, false]);
    expect(fw.tasks.map((t: Json) => [t.id, t.state, t.slave_id])).toEqual([[task.id, 'TASK_RUNNING', agentId]]);

    // Marathon comes back: it re-subscribes with its framework id and is active again.
    await unpause(marathon);
    const active = await eventually('Marathon to re-subscribe', async () => {
      const f = (await getJson(`${url}/master/frameworks`)).frameworks as Json[];
      return f.length === 1 && f[0].active ? f[0] : undefined;
    }, 120_000, 500);
    expect([active.id, active.recovered, active.connected]).toEqual([frameworkId, false, true]);
    expect(active.tasks.map((t: Json) => [t.id, t.state])).toEqual([[task.id, 'TASK_RUNNING']]);
    expect((await getJson(`${m}/v2/info`)).frameworkId).toBe(frameworkId);
    // Once Marathon has reconciled its tasks with the new leader it still has its one task, not a replacement.
    await eventually('Marathon to reconcile with the new leader', async () => (await getJson(`${url}/metrics/snapshot`))['master/messages_reconcile_tasks'] >= 1, 120_000, 500);
    const after = (await getJson(`${m}/v2/apps/sleeper/tasks`)).tasks as Json[];
    expect(after.map((t) => [t.id, t.state])).toEqual([[task.id, 'TASK_RUNNING']]);
  });
});
