// The Marathon-LB add-on end to end: a fixture cluster with `addons:
// { marathonLb: {} }`; an app deployed with `mesos-up app deploy --lb <vhost>`
// reached with curl through the LB by vhost (port 80), by service port (through
// the gateway) and by app id (9091); an app outside the LB's group left out;
// the stats page and Marathon-LB's own paths; and a bounded request loop that
// sees no failed request while the app is scaled, restarted and redeployed.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterInfo } from '../../src/lifecycle/describe.js';
import type { ClusterHandle } from '../../src/testing/cluster-handle.js';
import { startCluster } from '../../src/testing/start-cluster.js';
import { eventually, TEST_IMAGES } from '../emulator/harness.js';
import { cli, json } from '../support/cli.js';

const NAME = 'it-lb';
let handle: ClusterHandle;
let cluster: ClusterInfo;

/** curl's answer: the status code (000 when it could not connect) and the body. */
async function curl(url: string, headers: Record<string, string> = {}): Promise<{ code: string; body: string }> {
  const args = ['-s', '-m', '10', '-w', '\n%{http_code}', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), url];
  const { stdout } = await promisify(execFile)('curl', args).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '\n000' }));
  const at = stdout.lastIndexOf('\n');
  return { code: stdout.slice(at + 1), body: stdout.slice(0, at) };
}

// A web server that stops as an app behind Marathon-LB should: told to stop,
// it keeps answering for 3 s (the LB drops it on TASK_KILLING meanwhile), then
// takes no new connection (HAProxy retries those elsewhere) and ends once its
// requests are answered. No Connection: keep-alive, so closing is prompt.
const SERVER = [
  "const s = require('http').createServer((q, r) => { r.setHeader('Connection', 'close'); r.end('hello ' + process.env.MESOS_TASK_ID + ' v' + (process.env.V || '1') + '\\n'); }).listen(process.env.PORT0);",
  "process.on('SIGTERM', () => setTimeout(() => s.close(() => process.exit(0)), 3000));",
].join(' ');

const lbLogs = async () => handle.logs('marathon-lb');

async function deployments(): Promise<number> {
  return (await handle.marathon.deployments()).length;
}

async function settled(what: string): Promise<void> {
  await eventually(what, async () => (await deployments()) === 0 || undefined, 120_000, 250);
}

beforeAll(async () => {
  await cli(['down', '--name', NAME]);
  handle = await startCluster({ name: NAME, agents: 2, images: TEST_IMAGES.flavour, config: { addons: { marathonLb: {} } } });
  cluster = json<ClusterInfo>(await cli(['status', '--name', NAME, '--json']));
});

afterAll(async () => {
  await handle?.stop();
});

