// The emulated master's registry across a failover, in-process and on a fake
// clock (the real --agent_reregister_timeout is at least 10 minutes): two
// masters share one registry store as the masters of a cluster share the
// ZooKeeper node; what the first admitted, the second recovers. Checked through
// what the endpoints (/master/state, /master/slaves, /metrics/snapshot) and a
// scheduler's event stream show. test/emulator/master-failover.test.ts runs the
// same story on real containers.
import type http from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseMesosFlags } from '../../../emulator/src/common/flags.js';
import { RecordDecoder } from '../../../emulator/src/common/recordio.js';
import { loadConfig } from '../../../emulator/src/master/config.js';
import { frameworksJson, metricsJson, slavesJson, stateJson } from '../../../emulator/src/master/json.js';
import { Master } from '../../../emulator/src/master/master.js';
import { recoverySettings } from '../../../emulator/src/master/recovery.js';
import { MemoryStorage, registryStorage, ZkStorage } from '../../../emulator/src/master/registry-storage.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const TEN_MINUTES = 10 * 60_000;
const RESOURCES = [
  { name: 'cpus', type: 'SCALAR', scalar: { value: 2 } },
  { name: 'mem', type: 'SCALAR', scalar: { value: 1024 } },
];

let logs: string[] = [];
let agentCalls: Array<{ agent: string; path: string; body: unknown }> = [];
let exits: number[] = [];

