/// <reference lib="dom" />
// The "Groups & pods" page of Marathon's web UI: the group tree with its apps,
// pods and dependencies, and every pod with its instances, containers and
// endpoints (from /v2/groups and /v2/pods/::status).
import { get } from '../common/api.js';
import { html, trim, when, type Html } from '../common/html.js';

interface GroupApp {
  id: string;
  instances: number;
  dependencies?: string[];
}

/** /v2/groups embeds each pod's status, its definition under `spec`. */
interface GroupPod {
  id: string;
  spec: { scaling: { instances: number } };
}

export interface Group {
  id: string;
  dependencies: string[];
  version: string;
  apps?: GroupApp[];
  pods?: GroupPod[];
  groups?: Group[];
}

export interface PodStatus {
  id: string;
  status: string;
  statusSince: string;
  spec: { containers: Array<{ name: string; resources: { cpus: number; mem: number } }>; scaling: { instances: number } };
  instances: Array<{
    id: string;
    status: string;
    agentHostname: string;
    containers: Array<{ name: string; status: string; endpoints: Array<{ name: string; allocatedHostPort?: number; healthy?: boolean }> }>;
  }>;
}

export interface GroupsPods {
  root: Group;
  pods: PodStatus[];
}

export async function loadGroupsPods(): Promise<GroupsPods> {
  const [root, pods] = await Promise.all([
    get<Group>('/v2/groups?embed=group.groups&embed=group.apps&embed=group.pods'),
    get<PodStatus[]>('/v2/pods/::status'),
  ]);
  return { root, pods };
}

const tone = (status: string) => (status === 'STABLE' ? 'ok' : status === 'TERMINAL' ? 'bad' : 'warn');

function groupItem(g: Group, appHref: (id: string) => string): Html {
  const deps = g.dependencies.length ? html` <span class="muted">depends on ${g.dependencies.join(', ')}</span>` : html``;
  const apps = (g.apps ?? []).map(
    (a) => html`<li data-app="${a.id}">app <a href="${appHref(a.id)}">${a.id}</a> <span class="muted">× ${a.instances}${a.dependencies?.length ? `, depends on ${a.dependencies.join(', ')}` : ''}</span></li>`,
  );
  const pods = (g.pods ?? []).map((p) => html`<li data-pod="${p.id}">pod <a href="#pod-${p.id}">${p.id}</a> <span class="muted">× ${p.spec.scaling.instances}</span></li>`);
  const groups = (g.groups ?? []).map((s) => groupItem(s, appHref));
  return html`<li data-group="${g.id}"><strong>${g.id}</strong>${deps}${apps.length || pods.length || groups.length ? html`<ul>${apps}${pods}${groups}</ul>` : html``}</li>`;
}

function podRows(p: PodStatus): Html[] {
  if (!p.instances.length) return [html`<tr data-pod="${p.id}"><td id="pod-${p.id}">${p.id}</td><td><span class="badge ${tone(p.status)}">${p.status}</span></td><td colspan="4" class="muted">no instances</td></tr>`];
  return p.instances.flatMap((i, n) =>
    i.containers.map(
      (c, k) => html`<tr data-pod="${p.id}">
        <td ${n === 0 && k === 0 ? html`id="pod-${p.id}"` : html``}>${n === 0 && k === 0 ? p.id : ''}</td>
        <td>${n === 0 && k === 0 ? html`<span class="badge ${tone(p.status)}">${p.status}</span>` : ''}</td>
        <td>${k === 0 ? html`<code>${i.id.split('.instance-')[1]?.slice(0, 8) ?? i.id}</code> <span class="badge ${tone(i.status)}">${i.status}</span> <span class="muted">on ${i.agentHostname}</span>` : ''}</td>
        <td>${c.name}</td>
        <td>${c.status.replace(/^TASK_/, '').toLowerCase()}</td>
        <td>${c.endpoints.map((e) => `${e.name}:${e.allocatedHostPort ?? '-'}${e.healthy === undefined ? '' : e.healthy ? ' ✓' : ' ✗'}`).join(' ') || '-'}</td>
      </tr>`,
    ),
  );
}

export function groupsPodsView(data: GroupsPods | undefined, appHref: (id: string) => string): Html {
  if (!data) return html`<div class="empty">Loading…</div>`;
  const { root, pods } = data;
  const empty = !(root.apps?.length || root.groups?.length || root.pods?.length);
  return html`
    <div class="toolbar"><h1>Groups &amp; pods</h1><span class="spacer"></span><span class="muted">root version ${when(root.version)}</span></div>
    <section class="panel">
      <h2>Groups</h2>
      ${empty ? html`<div class="empty">Nothing deployed. <code>POST /v2/groups</code> or <code>mesos-up app group deploy</code>.</div>` : html`<ul class="tree" aria-label="Group tree">${groupItem(root, appHref)}</ul>`}
    </section>
    <section class="panel">
      <h2>Pods <span class="count">${pods.length}</span></h2>
      ${pods.length
        ? html`<div class="scroll"><table aria-label="Pods"><thead><tr><th>ID</th><th>Status</th><th>Instance</th><th>Container</th><th>State</th><th>Endpoints (host port)</th></tr></thead>
            <tbody>${pods.flatMap(podRows)}</tbody></table></div>
            <p class="muted">${pods.map((p) => `${p.id}: ${p.instances.filter((i) => i.status === 'STABLE').length}/${p.spec.scaling.instances} stable, ${p.spec.containers.map((c) => `${c.name} ${trim(c.resources.cpus)} CPU`).join(', ')}`).join(' · ')}</p>`
        : html`<div class="empty">No pods. <code>POST /v2/pods</code> or <code>mesos-up app pod deploy</code>.</div>`}
    </section>`;
}