describe('the Marathon-LB add-on', () => {
  it('is named by the handle, env and status', async () => {
    expect(handle.marathonLb?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(handle.env.MARATHON_LB_URL).toBe(handle.marathonLb!.url);
    expect(cluster.marathonLb).toMatchObject({ name: `${NAME}-marathon-lb`, state: 'running', url: handle.marathonLb!.url });
    const env = await cli(['env', '--name', NAME]);
    expect(env.stdout).toContain(`export MARATHON_LB_URL=${handle.marathonLb!.url}`);
    // the health check path answers; `mesos-up ui` names the stats page
    expect((await curl(`${cluster.marathonLb!.statsUrl}/_haproxy_health_check`)).code).toBe('200');
    const ui = json<{ marathonLb?: string }>(await cli(['ui', '--name', NAME, '--json']));
    expect(ui.marathonLb).toBe(`${cluster.marathonLb!.statsUrl}/haproxy?stats`);
    expect((await curl(ui.marathonLb!)).body).toContain('Statistics Report');
  });

  it('serves an app deployed with --lb by vhost, service port and app id, and leaves out apps outside its group', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mesos-up-lb-'));
    const file = path.join(dir, 'web.json');
    writeFileSync(file, JSON.stringify({
      id: '/web', cmd: `exec node -e "${SERVER.replace(/"/g, '\\"')}"`, cpus: 0.1, mem: 32, instances: 2,
      constraints: [['hostname', 'UNIQUE']], taskKillGracePeriodSeconds: 10,
      healthChecks: [{ protocol: 'HTTP', path: '/', portIndex: 0, intervalSeconds: 1, gracePeriodSeconds: 10, timeoutSeconds: 2 }],
    }));
    const deployed = await cli(['app', 'deploy', file, '--lb', 'web.local', '--wait', '--name', NAME, '--json']);
    expect(deployed.exitCode, deployed.stderr).toBe(0);
    const other = await cli(['app', 'deploy', '--id', '/private', '--cmd', 'sleep 600', '--cpus', '0.1', '--mem', '32', '--port', '0', '--wait', '--name', NAME]);
    expect(other.exitCode, other.stderr).toBe(0);
    const app = await handle.marathon.getApp('/web');
    expect(app.labels).toMatchObject({ HAPROXY_GROUP: 'external', HAPROXY_0_VHOST: 'web.local' });
    const servicePort = app.portDefinitions![0]!.port;

    // both instances (one per agent) answer through the vhost
    const seen = new Set<string>();
    await eventually('both tasks behind web.local', async () => {
      const r = await curl(`${handle.marathonLb!.url}/`, { Host: 'web.local' });
      if (r.code === '200') seen.add(r.body.split(' ')[1]!);
      return seen.size === 2 || undefined;
    }, 60_000, 100);
    expect([...seen].sort()).toEqual(app.tasks!.map((t) => t.id).sort());
    // an unknown host gets HAProxy's 503: there is no default backend
    expect((await curl(`${handle.marathonLb!.url}/`, { Host: 'nobody.local' })).code).toBe('503');
    // by app id on 9091
    expect((await curl(`${cluster.marathonLb!.appIdUrl}/`, { 'X-Marathon-App-Id': '/web' })).body).toMatch(/^hello web\./);

    // the service port, through the gateway; the other app's is not served
    const services = await eventually('the service port routed', async () => {
      const s = await handle.marathonLb!.serviceEndpoints();
      return s.some((e) => e.name === `web_${servicePort}`) ? s : undefined;
    }, 60_000, 500);
    expect(services.map((s) => s.name)).toEqual([`web_${servicePort}`]);
    expect((await curl(`http://${services[0]!.address}/`)).body).toMatch(/^hello web\./);
    const status = await cli(['status', '--name', NAME]);
    expect(status.stdout).toContain(`web_${servicePort}  ${servicePort}  → ${services[0]!.address}`);

    // Marathon-LB's own paths: the running config, the processes, the stats as CSV
    const config = await curl(`${cluster.marathonLb!.statsUrl}/_haproxy_getconfig`);
    expect(config.body).toContain(`frontend web_${servicePort}\n  bind *:${servicePort}\n  mode http\n`);
    expect(config.body).not.toContain('private');
    expect((await curl(`${cluster.marathonLb!.statsUrl}/_haproxy_getpids`)).body).toMatch(/^\d+( \d+)+$/);
    const csv = await curl(`${cluster.marathonLb!.statsUrl}/haproxy?stats;csv`);
    expect(csv.body.split('\n').filter((l) => l.startsWith(`web_${servicePort},`)).length).toBeGreaterThanOrEqual(4);
  });

  it('leaves out an app whose configuration HAProxy refuses, and keeps serving the others', async () => {
    // a certificate file that does not exist: `haproxy -c` refuses the file with it
    const broken = await cli(['app', 'deploy', '--id', '/broken', '--cmd', 'sleep 600', '--cpus', '0.05', '--mem', '16', '--lb', '--wait', '--name', NAME]);
    expect(broken.exitCode, broken.stderr).toBe(0);
    await handle.marathon.updateApp({ id: '/broken', labels: { HAPROXY_GROUP: 'external', HAPROXY_0_SSL_CERT: '/no/such/cert.pem' } });
    await settled('/broken labelled');
    // (the config still has /broken as it was deployed until the LB reads the new label)
    await eventually('the LB leaves /broken out', async () => {
      const config = await curl(`${cluster.marathonLb!.statsUrl}/_haproxy_getconfig`);
      return config.code === '200' && !config.body.includes('frontend broken_') && (await lbLogs()).includes('Leaving out /broken') ? true : undefined;
    }, 60_000, 500);
    expect((await curl(`${handle.marathonLb!.url}/`, { Host: 'web.local' })).code).toBe('200');
    await handle.marathon.deleteApp('/broken', true);
  });

  it('drops no request while the app is scaled, restarted and redeployed', async () => {
    const [service] = await handle.marathonLb!.serviceEndpoints();
    const targets: Array<[string, Record<string, string>]> = [[`${handle.marathonLb!.url}/`, { Host: 'web.local' }], [`http://${service!.address}/`, {}]];
    const failures: string[] = [];
    let requests = 0;
    let done = false;
    // a bounded loop: it ends when the changes below are done, or after 1500 requests
    const loop = (async () => {
      while (!done && requests < 1500) {
        const [url, headers] = targets[requests % 2]!;
        const r = await curl(url, headers);
        requests++;
        if (r.code !== '200') failures.push(`${url} ${r.code} ${r.body.slice(0, 80)}`);
      }
    })();
    try {
      await handle.marathon.updateApp({ id: '/web', instances: 4, constraints: [] });
      await settled('scaled to 4');
      await handle.marathon.restartApp('/web');
      await settled('restarted');
      await handle.marathon.updateApp({ id: '/web', instances: 1 });
      await settled('scaled to 1');
      await handle.marathon.updateApp({ id: '/web', env: { V: '2' } });
      await settled('redeployed with V=2');
      // the new version answers once the LB has it
      await eventually('version 2 behind the LB', async () => (await curl(targets[0]![0], targets[0]![1])).body.includes(' v2') || undefined, 60_000, 200);
    } finally {
      done = true;
      await loop;
    }
    expect(requests).toBeGreaterThan(50);
    expect(failures).toEqual([]);
  });
});
