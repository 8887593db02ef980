// up fails clearly and leaves nothing behind: no engine, port in use, name in
// use, a container that exits while starting, a deadline, bad config, and
// Ctrl-C. "Quickly" is checked by which path ended the run (the error text
// names it: a refused connection, a container that exited, the deadline), not
// by a clock; how long each takes is measured in bench/.
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, spawnCli } from '../support/cli.js';
import { clusterObjects, docker, engineEvents } from '../support/docker.js';
import { eventually } from '../emulator/harness.js';

function clusterFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mesos-up-it-')), 'cluster.yaml');
  writeFileSync(file, text);
  return file;
}

describe('up failures', () => {
  it('says how to get a Docker Engine when none answers, without waiting on it', async () => {
    const r = await cli(['up', '--name', 'it-noengine'], { env: { DOCKER_HOST: 'unix:///tmp/mesos-up-no-such.sock' } });
    expect(r.exitCode).toBe(1);
    // ENOENT: the missing socket was refused at once; the engine check's 2 s timer
    // (reason "no answer within 2s") did not end it.
    expect(r.stderr).toContain('No Docker Engine answered at unix:///tmp/mesos-up-no-such.sock (DOCKER_HOST): ENOENT');
    expect(r.stderr).not.toContain('no answer within');
    expect(r.stderr).toContain('mesos-up doctor --fix');
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
    const r = await cli(['up', '--name', 'it-crash', '--images', 'emulated', '-f', file]);
    expect(r.exitCode).toBe(1);
    // the fail-fast check ended the wait, not the deadline
    expect(r.stderr).toMatch(/Container it-crash-agent1 exited with code \d+ while the cluster was starting/);
    expect(r.stderr).not.toMatch(/Gave up waiting/);
    expect(r.stderr).toContain('mesos-up logs it-crash-agent1');
    expect(await clusterObjects('it-crash')).toEqual([]);
  });

  it('stops at a crash, not at the deadline, with the container, its exit code and its last log lines', async () => {
    // A "master" that is really the agent image: it exits at once, saying it lacks --master.
    const { version } = await import('../../src/version.js');
    const file = clusterFile(`masters:\n  image: mesos-up/mesos-agent:${version}\n`);
    // The engine's own record of the crash: its "die" events for this cluster.
    const deaths = await engineEvents({ type: ['container'], event: ['die'], label: ['io.mesos-up.cluster=it-crash2'] });
    const died = () => deaths.events.map((e) => e.Actor.Attributes.name);
    try {
      const r = await spawnCli(['up', '--name', 'it-crash2', '--images', 'emulated', '-f', file]);
      expect(r.exitCode).toBe(1);
      // The fail-fast check that runs beside every readiness wait ended the run: the
      // error names the crash. Had no wait looked, the deadline (3 min) would have, as
      // "Gave up waiting for …". How soon after the crash it stops belongs in bench/.
      expect(String(r.stderr)).toMatch(/Container it-crash2-master1 exited with code 1 while the cluster was starting/);
      expect(String(r.stderr)).not.toMatch(/Gave up waiting/);
      expect(String(r.stderr)).toMatch(/\| .*EXIT with status 1: Missing required option `--master`/);
      // (the event stream may trail the CLI by a moment; 30 s is only a hang guard)
      await eventually('the engine to report the master\'s death', async () => died().includes('it-crash2-master1'), 30_000).catch(() => undefined);
      expect(died()).toEqual(expect.arrayContaining(['it-crash2-master1']));
    } finally {
      deaths.stop();
    }
    expect(await clusterObjects('it-crash2')).toEqual([]);
  });

  it('refuses a subnet that clashes with another network, creating nothing and touching nothing', async () => {
    const d = await docker();
    // Outside the default pools (172.17-31/16, 192.168/16) that other test files' clusters take meanwhile.
    const subnet = '198.18.254.0/24';
    const other = await d.createNetwork({ Name: 'mesos-up-test-bystander-net', Labels: { 'io.mesos-up.test': 'bystander' }, IPAM: { Driver: 'default', Config: [{ Subnet: subnet }] } });
    try {
      const r = await cli(['up', '--name', 'it-subnet', '--images', 'emulated', '-f', clusterFile(`network: { subnet: ${subnet} }\n`)]);
      expect(r.exitCode, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain(`Cannot create network mesos-up-it-subnet: subnet ${subnet} overlaps another network`);
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
    // (other files' clusters take pools meanwhile: try again on the next free one, many times on a busy machine)
    for (let attempt = 0; !bystander && attempt < 30; attempt++) {
      if (attempt) await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
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
      const watch = await engineEvents({ type: ['network'], event: ['create', 'destroy'] });
      const r = await cli(['up', '--name', 'it-pool', '--images', 'emulated', '--json']).finally(() => watch.stop());
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      const [net] = await d.listNetworks({ filters: { name: ['mesos-up-it-pool'] } });
      const subnet = subnetsOf(net!)[0]!;
      expect(overlaps(parseCidr(subnet)!, parseCidr(first)!)).toBe(false);
      // one create of our network, no probe network made and removed
      const ours = watch.events.filter((e) => e.Actor.Attributes.name === 'mesos-up-it-pool');
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
    expect(await clusterObjects('it-retain')).toEqual(expect.arrayContaining(['container /it-retain-agent1']));
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
    // wait until containers exist, then interrupt: the run has something to remove
    // (the 120 s bound only guards against a hang; a loaded machine starts them later)
    const made = await eventually('two containers of it-sigint', async () => {
      const objects = (await clusterObjects('it-sigint')).filter((o) => o.startsWith('container'));
      return objects.length >= 2 ? objects : undefined;
    }, 120_000, 100).catch(async (err: Error) => {
      child.kill('SIGINT');
      throw new Error(`${err.message}; up said: ${String((await child).stderr)}`);
    });
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode, `interrupted with ${made.join(', ')}: ${String(r.stderr)}`).toBe(130);
    expect(String(r.stderr)).toContain('Interrupted: removing what this run created');
    expect(String(r.stderr)).toContain('removed what this run of up had created');
    expect(await clusterObjects('it-sigint')).toEqual([]);
  });
});
