// The web UIs in a real browser: headless Chromium from Debian's chromium
// package, driven by playwright-core, against a cluster the test starts with
// the CLI. Through Marathon's page it creates the walkthrough app with the
// form, watches its task come up, and destroys it; then it reads the master's
// page. Browser and test traffic go to 127.0.0.1 only.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterInfo } from '../../src/lifecycle/describe.js';
import { readFrom } from '../support/tcp.js';
import { cli, json } from '../support/cli.js';
import { eventually } from '../emulator/harness.js';

const NAME = 'e2e-ui';
const CMD = 'echo "hello $MESOS_TASK_ID" | nc -l $PORT0';
const OUT = path.resolve(import.meta.dirname, '../../test-output');
const CHROMIUM = '/usr/bin/chromium';
// A developer without Debian's chromium skips this file; CI installs it and always runs it
// (a missing browser there fails the launch loudly).
const RUN = existsSync(CHROMIUM) || !!process.env.CI;

let cluster: ClusterInfo;
let urls: { marathon: string; master: string };
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;
/**
 * Page errors, console errors, requests that left 127.0.0.1 and HTTP error
 * answers no page expects: each fails the test, named with its page and URL.
 */
const problems: string[] = [];
/** HTTP error answers the pages expect (see expectedAnswer), for the log */
const expectedErrors: string[] = [];
const screenshots: string[] = [];
/** the path of the app the Destroy button deleted, from the moment it was confirmed */
let destroyed: string | undefined;

async function screenshot(p: Page, name: string): Promise<void> {
  const file = path.join(OUT, `web-ui-${name}.png`);
  await p.screenshot({ path: file, fullPage: true });
  screenshots.push(path.relative(process.cwd(), file));
  console.log(`screenshot: ${path.relative(process.cwd(), file)}`);
}

/**
 * The one HTTP error answer a page may get: after Destroy, a refresh that read
 * the app list just before the deletion asks for the app and Marathon answers
 * 404, which the page shows as "no application (any more)". Every /v2/events
 * event schedules a refresh 150 ms later, and the deletion's own events reach
 * the page before the answer to its DELETE when that answer is slow (reproduced
 * by delaying responses 400 ms). The page no longer asks for an app missing from
 * the list it has just read, so only that narrow race remains. Any other 4xx or
 * 5xx answer is a problem.
 */
function expectedAnswer(method: string, url: string, status: number): boolean {
  return status === 404 && method === 'GET' && destroyed !== undefined && new URL(url).pathname === destroyed;
}

function watch(p: Page, name: string): void {
  p.on('pageerror', (err) => problems.push(`${name}: page error: ${err.message}`));
  p.on('console', (m) => {
    if (m.type() !== 'error') return;
    // Chromium echoes each HTTP error answer as "Failed to load resource: the server
    // responded with a status of 404 (Not Found)", without the URL: such answers are
    // judged by their request below, on the 'response' event, which has it.
    if (/^Failed to load resource: the server responded with a status of \d+/.test(m.text())) return;
    // Chromium aborts requests in flight when the host's interfaces change, and other
    // test files create Docker networks (bridges, veths) all the time: seen in a clean
    // CI run against 127.0.0.1. The pages poll again; what they show is asserted above.
    const where = m.location().url || p.url();
    if (/net::ERR_NETWORK_CHANGED/.test(m.text()) && new URL(where).hostname === '127.0.0.1') {
      expectedErrors.push(`${name}: ${m.text()} (at ${where})`);
      return;
    }
    problems.push(`${name}: console error: ${m.text()} (at ${m.location().url || p.url()})`);
  });
  p.on('response', (r) => {
    if (r.status() < 400) return;
    const what = `${name}: HTTP ${r.status()} for ${r.request().method()} ${r.url()}`;
    if (expectedAnswer(r.request().method(), r.url(), r.status())) expectedErrors.push(what);
    else problems.push(what);
  });
  p.on('request', (r) => {
    const u = new URL(r.url());
    if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) return;
    if (u.hostname !== '127.0.0.1') problems.push(`${name}: request to ${r.url()}`);
  });
}


async function marathonApi<T>(p: string): Promise<T> {
  const res = await fetch(`${cluster.marathonUrl}${p}`, { headers: { Accept: 'application/json' } });
  return (await res.json()) as T;
}

