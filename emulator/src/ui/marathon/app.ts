/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Marathon's web UI: applications, an app's tasks, configuration and versions,
// groups and pods (groups-pods.ts), deployments; create, scale, restart, destroy. It speaks only the public
// /v2 API and re-reads what it shows whenever /v2/events reports a change.
import { ApiError, get, request } from '../common/api.js';
import { $, ageTimes, ago, html, megabytes, setHtml, shortId, trim, when, type Html } from '../common/html.js';
import { groupsPodsView, loadGroupsPods, type GroupsPods } from './groups-pods.js';

// ---------------------------------------------------------------------------
// The /v2 shapes this page reads (only the fields it uses).

interface Task {
  id: string;
  host: string;
  ports: number[];
  state: string;
  startedAt?: string | null;
  stagedAt?: string | null;
  version?: string;
  slaveId?: string;
  healthCheckResults?: Array<{ alive: boolean }>;
}

interface PortMapping {
  containerPort?: number;
  hostPort?: number;
  servicePort?: number;
  protocol?: string;
}

interface App {
  id: string;
  cmd?: string | null;
  args?: string[] | null;
  cpus: number;
  mem: number;
  disk: number;
  instances: number;
  env?: Record<string, unknown>;
  labels?: Record<string, string>;
  constraints?: string[][];
  portDefinitions?: Array<{ port: number; protocol?: string; name?: string }>;
  requirePorts?: boolean;
  container?: { type: string; docker?: { image?: string; network?: string }; portMappings?: PortMapping[] } | null;
  networks?: Array<{ mode: string; name?: string }>;
  healthChecks?: Array<{ protocol?: string; path?: string }>;
  version: string;
  versionInfo?: { lastScalingAt?: string; lastConfigChangeAt?: string };
  tasksStaged?: number;
  tasksRunning?: number;
  tasksHealthy?: number;
  tasksUnhealthy?: number;
  deployments?: Array<{ id: string }>;
  tasks?: Task[];
  lastTaskFailure?: { taskId: string; state: string; message: string; host: string; timestamp: string };
}

interface QueueEntry {
  count: number;
  delay: { timeLeftSeconds: number; overdue: boolean };
  since: string;
  /** an app's entry; a pod's has `pod` instead */
  app?: { id: string };
  processedOffersSummary?: {
    processedOffersCount: number;
    unusedOffersCount: number;
    rejectSummaryLastOffers?: Array<{ reason: string; declined: number; processed: number }>;
  };
}

interface Deployment {
  id: string;
  version: string;
  affectedApps: string[];
  affectedPods?: string[];
  currentStep: number;
  totalSteps: number;
  currentActions: Array<{ action: string; app?: string; pod?: string }>;
}

interface Info {
  version: string;
  buildref?: string;
  leader?: string | null;
  frameworkId?: string | null;
}

// ---------------------------------------------------------------------------
// State, routes, loading.

type Route = { view: 'apps' } | { view: 'deployments' } | { view: 'groups' } | { view: 'app'; id: string; tab: 'tasks' | 'configuration' | 'versions'; version?: string };

const state = {
  route: { view: 'apps' } as Route,
  apps: [] as App[],
  queue: [] as QueueEntry[],
  deployments: [] as Deployment[],
  info: undefined as Info | undefined,
  app: undefined as App | undefined,
  groupsPods: undefined as GroupsPods | undefined,
  appMissing: false,
  versions: undefined as string[] | undefined,
  versionJson: undefined as { version: string; app: unknown } | undefined,
  loaded: false,
  error: undefined as string | undefined,
  flash: undefined as string | undefined,
};

const appPath = (id: string) => `/v2/apps${id}`;
const appHref = (id: string, tab?: string) => `#/apps${id}${tab && tab !== 'tasks' ? `?tab=${tab}` : ''}`;

