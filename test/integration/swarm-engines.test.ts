// The engine-level pieces of one cluster over several engines, on two Docker
// engines that run inside containers (test/support/inner-engines.ts): an image
// copied between engines without a registry, a swarm made on engine 1 and
// joined by engine 2, an attachable overlay across both, plain containers on
// each engine reaching each other over it by address and by name, and the way
// back to two engines in no swarm. The host engine is never put in swarm mode:
// its swarm state is read before and after, and must not change.
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../src/engine/connect.js';
import { loadDockerode } from '../../src/engine/dockerode.js';
import { execIn } from '../../src/engine/exec.js';
import { copyImage } from '../../src/engine/image-copy.js';
import { removeNetwork } from '../../src/engine/network.js';
import {
  createOverlayNetwork,
  initSwarm,
  joinSwarm,
  joinTokens,
  leaveSwarm,
  nodeLabels,
  removeNode,
  requireSwarmCapable,
  setNodeLabel,
  swarmNodes,
  swarmState,
  type OverlayNetwork,
  type SwarmState,
} from '../../src/engine/swarm.js';
import { MesosUpError } from '../../src/errors.js';
import { eventually } from '../emulator/harness.js';
import { innerClient, startInnerEngines, type InnerEngine, type InnerEngines } from '../support/inner-engines.js';
import { closedPort } from '../support/tcp.js';
import { lockHostSwarm } from '../support/host-swarm-lock.mjs';

const IMAGE = 'debian:bookworm-slim';
const LABELS = { 'io.mesos-up.test': 'inner-engines' };
const OVERLAY = 'mesos-up-test-overlay';
const PORT = 7000;

// One line per connection: "echo from <hostname>: <the line>". Debian slim has
// perl-base (with IO::Socket) and bash, but no nc.
const ECHO_SERVER = `use IO::Socket::INET; $| = 1;
my $s = IO::Socket::INET->new(LocalPort => ${PORT}, Listen => 16, ReuseAddr => 1) or die "listen: $!";
while (my $c = $s->accept) { my $l = <$c>; print $c "echo from $ENV{HOSTNAME}: $l"; close $c; }`;
const ECHO_CLIENT = `exec 3<>/dev/tcp/$1/${PORT} && echo "hello from $HOSTNAME" >&3 && IFS= read -r -t 5 line <&3 && echo "$line"`;

const timings: Record<string, number> = {};
async function timed<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await fn();
  } finally {
    timings[key] = Date.now() - t0;
  }
}

/** The rejection of `p`, which must be a MesosUpError. */
async function failure(p: Promise<unknown>): Promise<MesosUpError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MesosUpError);
  return err as MesosUpError;
}



let host: Docker;
let hostBefore: SwarmState;
let inner: InnerEngines | undefined;
let e1: InnerEngine;
let e2: InnerEngine;
let d1: Docker;
let d2: Docker;
let overlay: OverlayNetwork;
let node1: string;
let node2: string;

let unlock: (() => void) | undefined;

beforeAll(async () => {
  // (the engines end-to-end test puts the host engine in a swarm for a while)
  unlock = await lockHostSwarm();
  host = await connectEngine({ timeoutMs: 5000 });
  hostBefore = await swarmState(host);
  inner = await timed('engines', () => startInnerEngines(2));
  [e1, e2] = inner.engines as [InnerEngine, InnerEngine];
  [d1, d2] = await Promise.all([innerClient(e1), innerClient(e2)]);
});

