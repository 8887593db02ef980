// A cluster over several engines that cannot be made: each refusal comes from
// up's check of the engines, through the CLI as a user meets it. Every error
// names the engine (engines[i] (endpoint)) and a next step, with the exit code
// of its kind (2 for a configuration to change, 1 for an engine that does not
// answer), and nothing has started: nothing labelled with the cluster's name on
// the host engine or on the inner engine (test/support/inner-engines.ts), the
// host engine's swarm state as before, and the inner engine exactly as before
// (its containers, networks, volumes, images and swarm state, node and swarm IDs too);
// and up's progress shows no stage after its check (a later stage that failed
// and rolled back would leave nothing behind, but shows there).
//
// A too old engine (API < 1.25) cannot be made with a real engine here: the
// refusal itself is test/unit/engine/swarm.test.ts ("refuses an engine older
// than API 1.25"), with a recorded /version answer.
import type Docker from 'dockerode';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointOf, initSwarm, leaveSwarm, swarmState } from '../../src/engine/swarm.js';
import { overlaps, parseCidr } from '../../src/plan/subnets.js';
import { eventually } from '../emulator/harness.js';
import { cli, type CliResult } from '../support/cli.js';
import { docker } from '../support/docker.js';
import { lockHostSwarm } from '../support/host-swarm-lock.mjs';
import { clusterObjects, INNER_ENGINE_LABEL, INNER_ENGINE_VALUE, innerClient, startInnerEngines, type InnerEngine, type InnerEngines } from '../support/inner-engines.js';
import { closedPort } from '../support/tcp.js';

// The inner engine's docker0 on a range of its own: the host engine's bridge is
// 172.17.0.0/16 like every engine's by default, and a subnet clash found on the
// host (engines[0]) first would not show that the other engines are looked at.
const INNER_BIP = '10.213.7.1/24';
const NAMES = {
  unreachable: 'it-eerr-unreachable',
  otherSwarm: 'it-eerr-other-swarm',
  subnet: 'it-eerr-subnet',
  notFirst: 'it-eerr-not-first',
  notFirstOfTwo: 'it-eerr-not-first-of-two',
  twice: 'it-eerr-twice',
};

/** up's first stage (src/lifecycle/up.ts preflight), where the engines are checked. */
const CHECK_STEP = 'Checking the engine, the name and the ports';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mesos-up-engines-errors-'));
let host: Docker;
let inner: InnerEngines | undefined;
let e: InnerEngine;
let d: Docker;
let unlock: (() => void) | undefined;

/** Everything on the inner engine (only this file uses it): whatever up did there shows. */
async function innerSnapshot() {
  return {
    containers: (await d.listContainers({ all: true })).map((c) => c.Names[0]).sort(),
    networks: (await d.listNetworks()).map((n) => `${n.Name} ${n.Id}`).sort(),
    volumes: ((await d.listVolumes()).Volumes ?? []).map((v) => v.Name).sort(),
    images: (await d.listImages()).map((i) => i.Id).sort(),
    swarm: await swarmState(d),
  };
}

const errorLine = (r: CliResult) => /^Error: (.*)$/m.exec(r.stderr)?.[1] ?? '';
const hintLine = (r: CliResult) => /^Hint: (.*)$/m.exec(r.stderr)?.[1] ?? '';

/** Runs `up` for cluster `name`, which must be refused, and checks that nothing started anywhere. */
async function upRefused(name: string, args: string[]): Promise<CliResult> {
  const hostBefore = (await swarmState(host)).state;
  const innerBefore = await innerSnapshot();
  // (the time limit only guards against an up that goes ahead: a refusal takes a second or two)
  const r = await cli(['up', '--images', 'emulated', '--name', name, ...args], { timeoutMs: 180_000 });
  const out = `${r.stdout}\n${r.stderr}`;
  // Up went no further than its check (a later stage rolled back would leave nothing either, but would show here).
  expect(r.stdout.split('\n').filter((l) => /^[•✓✗] /.test(l)), out).toEqual([`• ${CHECK_STEP}`, `✗ ${CHECK_STEP}`]);
  expect(await clusterObjects(host, name), `on the host engine after:\n${out}`).toEqual([]);
  expect(await clusterObjects(d, name), `on the inner engine after:\n${out}`).toEqual([]);
  expect((await swarmState(host)).state, `host swarm state after:\n${out}`).toBe(hostBefore);
  expect(await innerSnapshot(), `the inner engine after:\n${out}`).toEqual(innerBefore);
  return r;
}

beforeAll(async () => {
  // (a cluster over engines puts the host engine in a swarm; the swarm tests check it never changes)
  unlock = await lockHostSwarm();
  host = await docker();
  inner = await startInnerEngines(1, { dockerdArgs: [`--bip=${INNER_BIP}`] });
  e = inner.engines[0]!;
  d = await innerClient(e);
});