function parseRoute(): Route {
  const raw = decodeURIComponent(location.hash.replace(/^#/, '')) || '/apps';
  const [path = '', query = ''] = raw.split('?');
  const q = new URLSearchParams(query);
  if (path === '/deployments') return { view: 'deployments' };
  if (path === '/groups') return { view: 'groups' };
  const m = /^\/apps(\/.+?)\/?$/.exec(path);
  if (m) {
    const tab = q.get('tab');
    return { view: 'app', id: m[1]!, tab: tab === 'configuration' || tab === 'versions' ? tab : 'tasks', ...(q.get('version') ? { version: q.get('version')! } : {}) };
  }
  return { view: 'apps' };
}

async function load(): Promise<void> {
  const route = state.route;
  const [apps, queue, deployments] = await Promise.all([
    get<{ apps: App[] }>('/v2/apps?embed=apps.counts&embed=apps.deployments&embed=apps.lastTaskFailure'),
    get<{ queue: QueueEntry[] }>('/v2/queue'),
    get<Deployment[]>('/v2/deployments'),
  ]);
  state.apps = apps.apps;
  state.queue = queue.queue;
  state.deployments = deployments;
  if (route.view === 'groups') state.groupsPods = await loadGroupsPods();
  // A refresh queued by a destroyed app's last events must not ask for it again (a 404).
  if (route.view === 'app' && !state.apps.some((a) => a.id === route.id)) {
    state.app = undefined;
    state.appMissing = true;
  } else if (route.view === 'app') {
    try {
      state.app = (await get<{ app: App }>(`${appPath(route.id)}?embed=app.tasks&embed=app.counts&embed=app.deployments&embed=app.lastTaskFailure`)).app;
      state.appMissing = false;
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 404) throw err;
      state.app = undefined;
      state.appMissing = true;
    }
    if (route.tab === 'versions' && state.app) {
      state.versions = (await get<{ versions: string[] }>(`${appPath(route.id)}/versions`)).versions;
      const v = route.version ?? state.versions[0];
      if (v && state.versionJson?.version !== v) {
        state.versionJson = { version: v, app: await get<unknown>(`${appPath(route.id)}/versions/${encodeURIComponent(v)}`) };
      }
    }
  }
}

let refreshing = false;
let pending = false;
/** Loads and renders; calls while one runs coalesce into one more run. */
async function refresh(): Promise<void> {
  if (refreshing) {
    pending = true;
    return;
  }
  refreshing = true;
  try {
    do {
      pending = false;
      try {
        await load();
        state.error = undefined;
        state.loaded = true;
      } catch (err) {
        state.error = (err as Error).message;
      }
      render();
    } while (pending);
  } finally {
    refreshing = false;
  }
}

let timer: ReturnType<typeof setTimeout> | undefined;
function refreshSoon(ms = 150): void {
  if (timer) return;
  timer = setTimeout(() => {
    timer = undefined;
    void refresh();
  }, ms);
}

// ---------------------------------------------------------------------------
// Status of an app, as Marathon's UI words it.

function statusOf(app: App): { label: string; tone: string; detail?: string } {
  const q = state.queue.find((e) => e.app?.id === app.id);
  const running = app.tasksRunning ?? 0;
  if (app.deployments?.length) return { label: 'Deploying', tone: 'info' };
  if (q && !q.delay.overdue && q.delay.timeLeftSeconds > 0) return { label: 'Delayed', tone: 'warn', detail: `next launch in ${q.delay.timeLeftSeconds}s` };
  if (q && q.count > 0) return { label: 'Waiting', tone: 'warn', detail: 'waiting for offers' };
  if (app.instances === 0 && running === 0) return { label: 'Suspended', tone: '' };
  if (running < app.instances) return { label: 'Waiting', tone: 'warn' };
  if ((app.tasksUnhealthy ?? 0) > 0) return { label: 'Unhealthy', tone: 'bad' };
  return { label: 'Running', tone: 'ok' };
}

const badge = (label: string, tone: string) => html`<span class="badge ${tone}">${label}</span>`;

function taskStateBadge(s: string): Html {
  const tone = s === 'TASK_RUNNING' ? 'ok' : /STAGING|STARTING/.test(s) ? 'info' : /KILLING|UNREACHABLE|UNKNOWN/.test(s) ? 'warn' : /FAILED|ERROR|LOST|KILLED|DROPPED|GONE/.test(s) ? 'bad' : '';
  return badge(s, tone);
}

function what(app: App): string {
  const image = app.container?.docker?.image;
  const cmd = app.cmd ?? (app.args?.length ? app.args.join(' ') : '');
  if (image && cmd) return `${image} · ${cmd}`;
  return image ?? cmd;
}

function health(app: App): Html {
  if (!app.healthChecks?.length) return html`<span class="muted" title="no health checks">–</span>`;
  const unhealthy = app.tasksUnhealthy ?? 0;
  return html`${app.tasksHealthy ?? 0}${unhealthy ? html` <span class="badge bad">${unhealthy} unhealthy</span>` : ''}`;
}

// ---------------------------------------------------------------------------
// Views.

function appsView(): Html {
  const rows = state.apps.map((app) => {
    const s = statusOf(app);
    return html`<tr data-app="${app.id}">
      <td><a class="app-id" href="${appHref(app.id)}">${app.id}</a><span class="sub"><code>${what(app)}</code></span></td>
      <td>${badge(s.label, s.tone)}</td>
      <td class="num">${app.tasksRunning ?? 0} / ${app.instances}</td>
      <td class="num">${app.tasksStaged ?? 0}</td>
      <td class="num">${health(app)}</td>
      <td class="num">${trim(app.cpus)}</td>
      <td class="num">${megabytes(app.mem)}</td>
      <td>${when(app.versionInfo?.lastConfigChangeAt ?? app.version)}</td>
    </tr>`;
  });
  return html`
    <div class="toolbar"><h1>Applications</h1><span class="spacer"></span><button class="primary" data-action="create">Create application</button></div>
    <section class="panel">
      <h2>Applications <span class="count">${state.apps.length}</span></h2>
      ${state.apps.length
        ? html`<div class="scroll"><table aria-label="Applications">
            <thead><tr><th>ID</th><th>Status</th><th class="num">Running / instances</th><th class="num">Staged</th><th class="num">Healthy</th><th class="num">CPUs</th><th class="num">Memory</th><th>Changed</th></tr></thead>
            <tbody>${rows}</tbody></table></div>`
        : html`<div class="empty">No applications yet. <a href="#" data-action="create">Create one</a>, or <code>POST /v2/apps</code>.</div>`}
    </section>`;
}

function queueNotice(app: App): Html {
  const q = state.queue.find((e) => e.app?.id === app.id);
  // A launch that takes a moment is normal; say why only when it lingers.
  if (!q || Date.now() - Date.parse(q.since) < 5000) return html``;
  const s = q.processedOffersSummary;
  const declined = (s?.rejectSummaryLastOffers ?? []).filter((r) => r.declined > 0).map((r) => `${r.reason} (${r.declined})`);
  return html`<div class="notice warn">Waiting to launch ${q.count} task${q.count === 1 ? '' : 's'} since ${when(q.since)}${
    s ? html`: ${s.processedOffersCount} offers processed, ${s.unusedOffersCount} unused${declined.length ? html`; last offers declined for ${declined.join(', ')}` : ''}` : ''
  }.</div>`;
}

function appView(route: Extract<Route, { view: 'app' }>): Html {
  const crumbs = html`<div class="crumbs"><a href="#/apps">Applications</a> / ${route.id.slice(1)}</div>`;
  if (state.appMissing) {
    return html`${crumbs}<div class="panel"><div class="empty">There is no application <code>${route.id}</code> (any more). <a href="#/apps">Back to the applications</a>.</div></div>`;
  }
  const app = state.app;
  if (!app) return html`${crumbs}<div class="empty">Loading…</div>`;
  const s = statusOf(app);
  const tasks = app.tasks ?? [];
  const tab = (id: string, label: Html | string) => html`<a href="${appHref(app.id, id)}" class="${route.tab === id ? 'active' : ''}">${label}</a>`;
  const failure = app.lastTaskFailure;
  let body: Html;
  if (route.tab === 'configuration') body = configView(app);
  else if (route.tab === 'versions') body = versionsView(app, route.version);
  else body = tasksView(app, tasks);
  return html`${crumbs}
    <div class="toolbar">
      <h1>${app.id} ${badge(s.label, s.tone)}</h1>
      <span class="spacer"></span>
      <div class="actions">
        <button data-action="scale">Scale</button>
        <button data-action="restart">Restart</button>
        <button class="danger" data-action="destroy">Destroy</button>
      </div>
    </div>
    <div class="status-line">
      <span><b>${app.tasksRunning ?? 0}</b> of <b>${app.instances}</b> running</span>
      <span><b>${app.tasksStaged ?? 0}</b> staged</span>
      ${app.healthChecks?.length
        ? html`<span><b>${app.tasksHealthy ?? 0}</b> healthy${(app.tasksUnhealthy ?? 0) ? html`, <b>${app.tasksUnhealthy}</b> unhealthy` : ''}</span>`
        : html`<span>no health checks</span>`}
      <span><b>${trim(app.cpus)}</b> CPUs · <b>${megabytes(app.mem)}</b> each</span>
      ${s.detail ? html`<span>${s.detail}</span>` : ''}
    </div>
    ${queueNotice(app)}
    ${failure ? html`<div class="notice bad">Last task failure ${when(failure.timestamp)}: <code>${failure.taskId}</code> ${failure.state} on ${failure.host}${failure.message ? html` — ${failure.message}` : ''}</div>` : ''}
    <section class="panel">
      <nav class="subtabs" aria-label="Application">${tab('tasks', html`Tasks <span class="muted">${tasks.length}</span>`)}${tab('configuration', 'Configuration')}${tab('versions', 'Versions')}</nav>
      ${body}
    </section>`;
}

function tasksView(app: App, tasks: Task[]): Html {
  if (!tasks.length) return html`<div class="empty">No tasks${app.instances === 0 ? ' (the app is scaled to 0)' : ''}.</div>`;
  const hasHealth = !!app.healthChecks?.length;
  const rows = [...tasks]
    .sort((a, b) => (a.stagedAt ?? '').localeCompare(b.stagedAt ?? ''))
    .map((t) => {
      const h = t.healthCheckResults ?? [];
      const healthCell = !hasHealth ? '' : html`<td>${h.length === 0 ? badge('unknown', '') : h.every((r) => r.alive) ? badge('healthy', 'ok') : badge('unhealthy', 'bad')}</td>`;
      return html`<tr data-task="${t.id}">
        <td><code>${t.id}</code></td>
        <td>${t.host}</td>
        <td class="mono">${t.ports.length ? t.ports.join(', ') : '–'}</td>
        <td>${taskStateBadge(t.state)}</td>
        ${healthCell}
        <td>${when(t.startedAt)}</td>
        <td>${when(t.stagedAt)}</td>
        <td>${when(t.version)}</td>
        <td class="num"><button class="small" data-action="kill-task" data-task="${t.id}" title="DELETE /v2/apps${app.id}/tasks/…">Kill</button></td>
      </tr>`;
    });
  return html`<div class="scroll"><table aria-label="Tasks">
    <thead><tr><th>Task ID</th><th>Host</th><th>Ports</th><th>State</th>${hasHealth ? html`<th>Health</th>` : ''}<th>Started</th><th>Staged</th><th>Version</th><th></th></tr></thead>
    <tbody>${rows}</tbody></table></div>`;
}

function configView(app: App): Html {
  const clean = { ...app } as Record<string, unknown>;
  for (const k of ['tasks', 'tasksStaged', 'tasksRunning', 'tasksHealthy', 'tasksUnhealthy', 'deployments', 'lastTaskFailure', 'taskStats', 'readinessCheckResults']) delete clean[k];
  const c = app.container;
  const mappings = (c?.portMappings ?? []).map((m) => `${m.containerPort ?? 0} → ${m.hostPort ?? 0}/${m.protocol ?? 'tcp'}`);
  const row = (k: string, v: Html | string | undefined | null) => html`<dt>${k}</dt><dd>${v === undefined || v === null || v === '' ? html`<span class="muted">–</span>` : v}</dd>`;
  const env = Object.entries(app.env ?? {});
  const labels = Object.entries(app.labels ?? {});
  return html`<dl class="kv">
      ${row('ID', html`<code>${app.id}</code>`)}
      ${row('Command', app.cmd ? html`<code>${app.cmd}</code>` : app.args?.length ? html`<code>${JSON.stringify(app.args)}</code> (args)` : undefined)}
      ${row('CPUs', trim(app.cpus))}
      ${row('Memory', megabytes(app.mem))}
      ${row('Disk', megabytes(app.disk))}
      ${row('Instances', String(app.instances))}
      ${row('Ports', app.portDefinitions?.length ? html`<code>${app.portDefinitions.map((p) => p.port).join(', ')}</code>${app.requirePorts ? ' (required exactly)' : ''}` : undefined)}
      ${row('Container', c ? html`${c.type}${c.docker?.image ? html` · image <code>${c.docker.image}</code>` : ''}` : undefined)}
      ${row('Networks', app.networks?.length ? app.networks.map((n) => n.mode).join(', ') : undefined)}
      ${row('Port mappings', mappings.length ? html`<code>${mappings.join(', ')}</code>` : undefined)}
      ${row('Environment', env.length ? html`<code>${env.map(([k, v]) => `${k}=${String(v)}`).join('  ')}</code>` : undefined)}
      ${row('Labels', labels.length ? html`<code>${labels.map(([k, v]) => `${k}=${v}`).join('  ')}</code>` : undefined)}
      ${row('Constraints', app.constraints?.length ? html`<code>${JSON.stringify(app.constraints)}</code>` : undefined)}
      ${row('Health checks', app.healthChecks?.length ? app.healthChecks.map((h) => `${h.protocol ?? ''} ${h.path ?? ''}`.trim()).join(', ') : undefined)}
      ${row('Version', html`<code>${app.version}</code> (${when(app.version)})`)}
    </dl>
    <div class="pad"><pre class="json" aria-label="Application JSON">${JSON.stringify(clean, null, 2)}</pre></div>`;
}

function versionsView(app: App, selected?: string): Html {
  const versions = state.versions;
  if (!versions) return html`<div class="empty">Loading…</div>`;
  const current = selected ?? versions[0];
  const rows = versions.map(
    (v, i) => html`<tr class="${v === current ? 'selected' : ''}">
      <td><a href="${appHref(app.id, 'versions')}&version=${encodeURIComponent(v)}"><code>${v}</code></a></td>
      <td>${when(v)}</td>
      <td>${i === 0 ? badge('current', 'ok') : ''}${v === app.versionInfo?.lastConfigChangeAt && i !== 0 ? badge('last config change', 'info') : ''}</td>
      <td class="num">${i === 0 ? '' : html`<button class="small" data-action="apply-version" data-version="${v}">Apply this version</button>`}</td>
    </tr>`,
  );
  const shown = state.versionJson && state.versionJson.version === current ? state.versionJson.app : undefined;
  return html`<div class="scroll"><table aria-label="Versions"><thead><tr><th>Version</th><th>When</th><th></th><th></th></tr></thead><tbody>${rows}</tbody></table></div>
    ${current ? html`<div class="pad"><h3 class="muted" style="margin:4px 0 8px;font-size:13px">Configuration of ${current}</h3><pre class="json">${shown ? JSON.stringify(shown, null, 2) : 'Loading…'}</pre></div>` : ''}`;
}

function deploymentsView(): Html {
  const rows = state.deployments.map(
    (d) => html`<tr>
      <td>${shortId(d.id)}</td>
      <td>${d.affectedApps.map((id, i) => html`${i ? ', ' : ''}<a href="${appHref(id)}">${id}</a>`)}${(d.affectedPods ?? []).map((id, i) => html`${i || d.affectedApps.length ? ', ' : ''}<a href="#/groups">${id}</a> (pod)`)}</td>
      <td>${d.currentActions.map((a) => `${a.action}${a.app ?? a.pod ? ` ${a.app ?? a.pod}` : ''}`).join(', ')}</td>
      <td class="num">${d.currentStep} / ${d.totalSteps}</td>
      <td>${when(d.version)}</td>
    </tr>`,
  );
  return html`<div class="toolbar"><h1>Deployments</h1></div>
    <section class="panel"><h2>Deployments in progress <span class="count">${state.deployments.length}</span></h2>
    ${state.deployments.length
      ? html`<div class="scroll"><table aria-label="Deployments"><thead><tr><th>ID</th><th>Applications and pods</th><th>Current actions</th><th class="num">Step</th><th>Started</th></tr></thead><tbody>${rows}</tbody></table></div>`
      : html`<div class="empty">No deployments in progress.</div>`}
    </section>`;
}

function render(): void {
  const r = state.route;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav.tabs a')) {
    a.classList.toggle('active', a.dataset.nav === (r.view === 'deployments' || r.view === 'groups' ? r.view : 'apps'));
  }
  setHtml($('#deploy-count'), html`${state.deployments.length ? `(${state.deployments.length})` : ''}`);
  const notices: Html[] = [];
  if (state.error) notices.push(html`<div class="notice bad" role="alert">Cannot read Marathon's API: ${state.error}</div>`);
  if (state.flash) notices.push(html`<div class="notice info">${state.flash}</div>`);
  setHtml($('#notice'), html`${notices}`);
  if (!state.loaded) return;
  const view = r.view === 'app' ? appView(r) : r.view === 'deployments' ? deploymentsView() : r.view === 'groups' ? groupsPodsView(state.groupsPods, (id) => appHref(id)) : appsView();
  setHtml($('#view'), view);
  document.title = r.view === 'app' ? `${r.id} · Marathon` : r.view === 'deployments' ? 'Deployments · Marathon' : r.view === 'groups' ? 'Groups & pods · Marathon' : 'Marathon';
}

