// Roles, reservations and persistent volumes as a Mesos 1.7.1 master and
// agent keep them: a public agent's static reservation, offers in the format
// each framework reads, an operator's RESERVE/CREATE/DESTROY/UNRESERVE (v1
// calls and the form endpoints) with the master's error texts, and a
// scheduler that reserves, creates a volume and launches in one ACCEPT, whose
// data outlives the task and the agent's restart.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, officialImagesMissing, TEST_IMAGES, TestNet, type TestContainer } from './harness.js';
import { Scheduler } from './scheduler-client.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

// on the agent image's volume, so Docker tasks can bind a persistent volume from it
const WORK_DIR = '/var/lib/mesos/agent';

async function getJson(url: string): Promise<Json> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  expect(res.status, url).toBe(200);
  return res.json();
}

async function post(url: string, body: string, contentType: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': contentType, Accept: 'application/json' }, body, signal: AbortSignal.timeout(30_000) });
  return { status: res.status, text: await res.text() };
}

const scalar = (name: string, value: number, extra: Json = {}) => ({ name, type: 'SCALAR', scalar: { value }, ...extra });

describe.skipIf(officialImagesMissing)(`${TEST_IMAGES.flavour} roles, reservations and volumes (1.7 API)`, () => {
  let net: TestNet;
  let master: TestContainer;
  let priv: TestContainer;
  let pub: TestContainer;
  const schedulers: Scheduler[] = [];

  const api = (path: string) => `${master.url(5050)}${path}`;
  const operator = (call: Json) => post(api('/api/v1'), JSON.stringify(call), 'application/json');
  const slaves = async () => (await getJson(api('/master/slaves'))).slaves as Json[];
  /** The master's entry for an agent container (its pid carries the container's address). */
  const slaveOf = async (c: TestContainer) => eventually(`${c.name} registered`, async () => (await slaves()).find((s) => s.pid.includes(`@${c.ip}:`) && s.active));
  const agentState = (c: TestContainer) => getJson(`http://127.0.0.1:${c.hostPort(5051)}/state`);

  async function framework(info: Json): Promise<Scheduler> {
    const s = new Scheduler(master.url(5050));
    schedulers.push(s);
    await s.subscribe({ user: 'root', name: 'reservations test', ...info });
    await s.next((e) => e.type === 'SUBSCRIBED');
    return s;
  }

  /** The next offer from this agent; offers from other agents go back at once. */
  async function offerFrom(s: Scheduler, agentId: string, accept: (o: Json) => boolean = () => true): Promise<Json> {
    for (;;) {
      const e = await s.next((x) => x.type === 'OFFERS', 60_000);
      let found: Json;
      const others: Json[] = [];
      for (const o of e.offers.offers) {
        if (!found && o.agent_id.value === agentId && accept(o)) found = o;
        else others.push(o.id);
      }
      if (others.length) await s.call({ type: 'DECLINE', decline: { offer_ids: others, filters: { refuse_seconds: 1 } } });
      if (found) return found;
    }
  }

  beforeAll(async () => {
    net = await TestNet.create('reservations');
    const zk = await net.run({ name: 'zk', target: 'zookeeper' });
    const zkUrl = `zk://${zk.ip}:2181/mesos`;
    master = await net.run({
      name: 'master',
      target: 'mesos-master',
      env: { MESOS_ZK: zkUrl, MESOS_QUORUM: '1', MESOS_REGISTRY: 'in_memory', MESOS_WORK_DIR: '/var/lib/mesos', MESOS_ALLOCATION_INTERVAL: '500ms' },
      publish: [5050],
    });
    const agentEnv = { MESOS_MASTER: zkUrl, MESOS_WORK_DIR: WORK_DIR, MESOS_SYSTEMD_ENABLE_SUPPORT: 'false', MESOS_CONTAINERIZERS: 'mesos', MESOS_SWITCH_USER: 'false', MESOS_LAUNCHER: 'posix', MESOS_ISOLATION: 'posix/cpu,posix/mem,filesystem/posix' };
    priv = await net.run({
      name: 'private',
      target: 'mesos-agent',
      env: { ...agentEnv, MESOS_RESOURCES: 'cpus:2;mem:1024;disk:2000;ports:[31000-31100]', MESOS_CONTAINERIZERS: 'mesos,docker', MESOS_DOCKER_SOCKET: '/var/run/docker.sock' },
      binds: ['/var/run/docker.sock:/var/run/docker.sock'],
      publish: [5051],
    });
    // as mesos-up plans a public agent: no role in --resources, --default_role reserves them all
    pub = await net.run({
      name: 'public',
      target: 'mesos-agent',
      env: { ...agentEnv, MESOS_RESOURCES: 'cpus:1;mem:512;disk:500;ports:[32000-32010]', MESOS_DEFAULT_ROLE: 'slave_public', MESOS_ATTRIBUTES: 'public_ip:true' },
      publish: [5051],
    });
    await eventually('master serving', async () => (await fetch(api('/health')).catch(() => undefined))?.status === 200, 60_000, 500);
    await slaveOf(priv);
    await slaveOf(pub);
  });

  afterAll(async () => {
    for (const s of schedulers) s.close();
    if (process.env.MESOS_UP_TEST_LOGS) {
      for (const c of [master, priv, pub].filter(Boolean)) writeFileSync(`${process.env.MESOS_UP_TEST_LOGS}/${c.name}.log`, await c.logs());
    }
    await net?.cleanup();
  });

  it("shows a public agent's resources reserved to slave_public in the master's and the agent's state", async () => {
    const state = (await getJson(api('/master/state'))).slaves.find((s: Json) => s.pid.includes(`@${pub.ip}:`));
    expect(state.reserved_resources).toEqual({ slave_public: { disk: 500, mem: 512, gpus: 0, cpus: 1, ports: '[32000-32010]' } });
    expect(state.unreserved_resources).toMatchObject({ cpus: 0, mem: 0, disk: 0 });
    expect(state).not.toHaveProperty('reserved_resources_full');
    expect(state.attributes).toEqual({ public_ip: 'true' });
    const full = (await slaveOf(pub)).reserved_resources_full.slave_public;
    expect(full.find((r: Json) => r.name === 'cpus')).toEqual({
      name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'slave_public', reservations: [{ type: 'STATIC', role: 'slave_public' }],
    });
    const agent = await agentState(pub);
    expect(agent.reserved_resources.slave_public).toMatchObject({ cpus: 1, mem: 512 });
    expect(agent.unreserved_resources_full).toEqual([]);
    expect(agent.reserved_resources_full.slave_public.map((r: Json) => r.name).sort()).toEqual(['cpus', 'disk', 'mem', 'ports']);
  });

  it("offers reserved resources only to their role's frameworks, in the format each framework reads", async () => {
    const pubId = (await slaveOf(pub)).id;
    const privId = (await slaveOf(priv)).id;
    // a framework in the default role gets the private agent, never the public one
    const any = await framework({ name: 'star' });
    const o = await offerFrom(any, privId);
    expect(o.resources.every((r: Json) => r.role === '*' && !r.reservations && !r.allocation_info)).toBe(true);
    expect(any.events.some((e: Json) => e.type === 'OFFERS' && e.offers.offers.some((x: Json) => x.agent_id.value === pubId))).toBe(false);
    expect((await any.call({ type: 'TEARDOWN' })).status).toBe(202);

    // slave_public, no RESERVATION_REFINEMENT: the pre-refinement `role`
    const old = await framework({ name: 'public-old', role: 'slave_public' });
    const po = await offerFrom(old, pubId);
    expect(po.resources.find((r: Json) => r.name === 'cpus')).toEqual({ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'slave_public' });
    expect(po).not.toHaveProperty('allocation_info');
    expect((await old.call({ type: 'TEARDOWN' })).status).toBe(202);

    // MULTI_ROLE and RESERVATION_REFINEMENT: `reservations` and allocation_info
    const modern = await framework({ name: 'public-new', roles: ['slave_public'], capabilities: [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }] });
    const mo = await offerFrom(modern, pubId);
    expect(mo.allocation_info).toEqual({ role: 'slave_public' });
    expect(mo.resources.find((r: Json) => r.name === 'ports')).toEqual({
      name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 32000, end: 32010 }] },
      allocation_info: { role: 'slave_public' }, reservations: [{ type: 'STATIC', role: 'slave_public' }],
    });
    expect((await modern.call({ type: 'TEARDOWN' })).status).toBe(202);
  });

  it("lets an operator reserve, create a volume, destroy and unreserve, answering the master's texts", async () => {
    const agent = await slaveOf(priv);
    const labels = { labels: [{ key: 'owner', value: 'ops' }] };
    const reserved = (extra: Json = {}) => [
      scalar('cpus', 0.5, { role: 'db', reservation: { principal: 'ops', labels } }),
      scalar('disk', 100, { role: 'db', reservation: { principal: 'ops', labels }, ...extra }),
    ];
    const reserve = await operator({ type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agent.id }, resources: reserved() } });
    expect(reserve).toEqual({ status: 202, text: '' });
    const after = await slaveOf(priv);
    expect(after.reserved_resources.db).toMatchObject({ cpus: 0.5, disk: 100 });
    expect(after.reserved_resources_full.db.find((r: Json) => r.name === 'cpus')).toEqual({
      name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 }, role: 'db',
      reservation: { principal: 'ops', labels }, reservations: [{ type: 'DYNAMIC', role: 'db', principal: 'ops', labels }],
    });
    expect(after.unreserved_resources.cpus).toBe(1.5);

    // what a real master refuses, and why
    const tooMuch = await operator({ type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agent.id }, resources: [scalar('cpus', 100, { role: 'db', reservation: {} })] } });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.text).toMatch(/ does not contain cpus:100$/);
    const pubAgent = await slaveOf(pub);
    const staticOne = await operator({ type: 'UNRESERVE_RESOURCES', unreserve_resources: { agent_id: { value: pubAgent.id }, resources: [scalar('cpus', 1, { role: 'slave_public' })] } });
    expect(staticOne).toEqual({ status: 400, text: 'Invalid UNRESERVE operation: Resource cpus(reservations: [(STATIC,slave_public)]):1 is not dynamically reserved' });
    const nobody = await operator({ type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: 'no-such-agent' }, resources: reserved() } });
    expect(nobody).toEqual({ status: 400, text: 'No agent found with specified ID' });
    const star = await operator({ type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agent.id }, resources: [scalar('cpus', 1, { role: '*', reservation: {} })] } });
    expect(star).toEqual({ status: 400, text: `Failed to validate master::Call: Resource 'cpus:1' is invalid: Invalid reservation: role "*" cannot be dynamically reserved` });

    // a volume through the form endpoint, made on the agent
    const volume = reserved({ disk: { persistence: { id: 'vol1', principal: 'ops' }, volume: { mode: 'RW', container_path: 'data' } } })[1];
    const form = (param: string, value: Json) => new URLSearchParams({ slaveId: agent.id, [param]: JSON.stringify(value) }).toString();
    const created = await post(api('/master/create-volumes'), form('volumes', [volume]), 'application/x-www-form-urlencoded');
    expect(created).toEqual({ status: 202, text: '' });
    await eventually('the volume directory on the agent', async () => (await priv.exec(['test', '-d', `${WORK_DIR}/volumes/roles/db/vol1`])).exitCode === 0);
    const again = await post(api('/master/create-volumes'), form('volumes', [volume]), 'application/x-www-form-urlencoded');
    expect(again.status).toBe(400);
    expect(again.text).toMatch(/^Invalid CREATE operation on agent .*: Persistence ID 'vol1' is not unique$/);
    // a volume shrinks, freeing reserved disk, and grows back from it (SHRINK_VOLUME, GROW_VOLUME)
    const diskOf = async () => (await slaveOf(priv)).reserved_resources_full.db.find((r: Json) => r.disk?.persistence?.id === 'vol1').scalar.value;
    const tooSmall = await operator({ type: 'SHRINK_VOLUME', shrink_volume: { agent_id: { value: agent.id }, volume, subtract: { value: 100 } } });
    expect(tooSmall.status).toBe(400);
    expect(tooSmall.text).toMatch(/^Invalid SHRINK_VOLUME operation on agent .*: Value of 'ShrinkVolume.subtract' must be smaller than the size of 'ShrinkVolume.volume'$/);
    expect(await operator({ type: 'SHRINK_VOLUME', shrink_volume: { agent_id: { value: agent.id }, volume, subtract: { value: 10 } } })).toEqual({ status: 202, text: '' });
    expect(await diskOf()).toBe(90);
    const addition = { ...reserved()[1], scalar: { value: 10 } };
    expect(await operator({ type: 'GROW_VOLUME', grow_volume: { agent_id: { value: agent.id }, volume: { ...volume, scalar: { value: 90 } }, addition } })).toEqual({ status: 202, text: '' });
    expect(await diskOf()).toBe(100);
    const missing = await post(api('/master/reserve'), `slaveId=${agent.id}`, 'application/x-www-form-urlencoded');
    expect(missing).toEqual({ status: 400, text: "Missing 'resources' query parameter in the request body" });
    expect((await slaveOf(priv)).reserved_resources_full.db.some((r: Json) => r.disk?.persistence?.id === 'vol1')).toBe(true);

    // and back: destroy (the directory goes), unreserve
    expect(await operator({ type: 'DESTROY_VOLUMES', destroy_volumes: { agent_id: { value: agent.id }, volumes: [volume] } })).toEqual({ status: 202, text: '' });
    await eventually('the volume directory removed', async () => (await priv.exec(['test', '-e', `${WORK_DIR}/volumes/roles/db/vol1`])).exitCode !== 0);
    expect(await post(api('/master/unreserve'), form('resources', reserved()), 'application/x-www-form-urlencoded')).toEqual({ status: 202, text: '' });
    const done = await slaveOf(priv);
    expect(done.reserved_resources).toEqual({});
    expect(done.unreserved_resources).toMatchObject({ cpus: 2, disk: 2000 });
  });

  it('reserves, creates a volume and launches in one ACCEPT; the data outlives the task and an agent restart', async () => {
    const agentId = (await slaveOf(priv)).id;
    const s = await framework({ name: 'stateful', role: 'db2', principal: 'tester' });
    const dyn = { role: 'db2', reservation: { principal: 'tester' } };
    const volume = scalar('disk', 32, { ...dyn, disk: { persistence: { id: 'v2', principal: 'tester' }, volume: { mode: 'RW', container_path: 'store' } } });
    const task = (id: string, cmd: string, extra: Json[] = []) => ({
      name: id, task_id: { value: id }, agent_id: { value: agentId },
      resources: [scalar('cpus', 0.1, dyn), scalar('mem', 32, dyn), ...extra],
      command: { shell: true, value: cmd },
    });
    const finished = async (id: string) => {
      const u = await s.next((e) => e.type === 'UPDATE' && e.update.status.task_id.value === id && ['TASK_FINISHED', 'TASK_FAILED', 'TASK_ERROR', 'TASK_LOST'].includes(e.update.status.state), 60_000);
      const st = u.update.status;
      if (st.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: st.agent_id, task_id: st.task_id, uuid: st.uuid } });
      return st;
    };

    const first = await offerFrom(s, agentId);
    const accepted = await s.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [first.id],
        operations: [
          { type: 'RESERVE', reserve: { resources: [scalar('cpus', 0.2, dyn), scalar('mem', 64, dyn), scalar('disk', 40, dyn)] } },
          { type: 'CREATE', create: { volumes: [volume] } },
          { type: 'LAUNCH', launch: { task_infos: [task('writer', 'echo hello > store/greeting', [volume])] } },
          // feedback on resources no resource provider manages is refused in 1.7.1
          { type: 'UNRESERVE', id: { value: 'op-1' }, unreserve: { resources: [scalar('cpus', 0.1, dyn)] } },
        ],
        filters: { refuse_seconds: 1 },
      },
    });
    expect(accepted.status).toBe(202);
    expect((await finished('writer')).state).toBe('TASK_FINISHED');
    const feedback = await s.next((e) => e.type === 'UPDATE_OPERATION_STATUS');
    expect(feedback.update_operation_status.status).toEqual({
      operation_id: { value: 'op-1' }, state: 'OPERATION_ERROR', message: 'Operation requested feedback, but it affects resources not managed by a resource provider',
    });

    // the reservation and the volume come back in the next offer, in the pre-refinement form
    const hasVolume = (o: Json) => o.resources.some((r: Json) => r.disk?.persistence?.id === 'v2');
    const second = await offerFrom(s, agentId, hasVolume);
    expect(second.resources.find((r: Json) => r.disk?.persistence?.id === 'v2')).toEqual({
      name: 'disk', type: 'SCALAR', scalar: { value: 32 }, role: 'db2', reservation: { principal: 'tester' },
      disk: { persistence: { id: 'v2', principal: 'tester' }, volume: { mode: 'RW', container_path: 'store' } },
    });
    expect(await s.call({ type: 'ACCEPT', accept: { offer_ids: [second.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task('reader', 'test "$(cat store/greeting)" = hello', [volume])] } }], filters: { refuse_seconds: 1 } } })).toMatchObject({ status: 202 });
    expect((await finished('reader')).state).toBe('TASK_FINISHED');
    // a Docker task has it at $MESOS_SANDBOX/<container_path> too
    const third = await offerFrom(s, agentId, hasVolume);
    const inDocker = { ...task('docker-reader', 'test "$(cat $MESOS_SANDBOX/store/greeting)" = hello', [volume]), container: { type: 'DOCKER', docker: { image: TEST_IMAGES.images.agent } } };
    expect(await s.call({ type: 'ACCEPT', accept: { offer_ids: [third.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [inDocker] } }], filters: { refuse_seconds: 1 } } })).toMatchObject({ status: 202 });
    expect((await finished('docker-reader')).state).toBe('TASK_FINISHED');

    // the agent keeps them across a restart and tells the master again
    const stopped = Date.now() / 1000;
    await priv.stop();
    await priv.start();
    const back = await eventually('the agent re-registered with its volume', async () => {
      const a = (await slaves()).find((x) => x.pid.includes(`@${priv.ip}:`) && x.active && (x.reregistered_time ?? 0) > stopped);
      return a?.reserved_resources_full?.db2?.some((r: Json) => r.disk?.persistence?.id === 'v2') ? a : undefined;
    }, 90_000, 500);
    expect(back.id).toBe(agentId);
    expect(back.reserved_resources.db2).toMatchObject({ cpus: 0.2, mem: 64, disk: 40 });
    expect((await priv.exec(['cat', `${WORK_DIR}/volumes/roles/db2/v2/greeting`])).output.trim()).toBe('hello');

    // DESTROY in use by nobody, then UNRESERVE: all of it is unreserved again
    const fourth = await offerFrom(s, back.id, hasVolume);
    expect(await s.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [fourth.id],
        operations: [
          { type: 'DESTROY', destroy: { volumes: [volume] } },
          { type: 'UNRESERVE', unreserve: { resources: [scalar('cpus', 0.2, dyn), scalar('mem', 64, dyn), scalar('disk', 40, dyn)] } },
        ],
        filters: { refuse_seconds: 1 },
      },
    })).toMatchObject({ status: 202 });
    await eventually('nothing reserved to db2', async () => ((await slaveOf(priv)).reserved_resources.db2 === undefined ? true : undefined));
    await eventually('the volume directory removed', async () => (await priv.exec(['test', '-e', `${WORK_DIR}/volumes/roles/db2/v2`])).exitCode !== 0);
    expect((await s.call({ type: 'TEARDOWN' })).status).toBe(202);
  });
});
