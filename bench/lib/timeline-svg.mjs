// A hand-written SVG timeline: one row per container (and one for the CLI's
// stages), bars and ticks on one time axis. No dependencies.

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export const STYLE = {
  stage0: '#c6dbef', stage1: '#9ecae1', stage2: '#6baed6', stage3: '#4292c6', stage4: '#2171b5', stage5: '#08519c', stage6: '#08306b',
  create: '#fdae6b', start: '#e6550d', boot: '#e5f5e0', ready: '#31a354', seen: '#000000',
  probeFail: '#de2d26', probeOk: '#31a354', probeIter: '#fcbba1', probeIterOk: '#a1d99b',
  cli: '#bdbdbd', health: '#756bb1', event: '#636363', compose: '#bcbddc',
};

/**
 * spec: { title, subtitle, t0, t1, rows: [{ label, items: [...] }], vlines: [{ at, label, color }], legend: [{ color, label, shape }] }
 * items: { kind: 'bar', from, to, color, title, text } | { kind: 'tick', at, color, title, h } | { kind: 'diamond', at, color, title }
 * Times are wall-clock ms; the axis shows seconds from t0.
 */
export function timelineSvg(spec) {
  const W = 1100;
  const left = 210;
  const right = 30;
  const top = 76;
  const rowH = 26;
  const plotW = W - left - right;
  const span = Math.max(1, spec.t1 - spec.t0);
  const x = (t) => left + ((t - spec.t0) / span) * plotW;
  const rowsH = spec.rows.length * rowH;
  const legendH = 22 * Math.ceil(spec.legend.length / 4) + 10;
  const H = top + rowsH + 40 + legendH;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="10" y="20" font-size="15" font-weight="bold">${esc(spec.title)}</text>`);
  if (spec.subtitle) out.push(`<text x="10" y="38" fill="#555">${esc(spec.subtitle)}</text>`);

  // Axis: a gridline every 0.5 s (every 1 s past 10 s, 2 s past 20 s).
  const secs = span / 1000;
  const step = secs > 20 ? 2 : secs > 10 ? 1 : 0.5;
  for (let s = 0; s <= secs + 1e-9; s += step) {
    const gx = x(spec.t0 + s * 1000);
    out.push(`<line x1="${gx.toFixed(1)}" y1="${top - 6}" x2="${gx.toFixed(1)}" y2="${top + rowsH}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${gx.toFixed(1)}" y="${top + rowsH + 16}" text-anchor="middle" fill="#555">${s.toFixed(step < 1 ? 1 : 0)} s</text>`);
  }

  spec.rows.forEach((row, i) => {
    const y = top + i * rowH;
    if (i % 2 === 0) out.push(`<rect x="0" y="${y}" width="${W}" height="${rowH}" fill="#f7f7f7" fill-opacity="0.6"/>`);
    out.push(`<text x="${left - 8}" y="${y + rowH / 2 + 4}" text-anchor="end">${esc(row.label)}</text>`);
    for (const it of row.items) {
      if (it.kind === 'bar') {
        const x1 = x(it.from);
        const w = Math.max(1, x(it.to) - x1);
        const h = it.h ?? rowH - 8;
        const yy = y + (rowH - h) / 2;
        out.push(`<rect x="${x1.toFixed(1)}" y="${yy.toFixed(1)}" width="${w.toFixed(1)}" height="${h}" fill="${it.color}" stroke="${it.stroke ?? 'none'}" stroke-width="0.5"><title>${esc(it.title ?? '')}</title></rect>`);
        if (it.text && w > it.text.length * 6.2 + 4) {
          out.push(`<text x="${(x1 + w / 2).toFixed(1)}" y="${(y + rowH / 2 + 4).toFixed(1)}" text-anchor="middle" font-size="10.5" fill="${it.textColor ?? '#000'}">${esc(it.text)}</text>`);
        }
      } else if (it.kind === 'tick') {
        const tx = x(it.at);
        const h = it.h ?? 10;
        out.push(`<line x1="${tx.toFixed(1)}" y1="${y + rowH / 2 - h / 2}" x2="${tx.toFixed(1)}" y2="${y + rowH / 2 + h / 2}" stroke="${it.color}" stroke-width="1.5"><title>${esc(it.title ?? '')}</title></line>`);
      } else if (it.kind === 'diamond') {
        const dx = x(it.at);
        const cy = y + rowH / 2;
        out.push(`<path d="M${dx.toFixed(1)} ${cy - 7} L${(dx + 6).toFixed(1)} ${cy} L${dx.toFixed(1)} ${cy + 7} L${(dx - 6).toFixed(1)} ${cy} Z" fill="${it.color}" stroke="#fff" stroke-width="0.8"><title>${esc(it.title ?? '')}</title></path>`);
      }
    }
  });

  // Dashed vertical lines, their labels on two staggered levels above the rows.
  (spec.vlines ?? []).forEach((v, i) => {
    const vx = x(v.at);
    const ly = top - 8 - (i % 2) * 13;
    const anchor = vx > W - 160 ? 'end' : vx < left + 160 ? 'start' : v.anchor ?? 'start';
    out.push(`<line x1="${vx.toFixed(1)}" y1="${ly + 3}" x2="${vx.toFixed(1)}" y2="${top + rowsH}" stroke="${v.color}" stroke-dasharray="4 3" stroke-width="1.2"/>`);
    out.push(`<text x="${(vx + (anchor === 'end' ? -3 : 3)).toFixed(1)}" y="${ly}" font-size="10.5" text-anchor="${anchor}" fill="${v.color}">${esc(v.label)}</text>`);
  });

  const ly = top + rowsH + 34;
  spec.legend.forEach((l, i) => {
    const lx = 10 + (i % 4) * 270;
    const yy = ly + Math.floor(i / 4) * 22;
    if (l.shape === 'tick') out.push(`<line x1="${lx + 7}" y1="${yy}" x2="${lx + 7}" y2="${yy + 12}" stroke="${l.color}" stroke-width="2"/>`);
    else if (l.shape === 'diamond') out.push(`<path d="M${lx + 7} ${yy} L${lx + 13} ${yy + 6} L${lx + 7} ${yy + 12} L${lx + 1} ${yy + 6} Z" fill="${l.color}"/>`);
    else if (l.shape === 'dash') out.push(`<line x1="${lx}" y1="${yy + 6}" x2="${lx + 16}" y2="${yy + 6}" stroke="${l.color}" stroke-dasharray="4 3" stroke-width="1.5"/>`);
    else out.push(`<rect x="${lx}" y="${yy}" width="16" height="12" fill="${l.color}"/>`);
    out.push(`<text x="${lx + 22}" y="${yy + 10}">${esc(l.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

const ROLE_ORDER = { zookeeper: 0, master: 1, agent: 2, marathon: 3 };
export const byRole = (a, b) => (ROLE_ORDER[a.role] - ROLE_ORDER[b.role]) || a.name.localeCompare(b.name, 'en', { numeric: true });

/** The timeline of one traced `mesos-up up` run (see critical-path.mjs for `cp`). */
export function upTimeline(run, cp) {
  const { t0, t1, trace, members, ready, events } = run;
  const rows = [];
  const short = (title) =>
    title
      .replace('Checking the engine, the name and the ports', 'checks')
      .replace('Ensuring images', 'images')
      .replace('Creating the network', 'network')
      .replace('Starting ZooKeeper, Mesos masters, agents and Marathon', 'ZooKeeper; masters + agents; ruok, Marathon')
      .replace('Starting ZooKeeper', 'ZooKeeper')
      .replace('Starting Mesos masters, agents and Marathon', 'masters + agents; ruok, Marathon')
      .replace('Waiting until offers flow', 'wait: offers flow');
  rows.push({
    label: 'mesos-up up (stages)',
    items: [
      { kind: 'bar', from: t0, to: cp.stages[0]?.start ?? t1, color: STYLE.cli, title: `Node start, loading the CLI, connecting: ${Math.round((cp.stages[0]?.start ?? t1) - t0)} ms`, text: 'node + load' },
      ...cp.stages.map((s, i) => ({ kind: 'bar', from: s.start, to: s.end, color: STYLE[`stage${i % 7}`], textColor: i >= 4 ? '#fff' : '#000', title: `${s.title}: ${Math.round(s.end - s.start)} ms`, text: short(s.title) })),
      { kind: 'bar', from: cp.stages[cp.stages.length - 1]?.end ?? t0, to: t1, color: STYLE.cli, title: `describe, print, exit: ${Math.round(t1 - (cp.stages[cp.stages.length - 1]?.end ?? t0))} ms`, text: 'describe' },
    ],
  });
  const netCalls = cp.calls.filter((c) => c.kind.startsWith('network-') && c.kind !== 'network-list');
  rows.push({
    label: 'network',
    items: netCalls.map((c) => ({ kind: 'bar', from: c.start, to: c.end, color: c.kind === 'network-create' ? STYLE.create : STYLE.cli, stroke: '#555', title: `${c.kind}: ${Math.round(c.end - c.start)} ms`, text: c.kind.replace('network-', '') })),
  });
  const fetchPortRow = new Map();
  for (const m of [...members].sort(byRole)) {
    const items = [];
    for (const c of cp.calls.filter((c) => c.target === m.name)) {
      if (c.kind === 'container-create') items.push({ kind: 'bar', from: c.start, to: c.end, color: STYLE.create, title: `create: ${Math.round(c.end - c.start)} ms`, text: 'create' });
      if (c.kind === 'container-start') items.push({ kind: 'bar', from: c.start, to: c.end, color: STYLE.start, textColor: '#fff', title: `start: ${Math.round(c.end - c.start)} ms`, text: 'start' });
    }
    const started = cp.calls.find((c) => c.target === m.name && c.kind === 'container-start');
    const readyAt = ready.perContainer[m.name];
    if (started && readyAt) items.unshift({ kind: 'bar', from: started.end, to: readyAt, color: STYLE.boot, h: 10, title: `booting until ready: ${Math.round(readyAt - started.end)} ms` });
    for (const e of events.filter((e) => e.type === 'container' && e.name === m.name && (e.action === 'create' || e.action === 'start'))) {
      items.push({ kind: 'tick', at: e.t, color: STYLE.event, h: 18, title: `engine event ${e.action}` });
    }
    if (m.role === 'zookeeper') {
      for (const p of trace.tcp.filter((t) => String(t.port) === String(run.zkHostPort))) {
        items.push({ kind: 'tick', at: p.end || p.start, color: p.ok ? STYLE.probeOk : STYLE.probeFail, title: `ruok ${p.ok ? 'imok' : 'no answer'} (${Math.round((p.end || p.start) - p.start)} ms)` });
      }
    }
    for (const port of m.ports ?? []) fetchPortRow.set(String(port), items);
    if (readyAt) items.push({ kind: 'diamond', at: readyAt, color: STYLE.ready, title: `ready by its log: +${Math.round(readyAt - t0)} ms` });
    rows.push({ label: m.name, items });
  }
  // HTTP probes of the offers wait, as ticks on the container they asked.
  for (const f of trace.fetch) {
    const port = /:(\d+)\//.exec(f.url)?.[1];
    const items = fetchPortRow.get(port);
    if (items) items.push({ kind: 'tick', at: f.end || f.start, color: f.status === 200 ? STYLE.probeOk : STYLE.probeFail, h: 8, title: `${f.url.replace(/^http:\/\/127\.0\.0\.1:\d+/, '')} → ${f.status || f.error}` });
  }
  const vlines = [];
  if (ready.offersFlowing) vlines.push({ at: ready.offersFlowing, label: 'offers flow (master log)', color: STYLE.ready, anchor: 'end' });
  if (cp.offers.seen) vlines.push({ at: cp.offers.seen, label: 'up sees it', color: '#000' });
  return {
    t0,
    t1,
    rows,
    vlines,
    legend: [
      { color: STYLE.cli, label: 'CLI: Node start, load, describe, exit' },
      { color: STYLE.stage2, label: 'up stages (in order)' },
      { color: STYLE.create, label: 'engine call: create' },
      { color: STYLE.start, label: 'engine call: start' },
      { color: STYLE.boot, label: 'booting (start → ready)' },
      { color: STYLE.ready, label: 'ready (component log)', shape: 'diamond' },
      { color: STYLE.probeOk, label: 'probe answered (imok / 200)', shape: 'tick' },
      { color: STYLE.probeFail, label: 'probe not yet (refused / non-200)', shape: 'tick' },
      { color: STYLE.event, label: 'engine event (create, start)', shape: 'tick' },
      { color: STYLE.ready, label: 'offers flowing (leader log)', shape: 'dash' },
      { color: '#000', label: 'up noticed, moves on', shape: 'dash' },
    ],
  };
}

/** The timeline of one baseline (docker-compose) run, from engine events and logs. */
export function baselineTimeline(run) {
  const { t0, t1, members, ready, events, composeExit, polls } = run;
  const rows = [];
  rows.push({
    label: 'docker-compose up -d, poll',
    items: [
      { kind: 'bar', from: t0, to: composeExit, color: STYLE.compose, title: `docker-compose up -d: ${Math.round(composeExit - t0)} ms`, text: 'docker-compose up -d' },
      { kind: 'bar', from: composeExit, to: t1, color: STYLE.stage6, textColor: '#fff', title: `poll until offers flow: ${Math.round(t1 - composeExit)} ms`, text: 'poll: offers flow' },
    ],
  });
  const net = events.find((e) => e.type === 'network' && e.action === 'create');
  if (net) rows.push({ label: 'network', items: [{ kind: 'tick', at: net.t, color: STYLE.create, h: 18, title: 'network create (event)' }] });
  for (const m of [...members].sort(byRole)) {
    const items = [];
    const ev = events.filter((e) => e.type === 'container' && e.name === m.name);
    const created = ev.find((e) => e.action === 'create')?.t;
    const started = ev.find((e) => e.action === 'start')?.t;
    const healthy = ev.find((e) => e.action.startsWith('health_status: healthy'))?.t;
    const readyAt = ready.perContainer[m.name];
    if (created && started) items.push({ kind: 'bar', from: created, to: started, color: STYLE.start, title: `create → start events: ${Math.round(started - created)} ms` });
    if (started && readyAt) items.push({ kind: 'bar', from: started, to: readyAt, color: STYLE.boot, h: 10, title: `booting until ready: ${Math.round(readyAt - started)} ms` });
    for (const e of ev.filter((e) => e.action.startsWith('exec_start'))) items.push({ kind: 'tick', at: e.t, color: STYLE.health, h: 8, title: 'healthcheck exec' });
    for (const e of ev.filter((e) => e.action === 'create' || e.action === 'start')) items.push({ kind: 'tick', at: e.t, color: STYLE.event, h: 18, title: `engine event ${e.action}` });
    if (healthy) items.push({ kind: 'diamond', at: healthy, color: STYLE.health, title: `healthy (engine): +${Math.round(healthy - t0)} ms` });
    if (readyAt) items.push({ kind: 'diamond', at: readyAt, color: STYLE.ready, title: `ready by its log: +${Math.round(readyAt - t0)} ms` });
    rows.push({ label: m.name, items });
  }
  if (polls?.length) {
    rows.push({ label: 'host poll (offers flowing?)', items: polls.map((p) => ({ kind: 'tick', at: p.at, color: p.ok ? STYLE.probeOk : STYLE.probeFail, title: p.detail })) });
  }
  const vlines = [];
  if (ready.offersFlowing) vlines.push({ at: ready.offersFlowing, label: 'offers flow (master log)', color: STYLE.ready, anchor: 'end' });
  vlines.push({ at: t1, label: 'poll sees it', color: '#000', anchor: 'end' });
  return {
    t0,
    t1,
    rows,
    vlines,
    legend: [
      { color: STYLE.compose, label: 'docker-compose up -d (process)' },
      { color: STYLE.stage6, label: 'polling from the host' },
      { color: STYLE.start, label: 'create → start (engine events)' },
      { color: STYLE.boot, label: 'booting (start → ready)' },
      { color: STYLE.health, label: 'healthcheck exec', shape: 'tick' },
      { color: STYLE.health, label: 'healthy (engine)', shape: 'diamond' },
      { color: STYLE.ready, label: 'ready (component log)', shape: 'diamond' },
      { color: STYLE.ready, label: 'offers flowing (leader log)', shape: 'dash' },
    ],
  };
}
