/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The Mesos master's page: leader, agents (resources used and free),
// frameworks, outstanding offers and tasks. It polls the master's public
// endpoints /master/state and /metrics/snapshot, nothing else.
import { $, ageTimes, ago, bar, html, megabytes, setHtml, shortId, trim, when, type Html } from '../common/html.js';

// ---------------------------------------------------------------------------
// The /master/state shapes this page reads (only the fields it uses).

interface Resources {
  cpus?: number;
  mem?: number;
  disk?: number;
  gpus?: number;
  ports?: string;
}

interface Task {
  id: string;
  name: string;
  framework_id: string;
  slave_id: string;
  state: string;
  resources: Resources;
  statuses: Array<{ state: string; timestamp: number }>;
  container?: { type?: string; docker?: { image?: string } };
}

interface Offer {
  id: { value: string } | string;
  framework_id: string;
  slave_id: string;
  resources: Resources;
}

interface Framework {
  id: string;
  name: string;
  hostname: string;
  user?: string;
  webui_url?: string;
  active: boolean;
  connected: boolean;
  role?: string;
  roles?: string[];
  registered_time?: number;
  used_resources: Resources;
  offered_resources: Resources;
  tasks: Task[];
  completed_tasks: Task[];
  offers: Offer[];
}

interface Agent {
  id: string;
  hostname: string;
  port: number;
  pid: string;
  registered_time: number;
  resources: Resources;
  used_resources: Resources;
  offered_resources: Resources;
  active: boolean;
  version?: string;
}

interface MasterState {
  version: string;
  start_time: number;
  elected_time?: number;
  id: string;
  pid: string;
  hostname: string;
  cluster?: string;
  leader?: string;
  leader_info?: { id: string; pid: string; hostname: string; port: number };
  activated_slaves: number;
  deactivated_slaves: number;
  slaves: Agent[];
  frameworks: Framework[];
  completed_frameworks: Framework[];
}

type Metrics = Record<string, number>;

// ---------------------------------------------------------------------------
// Polling.

const POLL_MS = 2000;
const state = {
  master: undefined as MasterState | undefined,
  metrics: undefined as Metrics | undefined,
  /** this master is not the leader: /master/state redirects */
  standby: false,
  error: undefined as string | undefined,
  updatedAt: 0,
};

async function load(): Promise<void> {
  const [stateRes, metricsRes] = await Promise.all([
    // A standby master answers 307 to the leader's address, which the browser may not reach: say so instead.
    fetch('/master/state', { redirect: 'manual', cache: 'no-store', headers: { Accept: 'application/json' } }),
    fetch('/metrics/snapshot', { cache: 'no-store', headers: { Accept: 'application/json' } }),
  ]);
  if (!metricsRes.ok) throw new Error(`/metrics/snapshot answered ${metricsRes.status}`);
  state.metrics = (await metricsRes.json()) as Metrics;
  if (stateRes.type === 'opaqueredirect' || stateRes.status === 307 || stateRes.status === 503) {
    state.standby = true;
    state.master = undefined;
  } else {
    if (!stateRes.ok) throw new Error(`/master/state answered ${stateRes.status}`);
    state.master = (await stateRes.json()) as MasterState;
    state.standby = false;
  }
}

async function poll(): Promise<void> {
  try {
    await load();
    state.error = undefined;
    state.updatedAt = Date.now();
  } catch (err) {
    state.error = (err as Error).message;
  }
  render();
  setTimeout(() => void poll(), POLL_MS);
}

// ---------------------------------------------------------------------------
// Formatting.

const secs = (t: number | undefined) => (t === undefined ? undefined : t * 1000);
const badge = (label: string, tone: string) => html`<span class="badge ${tone}">${label}</span>`;

function taskBadge(s: string): Html {
  const tone = s === 'TASK_RUNNING' ? 'ok' : /STAGING|STARTING/.test(s) ? 'info' : /KILLING|UNREACHABLE|UNKNOWN/.test(s) ? 'warn' : /FAILED|ERROR|LOST|DROPPED|GONE/.test(s) ? 'bad' : '';
  return badge(s, tone);
}

