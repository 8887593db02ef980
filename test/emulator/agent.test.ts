// Contract tests of the emulated Mesos agent (1.7 API): on a Docker network,
// one agent whose master never answers (endpoints, task runner, kills, health
// checks, seen through the agent's own HTTP API), and one agent with ZooKeeper
// and two masters, driven by a v1 HTTP scheduler written here (RecordIO parsed
// by hand): offers, command and Docker tasks, and a master failover. With
// MESOS_UP_TEST_IMAGES=official they run against the official images, except the
// tests of what only the emulated agent has (itEmulatorOnly, reason in the name).
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatedImage } from '../../src/plan/images.js';
import { version } from '../../src/version.js';
import { messageType } from '../../emulator/src/common/proto/schema.js';
import { RecordDecoder } from '../../emulator/src/common/recordio.js';
import { eventually, itEmulatorOnly, officialImagesMissing, TEST_IMAGES, TestNet, type TestContainer } from './harness.js';
import { Scheduler as BaseScheduler } from './scheduler-client.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

async function getJson(url: string): Promise<{ status: number; body: Json; text: string; headers: Headers }> {
  // (30 s per request only guards against a hang)
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let body: Json = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, text, headers: res.headers };
}

async function post(url: string, body: unknown): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  await res.text();
  return res.status;
}

/** Every task the agent's /state shows, live or completed, with the executor around it. */
function agentTasks(state: Json): Array<{ task: Json; executor: Json; framework: Json; where: string }> {
  const out: Array<{ task: Json; executor: Json; framework: Json; where: string }> = [];
  for (const fw of [...state.frameworks, ...state.completed_frameworks]) {
    for (const ex of [...fw.executors, ...fw.completed_executors]) {
      for (const where of ['tasks', 'queued_tasks', 'completed_tasks']) {
        for (const t of ex[where]) out.push({ task: t, executor: ex, framework: fw, where });
      }
    }
  }
  return out;
}

/** Reads everything a TCP server sends until it closes. */
function readTcp(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let data = '';
    sock.setTimeout(3000, () => sock.destroy(new Error('timeout')));
    sock.on('data', (c) => (data += c.toString()));
    // An empty answer (nothing listening behind the proxy yet) counts as no answer.
    sock.on('end', () => (data ? resolve(data) : reject(new Error('closed without data'))));
    sock.on('error', reject);
  });
}

/** The contract tests' scheduler, acknowledging every update and keeping rescinded offers out of `launch`. */
class Scheduler extends BaseScheduler {
  protected override onEvent(event: Json): void {
    if (event.type === 'RESCIND') this.used.add(event.rescind.offer_id.value);
    // Acknowledge every update that asks for it, as schedulers must.
    if (event.type === 'UPDATE' && event.update.status.uuid) {
      const s = event.update.status;
      void this.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: s.agent_id, task_id: s.task_id, uuid: s.uuid } }).catch(() => undefined);
    }
  }

  updates(taskId: string): Json[] {
    return this.events.filter((e) => e.type === 'UPDATE' && e.update.status.task_id.value === taskId).map((e) => e.update.status);
  }

  /** Waits for an offer from `agentId` and launches `tasks` (built from that offer) with it. */
  async launch(agentId: string, build: (offer: Json) => Json[]): Promise<void> {
    const offer = await eventually(
      `an offer from agent ${agentId}`,
      async () => {
        for (let i = this.events.length - 1; i >= 0; i--) {
          const e = this.events[i];
          if (e.type !== 'OFFERS') continue;
          const o = e.offers.offers.find((x: Json) => x.agent_id.value === agentId && !this.used.has(x.id.value));
          if (o && fits(o, build(o))) return o;
          if (o) {
            // A piece too small (what earlier tests' tasks still held, on a busy machine): hand it back.
            this.used.add(o.id.value);
            await this.call({ type: 'DECLINE', decline: { offer_ids: [o.id], filters: { refuse_seconds: 0 } } });
          }
        }
        await this.call({ type: 'REVIVE' });
        return undefined;
      },
      60_000,
      500,
    );
    this.used.add(offer.id.value);
    const { status } = await this.call({
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: build(offer) } }], filters: { refuse_seconds: 1 } },
    });
    expect(status).toBe(202);
  }

  private used = new Set<string>();
}

/** Whether an offer holds what these (command) tasks ask for, as the master checks it. */
function fits(offer: Json, tasks: Json[]): boolean {
  const scalar = (rs: Json[], name: string) => rs.filter((r) => r.name === name).reduce((a, r) => a + r.scalar.value, 0);
  const ranges = (rs: Json[]) => rs.filter((r) => r.name === 'ports').flatMap((r) => r.ranges.range as Array<{ begin: number; end: number }>);
  const want = tasks.flatMap((t) => (t.resources ?? []) as Json[]);
  const inOffer = (p: { begin: number; end: number }) => ranges(offer.resources).some((r) => r.begin <= p.begin && p.end <= r.end);
  return (
    scalar(want, 'cpus') <= scalar(offer.resources, 'cpus') + 1e-9 &&
    scalar(want, 'mem') <= scalar(offer.resources, 'mem') &&
    ranges(want).every(inOffer)
  );
}

function taskResources(offer: Json, cpus: number, mem: number, port?: number): Json[] {
  const alloc = offer.resources[0]?.allocation_info ?? { role: '*' };
  const out: Json[] = [
    { name: 'cpus', type: 'SCALAR', scalar: { value: cpus }, allocation_info: alloc },
    { name: 'mem', type: 'SCALAR', scalar: { value: mem }, allocation_info: alloc },
  ];
  if (port) out.push({ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: port, end: port }] }, allocation_info: alloc });
  return out;
}

const base64Uuid = /^[A-Za-z0-9+/]{22}==$/;

