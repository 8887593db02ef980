// What up does to swarms for a cluster over several engines, and how down (or
// up's rollback) undoes exactly that: src/lifecycle/swarm-setup.ts against
// hand-written fake engines. Each fake keeps the little state these functions
// touch (swarm membership, the manager's node list, networks, volumes,
// containers) and logs every call that changes something, so a test can say
// which engine was asked to do what, and compare each engine with how it was.
import type Docker from 'dockerode';
import { beforeEach, describe, expect, it } from 'vitest';
import { defaultSpec } from '../../../src/config/defaults.js';
import type { ClusterSpec } from '../../../src/config/schema.js';
import { dropGoneNodes, joinEngines, swarmMarkerName, undoSwarm, type EngineAtDown } from '../../../src/lifecycle/swarm-setup.js';
import type { EngineSetup } from '../../../src/lifecycle/engines-check.js';
import { LABEL } from '../../../src/plan/labels.js';

type Labels = Record<string, string>;
interface Node { labels: Labels; status: 'ready' | 'down'; hostname: string; role: 'manager' | 'worker' }
interface Swarm { id: string; labels: Labels; manager: Fake; nodes: Map<string, Node>; services: string[]; networks: Net[] }
interface Net { Id: string; Name: string; Scope: 'local' | 'swarm'; Labels: Labels }

const GWBRIDGE = 'docker_gwbridge';
const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
const engineError = (statusCode: number, message: string) => Object.assign(new Error(message), { statusCode, json: { message } });
const matches = (labels: Labels, filters?: { label?: string[] }) =>
  (filters?.label ?? []).every((f) => (f.includes('=') ? labels[f.split('=')[0]!] === f.slice(f.indexOf('=') + 1) : f in labels));

/** One Docker engine, as far as swarm-setup.ts asks it anything. */
class Fake {
  swarm?: Swarm;
  nodeId?: string;
  answers = true;
  networks: Net[] = ['bridge', 'host', 'none'].map((n) => ({ Id: `${n}-id`, Name: n, Scope: 'local', Labels: {} }));
  volumes = new Map<string, Labels>();
  containers: Array<{ Labels: Labels }> = [];
  /** the swarm join fails on this engine (a firewall, a refused token) */
  joinFails = false;

  constructor(readonly name: string, readonly addr: string, private readonly log: string[], private readonly world: Map<string, Fake>) {
    world.set(`${addr}:2377`, this);
  }

  private did(what: string) {
    if (!this.answers) throw refused();
    this.log.push(`${this.name}: ${what}`);
  }
  private ask() {
    if (!this.answers) throw refused();
  }
  private gwbridge() {
    if (!this.networks.some((n) => n.Name === GWBRIDGE)) this.networks.push({ Id: `${this.name}-gwbridge`, Name: GWBRIDGE, Scope: 'local', Labels: {} });
  }
  private managed(): Swarm {
    if (!this.swarm || this.swarm.manager !== this) throw engineError(503, 'This node is not a swarm manager.');
    return this.swarm;
  }

  /** A swarm this engine manages, as someone (the user, another cluster) made it. */
  startSwarm(labels: Labels = {}): Swarm {
    this.swarm = { id: `swarm-of-${this.name}`, labels, manager: this, nodes: new Map(), services: [], networks: [] };
    this.nodeId = `node-${this.name}`;
    this.swarm.nodes.set(this.nodeId, { labels: {}, status: 'ready', hostname: this.name, role: 'manager' });
    this.gwbridge();
    return this.swarm;
  }
  enter(swarm: Swarm) {
    this.swarm = swarm;
    this.nodeId = `node-${this.name}`;
    swarm.nodes.set(this.nodeId, { labels: {}, status: 'ready', hostname: this.name, role: 'worker' });
    this.gwbridge();
  }

