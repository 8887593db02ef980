// The Mesos-DNS add-on end to end: a fixture cluster with `addons: { mesosDns:
// {} }`, then dig (Debian's dnsutils) against the published port for the A and
// SRV records of a Marathon app with an instance on each of two agents, the
// leader and a name that does not exist; its HTTP API; a task that finds
// another app by name and talks to it; the handle, env and status naming it;
// `up --addons` planning it, and refusing names it does not know.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterInfo } from '../../src/lifecycle/describe.js';
import { startCluster } from '../../src/testing/start-cluster.js';
import type { ClusterHandle } from '../../src/testing/cluster-handle.js';
import { cli, json } from '../support/cli.js';
import { eventually, TEST_IMAGES } from '../emulator/harness.js';
import { buildTaskImage, TASK_IMAGE } from '../support/task-image.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const NAME = 'it-dns';
// A developer without dig (apt-get install dnsutils) skips this file; CI installs it and always runs it.
const RUN = existsSync('/usr/bin/dig') || !!process.env.CI;
let handle: ClusterHandle;
let cluster: ClusterInfo;
let port = '';

async function dig(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('dig', ['@127.0.0.1', '-p', port, '+time=5', '+tries=1', ...args]);
  return stdout;
}
const short = async (...args: string[]) => (await dig('+short', ...args)).trim().split('\n').filter(Boolean).sort();