beforeAll(async () => {
  if (!RUN) return;
  mkdirSync(OUT, { recursive: true });
  const up = await cli(['up', '--name', NAME, '--images', 'emulated', '--json']);
  expect(up.exitCode, up.stdout + up.stderr).toBe(0);
  cluster = json<ClusterInfo>(up);
  // The URLs the way a user gets them.
  const ui = await cli(['ui', '--name', NAME, '--json']);
  expect(ui.exitCode, ui.stdout + ui.stderr).toBe(0);
  urls = json<{ marathon: string; master: string }>(ui);
  expect(urls.marathon).toBe(`${cluster.marathonUrl}/ui/`);
  expect(urls.master).toBe(`${cluster.masterUrl}/`);
  expect(new URL(urls.marathon).hostname).toBe('127.0.0.1');
  // Without a display there is no browser to open: it prints the URLs and says so.
  const text = await cli(['ui', '--name', NAME], { env: { DISPLAY: '', WAYLAND_DISPLAY: '' } });
  expect(text.exitCode, text.stderr).toBe(0);
  expect(text.stdout).toContain(`Marathon       ${urls.marathon}`);
  expect(text.stdout).toContain(`Mesos master   ${urls.master}`);
  expect(text.stdout).toMatch(/No browser to open them here/);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      // Nothing but 127.0.0.1 resolves: the browser cannot talk to anything else.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
  // What the tests wait for (a row, a heading) has no deadline of its own: 60 s only
  // guards against a hang, on a machine CI loads to many times an idle one's latency.
  context.setDefaultTimeout(60_000);
  page = await context.newPage();
  watch(page, 'Marathon page');
});

afterAll(async () => {
  if (!RUN) return;
  await browser?.close();
  const down = await cli(['down', '--name', NAME]);
  expect(down.exitCode, down.stderr).toBe(0);
  if (screenshots.length) console.log(`web UI screenshots:\n  ${screenshots.join('\n  ')}`);
  if (expectedErrors.length) console.log(`expected errors (see expectedAnswer and watch):\n  ${expectedErrors.join('\n  ')}`);
});

