// Maintenance as a Mesos 1.7.1 master does it: a schedule whose machines
// drain (offers carry the unavailability, frameworks using them get inverse
// offers and answer them), /maintenance/status, a machine brought down (its
// agent told to shut down and removed, its tasks lost, the agent kept out),
// then up again; with the endpoints' and the v1 calls' texts.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, officialImagesMissing, TEST_IMAGES, TestNet, type TestContainer } from './harness.js';
import { Scheduler } from './scheduler-client.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

async function getJson(url: string): Promise<Json> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  expect(res.status, url).toBe(200);
  return res.json();
}

async function post(url: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  return { status: res.status, text: await res.text() };
}

const HOUR_NS = 3600 * 1e9;
/** whole seconds: their nanoseconds are exact doubles, so int64 JSON round-trips */
const seconds = () => Math.floor(Date.now() / 1000);

describe.skipIf(officialImagesMissing)(`${TEST_IMAGES.flavour} maintenance (1.7 API)`, () => {
  let net: TestNet;
  let master: TestContainer;
  let first: TestContainer;
  let second: TestContainer;
  let sched: Scheduler;
  /** the machine of the first agent, as the master matches it: its hostname and address */
  let machine: { hostname: string; ip: string };
  let agentId = '';
  /** an offer of the draining agent the framework keeps for the next test */
  let drainingOffer: Json;
  const api = (path: string) => `${master.url(5050)}${path}`;
  const slaves = async () => (await getJson(api('/master/slaves'))).slaves as Json[];

  beforeAll(async () => {
    net = await TestNet.create('maintenance');
    const zk = await net.run({ name: 'zk', target: 'zookeeper' });
    const zkUrl = `zk://${zk.ip}:2181/mesos`;
    master = await net.run({
      name: 'master', target: 'mesos-master', publish: [5050],
      env: { MESOS_ZK: zkUrl, MESOS_QUORUM: '1', MESOS_REGISTRY: 'in_memory', MESOS_WORK_DIR: '/var/lib/mesos', MESOS_ALLOCATION_INTERVAL: '500ms' },
    });
    const agentEnv = (name: string) => ({
      MESOS_MASTER: zkUrl, MESOS_WORK_DIR: '/tmp/mesos', MESOS_SYSTEMD_ENABLE_SUPPORT: 'false', MESOS_CONTAINERIZERS: 'mesos',
      MESOS_SWITCH_USER: 'false', MESOS_LAUNCHER: 'posix', MESOS_HOSTNAME: name, MESOS_RESOURCES: 'cpus:1;mem:512;disk:500;ports:[31000-31010]',
    });
    // a fixed address: the machine must be the same one when the agent starts again
    first = await net.run({ name: 'first', target: 'mesos-agent', env: agentEnv('first.example'), ip: net.address(60) });
    second = await net.run({ name: 'second', target: 'mesos-agent', env: agentEnv('second.example') });
    await eventually('both agents registered', async () => (await slaves().catch(() => [])).filter((s) => s.active).length === 2, 60_000, 500);
    const a = (await slaves()).find((s) => s.hostname === 'first.example');
    agentId = a.id;
    machine = { hostname: 'first.example', ip: /@([\d.]+):/.exec(a.pid)![1]! };
    sched = new Scheduler(master.url(5050));
    await sched.subscribe({ user: 'root', name: 'maintenance test', failover_timeout: 0 });
    await sched.next((e) => e.type === 'SUBSCRIBED');
  });

  afterAll(async () => {
    sched?.close();
    if (process.env.MESOS_UP_TEST_LOGS) {
      for (const c of [master, first, second].filter(Boolean)) writeFileSync(`${process.env.MESOS_UP_TEST_LOGS}/${c.name}.log`, await c.logs());
    }
    await net?.cleanup();
  });

  it('refuses a bad schedule with the texts of maintenance.cpp, and has none to begin with', async () => {
    expect(await getJson(api('/master/maintenance/schedule'))).toEqual({});
    expect(await getJson(api('/master/maintenance/status'))).toEqual({});
    const window = (machines: Json[], duration = HOUR_NS) => ({ windows: [{ machine_ids: machines, unavailability: { start: { nanoseconds: seconds() * 1e9 }, duration: { nanoseconds: duration } } }] });
    const refused = async (body: unknown) => post(api('/master/maintenance/schedule'), body);
    expect(await refused(window([]))).toEqual({ status: 400, text: 'List of machines in the maintenance window is empty' });
    expect(await refused(window([machine], -1))).toEqual({ status: 400, text: "Unavailability 'duration' is negative" });
    expect(await refused(window([{ hostname: '' }]))).toEqual({ status: 400, text: "Both 'hostname' and 'ip' for a machine are empty" });
    expect(await refused(window([{ ip: '10.0.0.300' }]))).toEqual({ status: 400, text: 'Failed to parse IPv4: 10.0.0.300' });
    // hostnames compare without case
    expect(await refused(window([machine, { ...machine, hostname: 'FIRST.example' }]))).toEqual({
      status: 400, text: `Machine '{"hostname":"FIRST.example","ip":"${machine.ip}"}' appears more than once in the schedule`,
    });
    expect(await refused({ windows: [{ machine_ids: [machine] }] })).toEqual({ status: 400, text: 'Missing required fields: windows[0].unavailability' });
    expect(await refused('[]')).toEqual({ status: 400, text: 'Unexpected JSON type parsed' });
    const down = await post(api('/master/machine/down'), [{ hostname: 'nowhere', ip: '10.9.9.9' }]);
    expect(down).toEqual({ status: 400, text: `Machine '{"hostname":"nowhere","ip":"10.9.9.9"}' is not part of a maintenance schedule` });
    // an agent's machine is known, but it is UP
    expect(await post(api('/master/machine/down'), [machine])).toEqual({ status: 400, text: `Machine '${JSON.stringify(machine)}' is not in DRAINING mode and cannot be brought down` });
    expect(await post(api('/master/machine/up'), [])).toEqual({ status: 400, text: 'List of machines is empty' });
  });

  it('drains a scheduled machine: offers carry its unavailability, frameworks get inverse offers and their answers show', async () => {
    const start = (seconds() + 3600) * 1e9;
    const schedule = { windows: [{ machine_ids: [machine], unavailability: { start: { nanoseconds: start }, duration: { nanoseconds: HOUR_NS } } }] };
    // what came before the schedule does not count
    sched.drain(() => true);
    // through the v1 call, as operators' tools send it
    expect(await post(api('/api/v1'), { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule } })).toEqual({ status: 200, text: '' });
    expect(await getJson(api('/master/maintenance/schedule'))).toEqual({
      windows: [{ machine_ids: [{ hostname: machine.hostname, ip: machine.ip }], unavailability: { duration: { nanoseconds: HOUR_NS }, start: { nanoseconds: start } } }],
    });
    expect(await getJson(api('/master/maintenance/status'))).toEqual({ draining_machines: [{ id: { hostname: machine.hostname, ip: machine.ip } }] });

    const offer = await eventually('an offer from the draining agent', async () => {
      const e = await sched.next((x) => x.type === 'OFFERS', 30_000);
      return e.offers.offers.find((o: Json) => o.agent_id.value === agentId);
    });
    expect(offer.unavailability).toEqual({ start: { nanoseconds: start }, duration: { nanoseconds: HOUR_NS } });
    drainingOffer = offer;
    const inverse = (await sched.next((e) => e.type === 'INVERSE_OFFERS')).inverse_offers.inverse_offers[0];
    expect(inverse).toMatchObject({ framework_id: { value: sched.frameworkId }, agent_id: { value: agentId }, unavailability: { start: { nanoseconds: start } } });
    expect(inverse.resources).toBeUndefined();
    const frameworks = JSON.parse((await post(api('/api/v1'), { type: 'GET_FRAMEWORKS' })).text).get_frameworks.frameworks;
    expect(frameworks.find((f: Json) => f.framework_info.id.value === sched.frameworkId).inverse_offers.map((i: Json) => i.id.value)).toEqual([inverse.id.value]);

    expect((await sched.call({ type: 'DECLINE_INVERSE_OFFERS', decline_inverse_offers: { inverse_offer_ids: [inverse.id], filters: { refuse_seconds: 1 } } })).status).toBe(202);
    const declined = (await getJson(api('/master/maintenance/status'))).draining_machines[0].statuses;
    expect(declined).toEqual([{ framework_id: { value: sched.frameworkId }, status: 'DECLINE', timestamp: { nanoseconds: expect.any(Number) } }]);
    // after the filter, a new one; accepting it is recorded the same way
    const again = (await sched.next((e) => e.type === 'INVERSE_OFFERS' && e.inverse_offers.inverse_offers[0].id.value !== inverse.id.value)).inverse_offers.inverse_offers[0];
    expect((await sched.call({ type: 'ACCEPT_INVERSE_OFFERS', accept_inverse_offers: { inverse_offer_ids: [again.id], filters: { refuse_seconds: 3600 } } })).status).toBe(202);
    const status = JSON.parse((await post(api('/api/v1'), { type: 'GET_MAINTENANCE_STATUS' })).text).get_maintenance_status.status;
    expect(status.draining_machines[0].statuses[0].status).toBe('ACCEPT');
  });

  it("brings the machine down: its agent is shut down and removed, its tasks lost, and it is kept out until the machine is up", async () => {
    // a task on the draining agent, from the offer the framework still holds
    const offer = drainingOffer;
    const res = (name: string, value: number) => ({ name, type: 'SCALAR', scalar: { value } });
    const task = { name: 'sleeper', task_id: { value: 'sleeper' }, agent_id: { value: agentId }, resources: [res('cpus', 0.1), res('mem', 32)], command: { value: 'sleep 600' } };
    expect((await sched.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] } })).status).toBe(202);
    await sched.next((e) => e.type === 'UPDATE' && e.update.status.task_id.value === 'sleeper' && e.update.status.state === 'TASK_RUNNING');

    expect(await post(api('/api/v1'), { type: 'START_MAINTENANCE', start_maintenance: { machines: [machine] } })).toEqual({ status: 200, text: '' });
    const lost = (await sched.next((e) => e.type === 'UPDATE' && e.update.status.task_id.value === 'sleeper' && e.update.status.state === 'TASK_LOST')).update.status;
    expect(lost).toMatchObject({ source: 'SOURCE_MASTER', reason: 'REASON_SLAVE_REMOVED', message: `Agent ${machine.hostname} removed: Operator initiated 'Machine DOWN'` });
    expect((await sched.next((e) => e.type === 'FAILURE')).failure).toEqual({ agent_id: { value: agentId } });
    expect((await slaves()).map((s) => s.hostname)).toEqual(['second.example']);
    expect(await getJson(api('/master/maintenance/status'))).toEqual({ down_machines: [{ hostname: machine.hostname, ip: machine.ip }] });
    // the agent was told to shut down, and exits
    await eventually('the agent process to exit', async () => !(await first.inspectRunning()), 60_000, 500);
    // a DOWN machine stays in the schedule
    expect(await post(api('/master/maintenance/schedule'), { windows: [] })).toEqual({
      status: 400, text: `Machine '${JSON.stringify(machine)}' is deactivated and cannot be removed from the schedule`,
    });
    // started again, it is refused and shuts down again
    await first.start();
    await eventually('the refused agent to exit', async () => !(await first.inspectRunning()), 60_000, 500);
    expect((await slaves()).map((s) => s.hostname)).toEqual(['second.example']);

    // up: out of the schedule; the agent registers again
    expect(await post(api('/master/machine/up'), [machine])).toEqual({ status: 200, text: '' });
    expect(await getJson(api('/master/maintenance/schedule'))).toEqual({});
    expect(await getJson(api('/master/maintenance/status'))).toEqual({});
    await first.start();
    await eventually('the agent back', async () => (await slaves()).some((s) => s.hostname === machine.hostname && s.active), 60_000, 500);
  });
});
