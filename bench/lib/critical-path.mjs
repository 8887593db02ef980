// Where the wall-clock time of one `mesos-up up` went.
//
// Every millisecond between spawning the CLI and its exit is put in one bucket:
//   component - up is waiting in a readiness wait and the component is not ready
//               yet by its own log (ZooKeeper booting; masters electing, agents
//               registering, Marathon subscribing and receiving its first offer);
//   engine    - up is waiting on a Docker Engine call any tool starting these
//               containers must make: the network create, container create and
//               container start;
//   mesos-up  - everything else: Node starting and loading the CLI, the engine
//               ping, preflight and image checks, the second network create (and
//               the inspect/remove of the first), inspects, the time between a
//               component becoming ready and up noticing it, describing the
//               cluster at the end, printing and exiting.
// Inputs: the CLI's own trace (bench/lib/trace-hook.mjs), the stage timings it
// prints with --json, the engine's events and the components' log timestamps.

/** Classifies a Docker API call of the trace. */
export function dockerCallKind(c) {
  const p = c.path.replace(/^\/v\d+\.\d+/, '');
  if (c.method === 'POST' && p.startsWith('/networks/create')) return 'network-create';
  if (p.startsWith('/networks/')) return c.method === 'DELETE' ? 'network-remove' : 'network-inspect';
  if (c.method === 'POST' && p.startsWith('/containers/create')) return 'container-create';
  if (c.method === 'POST' && /^\/containers\/[^/]+\/start/.test(p)) return 'container-start';
  if (/^\/containers\/[^/]+\/json/.test(p)) return 'container-inspect';
  if (p.startsWith('/containers/json')) return 'container-list';
  if (p.startsWith('/_ping')) return 'ping';
  if (p.startsWith('/images/')) return 'image-inspect';
  if (p.startsWith('/networks')) return 'network-list';
  if (p.startsWith('/volumes')) return 'volume-list';
  return 'other';
}

/** The container name a create call names, or the id a start/inspect names. */
export function dockerCallTarget(c) {
  const p = c.path.replace(/^\/v\d+\.\d+/, '');
  const m = /[?&]name=([^&]+)/.exec(p);
  if (m) return decodeURIComponent(m[1]);
  const id = /^\/containers\/([^/?]+)\//.exec(p);
  return id ? id[1] : undefined;
}