describe.runIf(RUN)('the web UIs in a browser', () => {
  let taskId: string;
  let finishedTaskId: string;

  it("serves Marathon's UI: / redirects to /ui/, which lists no apps and follows /v2/events", async () => {
    await page.goto(cluster.marathonUrl!);
    expect(new URL(page.url()).pathname).toBe('/ui/');
    await page.getByRole('heading', { name: 'Applications', exact: true }).waitFor();
    await page.getByText('No applications yet').waitFor();
    await page.locator('#live.on', { hasText: 'Live' }).waitFor();
    await expect(page.locator('#info').textContent()).resolves.toMatch(/Marathon\s+1\.7\.\d+/);
  });

  it('creates the walkthrough app through the form', async () => {
    await page.getByRole('button', { name: 'Create application' }).click();
    const form = page.getByRole('dialog', { name: 'Create application' });
    await form.waitFor();
    await form.getByLabel('ID', { exact: true }).fill('marathon-nc');
    await form.getByLabel('Command', { exact: true }).fill(CMD);
    await form.getByLabel('CPUs', { exact: true }).fill('0.1');
    await form.getByLabel('Memory (MB)', { exact: true }).fill('32');
    await form.getByLabel('Instances', { exact: true }).fill('1');
    await form.getByLabel('Ports', { exact: true }).fill('8000');
    await form.locator('details.preview summary').click();
    // The preview is exactly what the form will POST.
    const preview = JSON.parse((await form.locator('#create-preview').textContent())!) as Record<string, unknown>;
    expect(preview).toEqual({ id: '/marathon-nc', cmd: CMD, cpus: 0.1, mem: 32, instances: 1, portDefinitions: [{ port: 8000 }], requirePorts: true });
    await screenshot(page, 'marathon-create');
    await form.getByRole('button', { name: 'Create application' }).click();
    await form.waitFor({ state: 'hidden' });
    await page.waitForURL(/#\/apps\/marathon-nc$/);
    await page.getByRole('heading', { name: '/marathon-nc' }).waitFor();
  });

  it('shows the task running on port 8000, live from the event stream', async () => {
    const row = page.getByRole('table', { name: 'Tasks' }).getByRole('row').filter({ hasText: 'TASK_RUNNING' });
    await row.waitFor({ timeout: 90_000 });
    const tasks = (await marathonApi<{ tasks: Array<{ id: string; host: string; ports: number[]; state: string }> }>('/v2/apps/marathon-nc/tasks')).tasks;
    expect(tasks, JSON.stringify(tasks)).toHaveLength(1);
    taskId = tasks[0]!.id;
    const cells = (await row.getByRole('cell').allTextContents()).map((c) => c.trim());
    expect(cells.slice(0, 4)).toEqual([taskId, tasks[0]!.host, '8000', 'TASK_RUNNING']);
    expect(cells[4]).toMatch(/\d+s ago|min ago/); // started at
    await page.getByRole('heading', { name: /\/marathon-nc\s+Running/ }).waitFor();
    await page.getByText('1 of 1 running').waitFor();
    await screenshot(page, 'marathon-app');
  });

  it('answers on port 8000, and the page shows the replacement Marathon starts when that task ends', async () => {
    // The walkthrough's task answers once on its port 8000, then exits; `status`
    // says where the host reaches it (through the gateway).
    const status = json<ClusterInfo>(await cli(['status', '--name', cluster.name, '--json']));
    const endpoint = status.endpoints.find((e) => e.taskId === taskId && e.port === 8000);
    expect(endpoint, JSON.stringify(status.endpoints)).toBeDefined();
    const hostPort = endpoint!.hostPort;
    expect((await readFrom(hostPort)).trim()).toBe(`hello ${taskId}`);
    const first = taskId;
    const next = page.getByRole('table', { name: 'Tasks' }).getByRole('row').filter({ hasText: 'TASK_RUNNING' }).filter({ hasNotText: first });
    await next.waitFor();
    taskId = (await next.getByRole('cell').first().textContent())!.trim();
    expect(taskId).toMatch(/^marathon-nc\.[0-9a-f-]{36}$/);
    expect((await marathonApi<{ tasks: Array<{ id: string }> }>('/v2/apps/marathon-nc/tasks')).tasks.map((t) => t.id)).toEqual([taskId]);
    finishedTaskId = first;
  });

  it("shows the app's configuration and versions", async () => {
    await page.getByRole('link', { name: 'Configuration' }).click();
    const config = page.locator('dl.kv');
    await config.waitFor();
    const text = (await config.textContent())!;
    expect(text).toContain(CMD);
    expect(text).toContain('8000 (required exactly)');
    const versions = (await marathonApi<{ versions: string[] }>('/v2/apps/marathon-nc/versions')).versions;
    await page.getByRole('link', { name: 'Versions' }).click();
    const table = page.getByRole('table', { name: 'Versions' });
    await table.getByRole('row').filter({ hasText: versions[0]! }).filter({ hasText: 'current' }).waitFor();
    await page.getByRole('link', { name: 'Tasks' }).click();
  });

  it('lists the app with its counts and status', async () => {
    await page.getByRole('link', { name: 'Applications' }).first().click();
    const row = page.getByRole('table', { name: 'Applications' }).getByRole('row').filter({ hasText: '/marathon-nc' });
    await row.filter({ hasText: 'Running' }).waitFor();
    const cells = (await row.getByRole('cell').allTextContents()).map((c) => c.trim().replace(/\s+/g, ' '));
    expect(cells.slice(1, 7)).toEqual(['Running', '1 / 1', '0', '–', '0.1', '32 MB']);
    await screenshot(page, 'marathon-apps');
  });

  it('shows the group tree and a pod with its instance, containers and endpoint', async () => {
    const post = (p: string, body: unknown) => fetch(`${cluster.marathonUrl}${p}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/v2/groups', { id: '/shop', apps: [{ id: 'db', cmd: 'sleep 3600', cpus: 0.01, mem: 16 }, { id: 'api', cmd: 'sleep 3600', cpus: 0.01, mem: 16, dependencies: ['db'] }] })).status).toBe(201);
    const pod = { id: '/shop/web', networks: [{ mode: 'host' }], containers: [{ name: 'server', resources: { cpus: 0.01, mem: 16 }, endpoints: [{ name: 'web' }], exec: { command: { shell: 'exec node -e "require(\'http\').createServer((q, s) => s.end(\'ok\')).listen(process.env.ENDPOINT_WEB)"' } } }] };
    expect((await post('/v2/pods', pod)).status).toBe(201);
    await page.getByRole('link', { name: 'Groups & pods' }).click();
    const tree = page.getByRole('list', { name: 'Group tree' });
    await tree.locator('li[data-app="/shop/api"]').filter({ hasText: 'depends on /shop/db' }).waitFor();
    await tree.locator('li[data-pod="/shop/web"]').waitFor();
    const row = page.getByRole('table', { name: 'Pods' }).getByRole('row').filter({ hasText: 'server' });
    await row.filter({ hasText: 'STABLE' }).filter({ hasText: 'running' }).waitFor();
    const status = await marathonApi<Array<{ instances: Array<{ containers: Array<{ endpoints: Array<{ allocatedHostPort: number }> }> }> }>>('/v2/pods/::status');
    expect(await row.textContent()).toContain(`web:${status[0]!.instances[0]!.containers[0]!.endpoints[0]!.allocatedHostPort}`);
    await screenshot(page, 'marathon-groups-pods');
    // a pod no agent can hold stays in /v2/queue (an entry with `pod`, not `app`): the apps page still renders
    expect((await post('/v2/pods', { id: '/shop/big', containers: [{ name: 'huge', resources: { cpus: 64, mem: 16 }, exec: { command: { shell: 'sleep 600' } } }] })).status).toBe(201);
    await eventually('the big pod queued', async () => ((await marathonApi<{ queue: Array<{ pod?: { id: string } }> }>('/v2/queue')).queue.some((q) => q.pod?.id === '/shop/big') ? true : undefined), 30_000, 250);
    await page.getByRole('link', { name: 'Applications' }).first().click();
    await page.getByRole('table', { name: 'Applications' }).getByRole('row').filter({ hasText: '/shop/api' }).waitFor();
    await page.getByRole('link', { name: 'Groups & pods' }).click();
    for (const p of ['/v2/pods/shop/big?force=true', '/v2/pods/shop/web?force=true', '/v2/groups/shop?force=true']) expect((await fetch(`${cluster.marathonUrl}${p}`, { method: 'DELETE' })).ok).toBe(true);
    await page.getByRole('table', { name: 'Pods' }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Applications' }).first().click();
  });

  it("shows the leader, the agent, the marathon framework and the task on the master's page", async () => {
    const master = await context.newPage();
    watch(master, 'master page');
    await master.goto(urls.master);
    const leader = cluster.masters.find((m) => m.leader)!;
    await master.locator('#leader').getByText(`${leader.ip}:5050`).first().waitFor();
    const agents = master.getByRole('table', { name: 'Agents' });
    await agents.getByRole('row').filter({ hasText: cluster.agents[0]!.ip }).filter({ hasText: 'active' }).waitFor();
    const frameworks = master.getByRole('table', { name: 'Frameworks' });
    const fw = frameworks.getByRole('row').filter({ hasText: 'marathon' });
    await fw.filter({ hasText: 'active' }).waitFor();
    const fwId = cluster.frameworks.find((f) => f.name === 'marathon')!.id;
    await fw.locator(`[title="${fwId}"]`).waitFor();
    await master.getByRole('table', { name: 'Active tasks' }).getByRole('row').filter({ hasText: taskId }).filter({ hasText: 'TASK_RUNNING' }).waitFor();
    await master.getByRole('table', { name: 'Completed tasks' }).getByRole('row').filter({ hasText: finishedTaskId }).filter({ hasText: 'TASK_FINISHED' }).waitFor();
    await master.locator('#offers').waitFor();
    await screenshot(master, 'mesos-master');
    await master.close();
  });

  it('destroys the app with the Destroy button', async () => {
    await page.getByRole('link', { name: '/marathon-nc' }).click();
    await page.getByRole('heading', { name: /\/marathon-nc/ }).waitFor();
    await page.getByRole('button', { name: 'Destroy' }).click();
    const confirm = page.getByRole('dialog', { name: 'Destroy /marathon-nc?' });
    await confirm.waitFor();
    destroyed = '/v2/apps/marathon-nc';
    await confirm.getByRole('button', { name: 'Destroy' }).click();
    await page.waitForURL(/#\/apps$/);
    await page.getByText('No applications yet').waitFor();
    expect((await marathonApi<{ apps: unknown[] }>('/v2/apps')).apps).toEqual([]);
    // The master saw the task end.
    const master = await context.newPage();
    watch(master, 'master page (2)');
    await master.goto(urls.master);
    await master.getByRole('table', { name: 'Completed tasks' }).getByRole('row').filter({ hasText: taskId }).filter({ hasText: 'TASK_KILLED' }).waitFor();
    await master.close();
  });

  it('had no page errors and talked to 127.0.0.1 only', () => {
    expect(problems).toEqual([]);
  });
});