  /** What a person would look at: swarm membership, networks, volumes, and the manager's node list. */
  snapshot() {
    const s = this.swarm;
    return {
      swarm: s ? { id: s.id, manager: s.manager === this, labels: s.labels } : 'none',
      nodes: s?.manager === this ? [...s.nodes].map(([id, n]) => `${id} ${n.status} ${JSON.stringify(n.labels)}`).sort() : [],
      networks: [...this.networks.map((n) => n.Name), ...(s?.networks ?? []).map((n) => n.Name)].sort(),
      volumes: [...this.volumes.keys()].sort(),
    };
  }

  get docker(): Docker {
    const self = this;
    const api = {
      modem: { protocol: 'http', host: this.addr, port: '2375' },
      async info() {
        self.ask();
        const s = self.swarm;
        if (!s) return { ID: self.name, Name: self.name, Swarm: { LocalNodeState: 'inactive' } };
        const manager = s.manager === self;
        return {
          ID: self.name,
          Name: self.name,
          Swarm: {
            LocalNodeState: 'active', NodeID: self.nodeId, NodeAddr: self.addr, ControlAvailable: manager,
            RemoteManagers: [{ NodeID: s.manager.nodeId, Addr: `${s.manager.addr}:2377` }],
            ...(manager ? { Cluster: { ID: s.id, Spec: { Labels: s.labels } } } : {}),
          },
        };
      },
      async swarmInit(o: { Spec: { Labels: Labels } }) {
        self.did('swarm init');
        if (self.swarm) throw engineError(503, 'This node is already part of a swarm.');
        self.startSwarm(o.Spec.Labels);
      },
      async swarmInspect() {
        self.managed();
        return { JoinTokens: { Worker: 'SWMTKN-worker', Manager: 'SWMTKN-manager' } };
      },
      async swarmJoin(o: { RemoteAddrs: string[] }) {
        self.did(`swarm join ${o.RemoteAddrs[0]}`);
        if (self.joinFails) throw engineError(500, 'rpc error: code = Unavailable desc = connection refused');
        self.enter(self.world.get(o.RemoteAddrs[0]!)!.managed());
      },
      async swarmLeave(o: { force: boolean }) {
        self.did(`swarm leave${o.force ? ' --force' : ''}`);
        const s = self.swarm;
        if (!s) throw engineError(503, 'This node is not part of a swarm');
        // (a worker that leaves stays in the manager's list, as down; a manager's leave ends its swarm here)
        if (s.manager !== self) s.nodes.get(self.nodeId!)!.status = 'down';
        self.swarm = undefined;
        self.nodeId = undefined;
      },
      async listNodes() {
        self.ask();
        return [...self.managed().nodes].map(([ID, n]) => ({ ID, Description: { Hostname: n.hostname }, Spec: { Role: n.role, Labels: n.labels }, Status: { State: n.status } }));
      },
      getNode(id: string) {
        const node = () => self.managed().nodes.get(id) ?? (() => { throw engineError(404, `node ${id} not found`); })();
        return {
          async inspect() {
            self.ask();
            const n = node();
            return { ID: id, Version: { Index: 1 }, Spec: { Role: n.role, Labels: { ...n.labels } } };
          },
          async update(o: { _body: { Labels: Labels } }) {
            self.did(`node update ${id}`);
            node().labels = { ...o._body.Labels };
          },
          async remove() {
            self.did(`node rm ${id}`);
            node();
            self.managed().nodes.delete(id);
          },
        };
      },
      async listServices() {
        self.ask();
        return self.managed().services.map((s) => ({ ID: s, Spec: { Name: s } }));
      },
      async listNetworks(o?: { filters?: { label?: string[] } }) {
        self.ask();
        return [...self.networks, ...(self.swarm?.networks ?? [])].filter((n) => matches(n.Labels, o?.filters));
      },
      getNetwork(id: string) {
        return {
          async remove() {
            const n = self.networks.find((x) => x.Id === id);
            self.did(`network rm ${n?.Name ?? id}`);
            if (!n) throw engineError(404, 'no such network');
            self.networks = self.networks.filter((x) => x !== n);
          },
        };
      },
      async listContainers(o: { filters?: { label?: string[] } }) {
        self.ask();
        return self.containers.filter((c) => matches(c.Labels, o.filters));
      },
      async listVolumes(o?: { filters?: { label?: string[] } }) {
        self.ask();
        return { Volumes: [...self.volumes].filter(([, l]) => matches(l, o?.filters)).map(([Name, Labels]) => ({ Name, Labels })) };
      },
      async createVolume(o: { Name: string; Labels: Labels }) {
        self.did(`volume create ${o.Name}`);
        self.volumes.set(o.Name, o.Labels);
      },
      getVolume(name: string) {
        return {
          async remove() {
            self.did(`volume rm ${name}`);
            if (!self.volumes.delete(name)) throw engineError(404, 'no such volume');
          },
        };
      },
    };
    return api as unknown as Docker;
  }
}