function union(intervals) {
  const s = intervals.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out = [];
  for (const [a, b] of s) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

const length = (ivs) => ivs.reduce((n, [a, b]) => n + (b - a), 0);

function clip(ivs, from, to) {
  return ivs.map(([a, b]) => [Math.max(a, from), Math.min(b, to)]).filter(([a, b]) => b > a);
}

function subtract(ivs, minus) {
  let out = ivs.map((x) => [...x]);
  for (const [ma, mb] of minus) {
    const next = [];
    for (const [a, b] of out) {
      if (mb <= a || ma >= b) next.push([a, b]);
      else {
        if (ma > a) next.push([a, ma]);
        if (mb < b) next.push([mb, b]);
      }
    }
    out = next;
  }
  return out;
}

/**
 * run: { t0, t1, trace, timings: [{stage, ms}], events, ready: {perContainer, offersFlowing},
 *        members: [{name, role, id}], zkHostPort }
 * Returns { stages: [{title, start, end}], buckets: {component, engine, own}, perStage: [...], segments, zk, offers }.
 */
export function analyse(run) {
  const { t0, t1, trace, timings, ready, members } = run;
  const total = t1 - t0;
  const calls = trace.docker.map((c) => ({ ...c, end: c.end || c.headers || c.start, kind: dockerCallKind(c), target: dockerCallTarget(c) }));
  const idToName = new Map(members.map((m) => [m.id, m.name]));
  for (const c of calls) if (c.target && idToName.has(c.target)) c.target = idToName.get(c.target);
  for (const c of calls) if (c.target) for (const [id, name] of idToName) if (id.startsWith(c.target)) c.target = name;

  // Absolute stage boundaries: stages run back to back, so one anchor places them
  // all; the anchor is the first network create, the first call of "Creating the network".
  const netStageIdx = timings.findIndex((s) => /network/i.test(s.stage));
  const firstNetCreate = calls.find((c) => c.kind === 'network-create');
  let anchor = firstNetCreate ? firstNetCreate.start : t0;
  for (let i = 0; i < netStageIdx; i++) anchor -= timings[i].ms;
  const stages = [];
  let cursor = anchor;
  for (const s of timings) {
    stages.push({ title: s.stage, start: cursor, end: cursor + s.ms });
    cursor += s.ms;
  }
  const stageOf = (re) => stages.find((s) => re.test(s.title));
  const offersStage = stageOf(/offers/i);

  // Component waits.
  const zkMember = members.find((m) => m.role === 'zookeeper');
  const zkPort = run.zkHostPort;
  const ruoks = trace.tcp.filter((t) => String(t.port) === String(zkPort));
  const firstRuok = ruoks[0];
  const okRuok = ruoks.find((t) => t.ok);
  const zkLogReady = zkMember ? ready.perContainer[zkMember.name] : undefined;
  const zkTrueReady = [zkLogReady, okRuok?.end].filter((x) => x !== undefined).reduce((a, b) => Math.min(a, b), Infinity);
  const component = [];
  const zk = { waitStart: firstRuok?.start, trueReady: Number.isFinite(zkTrueReady) ? zkTrueReady : undefined, seen: okRuok?.end, probes: ruoks.length };
  // The ruok wait runs inside the stage that starts masters and agents (Marathon waits on it).
  if (firstRuok && zk.trueReady !== undefined) component.push([firstRuok.start, Math.min(zk.trueReady, okRuok?.end ?? Infinity)]);
  const offers = { waitStart: offersStage?.start, trueReady: ready.offersFlowing, seen: offersStage?.end };
  if (offersStage && ready.offersFlowing !== undefined) component.push([offersStage.start, Math.min(ready.offersFlowing, offersStage.end)]);
  // If the log did not show it (should not happen), count the whole wait as component time.
  if (offersStage && ready.offersFlowing === undefined) component.push([offersStage.start, offersStage.end]);

  // Inherent engine calls: the first network create, container creates and starts.
  const engine = calls
    .filter((c) => c === firstNetCreate || c.kind === 'container-create' || c.kind === 'container-start')
    .map((c) => [c.start, c.end]);

  const C = clip(union(component), t0, t1);
  const E = subtract(clip(union(engine), t0, t1), C);
  const buckets = { total, component: length(C), engine: length(E), own: total - length(C) - length(E) };

  // The same split per stage, plus what comes before the first and after the last.
  const spans = [
    { title: 'Node start, loading the CLI, connecting', start: t0, end: stages[0]?.start ?? t1 },
    ...stages,
    { title: 'Describing the cluster, printing, exiting', start: stages[stages.length - 1]?.end ?? t0, end: t1 },
  ];
  const perStage = spans.map((s) => {
    const c = length(clip(C, s.start, s.end));
    const e = length(clip(E, s.start, s.end));
    return { title: s.title, start: s.start - t0, ms: s.end - s.start, component: c, engine: e, own: s.end - s.start - c - e };
  });

  // Named details the report and the lead care about.
  const netCalls = calls.filter((c) => c.kind.startsWith('network-') && c.kind !== 'network-list');
  const details = {
    nodeBootMs: trace.hookLoaded - t0,
    loadAndConnectMs: (calls.find((c) => c.kind === 'ping')?.end ?? trace.hookLoaded) - trace.hookLoaded,
    networkCalls: netCalls.map((c) => ({ kind: c.kind, ms: c.end - c.start })),
    networkExtraMs: firstNetCreate ? netCalls.filter((c) => c !== firstNetCreate).reduce((n, c) => n + (c.end - c.start), 0) : 0,
    containerCalls: calls
      .filter((c) => ['container-create', 'container-start', 'container-inspect'].includes(c.kind))
      .map((c) => ({ kind: c.kind, target: c.target, start: c.start - t0, ms: c.end - c.start })),
    listCalls: calls.filter((c) => c.kind === 'container-list').length,
    zkDetectMs: zk.seen !== undefined && zk.trueReady !== undefined ? zk.seen - zk.trueReady : undefined,
    offersDetectMs: offers.seen !== undefined && offers.trueReady !== undefined ? offers.seen - offers.trueReady : undefined,
    offersProbeRequests: trace.fetch.filter((f) => offersStage && f.start >= offersStage.start && f.start <= offersStage.end).length,
    afterLastStageMs: t1 - (stages[stages.length - 1]?.end ?? t1),
  };
  return { total, stages, buckets, perStage, zk, offers, details, calls };
}