/** "[8000-8000, 31000-32000]" → "8000, 31000-32000" */
function ports(p: string | undefined): string {
  if (!p) return '';
  return p
    .replace(/^\[|\]$/g, '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean)
    .map((r) => {
      const [a, b] = r.split('-');
      return a === b ? a! : r;
    })
    .join(', ');
}

/** A resource cell: used of total with a bar (offered in light blue), and what is free. */
function resource(kind: 'cpus' | 'mem' | 'disk', total: Resources, used: Resources, offered: Resources): Html {
  const t = total[kind] ?? 0;
  const u = used[kind] ?? 0;
  const o = offered[kind] ?? 0;
  const fmt = kind === 'cpus' ? trim : megabytes;
  return html`<span class="res">${bar(u, t, o)}${fmt(u)} / ${fmt(t)}<span class="free">${fmt(Math.max(0, t - u))} free${o ? `, ${fmt(o)} offered` : ''}</span></span>`;
}

function started(t: Task): number | undefined {
  const s = t.statuses.find((x) => x.state === 'TASK_RUNNING') ?? t.statuses[0];
  return secs(s?.timestamp);
}

const offerId = (o: Offer) => (typeof o.id === 'string' ? o.id : o.id.value);

// ---------------------------------------------------------------------------
// Views.

function card(label: string, value: Html | string, sub?: Html | string, meter?: Html): Html {
  return html`<div class="card"><div class="label">${label}</div><div class="value">${value}</div>${meter ?? ''}${sub ? html`<div class="sub">${sub}</div>` : ''}</div>`;
}

function summary(m: Metrics): Html {
  const r = (k: string) => m[`master/${k}`] ?? 0;
  const resourceCard = (label: string, kind: string, fmt: (n: number) => string) => {
    const total = r(`${kind}_total`);
    const used = r(`${kind}_used`);
    const offered = Math.max(0, (m[`allocator/mesos/resources/${kind}/offered_or_allocated`] ?? used) - used);
    return card(label, `${fmt(used)} / ${fmt(total)}`, `${fmt(Math.max(0, total - used))} free${offered ? `, ${fmt(offered)} offered` : ''}`, bar(used, total, offered));
  };
  return html`<div class="cards four">
    ${card('Agents', String(r('slaves_active')), `active · ${r('slaves_inactive')} inactive · ${r('slaves_unreachable')} unreachable`)}
    ${card('Frameworks', String(r('frameworks_active')), `active · ${r('frameworks_inactive')} inactive · ${r('frameworks_disconnected')} disconnected`)}
    ${card('Tasks', String(r('tasks_running')), `running · ${r('tasks_staging') + r('tasks_starting')} starting · ${r('tasks_finished')} finished · ${r('tasks_failed')} failed · ${r('tasks_killed')} killed`)}
    ${card('Outstanding offers', String(r('outstanding_offers')), 'offers the frameworks hold')}
  </div>
  <div class="cards three">
    ${resourceCard('CPUs used', 'cpus', trim)}
    ${resourceCard('Memory used', 'mem', megabytes)}
    ${resourceCard('Disk used', 'disk', megabytes)}
  </div>`;
}

function leaderPanel(s: MasterState, m: Metrics): Html {
  const li = s.leader_info;
  const item = (label: string, value: Html | string) => html`<div><div class="label">${label}</div><div class="value">${value}</div></div>`;
  return html`<section class="panel" id="leader">
    <h2>Leader</h2>
    <div class="leader">
      ${item('Leading master', li ? html`<span title="${s.leader ?? ''}">${li.hostname}:${li.port}</span>` : html`<span class="muted">none elected</span>`)}
      ${item('Leader PID', html`<code>${s.leader ?? '–'}</code>`)}
      ${item('This master', html`<span title="${s.pid}">${m['master/elected'] ? badge('leading', 'ok') : badge('standby', '')}</span>`)}
      ${item('Version', s.version)}
      ${item('Cluster', s.cluster ?? html`<span class="muted">–</span>`)}
      ${item('Elected', when(secs(s.elected_time)))}
      ${item('Started', when(secs(s.start_time)))}
    </div>
  </section>`;
}

function agentsPanel(s: MasterState): Html {
  const rows = s.slaves.map(
    (a) => html`<tr>
      <td>${shortId(a.id)}</td>
      <td>${a.hostname}<span class="sub mono">${a.pid}</span></td>
      <td>${a.active ? badge('active', 'ok') : badge('inactive', 'warn')}</td>
      <td>${resource('cpus', a.resources, a.used_resources, a.offered_resources)}</td>
      <td>${resource('mem', a.resources, a.used_resources, a.offered_resources)}</td>
      <td>${resource('disk', a.resources, a.used_resources, a.offered_resources)}</td>
      <td class="wrap"><span class="mono">${ports(a.used_resources.ports) || html`<span class="muted">none used</span>`}</span><span class="sub">of ${ports(a.resources.ports)}</span></td>
      <td>${when(secs(a.registered_time))}</td>
    </tr>`,
  );
  return html`<section class="panel" id="agents">
    <h2>Agents <span class="count">${s.slaves.length}</span><span class="right legend"><span><i style="background:var(--accent)"></i>used</span><span><i style="background:#a8c5f4"></i>offered</span></span></h2>
    ${s.slaves.length
      ? html`<div class="scroll"><table aria-label="Agents"><thead><tr><th>ID</th><th>Host</th><th>State</th><th>CPUs</th><th>Memory</th><th>Disk</th><th>Ports used</th><th>Registered</th></tr></thead><tbody>${rows}</tbody></table></div>`
      : html`<div class="empty">No agents registered.</div>`}
  </section>`;
}

function frameworksPanel(s: MasterState): Html {
  const rows = s.frameworks.map(
    (f) => html`<tr>
      <td>${shortId(f.id)}</td>
      <td><b>${f.name}</b>${f.webui_url ? html`<span class="sub">${f.webui_url}</span>` : ''}</td>
      <td>${f.hostname}</td>
      <td>${f.user ?? ''}</td>
      <td>${f.roles?.join(', ') ?? f.role ?? ''}</td>
      <td>${f.active ? badge('active', 'ok') : badge('inactive', 'warn')} ${f.connected ? '' : badge('disconnected', 'bad')}</td>
      <td class="num">${f.tasks.length}</td>
      <td class="num">${trim(f.used_resources.cpus ?? 0)}</td>
      <td class="num">${megabytes(f.used_resources.mem ?? 0)}</td>
      <td class="num">${f.offers.length}</td>
      <td>${when(secs(f.registered_time))}</td>
    </tr>`,
  );
  return html`<section class="panel" id="frameworks">
    <h2>Frameworks <span class="count">${s.frameworks.length}</span>${s.completed_frameworks.length ? html`<span class="right">${s.completed_frameworks.length} completed</span>` : ''}</h2>
    ${s.frameworks.length
      ? html`<div class="scroll"><table aria-label="Frameworks"><thead><tr><th>ID</th><th>Name</th><th>Host</th><th>User</th><th>Role</th><th>State</th><th class="num">Tasks</th><th class="num">CPUs</th><th class="num">Memory</th><th class="num">Offers</th><th>Registered</th></tr></thead><tbody>${rows}</tbody></table></div>`
      : html`<div class="empty">No frameworks registered.</div>`}
  </section>`;
}

function offersPanel(s: MasterState, names: Map<string, string>, hosts: Map<string, string>): Html {
  const offers = s.frameworks.flatMap((f) => f.offers);
  const rows = offers.map(
    (o) => html`<tr>
      <td>${shortId(offerId(o))}</td>
      <td>${names.get(o.framework_id) ?? o.framework_id}</td>
      <td>${hosts.get(o.slave_id) ?? o.slave_id}</td>
      <td class="num">${trim(o.resources.cpus ?? 0)}</td>
      <td class="num">${megabytes(o.resources.mem ?? 0)}</td>
      <td class="num">${megabytes(o.resources.disk ?? 0)}</td>
      <td class="wrap mono">${ports(o.resources.ports)}</td>
    </tr>`,
  );
  return html`<section class="panel" id="offers">
    <h2>Outstanding offers <span class="count">${offers.length}</span></h2>
    ${offers.length
      ? html`<div class="scroll"><table aria-label="Offers"><thead><tr><th>ID</th><th>Framework</th><th>Agent</th><th class="num">CPUs</th><th class="num">Memory</th><th class="num">Disk</th><th>Ports</th></tr></thead><tbody>${rows}</tbody></table></div>`
      : html`<div class="empty">No outstanding offers: the frameworks hold none right now (Marathon declines or suppresses offers while it has nothing to launch).</div>`}
  </section>`;
}

function taskRows(tasks: Task[], names: Map<string, string>, hosts: Map<string, string>): Html[] {
  return tasks.map(
    (t) => html`<tr>
      <td><code>${t.id}</code>${t.container?.docker?.image ? html`<span class="sub">image ${t.container.docker.image}</span>` : ''}</td>
      <td>${names.get(t.framework_id) ?? t.framework_id}</td>
      <td>${hosts.get(t.slave_id) ?? t.slave_id}</td>
      <td>${taskBadge(t.state)}</td>
      <td class="num">${trim(t.resources.cpus ?? 0)}</td>
      <td class="num">${megabytes(t.resources.mem ?? 0)}</td>
      <td class="mono">${ports(t.resources.ports) || '–'}</td>
      <td>${when(started(t))}</td>
    </tr>`,
  );
}

function tasksPanel(s: MasterState, names: Map<string, string>, hosts: Map<string, string>): Html {
  const newest = (a: Task, b: Task) => (started(b) ?? 0) - (started(a) ?? 0);
  const active = s.frameworks.flatMap((f) => f.tasks).sort(newest);
  const completed = [...s.frameworks, ...s.completed_frameworks].flatMap((f) => f.completed_tasks).sort(newest).slice(0, 25);
  const head = html`<thead><tr><th>ID</th><th>Framework</th><th>Agent</th><th>State</th><th class="num">CPUs</th><th class="num">Memory</th><th>Ports</th><th>Started</th></tr></thead>`;
  return html`<section class="panel" id="tasks">
    <h2>Active tasks <span class="count">${active.length}</span></h2>
    ${active.length ? html`<div class="scroll"><table aria-label="Active tasks">${head}<tbody>${taskRows(active, names, hosts)}</tbody></table></div>` : html`<div class="empty">No active tasks.</div>`}
  </section>
  <section class="panel" id="completed-tasks">
    <h2>Completed tasks <span class="count">${completed.length}</span><span class="right">most recent first</span></h2>
    ${completed.length ? html`<div class="scroll"><table aria-label="Completed tasks">${head}<tbody>${taskRows(completed, names, hosts)}</tbody></table></div>` : html`<div class="empty">No completed tasks.</div>`}
  </section>`;
}

function render(): void {
  const s = state.master;
  const m = state.metrics;
  const notices: Html[] = [];
  if (state.error) notices.push(html`<div class="notice bad" role="alert">Cannot read the master: ${state.error}</div>`);
  if (state.standby) {
    notices.push(
      html`<div class="notice warn">This master is not the leader (<code>master/elected</code> is 0), so its <code>/master/state</code> redirects to the leading master. Open the leader's page instead: <code>mesos-up ui</code> prints its address.</div>`,
    );
  }
  setHtml($('#notice'), html`${notices}`);
  const poll = $('#poll');
  poll.className = `pill ${state.error ? 'off' : 'on'}`;
  poll.textContent = state.error ? 'Unreachable' : `Every ${POLL_MS / 1000} s`;
  poll.title = `Polls /master/state and /metrics/snapshot; last success ${state.updatedAt ? ago(state.updatedAt) : 'never'}`;
  if (s) {
    setHtml($('#cluster'), html`${s.cluster ? `· ${s.cluster}` : ''}`);
    setHtml($('#meta'), html`Mesos <b>${s.version}</b> · leader <b>${s.leader_info ? `${s.leader_info.hostname}:${s.leader_info.port}` : 'none'}</b>`);
    document.title = s.cluster ? `Mesos · ${s.cluster}` : 'Mesos';
  }
  if (!m || state.standby) {
    // A standby's metrics are all zeros: show nothing rather than a misleading empty cluster.
    setHtml($('#view'), html``);
    return;
  }
  const names = new Map((s?.frameworks ?? []).concat(s?.completed_frameworks ?? []).map((f) => [f.id, f.name]));
  const hosts = new Map((s?.slaves ?? []).map((a) => [a.id, a.hostname]));
  setHtml(
    $('#view'),
    html`${summary(m)}${s ? html`${leaderPanel(s, m)}${agentsPanel(s)}${frameworksPanel(s)}${offersPanel(s, names, hosts)}${tasksPanel(s, names, hosts)}` : ''}`,
  );
}

setInterval(() => ageTimes(), 5000);
void poll();
