// Contract tests of the emulated Mesos master (1.7 API): ZooKeeper + 3 masters
// on a Docker network, an agent, and a v1 HTTP scheduler written here with its
// own RecordIO parsing. Everything is checked the way a client sees it. With
// MESOS_UP_TEST_IMAGES=official the same tests run against the official images.
import { writeFileSync } from 'node:fs';
import zookeeper from 'node-zookeeper-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, officialImagesMissing, TEST_IMAGES, TestNet, type TestContainer } from './harness.js';
import { RecordDecoder } from '../../emulator/src/common/recordio.js';
import { Scheduler } from './scheduler-client.js';

const ZK_SESSION_SECS = 6;

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

async function getJson(url: string): Promise<{ status: number; body: Json; headers: Headers }> {
  // (30 s per request only guards against a hang)
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let body: Json = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers };
}

describe.skipIf(officialImagesMissing)(`${TEST_IMAGES.flavour} mesos-master (1.7 API)`, () => {
  let net: TestNet;
  let zk: TestContainer;
  let masters: TestContainer[] = [];
  let agent: TestContainer;
  let orphan: TestContainer;
  let zkUrl = '';
  const schedulers: Scheduler[] = [];

  const byIp = (ip: string) => masters.find((m) => m.ip === ip);
  const elected = async (m: TestContainer) => (await getJson(`${m.url(5050)}/metrics/snapshot`)).body?.['master/elected'];
  async function findLeader(candidates = masters): Promise<TestContainer> {
    return eventually('exactly one elected master', async () => {
      const flags = await Promise.all(candidates.map((m) => elected(m).catch(() => undefined)));
      if (flags.some((f) => f === undefined)) return undefined;
      const leaders = candidates.filter((_, i) => flags[i] === 1);
      return leaders.length === 1 ? leaders[0] : undefined;
    }, 60_000);
  }
  function zkChildren(client: zookeeper.Client, p: string): Promise<string[]> {
    return new Promise((resolve, reject) => client.getChildren(p, (err, children) => (err ? reject(err) : resolve(children))));
  }
  function zkData(client: zookeeper.Client, p: string): Promise<Buffer> {
    return new Promise((resolve, reject) => client.getData(p, (err, data) => (err ? reject(err) : resolve(data))));
  }
  async function withZk<T>(fn: (c: zookeeper.Client) => Promise<T>): Promise<T> {
    const client = zookeeper.createClient(`127.0.0.1:${zk.hostPort(2181)}`, { sessionTimeout: 5000 });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        client.close();
        reject(new Error('ZooKeeper connect timeout'));
      }, 30_000);
      client.once('connected', () => {
        clearTimeout(t);
        resolve();
      });
      client.connect();
    });
    try {
      return await fn(client);
    } finally {
      client.close();
    }
  }

  beforeAll(async () => {
    net = await TestNet.create('master-contract');
    zk = await net.run({ name: 'zk', target: 'zookeeper', publish: [2181] });
    zkUrl = `zk://${zk.ip}:2181/mesos`;
    await eventually('ZooKeeper serving', () => withZk(async (c) => (await zkChildren(c, '/')) !== undefined), 60_000, 500);
    const env = {
      MESOS_ZK: zkUrl,
      MESOS_QUORUM: '2',
      MESOS_REGISTRY: 'in_memory',
      MESOS_WORK_DIR: '/var/lib/mesos',
      MESOS_LOG_DIR: '/var/log/mesos',
      MESOS_CLUSTER: 'contract',
      MESOS_ZK_SESSION_TIMEOUT: `${ZK_SESSION_SECS}secs`,
      MESOS_SLAVE_PING_TIMEOUT: '20secs', // the deprecated name still works
    };
    masters = await Promise.all([1, 2, 3].map((n) => net.run({ name: `master${n}`, target: 'mesos-master', env, publish: [5050] })));
    agent = await net.run({
      name: 'agent1',
      target: 'mesos-agent',
      env: {
        MESOS_MASTER: zkUrl,
        MESOS_RESOURCES: 'cpus:2;mem:1024;disk:2000;ports:[31000-31100]',
        MESOS_WORK_DIR: '/tmp/mesos',
        MESOS_SYSTEMD_ENABLE_SUPPORT: 'false',
        MESOS_CONTAINERIZERS: 'mesos',
      },
    });
    // A master that can never reach ZooKeeper knows no leader.
    orphan = await net.run({ name: 'orphan', target: 'mesos-master', env: { MESOS_ZK: 'zk://127.0.0.1:2181/mesos', MESOS_REGISTRY: 'in_memory' }, publish: [5050] });
    await eventually('orphan master serving', async () => (await getJson(`${orphan.url(5050)}/health`)).status === 200);
  });

  afterAll(async () => {
    for (const s of schedulers) s.close();
    if (process.env.MESOS_UP_TEST_LOGS) {
      for (const c of [...masters, agent, orphan].filter(Boolean)) writeFileSync(`${process.env.MESOS_UP_TEST_LOGS}/${c.name}.log`, await c.logs());
    }
    await net?.cleanup();
  });

  it('elects exactly one leader; standbys report master/elected 0', async () => {
    const leader = await findLeader();
    for (const m of masters) {
      const snap = (await getJson(`${m.url(5050)}/metrics/snapshot`)).body;
      expect(snap['master/elected']).toBe(m === leader ? 1 : 0);
      expect(typeof snap['master/uptime_secs']).toBe('number');
    }
  });

  it('joins the ZooKeeper group with json.info_ znodes holding MasterInfo; the lowest sequence leads', async () => {
    const leader = await findLeader();
    const leaderState = (await getJson(`${leader.url(5050)}/master/state`)).body;
    await withZk(async (c) => {
      const children = (await zkChildren(c, '/mesos')).filter((n) => n.startsWith('json.info_')).sort();
      expect(children, JSON.stringify(children)).toHaveLength(3);
      for (const n of children) expect(n).toMatch(/^json\.info_\d{10}$/);
      const infos = await Promise.all(children.map(async (n) => JSON.parse((await zkData(c, `/mesos/${n}`)).toString('utf8'))));
      for (const info of infos) {
        const [a, b, cc, d] = info.address.ip.split('.').map(Number);
        expect(info).toMatchObject({ port: 5050, version: '1.7.1', pid: `master@${info.address.ip}:5050`, hostname: info.address.ip });
        expect(info.ip).toBe(a + b * 256 + cc * 65536 + d * 16777216);
        expect(info.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(info.capabilities).toEqual([{ type: 'AGENT_UPDATE' }]);
        expect(masters.map((m) => m.ip)).toEqual(expect.arrayContaining([info.address.ip]));
      }
      expect(infos[0].id).toBe(leaderState.id);
      expect(infos[0].address.ip).toBe(leader.ip);
    });
  });

  it('serves /master/state on the leader with every 1.7 top-level field', async () => {
    const leader = await findLeader();
    for (const p of ['/master/state', '/state', '/state.json', '/master/state.json']) {
      const { status, body, headers } = await getJson(`${leader.url(5050)}${p}`);
      expect(status, p).toBe(200);
      expect(headers.get('content-type')).toBe('application/json');
      for (const field of [
        'version', 'build_date', 'build_time', 'build_user', 'start_time', 'elected_time', 'id', 'pid', 'hostname',
        'capabilities', 'activated_slaves', 'deactivated_slaves', 'unreachable_slaves', 'leader', 'leader_info', 'cluster',
        'flags', 'slaves', 'recovered_slaves', 'frameworks', 'completed_frameworks', 'orphan_tasks', 'unregistered_frameworks',
      ]) {
        expect(body, `${p} ${field}`).toHaveProperty(field);
      }
      expect(body.version).toBe('1.7.1');
      expect(body.pid).toBe(`master@${leader.ip}:5050`);
      expect(body.leader).toBe(body.pid);
      expect(body.leader_info).toEqual({ id: body.id, pid: body.pid, port: 5050, hostname: leader.ip });
      expect(body.cluster).toBe('contract');
      expect(body.orphan_tasks).toEqual([]);
      expect(body.unregistered_frameworks).toEqual([]);
      expect(Object.entries(body.flags).filter(([, v]) => typeof v !== 'string')).toEqual([]);
      expect(body.flags).toMatchObject({ zk: zkUrl, quorum: '2', registry: 'in_memory', port: '5050', zk_session_timeout: `${ZK_SESSION_SECS}secs`, agent_ping_timeout: '20secs' });
      expect(body.start_time % 1 !== 0 || body.elected_time % 1 !== 0).toBe(true);
    }
    const summary = (await getJson(`${leader.url(5050)}/master/state-summary`)).body;
    expect(summary).toMatchObject({ hostname: leader.ip, cluster: 'contract' });
    expect(summary).toMatchObject({ slaves: expect.any(Array), frameworks: expect.any(Array) });
    expect((await getJson(`${leader.url(5050)}/master/frameworks`)).body).toEqual({ frameworks: [], completed_frameworks: [], unregistered_frameworks: [] });
    expect((await getJson(`${leader.url(5050)}/master/state?jsonp=cb`)).body).toMatch(/^cb\(\{.*\}\);$/);
  });

  it('redirects leader-only endpoints on standbys; answers /health, /flags, /version everywhere', async () => {
    const leader = await findLeader();
    const standby = masters.find((m) => m !== leader)!;
    const leaderLoc = `//${leader.ip}:5050`;
    for (const p of ['/master/state', '/state', '/master/slaves', '/frameworks', '/master/tasks?limit=5', '/master/state-summary', '/api/v1/scheduler', '/api/v1', '/master/api/v1', '/roles', '/weights', '/quota']) {
      const r = await getJson(`${standby.url(5050)}${p}`);
      expect(r.status, p).toBe(307);
      expect(r.headers.get('location'), p).toBe(`${leaderLoc}${p}`);
    }
    for (const m of [standby, leader]) {
      for (const p of ['/redirect', '/master/redirect']) {
        const r = await getJson(`${m.url(5050)}${p}`);
        expect(r.status).toBe(307);
        expect(r.headers.get('location')).toBe(leaderLoc);
      }
      expect((await getJson(`${m.url(5050)}/master/redirect/x`)).status).toBe(404);
      const health = await getJson(`${m.url(5050)}/health`);
      expect(health.status).toBe(200);
      expect(health.body).toBeUndefined();
      expect((await getJson(`${m.url(5050)}/master/health`)).status).toBe(200);
      const flags = await getJson(`${m.url(5050)}/flags`);
      expect(flags.status).toBe(200);
      expect(flags.body.flags).toMatchObject({ zk: zkUrl, cluster: 'contract', hostname_lookup: 'true' });
      expect((await getJson(`${m.url(5050)}/master/flags`)).body).toEqual(flags.body);
      expect((await getJson(`${m.url(5050)}/version`)).body).toMatchObject({ version: '1.7.1' });
      expect((await getJson(`${m.url(5050)}/no/such/endpoint`)).status).toBe(404);
    }
    for (const p of ['/master/state', '/redirect', '/master/frameworks', '/api/v1/scheduler']) {
      const r = await getJson(`${orphan.url(5050)}${p}`);
      expect(r.status, p).toBe(503);
      expect(r.body).toBe('No leader elected');
    }
    expect((await getJson(`${orphan.url(5050)}/health`)).status).toBe(200);
    expect((await getJson(`${orphan.url(5050)}/metrics/snapshot`)).body['master/elected']).toBe(0);
  });

  it("serves its log file under /files as /master/log with --log_dir, as the web UI's LOG link reads it", async () => {
    const leader = await findLeader();
    const u = leader.url(5050);
    // Attached by its real path: glog's file behind the mesos-master.INFO link.
    const debug = (await getJson(`${u}/files/debug`)).body;
    expect(Object.keys(debug)).toEqual(['/master/log']);
    expect(debug['/master/log']).toMatch(/^\/var\/log\/mesos\/mesos-master\.[^/]+\.log\.INFO\.\d{8}-\d{6}\.\d+$/);
    const listed = (await getJson(`${u}/files/browse?path=/master/log`)).body;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ path: '/master/log', nlink: 1 });
    expect(listed[0].size).toBeGreaterThan(0);
    // glog's header, then the lines the master printed on stderr.
    const text = (await getJson(`${u}/files/read?path=/master/log&offset=0&length=65536`)).body.data as string;
    expect(text).toMatch(/^Log file created at: \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\nRunning on machine: /);
    expect(text).toContain('INFO level logging started!');
    expect(text).toContain('Elected as the leading master!');
    const size = (await getJson(`${u}/files/read.json?path=/master/log&offset=-1`)).body;
    expect(size).toEqual({ data: '', offset: expect.any(Number) });
    expect(size.offset).toBeGreaterThanOrEqual(text.length);
    // The UI reads it as JSONP.
    const jsonp = await fetch(`${u}/files/read?path=/master/log&offset=0&length=10&jsonp=cb`);
    expect(await jsonp.text()).toBe(`cb(${JSON.stringify({ data: text.slice(0, 10), offset: 0 })});`);
    // Without --log_dir nothing is attached.
    expect((await getJson(`${orphan.url(5050)}/files/browse?path=/master/log`)).status).toBe(404);
    expect((await getJson(`${orphan.url(5050)}/files/debug`)).body).toEqual({});
  });

  it('registers the agent and reports it in /master/slaves and /master/state', async () => {
    const leader = await findLeader();
    const slaves = await eventually('the agent registered', async () => {
      const b = (await getJson(`${leader.url(5050)}/master/slaves`)).body;
      return b?.slaves?.length === 1 ? b : undefined;
    }, 60_000, 500);
    const state = (await getJson(`${leader.url(5050)}/master/state`)).body;
    const s = slaves.slaves[0];
    expect(s.id).toBe(`${state.id}-S0`);
    expect(s).toMatchObject({ port: 5051, pid: `slave(1)@${agent.ip}:5051`, active: true, attributes: {}, reserved_resources: {} });
    expect(s.resources).toEqual({ cpus: 2, gpus: 0, mem: 1024, disk: 2000, ports: '[31000-31100]' });
    expect(s.unreserved_resources_full).toContainEqual({ name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: '*' });
    expect(typeof s.registered_time).toBe('number');
    expect(state.slaves[0]).not.toHaveProperty('unreserved_resources_full');
    expect(state.activated_slaves).toBe(1);
    const snap = (await getJson(`${leader.url(5050)}/metrics/snapshot`)).body;
    expect(snap).toMatchObject({ 'master/slaves_active': 1, 'master/cpus_total': 2, 'master/mem_total': 1024 });
  });

  it('rejects malformed scheduler calls with the real status codes', async () => {
    const leader = await findLeader();
    const url = `${leader.url(5050)}/api/v1/scheduler`;
    const post = async (body: string, headers: Record<string, string>) => {
      const r = await fetch(url, { method: 'POST', headers, body });
      return { status: r.status, text: await r.text() };
    };
    const sub = JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n' } } });
    expect((await fetch(url)).status).toBe(405);
    const noType = await fetch(url, { method: 'POST', body: new Blob([sub]) });
    expect(noType.status).toBe(400);
    expect(await noType.text()).toBe("Expecting 'Content-Type' to be present");
    expect((await post(sub, { 'Content-Type': 'text/plain' })).status).toBe(415);
    expect((await post(sub, { 'Content-Type': 'application/json', Accept: 'text/html' })).status).toBe(406);
    expect((await post('{not json', { 'Content-Type': 'application/json' })).status).toBe(400);
    expect(await post(sub, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': 'x' })).toEqual({
      status: 400, text: "Subscribe calls should not include the 'Mesos-Stream-Id' header",
    });
    expect(await post(JSON.stringify({ type: 'REVIVE', framework_id: { value: 'nope' } }), { 'Content-Type': 'application/json' })).toEqual({
      status: 400, text: 'Framework cannot be found',
    });
    expect((await post(JSON.stringify({ type: 'REVIVE' }), { 'Content-Type': 'application/json' })).text).toBe(
      "Failed to validate scheduler::Call: Expecting 'framework_id' to be present",
    );
    // JSON null is an unset field to stout's parser, at any depth (clients such as mesos-framework send them)
    expect((await post(JSON.stringify({ type: 'REVIVE', framework_id: null }), { 'Content-Type': 'application/json' })).text).toBe(
      "Failed to validate scheduler::Call: Expecting 'framework_id' to be present",
    );
    expect(await post(JSON.stringify({ type: 'REVIVE', framework_id: { value: 'nope' }, kill: null, subscribe: null }), { 'Content-Type': 'application/json' })).toEqual({
      status: 400, text: 'Framework cannot be found',
    });
  });

  it('answers the v1 operator API (POST /api/v1) with the real status codes and shapes', async () => {
    const leader = await findLeader();
    const url = `${leader.url(5050)}/api/v1`;
    const post = async (body: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }) => {
      // (a Blob body: fetch adds no Content-Type of its own)
      const r = await fetch(url, { method: 'POST', headers, body: new Blob([JSON.stringify(body)]) });
      return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
    };
    expect((await fetch(url)).status).toBe(405);
    expect(await post({ type: 'GET_HEALTH' }, {})).toMatchObject({ status: 400, text: "Expecting 'Content-Type' to be present" });
    expect(await post({ type: 'GET_METRICS' })).toMatchObject({ status: 400, text: "Failed to validate master::Call: Expecting 'get_metrics' to be present" });
    expect(await post({ type: 'NOT_A_CALL' })).toMatchObject({ status: 400, text: "Failed to validate master::Call: Expecting 'type' to be present" });
    expect(await post({ type: 'GET_HEALTH' }, { 'Content-Type': 'application/json', Accept: 'text/html' })).toMatchObject({ status: 406 });
    expect(await post({ type: 'UNKNOWN' })).toMatchObject({ status: 501, text: '' });
    expect(await post({ type: 'TEARDOWN', teardown: { framework_id: { value: 'nope' } } })).toMatchObject({ status: 400, text: 'No framework found with specified ID' });

    const health = await post({ type: 'GET_HEALTH' });
    expect(health).toMatchObject({ status: 200, type: 'application/json' });
    expect(JSON.parse(health.text)).toEqual({ type: 'GET_HEALTH', get_health: { healthy: true } });
    const agents = await eventually('the agent in GET_AGENTS', async () => {
      const b = JSON.parse((await post({ type: 'GET_AGENTS' })).text);
      return b.get_agents?.agents?.length === 1 ? b.get_agents.agents : undefined;
    }, 60_000, 500);
    // AgentInfo's port has a default, so JSON::Protobuf prints it; resources in the endpoint format (role "*")
    expect(agents[0]).toMatchObject({
      agent_info: { hostname: agent.ip, port: 5051, id: { value: expect.any(String) } },
      active: true, version: '1.7.1', pid: `slave(1)@${agent.ip}:5051`, registered_time: { nanoseconds: expect.any(Number) },
    });
    expect(agents[0].total_resources).toContainEqual({ name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: '*' });
    const master = JSON.parse((await post({ type: 'GET_MASTER' })).text).get_master;
    expect(master.master_info).toMatchObject({ port: 5050, address: { ip: leader.ip, port: 5050 } });
    expect(master.start_time).toBeGreaterThan(0);

    // quota through the operator API and /quota (forced: the heuristic would refuse more than the agent has)
    const guarantee = [{ name: 'cpus', type: 'SCALAR', scalar: { value: 64 } }];
    expect((await post({ type: 'SET_QUOTA', set_quota: { quota_request: { role: 'contract', guarantee } } })).status).toBe(409);
    expect(await post({ type: 'SET_QUOTA', set_quota: { quota_request: { role: 'contract', guarantee, force: true } } })).toMatchObject({ status: 200, text: '' });
    expect(JSON.parse((await post({ type: 'GET_QUOTA' })).text)).toEqual({ type: 'GET_QUOTA', get_quota: { status: { infos: [{ role: 'contract', guarantee }] } } });
    expect((await getJson(`${leader.url(5050)}/quota`)).body).toEqual({ infos: [{ role: 'contract', guarantee }] });
    expect((await fetch(`${leader.url(5050)}/quota/contract`, { method: 'DELETE' })).status).toBe(200);
    expect(JSON.parse((await post({ type: 'GET_QUOTA' })).text)).toEqual({ type: 'GET_QUOTA', get_quota: { status: {} } });

    // SUBSCRIBE: SUBSCRIBED with the state, then HEARTBEAT, as RecordIO in the accepted encoding
    const ctl = new AbortController();
    const sub = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'SUBSCRIBE' }), signal: ctl.signal });
    expect(sub.status).toBe(200);
    expect(sub.headers.get('content-type')).toBe('application/json');
    const decoder = new RecordDecoder();
    const events: Json[] = [];
    const reader = sub.body!.getReader();
    while (events.length < 2) events.push(...decoder.push(Buffer.from((await reader.read()).value!)));
    ctl.abort();
    expect(events[0]).toMatchObject({ type: 'SUBSCRIBED', subscribed: { heartbeat_interval_seconds: 15, get_state: { get_agents: { agents: [expect.anything()] } } } });
    expect(events[1]).toEqual({ type: 'HEARTBEAT' });
  });

  it('runs a v1 scheduler: SUBSCRIBED, OFFERS, LAUNCH of a command task, TASK_RUNNING then TASK_FINISHED', async () => {
    const leader = await findLeader();
    const sched = new Scheduler(leader.url(5050));
    schedulers.push(sched);
    await sched.subscribe({
      user: 'root', name: 'contract test', roles: ['*'], failover_timeout: 300,
      capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }],
    });
    expect(sched.status).toBe(200);
    expect(sched.contentType).toBe('application/json');
    expect(sched.streamId).toMatch(/^[0-9a-f-]{36}$/);
    const subscribed = await sched.next((e) => e.type === 'SUBSCRIBED');
    const masterId = (await getJson(`${leader.url(5050)}/master/state`)).body.id;
    expect(subscribed.subscribed).toMatchObject({ framework_id: { value: `${masterId}-0000` }, heartbeat_interval_seconds: 15 });
    expect(subscribed.subscribed.master_info).toMatchObject({ id: masterId, port: 5050, version: '1.7.1', address: { ip: leader.ip, port: 5050 } });
    await sched.next((e) => e.type === 'HEARTBEAT');

    // A call on another stream id, or without one, is refused.
    expect((await sched.call({ type: 'REVIVE' }, { 'Mesos-Stream-Id': 'wrong' })).status).toBe(400);

    const offersEvent = await sched.next((e) => e.type === 'OFFERS');
    const offer = offersEvent.offers.offers[0];
    expect(offer.id.value).toMatch(new RegExp(`^${masterId}-O\\d+$`));
    expect(offer).toMatchObject({ framework_id: { value: sched.frameworkId }, allocation_info: { role: '*' } });
    expect(offer.hostname).toBe(agent.ip);
    const cpus = offer.resources.find((r: Json) => r.name === 'cpus');
    expect(cpus).toMatchObject({ type: 'SCALAR', scalar: { value: 2 } });
    expect(offer.resources.find((r: Json) => r.name === 'ports')).toMatchObject({ type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31100 }] } });

    // While the offer is outstanding the books show it.
    const outstanding = (await getJson(`${leader.url(5050)}/metrics/snapshot`)).body;
    expect(outstanding['master/outstanding_offers']).toBe(1);
    expect(outstanding[`master/frameworks/contract%20test/${sched.frameworkId}/offers/sent`]).toBeGreaterThanOrEqual(1);
    expect(outstanding[`master/frameworks/contract%20test/${sched.frameworkId}/subscribed`]).toBe(1);

    const task = (id: string, cpus: number) => ({
      name: id, task_id: { value: id }, agent_id: offer.agent_id,
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: cpus } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
      // Runs until the test lets it finish (a file in the agent's /tmp, which command
      // tasks share): a fixed `sleep` could end before the test has looked at it running.
      command: { shell: true, value: `while [ ! -e /tmp/finish-${id} ]; do sleep 0.1; done` },
    });
    const accepted = await sched.call({
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task('sleeper', 0.1), task('too-big', 64)] } }], filters: { refuse_seconds: 1 } },
    });
    expect(accepted).toEqual({ status: 202, text: '' });

    const error = await sched.next((e) => e.type === 'UPDATE' && e.update.status.task_id.value === 'too-big');
    expect(error.update.status).toMatchObject({ state: 'TASK_ERROR', source: 'SOURCE_MASTER', reason: 'REASON_TASK_INVALID' });
    expect(error.update.status.message).toContain('is more than available');

    const states: string[] = [];
    for (;;) {
      const u = await sched.next((e) => e.type === 'UPDATE' && e.update.status.task_id.value === 'sleeper');
      const st = u.update.status;
      states.push(st.state);
      expect(st.agent_id).toEqual(offer.agent_id);
      expect(typeof st.timestamp).toBe('number');
      expect(Buffer.from(st.uuid, 'base64')).toHaveLength(16);
      if (st.state === 'TASK_RUNNING') {
        const running = (await getJson(`${leader.url(5050)}/master/tasks?framework_id=${sched.frameworkId}`)).body.tasks;
        expect(running[0]).toMatchObject({ id: 'sleeper', state: 'TASK_RUNNING', executor_id: '', slave_id: offer.agent_id.value, role: '*' });
        expect(running[0].resources).toMatchObject({ cpus: 0.1, mem: 32 });
      }
      expect((await sched.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: st.agent_id, task_id: st.task_id, uuid: st.uuid } })).status).toBe(202);
      if (st.state === 'TASK_RUNNING') expect((await agent.exec(['touch', '/tmp/finish-sleeper'])).exitCode).toBe(0);
      if (['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_ERROR'].includes(st.state)) break;
    }
    expect(states).toEqual(expect.arrayContaining(['TASK_RUNNING']));
    expect(states[states.length - 1]).toBe('TASK_FINISHED');
    expect(states.indexOf('TASK_RUNNING')).toBeLessThan(states.indexOf('TASK_FINISHED'));

    // The acknowledged terminal task is completed; its resources are free again.
    const fw = await eventually('task completed in /master/state', async () => {
      const f = (await getJson(`${leader.url(5050)}/master/frameworks`)).body.frameworks[0];
      return f?.completed_tasks?.length === 1 ? f : undefined;
    });
    expect(fw).toMatchObject({ id: sched.frameworkId, name: 'contract test', active: true, connected: true, recovered: false, roles: ['*'], user: 'root', failover_timeout: 300, tasks: [] });
    expect(fw.capabilities).toEqual(['MULTI_ROLE', 'PARTITION_AWARE']);
    expect(fw.completed_tasks[0]).toMatchObject({ id: 'sleeper', state: 'TASK_FINISHED', framework_id: sched.frameworkId });
    expect(fw.completed_tasks[0].statuses.map((s: Json) => s.state)).toEqual(expect.arrayContaining(['TASK_RUNNING']));
    expect(fw.used_resources).toMatchObject({ cpus: 0, mem: 0 });
    const snap = (await getJson(`${leader.url(5050)}/metrics/snapshot`)).body;
    expect(snap['master/tasks_finished']).toBe(1);
    expect(snap['master/tasks_error']).toBe(1);
    expect(snap['master/messages_launch_tasks']).toBe(1);
    expect(snap['master/frameworks_active']).toBe(1);
    expect(snap[`master/frameworks/contract%20test/${sched.frameworkId}/offers/accepted`]).toBe(1);

    // Explicit reconciliation of an unknown task: TASK_UNKNOWN for a partition-aware framework.
    expect((await sched.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'ghost' } }] } })).status).toBe(202);
    const ghost = await sched.next((e) => e.type === 'UPDATE' && e.update.status.task_id.value === 'ghost');
    expect(ghost.update.status).toMatchObject({ state: 'TASK_UNKNOWN', reason: 'REASON_RECONCILIATION', source: 'SOURCE_MASTER' });
    expect(ghost.update.status).not.toHaveProperty('uuid');

    // Declined resources come back after refuse_seconds. What the launch left
    // may come in pieces (the leftover of the accepted offer, then the finished
    // task's share, each in its own allocation round). Each piece is declined
    // with a long filter: a refusal filter hides only resources it covers whole
    // (Mesos' RefusedOfferFilter), so a piece never comes back alone, and the
    // next offer is the whole agent, however the rounds fall on a loaded machine.
    const cpusOf = (e: Json) => e.offers.offers.reduce((n: number, o: Json) => n + (o.resources.find((r: Json) => r.name === 'cpus')?.scalar.value ?? 0), 0);
    const pieces: number[] = [];
    let whole: Json;
    for (;;) {
      const e = await sched.next((x) => x.type === 'OFFERS');
      if (cpusOf(e) === 2) {
        whole = e;
        break;
      }
      const partial = [e, ...sched.drain((x) => x.type === 'OFFERS')];
      pieces.push(...partial.map(cpusOf));
      // pieces of the 2 cpus, each offered once: they add up to less than the whole
      expect(pieces.reduce((a, b) => a + b, 0), JSON.stringify(pieces)).toBeLessThan(2);
      const ids = partial.flatMap((x) => x.offers.offers.map((o: Json) => o.id));
      expect((await sched.call({ type: 'DECLINE', decline: { offer_ids: ids, filters: { refuse_seconds: 3600 } } })).status).toBe(202);
    }
    // Counted from before the DECLINE is sent, the 2 s filter is a lower bound that a
    // loaded machine can only lengthen, never shorten.
    const t0 = Date.now();
    const declined = await sched.call({ type: 'DECLINE', decline: { offer_ids: whole.offers.offers.map((o: Json) => o.id), filters: { refuse_seconds: 2 } } });
    expect(declined.status).toBe(202);
    const back = await sched.next((e) => e.type === 'OFFERS');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
    expect(cpusOf(back)).toBe(2);
    const declinedMetric = (await getJson(`${leader.url(5050)}/metrics/snapshot`)).body[`master/frameworks/contract%20test/${sched.frameworkId}/offers/declined`];
    expect(declinedMetric).toBeGreaterThanOrEqual(1);
  });

  it('keeps a disconnected framework for its failover_timeout: inactive, offers taken back, same id on re-subscribe', async () => {
    const leader = await findLeader();
    const info = { user: 'nobody', name: 'flaky', failover_timeout: 60 };
    const first = new Scheduler(leader.url(5050));
    schedulers.push(first);
    await first.subscribe(info);
    const fwId = (await first.next((e) => e.type === 'SUBSCRIBED')).subscribed.framework_id.value;
    first.close();
    const gone = await eventually('framework disconnected', async () => {
      const f = (await getJson(`${leader.url(5050)}/master/frameworks?framework_id=${fwId}`)).body.frameworks[0];
      return f && !f.connected ? f : undefined;
    });
    expect(gone).toMatchObject({ id: fwId, active: false, connected: false, role: '*', offers: [] });
    expect(gone).not.toHaveProperty('roles');
    expect((await getJson(`${leader.url(5050)}/metrics/snapshot`)).body[`master/frameworks/flaky/${fwId}/subscribed`]).toBe(0);

    // framework_info.id without the call's framework_id is refused, as by Mesos.
    const bad = await fetch(`${leader.url(5050)}/api/v1/scheduler`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { ...info, id: { value: fwId } } } }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe("Failed to validate scheduler::Call: 'framework_id' differs from 'subscribe.framework_info.id'");

    const second = new Scheduler(leader.url(5050));
    schedulers.push(second);
    await second.subscribe({ ...info, id: { value: fwId } });
    expect((await second.next((e) => e.type === 'SUBSCRIBED')).subscribed.framework_id.value).toBe(fwId);
    const back = (await getJson(`${leader.url(5050)}/master/frameworks?framework_id=${fwId}`)).body.frameworks[0];
    expect(back).toMatchObject({ active: true, connected: true, recovered: false });
    expect(back.reregistered_time).toBeGreaterThan(back.registered_time);
    expect((await second.call({ type: 'TEARDOWN' })).status).toBe(202);
    const completed = (await getJson(`${leader.url(5050)}/master/frameworks?framework_id=${fwId}`)).body.completed_frameworks;
    expect(completed, JSON.stringify(completed)).toHaveLength(1);
  });

  it('fails over: a standby leads once the old leader\'s ZooKeeper session expires; agent and framework come back with their ids', async () => {
    const oldLeader = await findLeader();
    const sched = schedulers[0]!;
    const fwId = sched.frameworkId;
    const agentId = (await getJson(`${oldLeader.url(5050)}/master/slaves`)).body.slaves[0].id;
    await oldLeader.kill('SIGKILL');
    const rest = masters.filter((m) => m !== oldLeader);
    // A standby leads once the dead leader's ZooKeeper session expired and its
    // znode went: seen below in the group, which has the two live masters left.
    const leader = await findLeader(rest);

    const state = (await getJson(`${leader.url(5050)}/master/state`)).body;
    expect(state.pid).toBe(`master@${leader.ip}:5050`);
    expect(typeof state.elected_time).toBe('number');
    const standby = rest.find((m) => m !== leader)!;
    expect((await getJson(`${standby.url(5050)}/master/state`)).headers.get('location')).toBe(`//${leader.ip}:5050/master/state`);
    await withZk(async (c) => {
      const children = (await zkChildren(c, '/mesos')).filter((n) => n.startsWith('json.info_')).sort();
      expect(children, JSON.stringify(children)).toHaveLength(2);
      expect(JSON.parse((await zkData(c, `/mesos/${children[0]}`)).toString()).id).toBe(state.id);
    });

    // The scheduler subscribes again, with its framework id, to the new leader.
    sched.close();
    const again = new Scheduler(leader.url(5050));
    schedulers.push(again);
    await again.subscribe({ id: { value: fwId }, user: 'root', name: 'contract test', roles: ['*'], failover_timeout: 300, capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }] });
    const subscribed = await again.next((e) => e.type === 'SUBSCRIBED');
    expect(subscribed.subscribed.framework_id.value).toBe(fwId);
    expect(subscribed.subscribed.master_info.id).toBe(state.id);

    const slaves = await eventually('the agent re-registered with the new leader', async () => {
      const b = (await getJson(`${leader.url(5050)}/master/slaves`)).body;
      return b?.slaves?.length === 1 ? b.slaves : undefined;
    }, 60_000, 500);
    expect(slaves[0].id).toBe(agentId);
    await again.next((e) => e.type === 'OFFERS');
    const fws = (await getJson(`${leader.url(5050)}/master/frameworks`)).body.frameworks;
    expect(fws.map((f: Json) => [f.id, f.active, f.connected])).toEqual([[fwId, true, true]]);

    // TEARDOWN removes it for good.
    expect((await again.call({ type: 'TEARDOWN' })).status).toBe(202);
    const after = (await getJson(`${leader.url(5050)}/master/frameworks`)).body;
    expect(after.frameworks).toEqual([]);
    expect(after.completed_frameworks.map((f: Json) => [f.id, f.active, f.connected])).toEqual([[fwId, false, false]]);
    expect(typeof after.completed_frameworks[0].unregistered_time).toBe('number');
  });
});