const NAME = 'demo';
const MARKER = swarmMarkerName(NAME);
let log: string[];
let host: Fake, e1: Fake, e2: Fake;

beforeEach(() => {
  log = [];
  const world = new Map<string, Fake>();
  host = new Fake('host', '10.0.0.1', log, world);
  e1 = new Fake('e1', '10.0.0.2', log, world);
  e2 = new Fake('e2', '10.0.0.3', log, world);
});

function spec(): ClusterSpec {
  const s = defaultSpec();
  s.name = NAME;
  s.engines = [{ endpoint: 'local', agents: 1 }, { endpoint: 'tcp://10.0.0.2:2375', agents: 1 }, { endpoint: 'tcp://10.0.0.3:2375', agents: 1 }];
  s.agents.count = 3;
  return s;
}
const setup = (init: boolean, join: number[]): EngineSetup => ({ clients: [host.docker, e1.docker, e2.docker], firstId: 'host', init, join });
const upLabels = { [LABEL.cluster]: NAME, [LABEL.run]: 'run1' };
const join = (init: boolean, joins: number[]) => joinEngines(spec(), setup(init, joins), upLabels, () => undefined);

/** The engines as down finds them: a client for each that answers, and up's marker there (removeSpanning's view). */
function atDown(...gone: Fake[]): EngineAtDown[] {
  return [host, e1, e2].map((f, i) => {
    const name = spec().engines[i]!.endpoint;
    if (gone.includes(f)) return { name };
    const labels = f.volumes.get(MARKER);
    return { name, docker: f.docker, ...(labels?.[LABEL.swarmFor] === NAME ? { marker: { Name: MARKER, Labels: labels } } : {}) };
  });
}
const snapshots = () => [host, e1, e2].map((f) => f.snapshot());
/** The calls that changed something, from log entry `from` on. */
const changesSince = (from: number) => log.slice(from);

