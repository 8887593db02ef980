// One cluster over three Docker engines, through the CLI as a user runs it: the
// host engine (ZooKeeper, master, Marathon, the gateway and one agent) and two
// engines running inside containers (test/support/inner-engines.ts), one agent
// each. Up puts the three in a swarm the host engine manages, advertising the
// host's address on the inner engines' bridge; the agents' tasks are reached
// from the host through the gateway, over the overlay. Host traffic goes to
// 127.0.0.1 only; the rest stays on the project's own networks.
import type Docker from 'dockerode';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { swarmState, type SwarmState } from '../../src/engine/swarm.js';
import type { ClusterInfo } from '../../src/lifecycle/describe.js';
import { MarathonClient } from '../../src/marathon/client.js';
import { findLeader } from '../../src/probes/offers.js';
import { zkReady } from '../../src/probes/zookeeper.js';
import { LABEL } from '../../src/plan/labels.js';
import { eventually, TEST_IMAGES } from '../emulator/harness.js';
import { startCluster } from '../../src/testing/start-cluster.js';
import { cli, json } from '../support/cli.js';
import { docker } from '../support/docker.js';
import { lockHostSwarm } from '../support/host-swarm-lock.mjs';
import { clusterObjects, innerClient, startInnerEngines, type InnerEngines } from '../support/inner-engines.js';

const NAME = 'e2e-engines';
const dir = mkdtempSync(path.join(os.tmpdir(), 'mesos-up-engines-'));
const file = path.join(dir, 'cluster.yaml');
const on = (...args: string[]) => [...args, '--name', NAME];
// A tiny web server as a command task: the emulated agent's image has node.
const SERVE = `exec node -e "require('http').createServer((q,s)=>s.end('hello from '+process.env.HOST+'\\\\n')).listen(process.env.PORT0)"`;

const official = TEST_IMAGES.flavour === 'official';
if (official) console.log('engines e2e: skipped with the official images (inner engines would pull them from a registry; run it with the emulated images)');

let host: Docker;
let hostBefore: SwarmState;
let gwbridgeBefore: boolean;
let inner: InnerEngines | undefined;
let unlock: (() => void) | undefined;
let cluster: ClusterInfo;

const hasGwbridge = async (d: Docker) => (await d.listNetworks()).some((n) => n.Name === 'docker_gwbridge');
const labelled = (d: Docker, name = NAME) => clusterObjects(d, name);

async function status(): Promise<ClusterInfo> {
  const r = await cli(['status', ...on('--json')]);
  return json<ClusterInfo>(r);
}

async function deploy(app: Record<string, unknown>): Promise<void> {
  const appFile = path.join(dir, `${String(app.id).replace(/\W/g, '')}.json`);
  writeFileSync(appFile, JSON.stringify(app));
  const r = await cli(['app', 'deploy', appFile, ...on('--wait')]);
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
}

/** What each of an app's task ports answers from the host, through the gateway. */
async function answers(appId: string): Promise<string[]> {
  const info = await status();
  const eps = info.endpoints.filter((e) => e.taskId.startsWith(`${appId}.`));
  return Promise.all(eps.map(async (e) => (await (await fetch(`http://${e.address}/`, { signal: AbortSignal.timeout(5000) })).text()).trim()));
}