function renderInfo(): void {
  const i = state.info;
  if (!i) return;
  const flavour = /emulator/.test(i.buildref ?? '') ? ' (emulated)' : '';
  setHtml(
    $('#info'),
    html`<span>Marathon <b>${i.version}</b>${flavour}</span>${i.leader ? html` · <span>leader <b>${i.leader}</b></span>` : ''}${
      i.frameworkId ? html` · <span title="${i.frameworkId}">framework <b>${i.frameworkId.length > 14 ? `…${i.frameworkId.slice(-9)}` : i.frameworkId}</b></span>` : ''
    }`,
  );
}

async function loadInfo(): Promise<void> {
  try {
    state.info = await get<Info>('/v2/info');
    renderInfo();
  } catch {
    /* the header just stays empty */
  }
}

// ---------------------------------------------------------------------------
// Live updates from /v2/events.

const EVENT_TYPES = [
  'api_post_event', 'app_terminated_event', 'deployment_info', 'deployment_success', 'deployment_failed', 'deployment_step_success',
  'deployment_step_failure', 'group_change_success', 'group_change_failed', 'status_update_event', 'instance_changed_event',
  'health_status_changed_event', 'instance_health_changed_event', 'failed_health_check_event', 'unhealthy_instance_kill_event',
  'unhealthy_task_kill_event', 'add_health_check_event', 'remove_health_check_event', 'scheduler_registered_event',
  'scheduler_reregistered_event', 'scheduler_disconnected_event', 'framework_message_event', 'pod_created_event',
  'pod_updated_event', 'pod_deleted_event',
];

