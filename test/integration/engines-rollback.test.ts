// up over the host engine and an engine in a container (test/support/inner-engines.ts)
// that fails AFTER its check of the engines passed, through the CLI as a user
// meets it: up exits non-zero, names the engine and a next step, and its
// rollback leaves every engine as it was: nothing labelled with the cluster
// (its swarm marker mesos-up-<name>-swarm included), the host's swarm state
// and docker_gwbridge as before, the inner engine out of the swarm again.
// (The refusals of the check itself are test/integration/engines-errors.test.ts.)
//
// Two real failures, no mocks, nothing timed by sleeps:
// - a container name on the inner engine that is taken by something not
//   mesos-up's (the check looks at labels, not names): the container stage
//   fails there, with every engine answering;
// - the inner engine's container killed as up starts bringing the agent image
//   there (the copy of ~200 MB takes seconds): the engine is gone during the
//   rollback, so the host keeps only the swarm marker that names it, as the
//   README says, and `down --name` finishes once it is back.
import type Docker from 'dockerode';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaveSwarm, swarmState, type SwarmState } from '../../src/engine/swarm.js';
import { LABEL } from '../../src/plan/labels.js';
import { eventually, TEST_IMAGES } from '../emulator/harness.js';
import { cli, spawnCli, type CliResult } from '../support/cli.js';
import { docker } from '../support/docker.js';
import { lockHostSwarm } from '../support/host-swarm-lock.mjs';
import { clusterObjects, innerClient, startInnerEngines, type InnerEngine, type InnerEngines } from '../support/inner-engines.js';

const NAMES = { clash: 'it-erb-clash', killed: 'it-erb-killed' };
const CHECK_STEP = 'Checking the engine, the name and the ports';
const COPY_STEP = /^• (Bringing .* to the other engines)$/m;
const START_STEP = 'Starting ZooKeeper, Mesos masters, agents and Marathon';
/** An image on the inner engine for the container that takes the name: one small file, made here (no registry). */
const TINY = 'mesos-up-test/name-taker:1';

const official = TEST_IMAGES.flavour === 'official';
if (official) console.log('engines rollback: skipped with the official images (inner engines would pull them from a registry)');

const dir = mkdtempSync(path.join(os.tmpdir(), 'mesos-up-engines-rollback-'));
let host: Docker;
let inner: InnerEngines | undefined;
let unlock: (() => void) | undefined;
let hostSwarmAtStart: SwarmState | undefined;

/** An engine as a person would compare it: its containers, networks (docker_gwbridge too), volumes and swarm state. Images are left out: up brings the agent image and keeps it there. */
async function engineState(d: Docker) {
  return {
    containers: (await d.listContainers({ all: true })).map((c) => c.Names[0]).sort(),
    networks: (await d.listNetworks()).map((n) => n.Name).sort(),
    volumes: ((await d.listVolumes()).Volumes ?? []).map((v) => v.Name).sort(),
    swarm: await swarmState(d),
  };
}

/** The host engine: only what up could change there for this cluster (other test files run beside this one). */
async function hostState(name: string) {
  return { labelled: await clusterObjects(host, name), swarm: await swarmState(host), gwbridge: (await host.listNetworks()).some((n) => n.Name === 'docker_gwbridge') };
}

/** The cluster file: the host engine (advertising its address on the inner engines' bridge) and one inner engine, an agent each. */
function clusterFile(name: string, e: InnerEngine): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, [`name: ${name}`, 'images: emulated', 'engines:', `  - { endpoint: local, agents: 1, advertise: ${inner!.gateway} }`, `  - { endpoint: "${e.endpoint}", agents: 1 }`, ''].join('\n'));
  return file;
}

/** up's stage lines, without their times. */
const steps = (r: CliResult) => r.stdout.split('\n').filter((l) => /^[•✓✗] /.test(l)).map((l) => l.replace(/ \(\d[^)]*\)$/, ''));
const errorLine = (r: CliResult) => /^Error: (.*)$/m.exec(r.stderr)?.[1] ?? '';
const hintLine = (r: CliResult) => /^Hint: (.*)$/m.exec(r.stderr)?.[1] ?? '';

/** Imports TINY into `d` from a one-file tar. */
async function importTiny(d: Docker): Promise<void> {
  const tar = createRequire(import.meta.url)('tar-stream') as { pack(): NodeJS.ReadableStream & { entry(h: { name: string; mode: number }, body: string): void; finalize(): void } };
  const pack = tar.pack();
  pack.entry({ name: 'x', mode: 0o755 }, '#!/bin/sh\n');
  pack.finalize();
  const stream = await d.importImage(pack as unknown as string, { repo: TINY.split(':')[0], tag: TINY.split(':')[1] });
  await new Promise<void>((resolve, reject) => d.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
}

/** Resolves with up's stdout so far once it shows a line matching `re`; fails if up exits first. */
function stdoutShows(child: ReturnType<typeof spawnCli>, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let said = '';
    child.stdout!.on('data', (c: Buffer) => {
      said += c.toString();
      if (re.test(said)) resolve(said);
    });
    void child.then((r) => reject(new Error(`up exited (${r.exitCode ?? r.signal}) before a line matching ${re}:\n${String(r.stdout)}\n${String(r.stderr)}`)));
  });
}

const running = async (e: InnerEngine) => (await host.getContainer(e.name).inspect()).State.Running;