describe.skipIf(official)('a cluster over the host engine and two inner engines', () => {
  beforeAll(async () => {
    // (the swarm-engines test checks that the host's swarm state never changes while it runs)
    unlock = await lockHostSwarm();
    host = await docker();
    hostBefore = await swarmState(host);
    gwbridgeBefore = await hasGwbridge(host);
    inner = await startInnerEngines(2);
    const [e1, e2] = inner.engines;
    writeFileSync(
      file,
      [
        `name: ${NAME}`,
        'images: emulated',
        // Agents that stop answering are unreachable after 4 missed pings of 3 s, not the default 75 s.
        'masters: { flags: { agent_ping_timeout: 3secs, max_agent_ping_timeouts: 4 } }',
        'engines:',
        `  - { endpoint: local, agents: 1, advertise: ${inner.gateway} }`,
        `  - { endpoint: "${e1!.endpoint}", agents: 1 }`,
        `  - { endpoint: "${e2!.endpoint}", agents: 1 }`,
        '',
      ].join('\n'),
    );
    const r = await cli(['up', '-f', file, '--json']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    cluster = json<ClusterInfo>(r);
  });

  afterAll(async () => {
    try {
      await cli(['down', '-f', file]);
      await inner?.cleanup();
      if (hostBefore) {
        expect(await swarmState(host)).toEqual(hostBefore);
        expect(await hasGwbridge(host)).toBe(gwbridgeBefore);
      }
    } finally {
      unlock?.();
    }
  });

  it('runs the control plane on the host engine and one agent on each engine; every agent registers', async () => {
    const [e1, e2] = inner!.engines;
    expect(cluster.health).toBe('running');
    expect(cluster.engines?.map((e) => [e.endpoint, e.agents.length])).toEqual([['local', 1], [e1!.endpoint, 1], [e2!.endpoint, 1]]);
    const engineOf = (role: string) => cluster.containers.filter((c) => c.role === role).map((c) => c.engine);
    for (const role of ['zookeeper', 'master', 'marathon', 'gateway']) expect(engineOf(role)).toEqual(['local']);
    expect(engineOf('agent').sort()).toEqual(['local', e1!.endpoint, e2!.endpoint].sort());
    // Each agent's container really is on its engine.
    for (const [i, e] of [e1!, e2!].entries()) {
      const names = (await (await innerClient(e)).listContainers({ filters: { label: [`${LABEL.cluster}=${NAME}`] } })).map((c) => c.Names[0]);
      expect(names).toEqual([`/${NAME}-agent${i + 2}`]);
    }
    const state = (await (await fetch(`${cluster.masterUrl}/master/state`)).json()) as { activated_slaves: number };
    expect(state.activated_slaves).toBe(3);
    // ls counts its engines, env gives the host's URLs, logs reads each agent through its own engine.
    expect(json<{ clusters: ClusterInfo[] }>(await cli(['ls', '--json'])).clusters.find((c) => c.name === NAME)?.engines?.length).toBe(3);
    const env = json<Record<string, string>>(await cli(['env', ...on('--json')]));
    expect([env.MESOS_MASTER_URL, env.MARATHON_URL, env.ZK_URL]).toEqual([cluster.masterUrl, cluster.marathonUrl, cluster.zkUrl]);
    const logs = await cli(['logs', 'agent', ...on('--tail', '200')]);
    expect(logs.exitCode, logs.stderr).toBe(0);
    for (const a of cluster.agents) expect(logs.stdout, a.name).toMatch(new RegExp(`^${a.name} *\\| .*Registered with master`, 'm'));
  });

  it('places an instance on the agent of each engine (its offers reach Marathon) and each answers on its task port from the host', async () => {
    await deploy({ id: '/each', instances: 3, cpus: 0.1, mem: 32, cmd: SERVE, portDefinitions: [{ port: 0 }], constraints: [['hostname', 'UNIQUE']] });
    const agentIps = cluster.agents.map((a) => a.ip).sort();
    const tasks = await new MarathonClient(cluster.marathonUrl!).tasks();
    expect(tasks.filter((t) => t.appId === '/each').map((t) => t.host).sort()).toEqual(agentIps);
    const heard = await eventually('an answer from each task of /each', async () => {
      const got = await answers('each');
      return got.length === 3 && got;
    });
    expect(heard.sort()).toEqual(agentIps.map((ip) => `hello from ${ip}`));
    const r = await cli(['app', 'destroy', 'each', ...on('--wait')]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  });

  it('the fixture starts a second cluster on the same engines, its master, Marathon and ZooKeeper placed on the inner engines: it uses their swarm as it is, reaches them through the gateway, reads logs and task ports across engines, and leaves the swarm to the first cluster when it stops', async () => {
    const [e1, e2] = inner!.engines;
    const handle = await startCluster({
      name: `${NAME}-fx`,
      config: {
        images: 'emulated',
        engines: [
          { endpoint: 'local', agents: 0, masters: 1 },
          { endpoint: e1!.endpoint, agents: 1, masters: 1, marathon: true },
          { endpoint: e2!.endpoint, agents: 1, masters: 1, zookeeper: true },
        ],
      },
    });
    try {
      expect(handle.info?.engines?.map((e) => e.agents.length)).toEqual([0, 1, 1]);
      const placed = Object.fromEntries(handle.info!.containers.map((c) => [c.name.slice(`${NAME}-fx-`.length), c.engine]));
      expect([placed.master1, placed.master2, placed.master3, placed.marathon, placed.zookeeper, placed.gateway]).toEqual(['local', e1!.endpoint, e2!.endpoint, e1!.endpoint, e2!.endpoint, 'local']);
      // Each really runs on its engine, and the URLs the fixture gives (127.0.0.1, the gateway's ports) answer.
      const onEngine = async (e: typeof e1) => (await (await innerClient(e!)).listContainers({ filters: { label: [`${LABEL.cluster}=${NAME}-fx`] } })).map((c) => c.Names[0]).sort();
      expect(await onEngine(e1)).toEqual([`/${NAME}-fx-agent1`, `/${NAME}-fx-marathon`, `/${NAME}-fx-master2`]);
      expect(await onEngine(e2)).toEqual([`/${NAME}-fx-agent2`, `/${NAME}-fx-master3`, `/${NAME}-fx-zookeeper`]);
      expect(new URL(handle.masterUrl).hostname).toBe('127.0.0.1');
      expect(((await (await fetch(`${handle.masterUrl}/master/state`)).json()) as { activated_slaves: number }).activated_slaves).toBe(2);
      expect(handle.zkUrl).toMatch(/^zk:\/\/127\.0\.0\.1:\d+$/);
      expect(await zkReady('127.0.0.1', Number(new URL(handle.zkUrl.replace(/^zk:/, 'http:')).port))).toBe(true);
      // agent1 runs on the first inner engine: its log comes through that engine
      expect(await handle.logs(`${NAME}-fx-agent1`)).toMatch(/Registered with master/);
      await handle.marathon.createApp({ id: '/fx', instances: 2, cpus: 0.1, mem: 32, cmd: SERVE, portDefinitions: [{ port: 0 }], constraints: [['hostname', 'UNIQUE']] });
      const heard = await eventually('an answer from each task of /fx', async () => {
        const eps = await handle.taskEndpoints('/fx');
        if (eps.length !== 2) return false;
        return Promise.all(eps.map(async (e) => (await (await fetch(`http://${e.address}/`, { signal: AbortSignal.timeout(5000) })).text()).trim()));
      });
      expect(heard.sort()).toEqual(handle.agents.map((a) => `hello from ${a.ip}`).sort());
      // kill-engine on the leading master's engine takes that master too (the two on the
      // other engines make a quorum), and that engine's agent, not Marathon: the two left elect a leader.
      const masters = handle.info!.masters.map((m) => ({ name: m.name, ip: m.ip, url: m.url! }));
      const { leader } = await findLeader(masters);
      expect(leader, 'a leading master before the kill').toBeDefined();
      const engineIndex = [1, 2, 3][masters.indexOf(leader!)]!;
      const kill = await cli(['chaos', 'kill-engine', String(engineIndex), '--name', `${NAME}-fx`, '--json']);
      expect(kill.exitCode, kill.stdout + kill.stderr).toBe(0);
      const agentThere = { 1: [], 2: [`${NAME}-fx-agent1`], 3: [`${NAME}-fx-agent2`] }[engineIndex]!;
      expect(json<{ killed: string }>(kill).killed.split(',').sort()).toEqual([...agentThere, leader!.name].sort());
      const left = masters.filter((m) => m !== leader);
      const next = await eventually('a new leader among the masters left, each reached from the host', async () => (await findLeader(left)).leader, 60_000, 500);
      expect(next.name).not.toBe(leader!.name);
    } finally {
      await handle.stop();
    }
    // The swarm is the first cluster's: it and its engines stay in it.
    expect((await swarmState(host)).state).toBe('active');
    for (const e of [e1!, e2!]) {
      const d = await innerClient(e);
      expect((await swarmState(d)).state).toBe('active');
      // (its masters' registry volumes too: three masters keep a replicated log)
      expect(await labelled(d, `${NAME}-fx`)).toEqual([]);
    }
    expect((await status()).health).toBe('running');
  });

  let killed: { index: number; agent: { name: string; ip: string } };

  it('chaos kill-engine stops the agents of an inner engine, and Marathon moves their tasks to the others', async () => {
    await deploy({ id: '/mover', instances: 2, cpus: 0.1, mem: 32, cmd: SERVE, portDefinitions: [{ port: 0 }], constraints: [['hostname', 'UNIQUE']] });
    const client = new MarathonClient(cluster.marathonUrl!);
    const hosts = (await client.tasks()).filter((t) => t.appId === '/mover').map((t) => t.host);
    // Two tasks on three agents: at least one runs on an inner engine's agent.
    const innerAgents = cluster.engines!.slice(1).flatMap((e, i) => e.agents.map((name) => ({ index: i + 2, agent: cluster.agents.find((a) => a.name === name)! })));
    killed = innerAgents.find((x) => hosts.includes(x.agent.ip))!;
    expect(killed).toBeDefined();
    const r = await cli(['chaos', 'kill-engine', String(killed.index), ...on()]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(killed.agent.name);
    await eventually(
      `/mover to run 2 tasks away from ${killed.agent.name}, each answering from the host`,
      async () => {
        const running = (await client.tasks()).filter((t) => t.appId === '/mover' && t.state === 'TASK_RUNNING');
        if (running.length !== 2 || running.some((t) => t.host === killed.agent.ip)) return false;
        const got = await answers('mover');
        return JSON.stringify(got.sort()) === JSON.stringify(running.map((t) => `hello from ${t.host}`).sort());
      },
      180_000,
      1000,
    );
  });

  it('down with an engine gone removes the cluster from the others and leaves the host swarm as it was; down finishes on that engine once it is back', async () => {
    const gone = inner!.engines[killed.index - 2]!;
    const other = inner!.engines[3 - killed.index]!;
    await host.getContainer(gone.name).kill();
    const r = await cli(['down', '-f', file]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`${gone.endpoint}: skipped, it does not answer`);
    // Only the marker that names the engines stays, so a later down finds the one that is gone.
    expect(await labelled(host)).toEqual([`volume mesos-up-${NAME}-swarm`]);
    expect(await swarmState(host)).toEqual(hostBefore);
    expect(await hasGwbridge(host)).toBe(gwbridgeBefore);
    const d = await innerClient(other);
    expect(await labelled(d)).toEqual([]);
    expect((await swarmState(d)).state).toBe('inactive');
    expect(await hasGwbridge(d)).toBe(false);
    // The engine comes back: down (by name: the marker names the engines) finishes there.
    await host.getContainer(gone.name).start();
    const back = await eventually(`${gone.name} to answer again`, () => innerClient(gone), 60_000, 500);
    const again = await cli(['down', ...on()]);
    expect(again.exitCode, again.stdout + again.stderr).toBe(0);
    expect(await labelled(back)).toEqual([]);
    expect((await swarmState(back)).state).toBe('inactive');
    expect(await labelled(host)).toEqual([]);
  });
});