let live = false;
let lastEvent: { type: string; at: number } | undefined;

function showLive(): void {
  const el = $('#live');
  el.className = `pill ${live ? 'on' : 'off'}`;
  el.textContent = live ? 'Live' : 'Reconnecting…';
  el.title = live
    ? `Receiving /v2/events${lastEvent ? `; last: ${lastEvent.type} ${ago(lastEvent.at)}` : ''}`
    : 'The /v2/events stream is down; the browser reconnects by itself';
}

function connectEvents(): void {
  const es = new EventSource('/v2/events');
  es.onopen = () => {
    live = true;
    showLive();
    // Whatever happened while disconnected: read it all again.
    refreshSoon(0);
    void loadInfo();
  };
  es.onerror = () => {
    live = false;
    showLive();
  };
  const onEvent = (e: MessageEvent) => {
    lastEvent = { type: e.type, at: Date.now() };
    showLive();
    if (e.type.startsWith('scheduler_')) void loadInfo();
    refreshSoon();
  };
  for (const t of EVENT_TYPES) es.addEventListener(t, onEvent as EventListener);
}

// ---------------------------------------------------------------------------
// Dialogs and actions.

function openDialog(id: string): HTMLDialogElement {
  const d = $<HTMLDialogElement>(id);
  for (const err of d.querySelectorAll<HTMLElement>('[role=alert]')) err.hidden = true;
  d.showModal();
  return d;
}

