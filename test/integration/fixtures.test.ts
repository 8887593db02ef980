// The programmatic API as a user's test suite uses it: imported by package name.
import { execa } from 'execa';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectCluster, MarathonClient, startCluster } from 'mesos-up';
import { cli, json } from '../support/cli.js';
import { clusterObjects, describeEvent, docker, engineEvents } from '../support/docker.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** A child Node process that starts a cluster through the public API and then just waits. */
function childWithCluster(name: string, env: Record<string, string> = {}) {
  const script = `
    import { startCluster } from 'mesos-up';
    const c = await startCluster({ name: ${JSON.stringify(name)}, images: 'emulated' });
    console.log('READY ' + c.name);
    setInterval(() => {}, 1000);
  `;
  // forceKillAfterDelay: false, or execa would SIGKILL the child 5 s after a SIGTERM,
  // while a busy machine is still removing its cluster.
  return execa(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, reject: false, env: { ...env }, buffer: true, forceKillAfterDelay: false });
}

async function waitForLine(child: ReturnType<typeof childWithCluster>, text: string, timeoutMs = 240_000): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`child did not print ${text}`)), timeoutMs);
    child.stdout!.on('data', (c: Buffer) => { if (c.toString().includes(text)) { clearTimeout(t); resolve(); } });
    void child.then((r) => reject(new Error(`child exited early: ${r.stderr}`)));
  });
}

