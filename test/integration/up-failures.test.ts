// up fails clearly and quickly, and leaves nothing behind: no engine, port in
// use, name in use, a container that exits while starting, a deadline, bad
// config, and Ctrl-C.
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, spawnCli } from '../support/cli.js';
import { clusterObjects, docker } from '../support/docker.js';

function clusterFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mesos-up-it-')), 'cluster.yaml');
  writeFileSync(file, text);
  return file;
}

describe('up failures', () => {
  it('says how to get a Docker Engine when none answers, within 2 s', async () => {
    const r = await cli(['up', '--name', 'it-noengine'], { env: { DOCKER_HOST: 'unix:///tmp/mesos-up-no-such.sock' } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('No Docker Engine answered at unix:///tmp/mesos-up-no-such.sock (DOCKER_HOST)');
    expect(r.stderr).toContain('apt-get install docker.io');
    expect(r.ms).toBeLessThan(5000); // process start included; the engine check itself gives up after 2 s
  });

  it('refuses a host port that is already in use, before starting anything', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const r = await cli(['up', '--name', 'it-port', '--images', 'emulated', '-f', clusterFile(`ports: { marathon: ${port} }\n`)]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`Host port ${port} (ports.marathon) is already in use on 127.0.0.1`);
      expect(await clusterObjects('it-port')).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('refuses a name in use and does not touch the existing cluster', async () => {
    const d = await docker();
    const existing = await d.createContainer({ Image: 'debian:bookworm-slim', Cmd: ['sleep', '300'], Labels: { 'io.mesos-up.cluster': 'it-taken', 'io.mesos-up.role': 'zookeeper' } });
    await existing.start();
    try {
      const r = await cli(['up', '--name', 'it-taken', '--images', 'emulated']);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain('A cluster named it-taken already exists');
      expect((await existing.inspect()).State.Running).toBe(true);
    } finally {
      await existing.remove({ force: true });
    }
  });

  it('names a container that exits while starting, shows its last lines, and removes what it made', async () => {
    // An "agent" that prints a line and exits: a stand-in for a crashing component.
    const file = clusterFile('agents:\n  image: debian:bookworm-slim\n');
    const t0 = Date.now();
    const r = await cli(['up', '--name', 'it-crash', '--images', 'emulated', '-f', file]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/Container it-crash-agent1 exited with code \d+ while the cluster was starting/);
    expect(r.stderr).toContain('mesos-up logs it-crash-agent1');
    expect(Date.now() - t0).toBeLessThan(120_000);
    expect(await clusterObjects('it-crash')).toEqual([]);
  });

  it('fails within 5 s of a crash with the container, its exit code and its last log lines', async () => {
    // A "master" that is really the agent image: it exits at once, saying it lacks --master.
    const { version } = await import('../../src/version.js');
    const file = clusterFile(`masters:\n  image: mesos-up/mesos-agent:${version}\n`);
    // The crash's moment is the engine's "die" event; the CLI must have given up within 5 s of it.
    const d = await docker();
    const events = (await d.getEvents({ filters: { type: ['container'], event: ['die'], label: ['io.mesos-up.cluster=it-crash2'] } })) as NodeJS.ReadableStream & { destroy(): void };
    let diedAt = 0;
    events.on('data', (c: Buffer) => {
      if (!diedAt && c.toString().includes('it-crash2-master1')) diedAt = Date.now();
    });
    const r = await spawnCli(['up', '--name', 'it-crash2', '--images', 'emulated', '-f', file]);
    const failedAfter = Date.now() - diedAt;
    events.destroy();
    expect(r.exitCode).toBe(1);
    expect(String(r.stderr)).toMatch(/Container it-crash2-master1 exited with code 1 while the cluster was starting/);
    expect(String(r.stderr)).toMatch(/\| .*EXIT with status 1: Missing required option `--master`/);
    expect(diedAt).toBeGreaterThan(0);
    expect(failedAfter).toBeLessThan(5000);
    expect(await clusterObjects('it-crash2')).toEqual([]);
  });

  it('refuses a subnet that clashes with another network, creating nothing and touching nothing', async () => {
    const d = await docker();
    const other = await d.createNetwork({ Name: 'mesos-up-test-bystander-net', Labels: { 'io.mesos-up.test': 'bystander' }, IPAM: { Driver: 'default', Config: [{ Subnet: '172.31.254.0/24' }] } });
    try {
      const r = await cli(['up', '--name', 'it-subnet', '--images', 'emulated', '-f', clusterFile('network: { subnet: 172.31.254.0/24 }\n')]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('Cannot create network mesos-up-it-subnet: subnet 172.31.254.0/24 overlaps another network');
      expect(await clusterObjects('it-subnet')).toEqual([]);
      expect((await other.inspect()).Name).toBe('mesos-up-test-bystander-net');
    } finally {
      await other.remove();
    }
  });

  it('creates its network once, on a free default pool, stepping around a network that holds the first', async () => {
    const d = await docker();
    const { firstFreePool, overlaps, parseCidr, routesFromProcNetRoute } = await import('../../src/plan/subnets.js');
    const { readFileSync } = await import('node:fs');
    const subnetsOf = (n: { IPAM?: { Config?: Array<{ Subnet?: string }> } | null }) => (n.IPAM?.Config ?? []).map((c) => c.Subnet!).filter(Boolean);
    // Clusters of other test files take pools meanwhile: the bystander takes whichever is first when it gets there.
    let first = '';
    let bystander: Awaited<ReturnType<typeof d.createNetwork>> | undefined;
    for (let attempt = 0; !bystander && attempt < 5; attempt++) {
      const taken = [...(await d.listNetworks()).flatMap(subnetsOf), ...routesFromProcNetRoute(readFileSync('/proc/net/route', 'utf8'))];
      first = firstFreePool(taken)!;
      bystander = await d
        .createNetwork({ Name: 'mesos-up-test-pool-holder', Labels: { 'io.mesos-up.test': 'bystander' }, IPAM: { Driver: 'default', Config: [{ Subnet: first }] } })
        .catch((err: Error) => {
          if (!/overlap/i.test(err.message)) throw err;
          return undefined;
        });
    }
    if (!bystander) throw new Error('could not take a free pool for the bystander network');
    try {
      const events: string[] = [];
      const stream = (await d.getEvents({ filters: { type: ['network'], event: ['create', 'destroy'] } })) as NodeJS.ReadableStream;
      stream.on('data', (c: Buffer) => events.push(...c.toString().trim().split('\n')));
      const r = await cli(['up', '--name', 'it-pool', '--images', 'emulated', '--json']);
      (stream as unknown as { destroy(): void }).destroy();
      expect(r.exitCode, r.stderr).toBe(0);
      const [net] = await d.listNetworks({ filters: { name: ['mesos-up-it-pool'] } });
      const subnet = subnetsOf(net!)[0]!;
      expect(overlaps(parseCidr(subnet)!, parseCidr(first)!)).toBe(false);
      // one create of our network, no probe network made and removed
      const ours = events.map((e) => JSON.parse(e) as { Action: string; Actor: { Attributes: { name: string } } }).filter((e) => e.Actor.Attributes.name === 'mesos-up-it-pool');
      expect(ours.map((e) => e.Action)).toEqual(['create']);
      expect(subnetsOf(await bystander.inspect())).toEqual([first]);
    } finally {
      await cli(['down', '--name', 'it-pool']);
      await bystander.remove();
    }
    expect(await clusterObjects('it-pool')).toEqual([]);
  });

  it('--retain keeps the containers of a failed run for a look', async () => {
    const file = clusterFile('agents:\n  image: debian:bookworm-slim\n');
    const r = await cli(['up', '--name', 'it-retain', '--images', 'emulated', '--retain', '-f', file]);
    expect(r.exitCode).toBe(1);
    expect((await clusterObjects('it-retain')).length).toBeGreaterThan(0);
    await cli(['down', '--name', 'it-retain']);
    expect(await clusterObjects('it-retain')).toEqual([]);
  });

  it('names the condition still false when the deadline passes', async () => {
    // Shorter than any up takes: the first readiness wait meets the deadline.
    const r = await cli(['up', '--name', 'it-deadline', '--images', 'emulated', '--wait', '500ms']);
    if (r.exitCode === 0) await cli(['down', '--name', 'it-deadline']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/Gave up waiting for (ZooKeeper|offers to flow) after/);
    expect(await clusterObjects('it-deadline')).toEqual([]);
  });

  it('rejects a bad cluster file with exit 2 and file:line:col, starting nothing', async () => {
    const file = clusterFile('name: it-badcfg\nmasters:\n  count: 2\n');
    const r = await cli(['up', '-f', file]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${file}:3:10: masters.count must be 1, 3 or 5`);
    expect(await clusterObjects('it-badcfg')).toEqual([]);
  });

  it('Ctrl-C during up removes what the run created and exits 130', async () => {
    const child = spawnCli(['up', '--name', 'it-sigint', '--images', 'emulated']);
    // wait until containers exist, then interrupt
    const d = await docker();
    for (let i = 0; i < 200; i++) {
      const c = await d.listContainers({ all: true, filters: { label: ['io.mesos-up.cluster=it-sigint'] } });
      if (c.length >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(String(r.stderr)).toContain('Interrupted');
    expect(await clusterObjects('it-sigint')).toEqual([]);
  });
});