function showError(el: HTMLElement, err: unknown): void {
  const e = err as ApiError;
  el.innerHTML = html`${e.message}${e.details?.length ? html`<ul>${e.details.map((d) => html`<li>${d}</li>`)}</ul>` : ''}`.text;
  el.hidden = false;
}

/** Marathon's 409 for an app locked by a running deployment (retry with ?force=true). */
const locked = (err: unknown) => err instanceof ApiError && err.status === 409 && /force=true/.test(err.message);

/** A deployment-making call, forced (cancelling the running deployment) when asked. */
async function deploy(method: string, url: string, body: unknown, force: boolean): Promise<void> {
  await request(method, force ? `${url}${url.includes('?') ? '&' : '?'}force=true` : url, body);
}

let confirmAction: ((force: boolean) => Promise<void>) | undefined;
let confirmForce = false;

/** Asks in the confirm dialog, and runs `action` from there (its errors show in the dialog). */
function confirmDialog(title: string, text: string, ok: string, action: (force: boolean) => Promise<void>): void {
  $('#confirm-title').textContent = title;
  $('#confirm-text').textContent = text;
  $('#confirm-ok').textContent = ok;
  confirmAction = action;
  confirmForce = false;
  openDialog('#confirm-dialog');
}

function currentApp(): App | undefined {
  return state.route.view === 'app' ? state.app : undefined;
}