async function marathon(method: string, path: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${cluster.marathonUrl}${path}`, { method, headers: body ? { 'Content-Type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined, signal: AbortSignal.timeout(30_000) });
  return res.json();
}

beforeAll(async () => {
  if (!RUN) return;
  await cli(['down', '--name', NAME]);
  [handle] = await Promise.all([startCluster({ name: NAME, agents: 2, images: TEST_IMAGES.flavour, config: { addons: { mesosDns: {} } } }), buildTaskImage()]);
  expect(handle.mesosDns?.dnsAddr).toMatch(/^127\.0\.0\.1:\d+$/);
  expect(handle.env.MESOS_DNS_ADDR).toBe(handle.mesosDns!.dnsAddr);
  const status = await cli(['status', '--name', NAME, '--json']);
  cluster = json<ClusterInfo>(status);
  expect(cluster.mesosDns).toMatchObject({ name: `${NAME}-mesos-dns`, state: 'running', dnsAddr: handle.mesosDns!.dnsAddr });
  port = cluster.mesosDns!.dnsAddr!.split(':')[1]!;
});

afterAll(async () => {
  if (!RUN) return;
  await handle?.stop();
});

describe.runIf(RUN)('the Mesos-DNS add-on', () => {
  it('answers the cluster names: leader, agents, Marathon; NXDOMAIN with the SOA for names that do not exist', async () => {
    const leader = cluster.masters.find((m) => m.leader)!;
    expect(await short('leader.mesos')).toEqual([leader.ip]);
    // over TCP at the same port too (where a client retries a truncated answer)
    expect(await short('+tcp', 'leader.mesos')).toEqual([leader.ip]);
    expect(await short('slave.mesos')).toEqual(cluster.agents.map((a) => a.ip).sort());
    // (Mesos-DNS reads the master every second: Marathon's framework may register after its last read)
    expect(await eventually('marathon.mesos', async () => ((await short('marathon.mesos')).length ? short('marathon.mesos') : undefined), 30_000, 500)).toEqual([cluster.marathon!.ip]);
    const missing = await dig('missing.mesos');
    expect(missing).toContain('status: NXDOMAIN');
    expect(missing).toMatch(/missing\.mesos\.\s+\d+\s+IN\s+SOA\s+ns1\.mesos\. root\.ns1\.mesos\./);
    const env = await cli(['env', '--name', NAME]);
    expect(env.stdout).toContain(`export MESOS_DNS_ADDR=${cluster.mesosDns!.dnsAddr}`);
    const version = await (await fetch(`${cluster.mesosDns!.url}/v1/version`)).json();
    expect(version).toMatchObject({ Service: 'Mesos-DNS', URL: 'https://github.com/mesosphere/mesos-dns' });
  });

  it("has A and SRV records of an app's tasks on both agents, and a task reaches the app by name", async () => {
    const server = 'exec node -e "require(\'http\').createServer((q, s) => s.end(\'hello from \' + process.env.HOST)).listen(process.env.PORT0)"';
    await marathon('POST', '/v2/apps', { id: '/shop/web', cmd: server, cpus: 0.05, mem: 16, instances: 2, constraints: [['hostname', 'UNIQUE']], portDefinitions: [{ port: 8050 }], requirePorts: true });
    const tasks = await eventually('two running tasks', async () => {
      const t = (await marathon('GET', '/v2/apps/shop/web/tasks')).tasks as Json[];
      return t.length === 2 && t.every((x) => x.state === 'TASK_RUNNING') ? t : undefined;
    }, 90_000, 500);
    // Mesos-DNS reads the master every second
    const a = await eventually('A records of both tasks', async () => {
      const ips = await short('web-shop.marathon.mesos');
      return ips.length === 2 ? ips : undefined;
    }, 30_000, 500);
    expect(a).toEqual(tasks.map((t) => t.host).sort());
    const srv = await short('_web-shop._tcp.marathon.mesos', 'SRV');
    expect(srv.map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual(['0 1 8050', '0 1 8050']);
    const full = await dig('_web-shop._tcp.marathon.mesos', 'SRV');
    expect(full).toMatch(/flags: qr aa rd ra/);
    expect(full).toContain('ADDITIONAL: 2');
    // its HTTP API sees the same
    const hosts = (await (await fetch(`${cluster.mesosDns!.url}/v1/hosts/web-shop.marathon.mesos`)).json()) as Json[];
    expect(hosts.map((h) => h.ip).sort()).toEqual(a);

    // a task on the cluster asks for the app by its Mesos-DNS name (through the agent's resolver)
    await marathon('POST', '/v2/apps', { id: '/client', cmd: 'while true; do curl -sf http://web-shop.marathon.mesos:8050/ > got.tmp && mv got.tmp got.txt; sleep 1; done', cpus: 0.05, mem: 16, instances: 1 });
    const client = await eventually('the client runs', async () => ((await marathon('GET', '/v2/apps/client/tasks')).tasks as Json[]).find((t) => t.state === 'TASK_RUNNING'), 60_000, 500);
    const agent = cluster.agents.find((x) => x.ip === client.host)!;
    const got = await eventually('the client fetched from web-shop.marathon.mesos', async () => {
      const res = await fetch(`${agent.url}/files/read?path=${encodeURIComponent(await sandboxOf(agent.url!, client.id))}/got.txt&offset=0`);
      return res.ok ? (((await res.json()) as Json).data as string) || undefined : undefined;
    }, 60_000, 500);
    expect(got).toMatch(/^hello from 172\.\d+\.\d+\.\d+$/);
    await marathon('DELETE', '/v2/apps/client?force=true');

    if (TEST_IMAGES.flavour === 'emulated') {
      // a Docker task with bridge networking resolves through the agent's DNS server too
      await marathon('POST', '/v2/apps', {
        id: '/bridged', cmd: 'getent hosts web-shop.marathon.mesos > $MESOS_SANDBOX/hosts.tmp && mv $MESOS_SANDBOX/hosts.tmp $MESOS_SANDBOX/hosts.txt; sleep 600', cpus: 0.05, mem: 16,
        container: { type: 'DOCKER', docker: { image: TASK_IMAGE } }, networks: [{ mode: 'container/bridge' }],
      });
      const bridged = await eventually('the Docker task runs', async () => ((await marathon('GET', '/v2/apps/bridged/tasks')).tasks as Json[]).find((t) => t.state === 'TASK_RUNNING'), 90_000, 500);
      const on = cluster.agents.find((x) => x.ip === bridged.host) ?? cluster.agents[0]!;
      const hosts = await eventually('the Docker task resolved web-shop.marathon.mesos', async () => {
        const res = await fetch(`${on.url}/files/read?path=${encodeURIComponent(await sandboxOf(on.url!, bridged.id))}/hosts.txt&offset=0`);
        return res.ok ? (((await res.json()) as Json).data as string) || undefined : undefined;
      }, 60_000, 500);
      expect(hosts.trim().split(/\s+/)[1]).toBe('web-shop.marathon.mesos');
      await marathon('DELETE', '/v2/apps/bridged?force=true');
    }
    await marathon('DELETE', '/v2/apps/shop/web?force=true');
  });

  it('up --addons mesos-dns plans it; an add-on it does not know is refused, naming the flag', async () => {
    const plan = await cli(['up', '--name', 'it-dns-plan', '--addons', 'mesos-dns', '--images', 'emulated', '--dry-run', '--json']);
    expect(plan.exitCode, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).toContain('"it-dns-plan-mesos-dns"');
    const r = await cli(['up', '--name', 'it-dns-bad', '--addons', 'mesos-dns,nope', '--dry-run']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--addons mesos-dns,nope: "nope" is not an add-on');
    expect(r.stderr).toContain('the add-ons are mesos-dns');
  });
});

/** A task's sandbox directory on its agent (from the agent's /state). */
async function sandboxOf(agentUrl: string, taskId: string): Promise<string> {
  const state = (await (await fetch(`${agentUrl}/state`)).json()) as Json;
  for (const f of state.frameworks) for (const e of f.executors) if (e.tasks.some((t: Json) => t.id === taskId) || e.id === taskId) return e.directory;
  throw new Error(`no sandbox of ${taskId} on ${agentUrl}`);
}