afterAll(async () => {
  try {
    await inner?.cleanup();
    // whatever happened above, the host engine's swarm state is as it was
    if (hostBefore) expect(await swarmState(host)).toEqual(hostBefore);
  } finally {
    unlock?.();
    if (inner) {
      const s = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(2)}s`);
      console.log(
        `swarm-engines: image ${inner.timings.imageBuilt ? 'built' : 'cached'} ${s(inner.timings.imageMs)}, engines ready ${s(inner.timings.readyMs)} (${inner.mode}), ` +
          `copy ${s(timings.copy1)} + ${s(timings.copy2)}, init ${s(timings.init)}, join ${s(timings.join)}, join timeout ${s(timings.joinTimeout)}, ` +
          `overlay ${s(timings.overlay)}, containers ${s(timings.containers)}, leave ${s(timings.leave)}`,
      );
    }
  }
});

describe('two engines in one swarm, on an attachable overlay', () => {
  it('starts two inner engines, each answering on 127.0.0.1 and on the bridge, in no swarm', async () => {
    expect(inner!.engines.map((e) => e.name)).toEqual([expect.stringMatching(/-engine1$/), expect.stringMatching(/-engine2$/)]);
    for (const e of inner!.engines) {
      expect(e.endpoint).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
      expect(e.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    }
    expect(inner!.network).toMatch(/^mesos-up-test-engines-/);
    for (const d of [d1, d2]) expect(await swarmState(d)).toEqual({ state: 'inactive', isManager: false });
  });

  it('copyImage streams an image from the host engine into each inner engine, with progress, and skips an engine that has it', async () => {
    const want = (await host.getImage(IMAGE).inspect()).Id;
    for (const [key, d] of [['copy1', d1], ['copy2', d2]] as const) {
      const lines: string[] = [];
      const r = await timed(key, () => copyImage(host, d, IMAGE, { progress: (l) => lines.push(l), progressEveryMs: 0 }));
      expect(r).toMatchObject({ id: want, copied: true });
      expect(r.bytes).toBeGreaterThan(10e6);
      expect((await d.getImage(IMAGE).inspect()).Id).toBe(want);
      // Byte counts while it streams, then one line when done.
      expect(lines.length).toBeGreaterThan(2);
      expect(lines[0]).toMatch(/^debian:bookworm-slim: [\d.]+\/[\d.]+ MB to tcp:\/\/127\.0\.0\.1:\d+$/);
      expect(lines.at(-1)).toMatch(/^debian:bookworm-slim: [\d.]+ MB copied to tcp:\/\/127\.0\.0\.1:\d+ in [\d.]+s$/);
    }
    const lines: string[] = [];
    expect(await copyImage(d1, d2, IMAGE, { progress: (l) => lines.push(l) })).toMatchObject({ id: want, copied: false, bytes: 0 });
    expect(lines).toEqual([`debian:bookworm-slim: already on ${e2.endpoint}`]);

    const missing = await failure(copyImage(d1, d2, 'mesos-up-test/no-such-image:0'));
    expect(missing.code).toBe('IMAGE');
    expect(missing.message).toBe(`Cannot copy mesos-up-test/no-such-image:0: the engine at ${e1.endpoint} does not have it`);
  });

  it('an engine that does not answer is ENGINE_UNREACHABLE, naming it', async () => {
    const port = await closedPort();
    const Docker = loadDockerode();
    const gone = new Docker({ protocol: 'http', host: '127.0.0.1', port });
    const err = await failure(swarmState(gone));
    expect(err.code).toBe('ENGINE_UNREACHABLE');
    expect(err.message).toBe(`No Docker Engine answered at tcp://127.0.0.1:${port} while reading its swarm state: ECONNREFUSED`);
    expect(err.hint).toContain(`docker -H tcp://127.0.0.1:${port} info`);
  });

  it('takes engines new enough for attachable overlays', async () => {
    for (const d of [d1, d2]) expect(Number((await requireSwarmCapable(d)).apiVersion)).toBeGreaterThanOrEqual(1.25);
  });

  it('initSwarm on engine 1: inactive → active manager of a swarm labelled as ours', async () => {
    const made = await timed('init', () => initSwarm(d1, { advertiseAddr: e1.ip, listenAddr: `${e1.ip}:2377`, labels: LABELS }));
    const s = await swarmState(d1);
    expect(s).toMatchObject({ state: 'active', isManager: true, nodeId: made.nodeId, clusterId: made.clusterId, nodeAddr: e1.ip, labels: LABELS });
    expect(s.managerAddrs).toEqual([`${e1.ip}:2377`]);
    node1 = made.nodeId;

    // Asked again with the same labels (a run cut short), it uses that swarm as it is.
    expect(await initSwarm(d1, { advertiseAddr: e1.ip, labels: LABELS })).toEqual({ nodeId: made.nodeId, clusterId: made.clusterId, reused: true });
    // Asked for another swarm, it refuses rather than touch the one it is in.
    const again = await failure(initSwarm(d1, { advertiseAddr: e1.ip, labels: { ...LABELS, 'io.mesos-up.swarm-of': 'another-cluster' } }));
    expect(again.code).toBe('CONFIG');
    expect(again.message).toContain(`The engine at ${e1.endpoint} is already in a swarm (swarm ${made.clusterId.slice(0, 12)}`);
    expect(again.hint).toContain('mesos-up never changes a swarm it did not make');
  });

  it('a join that cannot reach a manager gives up at its deadline and leaves the engine out of any swarm', async () => {
    const { worker } = await joinTokens(d1);
    // Nothing listens on that port of engine 1.
    const err = await timed('joinTimeout', () => failure(joinSwarm(d2, { remoteAddr: `${e1.ip}:2399`, token: worker, advertiseAddr: e2.ip, timeoutMs: 3000 })));
    expect(err.code).toBe('DEADLINE');
    expect(err.message).toBe(`The engine at ${e2.endpoint} did not join the swarm at ${e1.ip}:2399 within 3s`);
    expect(err.hint).toContain('2377/tcp');
    expect(timings.joinTimeout).toBeGreaterThanOrEqual(3000);
    expect(await swarmState(d2)).toEqual({ state: 'inactive', isManager: false });
  });

  it('joinSwarm engine 2 as a worker; joining again is a no-op; the node is labelled as one we joined', async () => {
    const { worker } = await joinTokens(d1);
    const remoteAddr = `${e1.ip}:2377`;
    expect(await timed('join', () => joinSwarm(d2, { remoteAddr, token: worker, advertiseAddr: e2.ip }))).toBe('joined');
    const s = await swarmState(d2);
    expect(s).toMatchObject({ state: 'active', isManager: false, nodeAddr: e2.ip, managerAddrs: [remoteAddr] });
    expect(s.clusterId).toBeUndefined(); // a worker does not know it
    node2 = s.nodeId!;
    expect(await joinSwarm(d2, { remoteAddr, token: worker, advertiseAddr: e2.ip })).toBe('already');
    // the manager's node list settles it, whatever address the manager is named by
    expect(await joinSwarm(d2, { remoteAddr: `${e1.name}:2377`, token: worker, advertiseAddr: e2.ip, manager: d1 })).toBe('already');

    const nodes = await eventually('both nodes ready', async () => {
      const n = await swarmNodes(d1);
      return n.length === 2 && n.every((x) => x.status === 'ready') ? n : undefined;
    }, 30_000);
    expect(nodes.map((n) => [n.id, n.hostname, n.role]).sort()).toEqual(
      [
        [node1, e1.name, 'manager'],
        [node2, e2.name, 'worker'],
      ].sort(),
    );
    await setNodeLabel(d1, node2, 'io.mesos-up.test', 'inner-engines');
    expect(await nodeLabels(d1, node2)).toEqual(LABELS);
    await setNodeLabel(d1, node2, 'io.mesos-up.test', undefined);
    expect(await nodeLabels(d1, node2)).toEqual({});
    await setNodeLabel(d1, node2, 'io.mesos-up.test', 'inner-engines');

    // An engine in a swarm is never moved to another one.
    const moved = await failure(joinSwarm(d1, { remoteAddr: `${e2.ip}:2377`, token: worker, advertiseAddr: e1.ip }));
    expect(moved.code).toBe('CONFIG');
    expect(moved.message).toContain(`The engine at ${e1.endpoint} is already in a swarm`);
    expect(moved.message).toContain(`so it cannot join the swarm managed at ${e2.ip}:2377`);
  });

  it('createOverlayNetwork on the manager: attachable, labelled, with the subnet the engine chose', async () => {
    overlay = await timed('overlay', () => createOverlayNetwork(d1, { name: OVERLAY, labels: LABELS }));
    expect(overlay.subnet).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
    const info = (await d1.getNetwork(overlay.id).inspect()) as { Driver: string; Attachable: boolean; Scope: string; Labels: Record<string, string>; IPAM: { Config: Array<{ Subnet: string }> } };
    expect(info).toMatchObject({ Driver: 'overlay', Attachable: true, Scope: 'swarm', Labels: LABELS });
    expect(info.IPAM.Config.map((c) => c.Subnet)).toContain(overlay.subnet);

    const taken = await failure(createOverlayNetwork(d1, { name: OVERLAY, labels: LABELS }));
    expect(taken.code).toBe('NAME_IN_USE');
    expect(taken.message).toBe(`A network named ${OVERLAY} already exists on the engine at ${e1.endpoint}`);
    const clash = await failure(createOverlayNetwork(d1, { name: `${OVERLAY}-2`, subnet: overlay.subnet, labels: LABELS }));
    expect(clash.code).toBe('CONFIG');
    expect(clash.message).toBe(`Cannot create overlay network ${OVERLAY}-2 on the engine at ${e1.endpoint}: subnet ${overlay.subnet} overlaps ${overlay.subnet} of the swarm's network ${OVERLAY}`);
    // a subnet one of the engines uses for a network of its own (engine 2's default bridge)
    const bridge = ((await d2.getNetwork('bridge').inspect()) as { IPAM: { Config: Array<{ Subnet: string }> } }).IPAM.Config[0]!.Subnet;
    const local = await failure(createOverlayNetwork(d1, { name: `${OVERLAY}-4`, subnet: bridge, labels: LABELS, engines: [d2] }));
    expect(local.code).toBe('CONFIG');
    expect(local.message).toContain(`subnet ${bridge} overlaps ${bridge} of network bridge on the engine at`);
    expect((await d1.listNetworks({ filters: { name: [`${OVERLAY}-4`] } } as Docker.NetworkListOptions)).length).toBe(0);
    const worker = await failure(createOverlayNetwork(d2, { name: `${OVERLAY}-3`, labels: LABELS }));
    expect(worker.code).toBe('CONFIG');
    expect(worker.hint).toContain('made on a manager');
  });

  it('a container on each engine reaches the other over the overlay, by address and by name', async () => {
    const run = async (d: Docker, name: string) => {
      const c = await d.createContainer({
        name,
        Hostname: name,
        Image: IMAGE,
        Labels: LABELS,
        Cmd: ['perl', '-e', ECHO_SERVER],
        HostConfig: { NetworkMode: OVERLAY },
        NetworkingConfig: { EndpointsConfig: { [OVERLAY]: { Aliases: [name] } } },
      });
      await c.start();
      return (await c.inspect()).NetworkSettings.Networks[OVERLAY]!.IPAddress;
    };
    // Engine 2 learns of the network when its first container attaches to it.
    const [ipA, ipB] = await timed('containers', () => Promise.all([run(d1, 'ov-a'), run(d2, 'ov-b')]));
    const inSubnet = (ip: string) => ip.split('.').slice(0, 3).join('.') === overlay.subnet.split('.').slice(0, 3).join('.');
    expect(inSubnet(ipA!) && inSubnet(ipB!)).toBe(true);

    const echo = (d: Docker, from: string, to: string) =>
      eventually(`${from} → ${to}`, async () => {
        const r = await execIn(d, from, ['timeout', '10', 'bash', '-c', ECHO_CLIENT, '_', to]);
        return r.exitCode === 0 ? r.output.trim() : undefined;
      }, 30_000);
    expect(await echo(d1, 'ov-a', ipB!)).toBe('echo from ov-b: hello from ov-a');
    expect(await echo(d2, 'ov-b', ipA!)).toBe('echo from ov-a: hello from ov-b');
    // Names resolve across engines through the engines' DNS on the overlay.
    expect(await echo(d1, 'ov-a', 'ov-b')).toBe('echo from ov-b: hello from ov-a');
    expect(await echo(d2, 'ov-b', 'ov-a')).toBe('echo from ov-a: hello from ov-b');
  });

  it('both engines leave the swarm (worker, then manager) and end inactive; the host engine was never touched', async () => {
    await Promise.all([d1.getContainer('ov-a').remove({ force: true }), d2.getContainer('ov-b').remove({ force: true })]);
    // (the swarm refuses while a removed container's attachment is still being released)
    await eventually('the overlay removed', async () => (await removeNetwork(d1, overlay.id), true), 30_000);
    await timed('leave', async () => {
      expect(await leaveSwarm(d2)).toBe('left');
      // The worker stays in the manager's list, Down, until it is removed there.
      await eventually('the worker down', async () => ((await swarmNodes(d1)).find((n) => n.id === node2)?.status === 'down' ? true : undefined), 30_000);
      expect(await removeNode(d1, node2)).toBe('removed');
      expect((await swarmNodes(d1)).map((n) => n.id)).toEqual([node1]);
      expect(await removeNode(d1, node2)).toBe('gone');
      // A manager leaves only when told to: it would take the swarm with it.
      const refused = await failure(leaveSwarm(d1));
      expect(refused.code).toBe('INTERNAL');
      expect(refused.hint).toContain(`docker -H ${e1.endpoint} swarm leave --force`);
      expect(await leaveSwarm(d1, { force: true })).toBe('left');
    });
    for (const d of [d1, d2]) expect(await swarmState(d)).toEqual({ state: 'inactive', isManager: false });
    expect(await leaveSwarm(d1, { force: true })).toBe('not-in-swarm');
  });
});