function flash(text: string): void {
  state.flash = text;
  render();
  setTimeout(() => {
    if (state.flash === text) {
      state.flash = undefined;
      render();
    }
  }, 6000);
}

async function onAction(action: string, el: HTMLElement): Promise<void> {
  const app = currentApp();
  switch (action) {
    case 'create':
      openCreate();
      return;
    case 'close-dialog':
      el.closest('dialog')?.close();
      return;
    case 'add-mapping':
      addMapping();
      syncCreate();
      return;
    case 'remove-mapping':
      el.closest('tr')?.remove();
      syncCreate();
      return;
    case 'scale': {
      if (!app) return;
      $<HTMLInputElement>('#scale-instances').value = String(app.instances);
      $('#scale-title').textContent = `Scale ${app.id}`;
      $('#scale-submit').textContent = 'Scale';
      scaleForce = false;
      openDialog('#scale-dialog');
      $<HTMLInputElement>('#scale-instances').select();
      return;
    }
    case 'restart':
      if (!app) return;
      confirmDialog(`Restart ${app.id}?`, `Marathon replaces all ${app.instances} instance${app.instances === 1 ? '' : 's'} of ${app.id} with new ones (a rolling restart).`, 'Restart', async (force) => {
        await deploy('POST', `${appPath(app.id)}/restart`, undefined, force);
        flash(`Restarting ${app.id}.`);
      });
      return;
    case 'destroy':
      if (!app) return;
      confirmDialog(`Destroy ${app.id}?`, `This kills all tasks of ${app.id} and deletes the application with all its versions. It cannot be undone.`, 'Destroy', async () => {
        await request('DELETE', appPath(app.id));
        flash(`Destroyed ${app.id}.`);
        location.hash = '#/apps';
      });
      return;
    case 'kill-task': {
      if (!app || !el.dataset.task) return;
      const task = el.dataset.task;
      confirmDialog('Kill this task?', `Marathon kills ${task} and starts a replacement to keep ${app.instances} instance${app.instances === 1 ? '' : 's'}.`, 'Kill task', async () => {
        await request('DELETE', `${appPath(app.id)}/tasks/${encodeURIComponent(task)}`);
        flash(`Killing ${task}.`);
      });
      return;
    }
    case 'apply-version': {
      if (!app || !el.dataset.version) return;
      const v = el.dataset.version;
      confirmDialog(`Apply version ${v}?`, `${app.id} is deployed again with the configuration of ${v}.`, 'Apply', async (force) => {
        await deploy('PUT', appPath(app.id), { version: v }, force);
        flash(`Deploying ${app.id} at version ${v}.`);
      });
      return;
    }
  }
}