describe.skipIf(official)("up's rollback over several engines, after their check passed", () => {
  beforeAll(async () => {
    // (a cluster over engines puts the host engine in a swarm; other files check it never changes meanwhile)
    unlock = await lockHostSwarm();
    host = await docker();
    hostSwarmAtStart = await swarmState(host);
    inner = await startInnerEngines(2);
  });

  afterAll(async () => {
    try {
      // Whatever a failed case left goes: each inner engine back up, then down on every engine.
      for (const e of inner?.engines ?? []) {
        if (await running(e)) continue;
        await host.getContainer(e.name).start().catch(() => undefined);
        await eventually(`${e.name} to answer again`, () => innerClient(e), 60_000, 500).catch(() => undefined);
      }
      for (const name of Object.values(NAMES)) {
        if (host && (await clusterObjects(host, name)).length) await cli(['down', '--name', name]);
      }
      for (const e of inner?.engines ?? []) {
        const d = await innerClient(e).catch(() => undefined);
        if (d) await leaveSwarm(d, { force: true }).catch(() => undefined);
      }
      // The host out of a swarm only a case here put it in (never one it was in before).
      const s = host ? await swarmState(host) : undefined;
      if (hostSwarmAtStart?.state === 'inactive' && s?.state === 'active' && Object.values(NAMES).includes(s.labels?.[LABEL.swarmFor] ?? '')) await leaveSwarm(host, { force: true });
      await inner?.cleanup();
    } finally {
      unlock?.();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a container name taken on the inner engine: the start fails there, exit non-zero naming the engine and what to do, and every engine is as it was", async () => {
    const name = NAMES.clash;
    const e = inner!.engines[0]!;
    const d = await innerClient(e);
    // Not mesos-up's (no labels): up's check does not look at names, so it passes.
    await importTiny(d);
    await d.createContainer({ name: `${name}-agent2`, Image: TINY, Cmd: ['/x'] });
    const hostBefore = await hostState(name);
    const innerBefore = await engineState(d);

    const r = await cli(['up', '-f', clusterFile(name, e)], { timeoutMs: 400_000 });
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.exitCode, out).not.toBe(0);
    expect(steps(r), out).toEqual(expect.arrayContaining([`✓ ${CHECK_STEP}`, `✗ ${START_STEP}`]));
    expect(errorLine(r), out).toContain(e.endpoint);
    expect(errorLine(r), out).toContain(`${name}-agent2`);
    expect(`${errorLine(r)} ${hintLine(r)}`, out).toMatch(/remove|rename|another --name/i);

    expect(await hostState(name), `the host engine after:\n${out}`).toEqual(hostBefore);
    expect(await clusterObjects(d, name), `the inner engine after:\n${out}`).toEqual([]);
    // (the user's container of that name is still there; the engine is out of the swarm, docker_gwbridge gone again)
    expect(await engineState(d), `the inner engine after:\n${out}`).toEqual(innerBefore);
  }, 480_000);

  it('the inner engine killed while up brings it the agent image: exit non-zero naming that engine; the rest is rolled back, the host keeps only the marker naming it, and down finishes once it is back', async () => {
    const name = NAMES.killed;
    const e = inner!.engines[1]!;
    const hostBefore = await hostState(name);
    const innerBefore = await engineState(await innerClient(e));

    const child = spawnCli(['up', '-f', clusterFile(name, e)]);
    try {
      // The check and the swarm are done once the copy starts; it sends ~200 MB, which takes seconds.
      await stdoutShows(child, COPY_STEP);
      await host.getContainer(e.name).kill();
    } catch (err) {
      child.kill('SIGINT');
      await child;
      throw err;
    }
    const res = await child;
    const r: CliResult = { exitCode: res.exitCode ?? -1, stdout: String(res.stdout), stderr: String(res.stderr), ms: 0 };
    const out = `${r.stdout}\n${r.stderr}`;
    // The host first: out of the swarm as before, docker_gwbridge as before, only the marker that names the gone engine left.
    expect(await hostState(name), `the host engine after:\n${out}`).toEqual({ ...hostBefore, labelled: [`volume mesos-up-${name}-swarm`] });
    expect(r.exitCode, out).not.toBe(0);
    expect(steps(r), out).toEqual(expect.arrayContaining([`✓ ${CHECK_STEP}`, `✗ ${COPY_STEP.exec(r.stdout)?.[1]}`]));
    expect(errorLine(r), out).toContain(`engines[1] (${e.endpoint})`);
    expect(hintLine(r), out).toContain(`docker -H ${e.endpoint} info`);
    // What the rollback could not do is said, with the command that finishes it.
    expect(hintLine(r), out).toContain(`${e.endpoint}: skipped, it does not answer`);
    expect(hintLine(r), out).toContain(`mesos-up down --name ${name}`);

    await host.getContainer(e.name).start();
    const d = await eventually(`${e.name} to answer again`, () => innerClient(e), 60_000, 500);
    const down = await cli(['down', '--name', name]);
    expect(down.exitCode, down.stdout + down.stderr).toBe(0);
    expect(await hostState(name), `the host engine after down:\n${down.stdout}`).toEqual(hostBefore);
    expect(await clusterObjects(d, name)).toEqual([]);
    expect(await engineState(d), `the inner engine after down:\n${down.stdout}${down.stderr}`).toEqual(innerBefore);
  }, 480_000);
});