describe('up puts engines in one swarm; its rollback or down undoes exactly that', () => {
  it('a swarm up started ends on down: the joined engines leave first, their nodes go, then the manager leaves; every engine is as before', async () => {
    const before = snapshots();
    await join(true, [1, 2]);
    // What up did, as the engines show it: a labelled swarm, labelled nodes, a marker on each engine.
    expect(host.swarm?.labels).toEqual({ [LABEL.swarmFor]: NAME });
    expect([...host.swarm!.nodes.values()].filter((n) => n.labels[LABEL.swarmFor] === NAME).map((n) => n.labels[LABEL.engine]).sort()).toEqual(['tcp://10.0.0.2:2375', 'tcp://10.0.0.3:2375']);
    for (const f of [host, e1, e2]) expect(f.volumes.get(MARKER), f.name).toMatchObject({ [LABEL.swarmFor]: NAME, [LABEL.gwbridgeMade]: 'true', [LABEL.run]: 'run1' });

    const from = log.length;
    const notes = await undoSwarm(NAME, atDown());
    expect(snapshots()).toEqual(before);
    const changes = changesSince(from);
    expect(changes.filter((c) => / swarm leave| node rm/.test(c)).sort()).toEqual(
      ['e1: swarm leave --force', 'e2: swarm leave --force', 'host: node rm node-e1', 'host: node rm node-e2', 'host: swarm leave --force'].sort(),
    );
    // (the manager goes last: the others' nodes are taken out of its list while it still has one)
    expect(changes.filter((c) => / swarm leave| node rm/.test(c)).at(-1)).toBe('host: swarm leave --force');
    expect(notes).toContain(`local: left the swarm mesos-up started for ${NAME}`);
  });

  it("a join that fails on one engine: up's rollback still undoes the swarm it started and the other join, and takes its marker from the failed engine", async () => {
    e2.joinFails = true;
    const before = snapshots();
    await expect(join(true, [1, 2])).rejects.toMatchObject({ message: expect.stringMatching(/^engines\[2\] \(tcp:\/\/10\.0\.0\.3:2375\): /) });
    // (the failure waits for the other join to end: a rollback never races it)
    expect(e1.swarm?.manager).toBe(host);
    await undoSwarm(NAME, atDown());
    expect(snapshots()).toEqual(before);
  });

  it("the user's own swarm, found: never left or changed; only the engines up joined leave it, and their nodes go from the list", async () => {
    host.startSwarm({ team: 'ops' });
    const before = snapshots();
    await join(false, [1, 2]);
    expect(host.volumes.has(MARKER)).toBe(false); // (up changed nothing on the first engine: no marker there)
    const from = log.length;
    await undoSwarm(NAME, atDown());
    expect(snapshots()).toEqual(before);
    const changes = changesSince(from);
    expect(changes.filter((c) => c.startsWith('host: ')).sort()).toEqual(['host: node rm node-e1', 'host: node rm node-e2']);
    expect(changes.filter((c) => / swarm leave/.test(c)).sort()).toEqual(['e1: swarm leave --force', 'e2: swarm leave --force']);
  });

  it('a swarm up started that the user has since put a service and a node of their own in: left running for them; up\'s engines leave it', async () => {
    const before = snapshots();
    await join(true, [1, 2]);
    const swarm = host.swarm!;
    swarm.services.push('web');
    swarm.nodes.set('node-theirs', { labels: {}, status: 'ready', hostname: 'theirs', role: 'worker' });
    const notes = await undoSwarm(NAME, atDown());
    expect(host.swarm).toBe(swarm);
    expect([...swarm.nodes.keys()].sort()).toEqual(['node-host', 'node-theirs']);
    expect(log.filter((c) => / swarm leave/.test(c)).sort()).toEqual(['e1: swarm leave --force', 'e2: swarm leave --force']);
    expect(notes.join('\n')).toContain('service web');
    for (const [i, f] of [e1, e2].entries()) expect(f.snapshot(), f.name).toEqual(before[i + 1]);
  });

  it("another cluster's swarm, found: left running with that cluster's marker, network and engines; only this cluster's engine leaves", async () => {
    const swarm = host.startSwarm({ [LABEL.swarmFor]: 'other' });
    e1.enter(swarm);
    host.volumes.set(swarmMarkerName('other'), { [LABEL.swarmFor]: 'other', [LABEL.gwbridgeMade]: 'true' });
    e1.volumes.set(swarmMarkerName('other'), { [LABEL.swarmFor]: 'other', [LABEL.gwbridgeMade]: 'true' });
    swarm.networks.push({ Id: 'ov', Name: 'mesos-up-other', Scope: 'swarm', Labels: { [LABEL.cluster]: 'other' } });
    const before = snapshots();
    await join(false, [2]);
    await undoSwarm(NAME, atDown());
    expect(snapshots()).toEqual(before);
    expect(log.filter((c) => / swarm leave/.test(c))).toEqual(['e2: swarm leave --force']);
  });

  it('docker_gwbridge goes only from the engines where up made it', async () => {
    // (left by an earlier swarm of the user's, on the first engine and on one other)
    for (const f of [host, e1]) f.networks.push({ Id: `gw-${f.name}`, Name: GWBRIDGE, Scope: 'local', Labels: {} });
    await join(true, [1, 2]);
    expect([host, e1, e2].map((f) => f.volumes.get(MARKER)?.[LABEL.gwbridgeMade])).toEqual(['false', 'false', 'true']);
    await undoSwarm(NAME, atDown());
    expect([host, e1, e2].map((f) => f.snapshot().networks.includes(GWBRIDGE))).toEqual([true, true, false]);
    expect(log.filter((c) => c.includes(`network rm ${GWBRIDGE}`))).toEqual([`e2: network rm ${GWBRIDGE}`]);
  });

  it("an engine that does not answer is skipped, and the first engine keeps its marker until a later down finishes there", async () => {
    const before = snapshots();
    await join(true, [1, 2]);
    e2.answers = false;
    const from = log.length;
    const notes = await undoSwarm(NAME, atDown(e2));
    expect(changesSince(from).some((c) => c.startsWith('e2: '))).toBe(false);
    expect(e1.snapshot()).toEqual(before[1]);
    expect(host.swarm).toBeUndefined();
    expect(host.snapshot().volumes).toEqual([MARKER]);
    expect(notes.join('\n')).toContain(`mesos-up down --name ${NAME}`);
    // It answers again: the next down (the first engine's marker names it) finishes there.
    e2.answers = true;
    await undoSwarm(NAME, atDown());
    expect(snapshots()).toEqual(before);
  });

  it('an engine another cluster spread over engines still runs on stays in the swarm, and so does the swarm', async () => {
    await join(true, [1, 2]);
    e2.containers.push({ Labels: { [LABEL.cluster]: 'other', [LABEL.engines]: '["local","x"]' } });
    await undoSwarm(NAME, atDown());
    expect(e2.swarm?.manager).toBe(host);
    expect(host.swarm?.nodes.has('node-e2')).toBe(true);
    expect(e1.swarm).toBeUndefined();
    expect(log.filter((c) => / swarm leave/.test(c))).toEqual(['e1: swarm leave --force']);
  });
});