// The create form.

function addMapping(containerPort = '', hostPort = '0', protocol = 'tcp'): void {
  const row = document.createElement('tr');
  row.innerHTML = html`<td><input type="number" min="0" step="1" name="containerPort" value="${containerPort}" aria-label="Container port"></td>
    <td><input type="number" min="0" step="1" name="hostPort" value="${hostPort}" aria-label="Host port"></td>
    <td><select name="protocol" aria-label="Protocol"><option${protocol === 'tcp' ? ' selected' : ''}>tcp</option><option${protocol === 'udp' ? ' selected' : ''}>udp</option></select></td>
    <td><button type="button" class="small" data-action="remove-mapping" aria-label="Remove mapping">Remove</button></td>`.text;
  $('#mappings').append(row);
}

class FormError extends Error {}

const num = (v: string, what: string, opts: { int?: boolean; min?: number } = {}): number => {
  const n = Number(v.trim());
  if (v.trim() === '' || !Number.isFinite(n) || (opts.int && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min)) {
    throw new FormError(`${what} must be ${opts.int ? 'a whole number' : 'a number'}${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}, not "${v}"`);
  }
  return n;
};

/** The app definition the form describes (what `POST /v2/apps` gets). */
function formApp(): Record<string, unknown> {
  const f = $<HTMLFormElement>('#create-form');
  const val = (name: string) => (f.elements.namedItem(name) as HTMLInputElement).value;
  const id = val('id').trim();
  const cmd = val('cmd').trim();
  const image = val('image').trim();
  const bridge = !!image && val('network') === 'bridge';
  const app: Record<string, unknown> = { id: id.startsWith('/') || !id ? id : `/${id}` };
  if (cmd) app.cmd = cmd;
  app.cpus = num(val('cpus'), 'CPUs', { min: 0.001 });
  app.mem = num(val('mem'), 'Memory', { min: 0 });
  app.instances = num(val('instances'), 'Instances', { int: true, min: 0 });
  if (image) {
    const container: Record<string, unknown> = { type: 'DOCKER', docker: { image } };
    if (bridge) {
      container.portMappings = [...document.querySelectorAll<HTMLTableRowElement>('#mappings tr')].map((row) => {
        const input = (n: string) => (row.querySelector(`[name=${n}]`) as HTMLInputElement).value;
        return { containerPort: num(input('containerPort'), 'Container port', { int: true, min: 0 }), hostPort: num(input('hostPort') || '0', 'Host port', { int: true, min: 0 }), protocol: input('protocol') };
      });
      app.networks = [{ mode: 'container/bridge' }];
    }
    app.container = container;
  }
  if (!bridge) {
    const ports = val('ports').split(/[\s,]+/).filter(Boolean).map((p) => num(p, 'Each port', { int: true, min: 0 }));
    if (ports.length) {
      app.portDefinitions = ports.map((port) => ({ port }));
      app.requirePorts = ports.every((p) => p !== 0);
    }
  }
  return app;
}