// What a real agent does not have: tasks come from the master through our stand-in link.
const VIA_STAND_IN = 'starts its task through /mesos-up/launch, the emulated master-to-agent stand-in (emulator/PROTOCOL.md)';

describe.skipIf(officialImagesMissing)(`${TEST_IMAGES.flavour} mesos-agent`, () => {
  let tnet: TestNet;
  let lonely: TestContainer;
  let zk: TestContainer;
  let master1: TestContainer;
  let master2: TestContainer;
  let agent: TestContainer;
  const scheduler: { s?: Scheduler } = {};

  beforeAll(async () => {
    tnet = await TestNet.create('agent-contract');
    zk = await tnet.run({ name: 'zk', target: 'zookeeper' });
    // Nothing listens at .250: this agent never gets a master.
    lonely = await tnet.run({
      name: 'lonely',
      target: 'mesos-agent',
      env: {
        MESOS_MASTER: `${tnet.address(250)}:5050`,
        MESOS_WORK_DIR: '/var/lib/mesos/agent',
        MESOS_RESOURCES: 'cpus:1;mem:512;disk:1000;ports:[31000-31005]',
        MESOS_ATTRIBUTES: 'rack:r1;zone:2',
        MESOS_SWITCH_USER: 'false',
        MESOS_SYSTEMD_ENABLE_SUPPORT: 'false',
        MESOS_LOG_DIR: '/var/log/mesos',
      },
      publish: [5051],
    });
    const masterEnv = {
      MESOS_ZK: `zk://${zk.ip}:2181/mesos`,
      MESOS_QUORUM: '1',
      MESOS_REGISTRY: 'in_memory',
      MESOS_WORK_DIR: '/var/lib/mesos/master',
      MESOS_ZK_SESSION_TIMEOUT: '4secs',
    };
    master1 = await tnet.run({ name: 'master1', target: 'mesos-master', env: masterEnv, publish: [5050] });
    await eventually('master1 elected', async () => (await getJson(`${master1.url(5050)}/metrics/snapshot`)).body?.['master/elected'] === 1, 60_000, 500);
    master2 = await tnet.run({ name: 'master2', target: 'mesos-master', env: masterEnv, publish: [5050] });
    agent = await tnet.run({
      name: 'agent',
      target: 'mesos-agent',
      env: {
        MESOS_MASTER: `zk://${zk.ip}:2181/mesos`,
        MESOS_WORK_DIR: '/var/lib/mesos/agent',
        MESOS_RESOURCES: 'cpus:2;mem:1024;disk:2048;ports:[31000-31010]',
        MESOS_CONTAINERIZERS: 'mesos,docker',
        MESOS_DOCKER_SOCKET: '/var/run/docker.sock',
        MESOS_SWITCH_USER: 'false',
        MESOS_SYSTEMD_ENABLE_SUPPORT: 'false',
        MESOS_LAUNCHER: 'posix',
      },
      publish: [5051, 31000],
      binds: ['/var/run/docker.sock:/var/run/docker.sock'],
    });
    await eventually('lonely agent serving', async () => (await getJson(`${lonely.url(5051)}/health`)).status === 200);
  });

  afterAll(async () => {
    scheduler.s?.close();
    if (process.env.MESOS_UP_TEST_LOGS) {
      for (const c of [lonely, agent, master1, master2].filter(Boolean)) writeFileSync(`${process.env.MESOS_UP_TEST_LOGS}/${c.name}.log`, await c.logs());
    }
    await tnet?.cleanup();
  });

  describe('start-up', () => {
    it('refuses to start without --work_dir or --master, with the real messages and exit status 1', async () => {
      const noWork = await tnet.run({ name: 'nowork', target: 'mesos-agent', env: { MESOS_MASTER: 'zk://127.0.0.1:2181/mesos' } });
      const noMaster = await tnet.run({ name: 'nomaster', target: 'mesos-agent', cmd: ['--work_dir=/tmp/mesos'] });
      const [a, b] = await Promise.all([noWork, noMaster].map((c) => tnet.docker.getContainer(c.id).wait() as Promise<{ StatusCode: number }>));
      expect(a!.StatusCode).toBe(1);
      expect(await noWork.logs()).toContain("Flag 'work_dir' is required, but it was not provided");
      expect(b!.StatusCode).toBe(1);
      expect(await noMaster.logs()).toMatch(/^E\d{4} [\d:.]+ +\d+ main\.cpp:\d+\] EXIT with status 1: Missing required option `--master` or `--master_detector`/m);
    });
  });

  describe('without a master', () => {
    const fw = { user: 'root', name: 'direct', capabilities: [{ type: 'TASK_KILLING_STATE' }, { type: 'PARTITION_AWARE' }] };
    const launch = (task: Json) =>
      post(`${lonely.url(5051)}/mesos-up/launch`, {
        framework_id: 'fw-direct',
        framework_info: fw,
        task: { agent_id: { value: 'fake-S0' }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 16 } }], ...task },
      });
    const findTask = async (id: string) => agentTasks((await getJson(`${lonely.url(5051)}/state`)).body).find((x) => x.task.id === id);
    const statesOf = (t: Json) => t.statuses.map((s: Json) => s.state);

    it('wraps its JSON endpoints as JSONP when ?jsonp= asks, as the Mesos and Marathon web UIs read agents', async () => {
      // (/files/browse and /files/read: with the sandbox below)
      for (const path of ['/state', '/slave(1)/state.json', '/flags', '/monitor/statistics', '/metrics/snapshot', '/version']) {
        const sep = path.includes('?') ? '&' : '?';
        const res = await fetch(`${lonely.url(5051)}${path}${sep}jsonp=angular.callbacks._0`);
        expect(res.status, path).toBe(200);
        expect(res.headers.get('content-type'), path).toBe('text/javascript');
        const text = await res.text();
        const m = /^angular\.callbacks\._0\(([\s\S]*)\);$/.exec(text);
        expect(m, `${path}: ${text.slice(0, 80)}`).not.toBeNull();
        // the same document as without ?jsonp=
        const plain = await fetch(`${lonely.url(5051)}${path}`);
        expect(plain.headers.get('content-type'), path).toBe('application/json');
        expect(Object.keys(JSON.parse(m![1]!) as object).sort(), path).toEqual(Object.keys((await plain.json()) as object).sort());
      }
    });

    it('answers /health, /state, /flags, /metrics/snapshot and /version in the 1.7 shapes', async () => {
      const health = await getJson(`${lonely.url(5051)}/health`);
      expect(health.status).toBe(200);
      expect(health.text).toBe('');
      for (const path of ['/state', '/slave(1)/state', '/state.json']) {
        const { status, body } = await getJson(`${lonely.url(5051)}${path}`);
        expect(status).toBe(200);
        expect(body).toMatchObject({
          version: '1.7.1',
          id: '',
          pid: `slave(1)@${lonely.ip}:5051`,
          hostname: lonely.ip,
          resources: { cpus: 1, mem: 512, disk: 1000, gpus: 0, ports: '[31000-31005]' },
          attributes: { rack: 'r1', zone: 2 },
          frameworks: [],
          completed_frameworks: [],
          capabilities: expect.arrayContaining(['MULTI_ROLE']),
        });
        expect(typeof body.start_time).toBe('number');
        expect(body.flags).toMatchObject({ master: `${tnet.address(250)}:5050`, work_dir: '/var/lib/mesos/agent', port: '5051', switch_user: 'false', containerizers: 'mesos' });
        expect(Object.entries(body.flags).filter(([, v]) => typeof v !== 'string')).toEqual([]);
      }
      const flags = await getJson(`${lonely.url(5051)}/flags`);
      expect(flags.body.flags.executor_shutdown_grace_period).toBe('5secs');
      const m = (await getJson(`${lonely.url(5051)}/metrics/snapshot`)).body;
      expect(m['slave/registered']).toBe(0);
      expect(m['slave/uptime_secs']).toBeGreaterThan(0);
      expect(m).toMatchObject({ 'slave/cpus_total': 1, 'slave/mem_total': 512, 'slave/disk_total': 1000, 'slave/tasks_running': 0, 'slave/frameworks_active': 0 });
      expect((await getJson(`${lonely.url(5051)}/version`)).body.version).toBe('1.7.1');
    });

    it('answers the v1 operator API (POST /api/v1) in JSON and protobuf, with the agent\'s own error texts', async () => {
      const url = `${lonely.url(5051)}/api/v1`;
      const post = async (body: Buffer | string, headers: Record<string, string>) => {
        // (a Blob body: fetch adds no Content-Type of its own)
        const r = await fetch(url, { method: 'POST', headers, body: new Blob([typeof body === 'string' ? body : new Uint8Array(body)]) });
        return { status: r.status, type: r.headers.get('content-type'), body: Buffer.from(await r.arrayBuffer()) };
      };
      const json = (call: unknown) => post(JSON.stringify(call), { 'Content-Type': 'application/json' });
      const text = async (p: Promise<{ status: number; body: Buffer }>) => {
        const r = await p;
        return { status: r.status, text: r.body.toString() };
      };
      expect((await fetch(url)).status).toBe(405);
      expect(await text(post('{}', {}))).toEqual({ status: 400, text: "Expecting 'Content-Type' to be present" });
      expect(await text(post('{}', { 'Content-Type': 'text/plain' }))).toEqual({
        status: 415, text: "Expecting 'Content-Type' of application/json or application/x-protobuf or application/recordio",
      });
      expect(await text(json({ type: 'GET_METRICS' }))).toEqual({ status: 400, text: "Failed to validate agent::Call: Expecting 'get_metrics' to be present" });
      expect(await text(json({ type: 'GET_HEALTH', get_metrics: 3 }))).toEqual({ status: 400, text: "Not expecting a JSON number for field 'get_metrics'" });
      expect(await text(post(Buffer.from([0xff]), { 'Content-Type': 'application/x-protobuf' }))).toEqual({ status: 400, text: 'Failed to parse body into a protobuf object' });
      expect((await json({ type: 'UNKNOWN' })).status).toBe(501);

      const health = await json({ type: 'GET_HEALTH' });
      expect(health.type).toBe('application/json');
      expect(JSON.parse(health.body.toString())).toEqual({ type: 'GET_HEALTH', get_health: { healthy: true } });
      // unregistered: no id yet; AgentInfo's port default printed; attributes typed
      const got = JSON.parse((await json({ type: 'GET_AGENT' })).body.toString()).get_agent.agent_info;
      expect(got).toMatchObject({ hostname: lonely.ip, port: 5051 });
      expect(got).not.toHaveProperty('id');
      expect(got.attributes).toEqual([{ name: 'rack', type: 'TEXT', text: { value: 'r1' } }, { name: 'zone', type: 'SCALAR', scalar: { value: 2 } }]);
      const state = JSON.parse((await json({ type: 'GET_STATE' })).body.toString());
      expect(state).toEqual({ type: 'GET_STATE', get_state: { get_tasks: {}, get_executors: {}, get_frameworks: {} } });

      // protobuf both ways: GET_FLAGS as bytes, answered as bytes when only protobuf is accepted
      const Call = messageType('mesos.v1.agent.Call');
      const Response = messageType('mesos.v1.agent.Response');
      const pb = await post(Buffer.from(Call.encode(Call.fromObject({ type: 'GET_FLAGS' })).finish()), { 'Content-Type': 'application/x-protobuf', Accept: 'application/x-protobuf' });
      expect(pb.type).toBe('application/x-protobuf');
      const flags = Response.toObject(Response.decode(pb.body), { enums: String }) as Json;
      expect(flags.type).toBe('GET_FLAGS');
      expect(flags.get_flags.flags).toContainEqual({ name: 'work_dir', value: '/var/lib/mesos/agent' });
    });

    itEmulatorOnly(VIA_STAND_IN)('runs nested container sessions under a task: output to two readers, stdin, kill, wait, remove', async () => {
      expect(await launch({ name: 'host', task_id: { value: 'host' }, command: { value: 'echo parent-out > parent.txt; sleep 300' } })).toBe(202);
      const running = await eventually('host running', async () => {
        const t = await findTask('host');
        return t?.task.state === 'TASK_RUNNING' ? t : undefined;
      });
      const parent = { value: running.executor.container };
      const api = `${lonely.url(5051)}/api/v1`;
      const call = (body: unknown, headers: Record<string, string> = {}) =>
        fetch(api, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
      const records = async (res: Response) => {
        const decoder = new RecordDecoder();
        const out: Json[] = [];
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) out.push(...decoder.push(Buffer.from(chunk)));
        return out;
      };
      const text = (rs: Json[], stream: string) => rs.filter((r) => r.type === 'DATA' && r.data.type === stream).map((r) => Buffer.from(r.data.data, 'base64').toString()).join('');

      expect(await (await call({ type: 'LAUNCH_NESTED_CONTAINER_SESSION', launch_nested_container_session: { container_id: { value: 's0' }, command: { value: 'true' } } })).text()).toBe(
        "Failed to validate agent::Call: Expecting 'launch_nested_container_session.container_id.parent' to be present",
      );
      const orphan = await call({ type: 'LAUNCH_NESTED_CONTAINER_SESSION', launch_nested_container_session: { container_id: { value: 's0', parent: { value: 'nope' } }, command: { value: 'true' } } });
      expect({ status: orphan.status, text: await orphan.text() }).toEqual({ status: 400, text: 'Parent container nope does not exist' });

      // a session that reads stdin: output streamed as RecordIO ProcessIO records (JSON inside), in the task's sandbox
      const id = { value: 's1', parent };
      const session = await call(
        { type: 'LAUNCH_NESTED_CONTAINER_SESSION', launch_nested_container_session: { container_id: id, command: { value: 'cat parent.txt; tr a-z A-Z; echo bye >&2' } } },
        { Accept: 'application/recordio', 'Message-Accept': 'application/json' },
      );
      expect([session.status, session.headers.get('content-type'), session.headers.get('message-content-type')]).toEqual([200, 'application/recordio', 'application/json']);
      const second = call({ type: 'ATTACH_CONTAINER_OUTPUT', attach_container_output: { container_id: id } }, { Accept: 'application/recordio', 'Message-Accept': 'application/json' });
      const input = (msg: Json) => {
        const b = Buffer.from(JSON.stringify({ type: 'ATTACH_CONTAINER_INPUT', attach_container_input: msg }));
        return Buffer.concat([Buffer.from(`${b.length}\n`), b]);
      };
      const stdin = (data: string) => input({ type: 'PROCESS_IO', process_io: { type: 'DATA', data: { type: 'STDIN', data: Buffer.from(data).toString('base64') } } });
      const attach = await fetch(api, {
        method: 'POST',
        headers: { 'Content-Type': 'application/recordio', 'Message-Content-Type': 'application/json' },
        body: new Blob([input({ type: 'CONTAINER_ID', container_id: id }), stdin('shout\n'), stdin('')]),
      });
      expect(attach.status).toBe(200);
      const [first, other] = await Promise.all([records(session), second.then(records)]);
      expect(text(first, 'STDOUT')).toBe('parent-out\nSHOUT\n');
      expect(text(first, 'STDERR')).toBe('bye\n');
      expect(first.find((r) => r.type === 'CONTROL')).toEqual({ type: 'CONTROL', control: { type: 'HEARTBEAT', heartbeat: { interval: { nanoseconds: 30e9 } } } });
      expect(text(other, 'STDOUT')).toContain('SHOUT');
      const wait = await (await call({ type: 'WAIT_NESTED_CONTAINER', wait_nested_container: { container_id: id } })).json();
      expect(wait).toEqual({ type: 'WAIT_NESTED_CONTAINER', wait_nested_container: { exit_status: 0 } });

      // killed: the wait status is the signal; then removed, once
      const id2 = { value: 's2', parent };
      const sleeper = await call({ type: 'LAUNCH_NESTED_CONTAINER_SESSION', launch_nested_container_session: { container_id: id2, command: { value: 'sleep 300' } } });
      expect(sleeper.status).toBe(200);
      const removeRunning = await call({ type: 'REMOVE_NESTED_CONTAINER', remove_nested_container: { container_id: id2 } });
      expect({ status: removeRunning.status, text: await removeRunning.text() }).toEqual({ status: 500, text: 'Nested container has not terminated yet' });
      expect((await call({ type: 'KILL_NESTED_CONTAINER', kill_nested_container: { container_id: id2, signal: 15 } })).status).toBe(200);
      expect(await (await call({ type: 'WAIT_NESTED_CONTAINER', wait_nested_container: { container_id: id2 } })).json()).toEqual({ type: 'WAIT_NESTED_CONTAINER', wait_nested_container: { exit_status: 15 } });
      await sleeper.body?.cancel();
      const again = await call({ type: 'KILL_NESTED_CONTAINER', kill_nested_container: { container_id: id2 } });
      expect({ status: again.status, text: await again.text() }).toEqual({ status: 404, text: `Container '${parent.value}.s2' cannot be found (or is already killed)` });
      expect((await call({ type: 'REMOVE_NESTED_CONTAINER', remove_nested_container: { container_id: id2 } })).status).toBe(200);
      const gone = await call({ type: 'WAIT_NESTED_CONTAINER', wait_nested_container: { container_id: id2 } });
      expect({ status: gone.status, text: await gone.text() }).toEqual({ status: 404, text: `Container ${parent.value}.s2 cannot be found` });
      await post(`${lonely.url(5051)}/mesos-up/kill`, { framework_id: 'fw-direct', task_id: { value: 'host' } });
      // (the tests after this one count the agent's resources in use)
      await eventually('host gone, its resources free', async () => (await getJson(`${lonely.url(5051)}/metrics/snapshot`)).body['slave/cpus_used'] === 0);
    });

    itEmulatorOnly(VIA_STAND_IN)('runs a command task in its sandbox with the executor environment, and reports it', async () => {
      expect(
        await launch({
          name: 'hello',
          task_id: { value: 'hello' },
          // It runs until the test lets it finish (a file in the agent's /tmp, which command
          // tasks share): a fixed `sleep` could end before the test has seen it running.
          command: { value: 'echo hello $MESOS_SANDBOX; env > env.txt; while [ ! -e /tmp/finish-hello ]; do sleep 0.1; done', environment: { variables: [{ name: 'MESOS_TASK_ID', value: 'hello' }] } },
        }),
      ).toBe(202);
      const running = await eventually('hello running', async () => {
        const t = await findTask('hello');
        return t?.task.state === 'TASK_RUNNING' ? t : undefined;
      });
      expect(running.where).toBe('tasks');
      const m = (await getJson(`${lonely.url(5051)}/metrics/snapshot`)).body;
      expect(m['slave/tasks_running']).toBe(1);
      expect(m['slave/cpus_used']).toBeCloseTo(0.2); // the task's 0.1 + the executor's 0.1
      expect((await lonely.exec(['touch', '/tmp/finish-hello'])).exitCode).toBe(0);
      const done = await eventually('hello finished', async () => {
        const t = await findTask('hello');
        return t?.task.state === 'TASK_FINISHED' ? t : undefined;
      });
      expect(statesOf(done.task)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
      expect(done.task).toMatchObject({ framework_id: 'fw-direct', executor_id: '', slave_id: 'fake-S0', role: '*' });
      const dir: string = done.executor.directory;
      expect(dir).toMatch(new RegExp(`^/var/lib/mesos/agent/slaves/fake-S0/frameworks/fw-direct/executors/hello/runs/${done.executor.container}$`));
      expect(done.executor.name).toBe("Command Executor (Task: hello) (Command: sh -c 'echo hello $...')");
      expect(done.task.statuses[0].container_status.container_id.value).toBe(done.executor.container);

      const stdout = await lonely.exec(['cat', `${dir}/stdout`]);
      expect(stdout.output).toBe(`hello ${dir}\n`);
      const env = Object.fromEntries(
        (await lonely.exec(['cat', `${dir}/env.txt`])).output.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      expect(env).toMatchObject({
        MESOS_FRAMEWORK_ID: 'fw-direct',
        MESOS_EXECUTOR_ID: 'hello',
        MESOS_DIRECTORY: dir,
        MESOS_SANDBOX: dir,
        MESOS_SLAVE_ID: 'fake-S0',
        MESOS_SLAVE_PID: `slave(1)@${lonely.ip}:5051`,
        MESOS_AGENT_ENDPOINT: `${lonely.ip}:5051`,
        MESOS_CHECKPOINT: '0',
        MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs',
        LIBPROCESS_PORT: '0',
        MESOS_TASK_ID: 'hello', // only because the framework put it there
      });
      expect(env.MESOS_MASTER).toBeUndefined();
      // The same file through the agent's /files API, by the virtual path.
      const read = await getJson(`${lonely.url(5051)}/files/read?path=${encodeURIComponent('/frameworks/fw-direct/executors/hello/runs/latest/stdout')}&offset=0`);
      expect(read.body).toEqual({ data: `hello ${dir}\n`, offset: 0 });
      // …and as JSONP, as the web UIs' log viewer reads it
      const sandbox = encodeURIComponent('/frameworks/fw-direct/executors/hello/runs/latest');
      const jsonp = await fetch(`${lonely.url(5051)}/files/read?path=${sandbox}%2Fstdout&offset=0&jsonp=cb`);
      expect(jsonp.headers.get('content-type')).toBe('text/javascript');
      expect(await jsonp.text()).toBe(`cb(${JSON.stringify({ data: `hello ${dir}\n`, offset: 0 })});`);
      expect(await (await fetch(`${lonely.url(5051)}/files/browse?path=${sandbox}&jsonp=cb`)).text()).toMatch(/^cb\(\[.*"path":".*stdout".*\]\);$/);
      // With --log_dir its own log is /slave/log, beside the sandboxes.
      expect((await getJson(`${lonely.url(5051)}/files/debug`)).body['/slave/log']).toMatch(/^\/var\/log\/mesos\/mesos-agent\.[^/]+\.log\.INFO\./);
      const log = (await getJson(`${lonely.url(5051)}/files/read?path=/slave/log&offset=0&length=65536`)).body.data as string;
      expect(log).toMatch(/^Log file created at: /);
      expect(log).toContain('Agent started on');
      // The executor is gone and so is the framework.
      await eventually('framework completed', async () => {
        const s = (await getJson(`${lonely.url(5051)}/state`)).body;
        return s.frameworks.length === 0 && s.completed_frameworks.some((f: Json) => f.id === 'fw-direct');
      });
    });

    itEmulatorOnly(VIA_STAND_IN)("reports a running task's CPU times and RSS on /monitor/statistics, beside its limits", async () => {
      // A child process that holds 48 MiB and spends CPU until it has used a
      // tenth of a second, then waits to be told to finish.
      const script = 'import time; b = b"x" * (48 << 20); t = time.process_time()\nwhile time.process_time() - t < 0.1: pass\nimport os\nwhile not os.path.exists("/tmp/finish-busy"): time.sleep(0.1)';
      const resources = [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 128 } }];
      await launch({ name: 'busy', task_id: { value: 'busy' }, resources, command: { value: `python3 -c '${script}'` } });
      const stats = await eventually('busy measured', async () => {
        const all = (await getJson(`${lonely.url(5051)}/monitor/statistics`)).body as Array<{ executor_id: string; statistics: Record<string, number> }>;
        const s = all.find((e) => e.executor_id === 'busy')?.statistics;
        return s && s.cpus_user_time_secs! + s.cpus_system_time_secs! >= 0.1 && s.mem_rss_bytes! >= 48 << 20 ? s : undefined;
      });
      // The fields a 1.7.1 agent with posix/cpu and posix/mem isolation fills, in its order.
      expect(Object.keys(stats)).toEqual(['timestamp', 'cpus_user_time_secs', 'cpus_system_time_secs', 'cpus_limit', 'mem_rss_bytes', 'mem_limit_bytes']);
      expect(stats.timestamp).toBeCloseTo(Date.now() / 1000, -1);
      expect(stats.cpus_limit).toBeCloseTo(0.2); // the task's 0.1 + the executor's 0.1
      expect(stats.mem_limit_bytes).toBe((128 + 32) << 20); // with the executor's 32 MB
      expect((await lonely.exec(['touch', '/tmp/finish-busy'])).exitCode).toBe(0);
      await eventually('busy finished', async () => ((await findTask('busy'))?.task.state === 'TASK_FINISHED' ? true : undefined));
    });

    itEmulatorOnly(VIA_STAND_IN)('reports a failing command as TASK_FAILED with the exit status', async () => {
      await launch({ name: 'fails', task_id: { value: 'fails' }, command: { value: 'exit 3' } });
      const t = await eventually('fails failed', async () => {
        const x = await findTask('fails');
        return x?.task.state === 'TASK_FAILED' ? x : undefined;
      });
      expect(statesOf(t.task)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FAILED']);
      expect((await getJson(`${lonely.url(5051)}/metrics/snapshot`)).body['slave/tasks_failed']).toBe(1);
    });

    itEmulatorOnly(`${VIA_STAND_IN}, kills it through /mesos-up/kill`)('kills the whole process group: SIGTERM, then SIGKILL after the kill policy grace period', async () => {
      await launch({
        name: 'stubborn',
        task_id: { value: 'stubborn' },
        command: { value: "trap '' TERM; sleep 997 & sleep 997; wait" },
        kill_policy: { grace_period: { nanoseconds: 1_000_000_000 } },
      });
      await eventually('stubborn running', async () => (await findTask('stubborn'))?.task.state === 'TASK_RUNNING');
      // TASK_RUNNING comes when the shell starts, not when it has started both sleeps
      await eventually('both sleeps started', async () => (await lonely.exec(['pgrep', '-c', '-f', '^sleep 997'])).output.trim() === '2');
      expect(await post(`${lonely.url(5051)}/mesos-up/kill`, { framework_id: 'fw-direct', task_id: { value: 'stubborn' } })).toBe(202);
      const t = await eventually('stubborn killed', async () => {
        const x = await findTask('stubborn');
        return x?.task.state === 'TASK_KILLED' ? x : undefined;
      });
      expect(statesOf(t.task)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
      const stderr = (await lonely.exec(['cat', `${t.executor.directory}/stderr`])).output;
      expect(stderr).toContain('Command terminated with signal Killed');
      await eventually('no process of the task left', async () => (await lonely.exec(['pgrep', '-c', '-f', '^sleep 997'])).output.trim() === '0', 60_000);
    });

    itEmulatorOnly(VIA_STAND_IN)('runs TaskInfo.health_check and marks TASK_RUNNING updates healthy, killing after consecutive failures', async () => {
      await launch({
        name: 'healthy',
        task_id: { value: 'healthy' },
        command: { value: 'exec nc -lk 8081' },
        // failures in the grace period are not reported: a long one lets a slow start of nc pass unseen
        health_check: { type: 'TCP', tcp: { port: 8081 }, delay_seconds: 0, interval_seconds: 1, grace_period_seconds: 60 },
      });
      await launch({
        name: 'sick',
        task_id: { value: 'sick' },
        command: { value: 'sleep 600' },
        health_check: { type: 'COMMAND', command: { value: 'exit 1' }, delay_seconds: 0, interval_seconds: 0.5, grace_period_seconds: 0, consecutive_failures: 2 },
      });
      const healthy = await eventually('healthy reported', async () => {
        const x = await findTask('healthy');
        return x?.task.statuses.some((s: Json) => s.healthy === true) ? x : undefined;
      });
      expect(healthy.task.statuses.filter((s: Json) => s.state === 'TASK_RUNNING').map((s: Json) => s.healthy)).toEqual([undefined, true]);
      const sick = await eventually('sick killed', async () => {
        const x = await findTask('sick');
        return x?.task.state === 'TASK_KILLED' ? x : undefined;
      });
      expect(sick.task.statuses.map((s: Json) => [s.state, s.healthy])).toEqual([
        ['TASK_STARTING', undefined],
        ['TASK_RUNNING', undefined],
        ['TASK_RUNNING', false],
        ['TASK_RUNNING', false],
        ['TASK_KILLING', undefined],
        ['TASK_KILLED', false],
      ]);
    });
  });

  describe('with ZooKeeper and a master', () => {
    let agentId = '';

    it('registers with the leading master and offers its resources', async () => {
      const state = await eventually('agent registered', async () => {
        const s = (await getJson(`${agent.url(5051)}/state`)).body;
        return s?.id ? s : undefined;
      });
      agentId = state.id;
      const masterState = (await getJson(`${master1.url(5050)}/master/state`)).body;
      expect(agentId).toMatch(new RegExp(`^${masterState.id}-S\\d+$`));
      expect(state.master_hostname).toBe(masterState.hostname);
      expect((await getJson(`${agent.url(5051)}/metrics/snapshot`)).body['slave/registered']).toBe(1);
      const slave = masterState.slaves.find((s: Json) => s.id === agentId);
      expect(slave).toMatchObject({ pid: `slave(1)@${agent.ip}:5051`, hostname: agent.ip, resources: { cpus: 2, mem: 1024, disk: 2048, ports: '[31000-31010]' } });

      const s = new Scheduler(master1.url(5050));
      scheduler.s = s;
      // A failover timeout keeps the framework's tasks alive when its master goes away.
      await s.subscribe({ user: 'root', name: 'agent-test', roles: ['*'], failover_timeout: 3600, checkpoint: true, capabilities: [{ type: 'MULTI_ROLE' }, { type: 'TASK_KILLING_STATE' }, { type: 'PARTITION_AWARE' }] });
      const offer = await eventually('an offer', async () => s.events.find((e) => e.type === 'OFFERS')?.offers.offers.find((o: Json) => o.agent_id.value === agentId));
      const byName = Object.fromEntries(offer.resources.map((r: Json) => [r.name, r]));
      expect(byName.cpus.scalar.value).toBe(2);
      expect(byName.mem.scalar.value).toBe(1024);
      expect(byName.ports.ranges.range).toEqual([{ begin: 31000, end: 31010 }]);
    });

    it('runs a command task for a v1 scheduler: TASK_STARTING, TASK_RUNNING, TASK_FINISHED', async () => {
      const s = scheduler.s!;
      await s.launch(agentId, (offer) => [
        {
          name: 'echo',
          task_id: { value: 'echo-1' },
          agent_id: offer.agent_id,
          resources: taskResources(offer, 0.1, 32),
          command: { value: 'echo hello $MESOS_SANDBOX; sleep 1' },
        },
      ]);
      const updates = await eventually('echo finished', async () => {
        const u = s.updates('echo-1');
        return u.some((x) => x.state === 'TASK_FINISHED') ? u : undefined;
      });
      expect(updates.map((u) => u.state)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
      for (const u of updates) {
        expect(u).toMatchObject({ source: 'SOURCE_EXECUTOR', agent_id: { value: agentId }, executor_id: { value: 'echo-1' } });
        expect(u.uuid).toMatch(base64Uuid);
        expect(typeof u.timestamp).toBe('number');
        expect(u.container_status.network_infos[0].ip_addresses[0].ip_address).toBe(agent.ip);
      }
      expect(updates[2].message).toBe('Command exited with status 0');
      const entry = await eventually('echo in completed tasks', async () =>
        agentTasks((await getJson(`${agent.url(5051)}/state`)).body).find((x) => x.task.id === 'echo-1' && x.where === 'completed_tasks'),
      );
      expect(entry.framework.id).toBe(s.frameworkId);
      expect((await agent.exec(['cat', `${entry.executor.directory}/stdout`])).output).toBe(`hello ${entry.executor.directory}\n`);
    });

    // A real agent puts a BRIDGE task on Docker's default bridge and publishes its
    // port on the Docker host, and needs its work dir shared with the host (README,
    // "What was tried against real images").
    itEmulatorOnly('checks how the emulated agent runs Docker tasks: on the cluster network behind its port proxy, labelled io.mesos-up.*')('runs a DOCKER task on the agent network, reachable on its host port, and removes it after a kill', async () => {
      const s = scheduler.s!;
      const image = emulatedImage('agent', version);
      await s.launch(agentId, (offer) => [
        {
          name: 'web',
          task_id: { value: 'web-1' },
          agent_id: offer.agent_id,
          resources: taskResources(offer, 0.1, 64, 31000),
          command: {
            value: 'env > /tmp/env; echo written-in-container > $MESOS_SANDBOX/out.txt; while true; do echo hello-from-task | nc -l -N 8080; done',
            environment: { variables: [{ name: 'PORT0', value: '31000' }] },
          },
          container: { type: 'DOCKER', docker: { image, network: 'BRIDGE', port_mappings: [{ host_port: 31000, container_port: 8080, protocol: 'tcp' }] } },
          // 60 s of grace: on a loaded machine the task's container can take longer than
          // 10 s to start, and three failures after the grace period kill it (as Mesos does).
          health_check: { type: 'TCP', tcp: { port: 8080 }, delay_seconds: 0, interval_seconds: 1, grace_period_seconds: 60 },
          labels: { labels: [{ key: 'owner', value: 'agent-test' }] },
        },
      ]);
      const running = await eventually('web healthy', async () => {
        const updates = s.updates('web-1');
        const hit = updates.find((u) => u.state === 'TASK_RUNNING' && u.healthy === true);
        if (!hit) throw new Error(`updates so far: ${JSON.stringify(updates.map((u) => [u.state, u.healthy, u.message]))}`);
        return hit;
      }, 120_000);
      const containerIp = running.container_status.network_infos[0].ip_addresses[0].ip_address;
      expect(containerIp).not.toBe(agent.ip);
      // The host port answers on the agent, as Marathon would report host:port.
      expect(await eventually('host port answering', () => readTcp(agent.hostPort(31000)).catch(() => undefined))).toBe('hello-from-task\n');

      const containerId = running.container_status.container_id.value;
      const [info] = await tnet.docker.listContainers({ filters: { name: [`mesos-${containerId}`] } });
      expect(info, JSON.stringify(await tnet.docker.listContainers({ all: true, filters: { label: [`io.mesos-up.cluster=${tnet.name}`] } }))).toBeDefined();
      expect(info!.Labels).toMatchObject({ 'io.mesos-up.cluster': tnet.name, 'io.mesos-up.role': 'task', 'io.mesos-up.agent': agent.id });
      const inspect = await tnet.docker.getContainer(info!.Id).inspect();
      expect(Object.keys(inspect.NetworkSettings.Networks)).toEqual([tnet.name]);
      const env = (await tnet.docker.getContainer(info!.Id).inspect()).Config.Env;
      expect(env).toEqual(expect.arrayContaining(['PORT0=31000', 'MESOS_SANDBOX=/mnt/mesos/sandbox', `MESOS_CONTAINER_NAME=mesos-${containerId}`]));
      // The sandbox is bound at MESOS_SANDBOX, as the docker containerizer mounts it: /files sees what the task wrote.
      expect(inspect.Mounts.find((mt) => mt.Destination === '/mnt/mesos/sandbox')).toMatchObject({ Type: 'bind', RW: true });
      const sandbox = `/frameworks/${s.frameworkId}/executors/web-1/runs/latest`;
      const written = await eventually('out.txt through /files', async () => {
        const r = await getJson(`${agent.url(5051)}/files/read?path=${encodeURIComponent(`${sandbox}/out.txt`)}&offset=0`);
        return r.status === 200 ? r.body : undefined;
      }, 30_000, 250);
      expect(written).toEqual({ data: 'written-in-container\n', offset: 0 });
      const listed = ((await getJson(`${agent.url(5051)}/files/browse?path=${encodeURIComponent(sandbox)}`)).body as Json[]).map((f) => f.path.split('/').pop());
      expect(listed).toEqual(expect.arrayContaining(['out.txt', 'stdout', 'stderr']));
      // Its usage, from the container's cgroup as the engine reports it.
      const usage = (await getJson(`${agent.url(5051)}/monitor/statistics`)).body.find((e: Json) => e.executor_id === 'web-1')?.statistics;
      expect(usage).toMatchObject({ cpus_limit: expect.closeTo(0.2), mem_limit_bytes: (64 + 32) << 20 });
      expect(usage.cpus_user_time_secs + usage.cpus_system_time_secs).toBeGreaterThan(0);
      expect(usage.mem_rss_bytes).toBeGreaterThan(0);

      expect((await s.call({ type: 'KILL', kill: { task_id: { value: 'web-1' }, agent_id: { value: agentId } } })).status).toBe(202);
      const states = await eventually('web killed', async () => {
        const u = s.updates('web-1').map((x) => x.state);
        return u.includes('TASK_KILLED') ? u : undefined;
      }, 60_000);
      expect(states).toEqual(expect.arrayContaining(['TASK_KILLING']));
      await eventually('task container removed', async () => (await tnet.docker.listContainers({ all: true, filters: { name: [`mesos-${containerId}`] } })).length === 0);
    });

    it('re-registers with the new leader after a master failover, keeping its id and its running task', async () => {
      const s = scheduler.s!;
      await s.launch(agentId, (offer) => [
        { name: 'long', task_id: { value: 'long-1' }, agent_id: offer.agent_id, resources: taskResources(offer, 0.1, 32), command: { value: 'sleep 600' } },
      ]);
      await eventually('long running', async () => s.updates('long-1').some((u) => u.state === 'TASK_RUNNING'));
      await master1.stop(5);
      const state = await eventually(
        'master2 adopted the agent and its task',
        async () => {
          const r = await getJson(`${master2.url(5050)}/master/state`);
          if (r.status !== 200) return undefined;
          const slave = r.body.slaves.find((x: Json) => x.id === agentId);
          const task = r.body.frameworks.flatMap((f: Json) => f.tasks).find((t: Json) => t.id === 'long-1');
          return slave && task ? { slave, task } : undefined;
        },
        60_000,
        500,
      );
      expect(state.task).toMatchObject({ state: 'TASK_RUNNING', slave_id: agentId });
      const agentState = (await getJson(`${agent.url(5051)}/state`)).body;
      expect(agentState.id).toBe(agentId);
      expect(agentTasks(agentState).find((x) => x.task.id === 'long-1')?.task.state).toBe('TASK_RUNNING');
    });

    itEmulatorOnly(`${VIA_STAND_IN}, and finds its container by the emulated agent's io.mesos-up.agent label`)('on SIGTERM kills every task, Docker containers included, before it exits', async () => {
      const ownContainers = async () => tnet.docker.listContainers({ all: true, filters: { label: [`io.mesos-up.agent=${agent.id}`] } });
      expect(
        await post(`${agent.url(5051)}/mesos-up/launch`, {
          framework_id: 'fw-direct',
          framework_info: { user: 'root', name: 'direct' },
          task: {
            name: 'sleeper',
            task_id: { value: 'sleeper' },
            agent_id: { value: agentId },
            resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
            command: { value: 'sleep 600' },
            container: { type: 'DOCKER', docker: { image: emulatedImage('agent', version), network: 'BRIDGE' } },
          },
        }),
      ).toBe(202);
      await eventually('sleeper container running', async () => (await ownContainers()).some((c) => c.State === 'running'));
      await agent.stop(30);
      const exited = await tnet.docker.getContainer(agent.id).inspect();
      expect(exited.State.ExitCode).toBe(0);
      expect(await ownContainers()).toEqual([]);
    });
  });
});