/** Waits until nothing labelled for `name` is left; `timeoutMs` only guards against a hang. */
async function eventuallyGone(name: string, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if ((await clusterObjects(name)).length === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${name} still has ${(await clusterObjects(name)).join(', ')} after ${timeoutMs} ms`);
}

/** The test session (io.mesos-up.session) that owns a cluster's containers. */
async function sessionOf(name: string): Promise<string> {
  const d = await docker();
  const containers = await d.listContainers({ all: true, filters: { label: [`io.mesos-up.cluster=${name}`] } });
  const sessions = [...new Set(containers.map((c) => c.Labels['io.mesos-up.session']))];
  expect(sessions, JSON.stringify(containers.map((c) => [c.Names[0], c.Labels]))).toHaveLength(1);
  expect(sessions[0]).toBeTruthy();
  return sessions[0]!;
}

describe('startCluster', () => {
  it('works with await using, and the cluster is gone when the scope ends', async () => {
    let name = '';
    {
      await using cluster = await startCluster({ images: 'emulated' });
      name = cluster.name;
      expect(name).toMatch(/^t-[0-9a-f]{8}$/);
      expect(cluster.env).toEqual({ MESOS_MASTER_URL: cluster.masterUrl, MARATHON_URL: cluster.marathonUrl, ZK_URL: cluster.zkUrl });
      expect((await cluster.marathon.info()).frameworkId).toBeTruthy();
      expect(cluster.agents, JSON.stringify(cluster.agents)).toHaveLength(1);
      expect(cluster.agents[0]!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await cluster.logs('master')).not.toBe('');
    }
    expect(await clusterObjects(name)).toEqual([]);
  });

  it('starts three clusters concurrently from one process and removes each', async () => {
    const clusters = await Promise.all([1, 2, 3].map(() => startCluster({ images: 'emulated' })));
    expect(new Set(clusters.map((c) => c.name)).size).toBe(3);
    expect(new Set(clusters.map((c) => c.marathonUrl)).size).toBe(3);
    await Promise.all(clusters.map(async (c) => expect((await c.marathon.info()).frameworkId).toBeTruthy()));
    await Promise.all(clusters.map((c) => c.stop()));
    for (const c of clusters) expect(await clusterObjects(c.name)).toEqual([]);
  });

  it('reuse returns the running cluster started with the same configuration', async () => {
    const a = await startCluster({ images: 'emulated', reuse: true, agents: 1 });
    const before = await clusterObjects(a.name);
    // Reuse is the same containers, not new ones: the engine creates, starts and
    // removes nothing labelled for this cluster while the second call runs.
    const watch = await engineEvents({ type: ['container', 'network'], label: [`io.mesos-up.cluster=${a.name}`] });
    const b = await startCluster({ images: 'emulated', reuse: true, agents: 1 }).finally(() => watch.stop());
    expect(b.name).toBe(a.name);
    expect(b.marathonUrl).toBe(a.marathonUrl);
    // (exec_* events would be probes run inside the containers, which reuse may do)
    expect(watch.events.filter((e) => !e.Action.startsWith('exec_')).map(describeEvent)).toEqual([]);
    expect(await clusterObjects(a.name)).toEqual(before);
    await b.stop(); // a reused cluster outlives its handles
    expect(await clusterObjects(a.name)).toEqual(before);
    expect((await cli(['down', '--name', a.name])).exitCode).toBe(0);
  });
});

describe('crash safety', () => {
  it('removes the clusters of a SIGKILLed process (reaper)', async () => {
    const child = childWithCluster('fx-killed');
    await waitForLine(child, 'READY fx-killed');
    expect(await clusterObjects('fx-killed')).toEqual(expect.arrayContaining(['container /fx-killed-zookeeper']));
    // The session's reaper is what removes them: follow its output from before the kill.
    const session = await sessionOf('fx-killed');
    const d = await docker();
    const reapers = await d.listContainers({ filters: { label: [`io.mesos-up.reaper=${session}`] } });
    expect(reapers.map((c) => c.State), JSON.stringify(reapers.map((c) => c.Names[0]))).toEqual(['running']);
    const logs = (await d.getContainer(reapers[0]!.Id).logs({ follow: true, stdout: true, stderr: true })) as NodeJS.ReadableStream & { destroy(): void };
    let said = '';
    const ended = new Promise<void>((resolve) => {
      logs.on('data', (c: Buffer) => (said += c.toString()));
      logs.on('end', resolve);
      logs.on('close', resolve);
      logs.on('error', () => resolve());
    });
    child.kill('SIGKILL');
    await child;
    // The reaper waits 3 s after the last connection closed, then removes and exits.
    // 60 s only guards against a hang on a loaded machine.
    await eventuallyGone('fx-killed', 60_000);
    await Promise.race([ended, new Promise((r) => setTimeout(r, 60_000))]);
    logs.destroy();
    expect(said).toContain(`reaped io.mesos-up.session=${session}`);
  });

  it('mesos-up prune removes clusters whose owner is gone when there is no reaper', async () => {
    const child = childWithCluster('fx-orphan', { MESOS_UP_REAPER: 'off' });
    await waitForLine(child, 'READY fx-orphan');
    const session = await sessionOf('fx-orphan');
    // no reaper for that session: nothing but prune will remove its clusters
    expect((await (await docker()).listContainers({ all: true, filters: { label: [`io.mesos-up.reaper=${session}`] } })).map((c) => c.Names[0])).toEqual([]);
    child.kill('SIGKILL');
    await child;
    expect(await clusterObjects('fx-orphan')).toEqual(expect.arrayContaining(['container /fx-orphan-zookeeper']));
    const r = await cli(['prune', '--json']);
    expect(r.exitCode).toBe(0);
    expect(json<{ pruned: Array<{ name: string }> }>(r).pruned.map((p) => p.name)).toEqual(expect.arrayContaining(['fx-orphan']));
    expect(await clusterObjects('fx-orphan')).toEqual([]);
  });

  it('SIGTERM removes the clusters at once', async () => {
    const child = childWithCluster('fx-term');
    await waitForLine(child, 'READY fx-term');
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode).toBe(143);
    expect(await clusterObjects('fx-term')).toEqual([]);
  });
});

describe('connectCluster', () => {
  it('connects to a cluster started by the CLI and stop() removes only the apps it deployed', async () => {
    const upR = await cli(['up', '--name', 'fx-cli', '--images', 'emulated', '--json']);
    expect(upR.exitCode, upR.stderr).toBe(0);
    const info = json<{ masterUrl: string; marathonUrl: string; zkUrl: string }>(upR);
    try {
      const mine = new MarathonClient(info.marathonUrl);
      await mine.createApp({ id: '/not-the-fixtures', cmd: 'sleep 600', cpus: 0.01, mem: 16 });
      const handle = await connectCluster({ masterUrl: info.masterUrl, marathonUrl: info.marathonUrl, zkUrl: info.zkUrl });
      expect(handle.agents, JSON.stringify(handle.agents)).toHaveLength(1);
      await handle.marathon.createApp({ id: '/fixture-app', cmd: 'sleep 600', cpus: 0.01, mem: 16 });
      await handle.stop();
      const ids = (await mine.listApps()).map((a) => a.id);
      expect(ids).toEqual(expect.arrayContaining(['/not-the-fixtures']));
      expect(ids, JSON.stringify(ids)).not.toContain('/fixture-app');
      expect((await clusterObjects('fx-cli')).filter((o) => o.startsWith('container')).sort()).toEqual(['container /fx-cli-agent1', 'container /fx-cli-gateway', 'container /fx-cli-marathon', 'container /fx-cli-master1', 'container /fx-cli-zookeeper']);
      // and from the environment variables
      process.env.MESOS_UP_MASTER_URL = info.masterUrl;
      process.env.MESOS_UP_MARATHON_URL = info.marathonUrl;
      const fromEnv = await connectCluster();
      expect(fromEnv.marathonUrl).toBe(info.marathonUrl);
    } finally {
      delete process.env.MESOS_UP_MASTER_URL;
      delete process.env.MESOS_UP_MARATHON_URL;
      await cli(['down', '--name', 'fx-cli']);
    }
  });
});

describe('mesos-up/vitest', () => {
  it('a user project with clusterGlobalSetup gets its cluster through inject, and it is removed after', async () => {
    const r = await execa('npx', ['vitest', 'run', '--config', 'test/fixtures-user/vitest.config.ts'], {
      cwd: ROOT, reject: false, env: { FIXTURE_CLUSTER_NAME: 'fx-global', CI: 'true' },
    });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/1 passed/);
    expect(await clusterObjects('fx-global')).toEqual([]);
  });
});