function syncCreate(): void {
  const image = $<HTMLInputElement>('#app-image').value.trim();
  const network = $<HTMLSelectElement>('#app-network');
  network.disabled = !image;
  const bridge = !!image && network.value === 'bridge';
  $('#mappings-field').hidden = !bridge;
  $('#ports-field').hidden = bridge;
  if (bridge && !document.querySelector('#mappings tr')) addMapping();
  let preview: string;
  try {
    preview = JSON.stringify(formApp(), null, 2);
  } catch (err) {
    preview = (err as Error).message;
  }
  $('#create-preview').textContent = preview;
}

function openCreate(): void {
  const f = $<HTMLFormElement>('#create-form');
  f.reset();
  $('#mappings').innerHTML = '';
  syncCreate();
  openDialog('#create-dialog');
  $<HTMLInputElement>('#app-id').focus();
}

async function submitCreate(): Promise<void> {
  const error = $('#create-error');
  error.hidden = true;
  let app: Record<string, unknown>;
  try {
    app = formApp();
    if (!app.id) throw new FormError('The ID is required.');
    const segment = /^(\.|\.\.|(([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9]))$/;
    if (!String(app.id).slice(1).split('/').every((s) => segment.test(s))) {
      throw new FormError(`The ID "${String(app.id)}" may only use lowercase letters, digits, "-" and "." (not at either end of a name), with "/" between groups.`);
    }
    if (!app.cmd && !app.container) throw new FormError('Give a command, a Docker image, or both.');
  } catch (err) {
    if (!(err instanceof FormError)) throw err;
    showError(error, err);
    return;
  }
  const submit = $<HTMLButtonElement>('#create-submit');
  submit.disabled = true;
  try {
    await request('POST', '/v2/apps', app);
    $<HTMLDialogElement>('#create-dialog').close();
    flash(`Created ${String(app.id)}; Marathon is deploying it.`);
    location.hash = appHref(String(app.id));
  } catch (err) {
    showError(error, err);
  } finally {
    submit.disabled = false;
  }
}

let scaleForce = false;

async function submitScale(): Promise<void> {
  const app = currentApp();
  const error = $('#scale-error');
  if (!app) return;
  try {
    const instances = num($<HTMLInputElement>('#scale-instances').value, 'Instances', { int: true, min: 0 });
    await deploy('PUT', appPath(app.id), { instances }, scaleForce);
    $<HTMLDialogElement>('#scale-dialog').close();
    flash(`Scaling ${app.id} to ${instances} instance${instances === 1 ? '' : 's'}.`);
    refreshSoon(0);
  } catch (err) {
    showError(error, err);
    if (locked(err)) {
      scaleForce = true;
      $('#scale-submit').textContent = 'Force scale';
    }
  }
}

async function submitConfirm(): Promise<void> {
  const action = confirmAction;
  if (!action) return;
  const ok = $<HTMLButtonElement>('#confirm-ok');
  ok.disabled = true;
  try {
    await action(confirmForce);
    $<HTMLDialogElement>('#confirm-dialog').close();
    refreshSoon(0);
  } catch (err) {
    showError($('#confirm-error'), err);
    if (locked(err)) {
      confirmForce = true;
      ok.textContent = 'Force';
    }
  } finally {
    ok.disabled = false;
  }
}

// ---------------------------------------------------------------------------
// Wiring.

function start(): void {
  document.addEventListener('click', (e) => {
    const el = (e.target as Element).closest<HTMLElement>('[data-action]');
    if (!el) return;
    e.preventDefault();
    onAction(el.dataset.action!, el).catch((err) => flash(`Failed: ${(err as Error).message}`));
  });
  const onSubmit = (id: string, fn: () => Promise<void>) =>
    $(id).addEventListener('submit', (e) => {
      e.preventDefault();
      fn().catch((err) => flash(`Failed: ${(err as Error).message}`));
    });
  onSubmit('#create-form', submitCreate);
  onSubmit('#scale-form', submitScale);
  onSubmit('#confirm-form', submitConfirm);
  $('#create-form').addEventListener('input', syncCreate);
  $('#create-form').addEventListener('change', syncCreate);
  window.addEventListener('hashchange', () => {
    const prev = state.route;
    state.route = parseRoute();
    if (prev.view !== 'app' || state.route.view !== 'app' || prev.id !== state.route.id) {
      state.app = undefined;
      state.appMissing = false;
      state.versions = undefined;
      state.versionJson = undefined;
      window.scrollTo(0, 0);
    }
    render();
    void refresh();
  });
  // Relative times age in place; nothing else needs a timer while events flow.
  setInterval(() => {
    ageTimes();
    if (!live) void refresh(); // no event stream: poll instead, slowly
  }, 5000);
  state.route = parseRoute();
  void loadInfo();
  void refresh();
  connectEvents();
}

start();