beforeEach(() => {
  vi.useFakeTimers();
  logs = [];
  exits = [];
  agentCalls = [];
  const keep = (...args: unknown[]) => void logs.push(args.join(' '));
  vi.spyOn(console, 'log').mockImplementation(keep);
  vi.spyOn(console, 'error').mockImplementation(keep);
  // A master that must not go on (registrar aborted, removal limit) exits; here it is only recorded.
  vi.spyOn(process, 'exit').mockImplementation(((code?: number) => void exits.push(code ?? 0)) as never);
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function config(...flags: string[]) {
  return loadConfig(parseMesosFlags(['--registry=replicated_log', '--work_dir=/var/lib/mesos', '--ip=10.0.0.2', ...flags], {}), {});
}

const masters: Master[] = [];
afterEach(() => masters.splice(0).forEach((m) => m.stop()));

/** A master elected as leader on `storage`, once it has recovered the registry. */
async function elect(storage: MemoryStorage, ...flags: string[]): Promise<Master> {
  const m = new Master(config(...flags), storage);
  // no network: the master's calls to agents are recorded here
  m.books.toAgent = async (agent, path, body) => (agentCalls.push({ agent: agent.id, path, body }), true);
  masters.push(m);
  m.setLeader(m.info, true);
  await vi.advanceTimersByTimeAsync(0);
  expect(m.recovered).toBe(true);
  return m;
}

/** A v1 scheduler's SUBSCRIBE stream, decoded. */
function subscribe(m: Master, frameworkInfo: Json): { events: Json[] } {
  const decoder = new RecordDecoder();
  const out = { events: [] as Json[] };
  const res = { write: (chunk: Buffer) => (out.events.push(...decoder.push(chunk)), true), end: () => undefined, on: () => res } as unknown as http.ServerResponse;
  m.scheduler.subscribe({ id: `stream-${frameworkInfo.name}`, res, closed: false, contentType: 'application/json' }, { framework_info: frameworkInfo });
  return out;
}

/** The agent link's register, its answer as the JSON an agent reads. */
const register = (m: Master, body: Json): Promise<Json> => m.agentLink.register(body);

const agentBody = (name: string, id = '', tasks: Json[] = []) => ({
  agent_id: id, hostname: name, ip: `10.0.0.${name.slice(-1)}`, port: 5051, resources: RESOURCES, attributes: { rack: name }, tasks,
});

const MARATHON = { name: 'marathon', user: 'root', failover_timeout: 604800, capabilities: [{ type: 'PARTITION_AWARE' }] };

describe('the emulated master after a failover (--registry=replicated_log)', () => {
  it('recovers the agents the old leader admitted, learns frameworks again from agents and schedulers, and fences the old leader', async () => {
    const storage = new MemoryStorage();
    const old = await elect(storage);
    const agent = (await register(old, agentBody('agent1')))!;
    const fw = subscribe(old, MARATHON).events.find((e) => e.type === 'SUBSCRIBED').subscribed.framework_id.value;

    const leader = await elect(storage);
    const info = { id: agent.agent_id, hostname: 'agent1', port: 5051, attributes: { rack: 'agent1' } };
    let state = stateJson(leader);
    expect(state.recovered_slaves).toEqual([info]);
    expect(state.slaves).toEqual([]);
    expect(slavesJson(leader).recovered_slaves).toEqual([info]);
    expect(slavesJson(leader, 'elsewhere').recovered_slaves).toEqual([]);
    // frameworks are not in the registry: none until an agent or the scheduler says so
    expect(frameworksJson(leader).frameworks).toEqual([]);
    expect(logs.join('\n')).toContain('Recovered 1 agents from the registry');

    // The old leader, still running somewhere, cannot overwrite the registry.
    void register(old, agentBody('agent9'));
    await vi.advanceTimersByTimeAsync(0);
    expect(exits).toEqual([1]);
    expect(logs.join('\n')).toContain('Registrar aborting: Failed to update registry: version mismatch');

    // The agent comes back with its id and Marathon's task: Marathon is known again, as recovered.
    const task = { task_id: { value: 'app.1' }, name: 'app', agent_id: { value: agent.agent_id }, resources: RESOURCES.slice(0, 1), command: { value: 'sleep 1000' } };
    const back = await register(leader, agentBody('agent1', agent.agent_id, [
      { framework_id: fw, framework_info: { ...MARATHON, id: { value: fw } }, task, state: 'TASK_RUNNING', statuses: [{ state: 'TASK_RUNNING', timestamp: 1 }] },
    ]));
    expect(back?.agent_id).toBe(agent.agent_id);
    state = stateJson(leader);
    expect(state.recovered_slaves).toEqual([]);
    expect((state.slaves as Json[]).map((s) => [s.id, s.active])).toEqual([[agent.agent_id, true]]);
    const recovered = (state.frameworks as Json[]).map((f) => ({ id: f.id, active: f.active, connected: f.connected, recovered: f.recovered, registered_time: f.registered_time, tasks: f.tasks.map((t: Json) => [t.id, t.state]) }));
    expect(recovered).toEqual([{ id: fw, active: false, connected: false, recovered: true, registered_time: 0, tasks: [['app.1', 'TASK_RUNNING']] }]);

    // Marathon re-subscribes with its id: active again, same id, same task.
    const events = subscribe(leader, { ...MARATHON, id: { value: fw } }).events;
    expect(events[0].subscribed.framework_id.value).toBe(fw);
    const active = (stateJson(leader).frameworks as Json[])[0];
    expect([active.id, active.active, active.connected, active.recovered, active.registered_time > 0]).toEqual([fw, true, true, false, true]);
    expect(active.tasks.map((t: Json) => t.id)).toEqual(['app.1']);
  });

  it('gives a recovered agent agent_reregister_timeout to come back, then marks it unreachable and tells the frameworks', async () => {
    const storage = new MemoryStorage();
    const old = await elect(storage);
    const gone = (await register(old, agentBody('agent1')))!.agent_id;
    const stays = (await register(old, agentBody('agent2')))!.agent_id;

    old.stop(); // (the old leader is gone; its health checks would otherwise fail to write)
    const leader = await elect(storage, '--agent_ping_timeout=1hrs');
    await register(leader, agentBody('agent2', stays));
    const sched = subscribe(leader, MARATHON);
    const fw = leader.books.frameworks.values().next().value!;
    const updates = () => sched.events.filter((e) => e.type === 'UPDATE').map((e) => [e.update.status.task_id.value, e.update.status.state]);

    // Asked about a task on the agent that may still come back, the master stays silent.
    leader.scheduler.reconcile(fw, { tasks: [{ task_id: { value: 'app.1' }, agent_id: { value: gone } }] });
    expect(updates()).toEqual([]);

    await vi.advanceTimersByTimeAsync(TEN_MINUTES - 1000);
    expect((stateJson(leader).recovered_slaves as Json[]).map((s) => s.id)).toEqual([gone]);
    await vi.advanceTimersByTimeAsync(2000);

    const state = stateJson(leader);
    expect(state.recovered_slaves).toEqual([]);
    expect(state.unreachable_slaves).toBe(1);
    expect((state.slaves as Json[]).map((s) => s.id)).toEqual([stays]);
    expect(sched.events.filter((e) => e.type === 'FAILURE')).toEqual([{ type: 'FAILURE', failure: { agent_id: { value: gone } } }]);
    const metrics = metricsJson(leader);
    expect([metrics['master/recovery_slave_removals'], metrics['master/slave_unreachable_completed'], metrics['master/slaves_unreachable']]).toEqual([1, 1, 1]);
    leader.scheduler.reconcile(fw, { tasks: [{ task_id: { value: 'app.1' }, agent_id: { value: gone } }] });
    expect(updates()).toEqual([['app.1', 'TASK_UNREACHABLE']]);
    expect(exits).toEqual([]);

    // The next leader has it as unreachable, from the registry; when it returns it is admitted again with its id.
    leader.stop();
    const next = await elect(storage, '--agent_ping_timeout=1hrs');
    expect([(stateJson(next).recovered_slaves as Json[]).map((s) => s.id), stateJson(next).unreachable_slaves]).toEqual([[stays], 1]);
    expect((await register(next, agentBody('agent1', gone)))?.agent_id).toBe(gone);
    expect(stateJson(next).unreachable_slaves).toBe(0);
  });

  it('marks an agent gone (MARK_AGENT_GONE): its task is TASK_GONE_BY_OPERATOR, it is told to shut down and is refused for good, also by the next leader', async () => {
    const storage = new MemoryStorage();
    const leader = await elect(storage);
    const id = (await register(leader, agentBody('agent1'))).agent_id;
    const sub = subscribe(leader, MARATHON);
    const fw = sub.events.find((e) => e.type === 'SUBSCRIBED').subscribed.framework_id.value;
    // Marathon's task, as the agent reports it on re-registration
    const task = { task_id: { value: 'app.1' }, name: 'app', agent_id: { value: id }, resources: RESOURCES.slice(0, 1), command: { value: 'sleep 1000' } };
    await register(leader, agentBody('agent1', id, [{ framework_id: fw, framework_info: { ...MARATHON, id: { value: fw } }, task, state: 'TASK_RUNNING', statuses: [{ state: 'TASK_RUNNING', timestamp: 1 }] }]));
    expect(await leader.agentLink.markGone('no-such-agent')).toEqual({ status: 404, message: "Agent 'no-such-agent' not found" });

    expect(await leader.agentLink.markGone(id)).toEqual({ status: 200 });
    expect(agentCalls).toContainEqual({ agent: id, path: '/mesos-up/shutdown', body: { message: 'Agent has been marked gone' } });
    const update = sub.events.filter((e) => e.type === 'UPDATE').at(-1).update.status;
    expect(update).toMatchObject({ task_id: { value: 'app.1' }, state: 'TASK_GONE_BY_OPERATOR', reason: 'REASON_SLAVE_REMOVED_BY_OPERATOR', source: 'SOURCE_MASTER', message: 'Agent has been marked gone' });
    expect(stateJson(leader).slaves).toEqual([]);
    expect(metricsJson(leader)['master/tasks_gone_by_operator']).toBe(1);
    // once gone, always gone: marking it again is a no-op, and it may not come back
    expect(await leader.agentLink.markGone(id)).toEqual({ status: 200 });
    expect(await register(leader, agentBody('agent1', id))).toEqual({ shutdown: 'Agent has been marked gone' });
    const next = await elect(storage);
    expect(await register(next, agentBody('agent1', id))).toEqual({ shutdown: 'Agent has been marked gone' });
    expect(stateJson(next).recovered_slaves).toEqual([]);
    // explicit reconciliation of its task: gone (Master::reconcile, case 6)
    leader.scheduler.reconcile(leader.books.frameworks.get(fw)!, { tasks: [{ task_id: { value: 'app.1' }, agent_id: { value: id } }] });
    expect(sub.events.at(-1).update.status).toMatchObject({ state: 'TASK_GONE_BY_OPERATOR', message: 'Reconciliation: Task is gone', reason: 'REASON_RECONCILIATION' });
  });

  it('keeps role weights in the registry: a new leader has them', async () => {
    const storage = new MemoryStorage();
    const leader = await elect(storage);
    // an empty list changes nothing (the parser drops empty repeated fields: it arrives as undefined)
    expect(await leader.roles.updateWeights([])).toBeUndefined();
    expect(await leader.roles.updateWeights([{ role: ' web ', weight: 2 }])).toBeUndefined();
    expect(await leader.roles.updateWeights([{ role: 'a/../b', weight: 1 }])).toBe("Failed to validate update weights request JSON: Invalid role 'a/../b': Role 'a/../b' cannot include '..' as a component");
    expect(await leader.roles.updateWeights([{ role: 'x', weight: 0 }])).toBe("Failed to validate update weights request JSON for role 'x': Invalid weight '0': Weights must be positive");
    const next = await elect(storage);
    expect(next.roles.weightInfos()).toEqual([{ weight: 2, role: 'web' }]);
    expect(next.roles.rolesJson()).toEqual({ roles: [{ frameworks: [], name: 'web', resources: { disk: 0, mem: 0, gpus: 0, cpus: 0 }, weight: 2 }] });
  });

  it("sets quota as 1.7.1 validates it, serves a role below its guarantee first, and keeps it in the registry", async () => {
    const storage = new MemoryStorage();
    const leader = await elect(storage);
    await register(leader, agentBody('agent1'));
    const cpus = (value: number) => ({ name: 'cpus', type: 'SCALAR', scalar: { value } });
    const set = (request: Json) => leader.quotas.set(request);
    expect(await set({ role: 'a', guarantee: [cpus(-1)] })).toEqual({ status: 400, message: 'Failed to validate set quota request: QuotaInfo with invalid resource: Invalid scalar resource: value <= 0' });
    expect(await set({ role: '*', guarantee: [cpus(1)] })).toEqual({ status: 400, message: "Failed to validate set quota request: QuotaInfo must not specify the default '*' role" });
    expect(await set({ role: 'a', guarantee: [] })).toEqual({ status: 400, message: "Failed to validate set quota request: QuotaInfo with empty 'guarantee'" });
    expect(await set({ role: 'a', guarantee: [cpus(1), cpus(1)] })).toEqual({ status: 400, message: "Failed to validate set quota request: QuotaInfo contains duplicate resource name 'cpus'" });
    expect(await set({ role: 'a', guarantee: [{ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1, end: 2 }] } }] })).toEqual({
      status: 400, message: 'Failed to validate set quota request: QuotaInfo must not include non-scalar resources',
    });
    // the agent has 2 cpus: 3 do not fit unless forced
    expect(await set({ role: 'big', guarantee: [cpus(3)] })).toMatchObject({ status: 409, message: expect.stringMatching(/^Heuristic capacity check for set quota request failed: Not enough available cluster capacity/) });
    expect(await set({ role: 'big', guarantee: [cpus(3)], force: true })).toEqual({ status: 200 });
    expect(await set({ role: 'big', guarantee: [cpus(1)] })).toEqual({ status: 400, message: "Failed to validate set quota request: Cannot set quota for role 'big' which already has quota" });
    expect(await leader.quotas.remove('big')).toEqual({ status: 200 });
    expect(await set({ role: 'analytics', guarantee: [cpus(1)] })).toEqual({ status: 200 });
    expect(leader.quotas.status()).toEqual({ infos: [{ role: 'analytics', guarantee: [cpus(1)] }] });

    // two frameworks with nothing yet: DRF would pick the first registered; quota serves analytics first,
    // and only until its guarantee is met: the second agent goes to the other framework
    const first = subscribe(leader, { ...MARATHON, name: 'first' });
    const analytics = subscribe(leader, { ...MARATHON, name: 'analytics', role: 'analytics' });
    const offered = (s: { events: Json[] }) => s.events.filter((e) => e.type === 'OFFERS').flatMap((e) => e.offers.offers.map((o: Json) => o.hostname));
    leader.allocator.allocate();
    expect(offered(analytics)).toEqual(['agent1']);
    expect(offered(first)).toEqual([]);
    await register(leader, agentBody('agent2'));
    leader.allocator.allocate();
    expect(offered(first)).toEqual(['agent2']);
    expect(offered(analytics)).toEqual(['agent1']);

    const next = await elect(storage);
    expect(next.quotas.status()).toEqual({ infos: [{ role: 'analytics', guarantee: [cpus(1)] }] });
    expect(next.roles.rolesJson().roles).toContainEqual(expect.objectContaining({ name: 'analytics', quota: { guarantee: { disk: 0, mem: 0, gpus: 0, cpus: 1 }, role: 'analytics' } }));
  });

  it('exits rather than remove more agents than --recovery_agent_removal_limit allows', async () => {
    const storage = new MemoryStorage();
    const old = await elect(storage);
    await register(old, agentBody('agent1'));
    const stays = (await register(old, agentBody('agent2')))!.agent_id;
    old.stop();
    const leader = await elect(storage, '--agent_ping_timeout=1hrs', '--recovery_agent_removal_limit=40%');
    await register(leader, agentBody('agent2', stays));
    await vi.advanceTimersByTimeAsync(TEN_MINUTES + 1000);
    expect(exits).toEqual([1]);
    expect(logs.join('\n')).toContain('Post-recovery agent removal limit exceeded! After 10mins there were 1 (50%) agents recovered from the registry that did not reregister');
  });

  it('refuses the recovery flags a 1.7.1 master refuses', () => {
    expect(() => recoverySettings(config('--agent_reregister_timeout=5mins').flags)).toThrow("Invalid value '5mins' for --agent_reregister_timeout: Must be at least 10mins");
    expect(() => recoverySettings(config('--recovery_agent_removal_limit=50').flags)).toThrow("for --recovery_agent_removal_percent_limit: missing '%'");
    expect(() => recoverySettings(config('--recovery_agent_removal_limit=150%').flags)).toThrow('Must be within [0%-100%]');
    expect(recoverySettings(config().flags)).toEqual({ reregisterTimeoutMs: TEN_MINUTES, reregisterTimeout: '10mins', removalLimit: 1 });
  });

  it('shares the registry in ZooKeeper only with --registry=replicated_log and --zk', () => {
    expect(registryStorage(config('--zk=zk://10.0.0.1:2181/mesos', '--quorum=2'))).toBeInstanceOf(ZkStorage);
    expect(registryStorage(config('--zk=zk://10.0.0.1:2181/mesos', '--registry=in_memory'))).toBeInstanceOf(MemoryStorage);
    expect(registryStorage(config())).toBeInstanceOf(MemoryStorage);
  });
});