describe('nodes of engines that are gone', () => {
  it("leave the manager's list only when the manager sees them down, and only this cluster's", async () => {
    await join(true, [1, 2]);
    const swarm = host.swarm!;
    swarm.nodes.get('node-e1')!.status = 'down';
    // Another cluster's node and a node of the user's, both down, on engines with the same names as ours.
    swarm.nodes.set('node-other', { labels: { [LABEL.swarmFor]: 'other', [LABEL.engine]: 'tcp://10.0.0.2:2375' }, status: 'down', hostname: 'x', role: 'worker' });
    swarm.nodes.set('node-user', { labels: { [LABEL.engine]: 'tcp://10.0.0.3:2375' }, status: 'down', hostname: 'y', role: 'worker' });
    const from = log.length;
    const notes = await dropGoneNodes(NAME, atDown(e1, e2));
    expect(changesSince(from)).toEqual(['host: node rm node-e1']);
    expect([...swarm.nodes.keys()].sort()).toEqual(['node-e2', 'node-host', 'node-other', 'node-user']);
    expect(notes).toEqual([
      'tcp://10.0.0.2:2375: did not answer and its node is down: taken out of the swarm',
      `tcp://10.0.0.3:2375: its swarm node is still ready, so it stays; when that engine answers, mesos-up down --name ${NAME} finishes there`,
    ]);
  });

  it('with every engine answering, nothing is taken out', async () => {
    await join(true, [1, 2]);
    host.swarm!.nodes.get('node-e1')!.status = 'down';
    const from = log.length;
    expect(await dropGoneNodes(NAME, atDown())).toEqual([]);
    expect(changesSince(from)).toEqual([]);
  });
});