afterAll(async () => {
  try {
    // Should a case have gone ahead (a broken check), its cluster goes, on both engines, before the inner engine does.
    for (const name of Object.values(NAMES)) {
      if (host && (await clusterObjects(host, name)).length) await cli(['down', '--name', name]);
    }
    if (d) await leaveSwarm(d, { force: true }).catch(() => undefined);
    await inner?.cleanup();
  } finally {
    unlock?.();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('up refuses engines that cannot make one cluster, naming the engine and the next step, before anything starts', () => {
  it('an engine that does not answer: exit 1, engines[1] named, how to check it or leave it out', async () => {
    const port = await closedPort();
    const at = `tcp://127.0.0.1:${port}`;
    const r = await upRefused(NAMES.unreachable, ['--engine', 'local=1', '--engine', `${at}=1`]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(errorLine(r)).toMatch(new RegExp(`^engines\\[1\\] \\(${at.replace(/[.]/g, '\\.')}\\): No Docker Engine answered at ${at.replace(/[.]/g, '\\.')}.*: ECONNREFUSED$`));
    expect(hintLine(r)).toContain(`docker -H ${at} info`);
    expect(hintLine(r)).toContain('leave it out of the engines');
  });

  it('an engine already in another swarm: exit 2, engines[1] and its swarm named, how to take it out; that swarm is left as it was', async () => {
    const made = await initSwarm(d, { advertiseAddr: e.ip, labels: { [INNER_ENGINE_LABEL]: INNER_ENGINE_VALUE } });
    try {
      expect(made.reused).toBe(false);
      // The engine makes docker_gwbridge (for ingress) a moment after init has answered: not up's doing.
      await eventually('docker_gwbridge on the inner engine after swarm init', async () => (await d.listNetworks()).some((n) => n.Name === 'docker_gwbridge'), 30_000);
      const hostState = (await swarmState(host)).state;
      const r = await upRefused(NAMES.otherSwarm, ['--engine', 'local=1', '--engine', `${e.endpoint}=1`]);
      expect(r.exitCode, r.stdout + r.stderr).toBe(2);
      const already = hostState === 'active' ? 'another swarm than the first engine' : 'a swarm, while the first engine is in none';
      expect(errorLine(r)).toBe(`engines[1] (${e.endpoint}) is already in ${already} (managers ${e.ip}:2377)`);
      expect(hintLine(r)).toContain(`docker -H ${e.endpoint} swarm leave`);
      expect(hintLine(r)).toContain('list engines of one swarm only');
      // (upRefused compared the whole swarm state: the same swarm, the same node)
      expect(await swarmState(d)).toMatchObject({ state: 'active', isManager: true, nodeId: made.nodeId, clusterId: made.clusterId, labels: { [INNER_ENGINE_LABEL]: INNER_ENGINE_VALUE } });
    } finally {
      await leaveSwarm(d, { force: true });
    }
    expect((await swarmState(d)).state).toBe('inactive');
  });

  it("network.subnet that overlaps a network of another engine: exit 2, the subnet, the clash and engines[1] named, what to choose instead", async () => {
    const bridge = (await d.getNetwork('bridge').inspect()) as { IPAM?: { Config?: Array<{ Subnet?: string }> | null } };
    const subnet = (bridge.IPAM?.Config ?? []).map((c) => c.Subnet).find((s) => s && !s.includes(':'));
    expect(subnet).toBe('10.213.7.0/24');
    // Only the inner engine has that range: a check of the first engine alone would find nothing.
    const hostClash = (await host.listNetworks()).flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet)).filter((s) => s && !s.includes(':') && overlaps(parseCidr(s)!, parseCidr(subnet!)!));
    expect(hostClash, 'a host network overlaps the inner engine\'s bridge').toEqual([]);
    const file = path.join(dir, 'subnet.yaml');
    writeFileSync(
      file,
      [
        `name: ${NAMES.subnet}`,
        'images: emulated',
        `network: { subnet: ${subnet} }`,
        'engines:',
        '  - { endpoint: local, agents: 1 }',
        `  - { endpoint: "${e.endpoint}", agents: 1 }`,
        '',
      ].join('\n'),
    );
    const r = await upRefused(NAMES.subnet, ['-f', file]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(2);
    expect(errorLine(r)).toBe(`network.subnet ${subnet} overlaps ${subnet} of network bridge on engines[1] (${e.endpoint}): the cluster's overlay would not reach there`);
    expect(hintLine(r)).toContain('choose a subnet no engine uses');
    expect(hintLine(r)).toContain('leave network.subnet out');
  });

  it('one engine, not the one the CLI talks to: exit 2, engines[0] and the CLI\'s engine named, list local first or point DOCKER_HOST there', async () => {
    const r = await upRefused(NAMES.notFirst, ['--engine', `${e.endpoint}=1`]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(2);
    expect(errorLine(r)).toMatch(new RegExp(`^engines\\[0\\] \\(${e.endpoint.replace(/[.]/g, '\\.')}\\) is not the engine mesos-up talks to \\(${endpointOf(host).replace(/[.]/g, '\\.')}\\)`));
    expect(hintLine(r)).toContain('--engine local=N');
    expect(hintLine(r)).toContain(`DOCKER_HOST=${e.endpoint}`);
  });

  it('two engines, the CLI\'s second: exit 2, engines[0] named, list local first', async () => {
    const r = await upRefused(NAMES.notFirstOfTwo, ['--engine', `${e.endpoint}=1`, '--engine', 'local=1']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(2);
    expect(errorLine(r)).toMatch(new RegExp(`^engines\\[0\\] \\(${e.endpoint.replace(/[.]/g, '\\.')}\\) is not the engine mesos-up talks to \\(${endpointOf(host).replace(/[.]/g, '\\.')}\\)`));
    expect(hintLine(r)).toContain('list local first');
  });

  it('the same engine twice, under two names: exit 2, both named, give each engine once', async () => {
    // (this machine's engine is the CLI's, at the default socket)
    expect(endpointOf(host)).toBe('unix:///var/run/docker.sock');
    const r = await upRefused(NAMES.twice, ['--engine', 'local=1', '--engine', 'unix:///var/run/docker.sock=1']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(2);
    expect(errorLine(r)).toMatch(/^engines\[1\] \(unix:\/\/\/var\/run\/docker\.sock\) and engines\[0\] \(local\) are the same engine \(ID \S+, .+\)$/);
    expect(hintLine(r)).toContain('give each engine once');
  });
});
