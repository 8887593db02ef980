// The results as a Markdown page (bench/results/<date>.md).
import { fmtMiB, fmtMs, fmtPct, fmtRatio, fmtSummary, median, summary } from './stats.mjs';

// The project's standing targets (README, "Speed"): keep both on these numbers.
const TARGETS = {
  upRatio: 0.35,
  ownShare: 0.08,
  scaleRatio: 1.8,
  floorRatio: 1.25,
  downRatio: 1.1,
  cliRatio: 1.5,
  memoryBytes: 150 * 2 ** 20,
  zookeeperImageBytes: 350e6,
  allImagesBytes: 700e6,
  coldBuildMs: 60_000,
  wireRatio: 1,
};

const mb = (b) => (b === undefined ? 'missing' : `${(b / 1e6).toFixed(0)} MB`);
const met = (ok) => (ok === undefined ? 'n/a' : ok ? '**met**' : '**not met**');
const table = (rows) => [`| ${rows[0].join(' | ')} |`, `|${rows[0].map(() => '---').join('|')}|`, ...rows.slice(1).map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** Each round's own ratios: 8 agents / 1 agent, the floor's 8 / 1, and 8 agents / the floor of 8; undefined for older results. */
export function pairedRatios(r) {
  const rounds = (r.scalingRounds ?? []).map((x) => ({ one: x.up['1m/1a']?.ms, eight: x.up['1m/8a']?.ms, f1: x.floor[1], f8: x.floor[8] }));
  const list = (f) => rounds.map(f).filter((x) => Number.isFinite(x));
  const scale = list((x) => x.eight / x.one);
  if (!scale.length) return undefined;
  return { rounds, scale: summary(scale), floor: summary(list((x) => x.f8 / x.f1)), vsFloor: summary(list((x) => x.eight / x.f8)) };
}

/** Figures and verdicts, shared by the Markdown and the JSON. */
export function verdicts(r) {
  const v = {};
  if (r.compare?.up.length && r.compare?.base.length) {
    const up = summary(r.compare.up.map((x) => x.ms));
    const base = summary(r.compare.base.map((x) => x.ms));
    v.up = { up, base, ratio: up.median / base.median, met: up.median / base.median <= TARGETS.upRatio };
    const shares = r.compare.up.map((x) => x.cp.buckets.own / x.cp.buckets.total);
    v.own = { share: summary(shares), met: median(shares) <= TARGETS.ownShare };
  }
  if (r.scaling?.length) {
    const one = r.scaling.find((s) => s.key === '1m/1a');
    const eight = r.scaling.find((s) => s.key === '1m/8a');
    // Rounds that ran both sides give per-round ratios (runs minutes apart on a
    // shared machine drift more than the two sides of one round); older result
    // files have only the medians of each side.
    const paired = pairedRatios(r);
    // (each figure falls back on its own when no round ran both of its sides)
    const pick = (s, fallback) => (s?.n ? s.median : fallback);
    if (one && eight) {
      const ratio = pick(paired?.scale, eight.summary.median / one.summary.median);
      v.scale = { one: one.summary, eight: eight.summary, ratio, paired: !!paired, met: ratio <= TARGETS.scaleRatio };
    }
    if (eight && r.scalingFloor) {
      const ratio = pick(paired?.vsFloor, eight.summary.median / r.scalingFloor.eight.median);
      v.floor = { ratio, floorRatio: pick(paired?.floor, r.scalingFloor.ratio), met: ratio <= TARGETS.floorRatio };
    }
  }
  if (r.builds?.sizes) {
    const zk = r.builds.sizes.find((x) => x.ref.startsWith('mesos-up/zookeeper:'))?.size;
    v.images = {
      zookeeper: zk,
      all: r.builds.disk,
      met: zk !== undefined && r.builds.disk !== undefined ? zk <= TARGETS.zookeeperImageBytes && r.builds.disk <= TARGETS.allImagesBytes : undefined,
    };
  }
  if (r.builds?.cold?.ms) v.cold = { ms: r.builds.cold.ms, met: r.builds.cold.ms <= TARGETS.coldBuildMs };
  if (r.down) v.down = { ...r.down, met: r.down.ratio <= TARGETS.downRatio };
  if (r.cliStart) v.cli = { ratio: r.cliStart.ratio, met: r.cliStart.ratio <= TARGETS.cliRatio };
  if (r.memory) v.memory = { total: r.memory.total.rss, met: r.memory.total.rss < TARGETS.memoryBytes };
  if (r.wire) v.wire = { ratio: r.wire.ratio, met: r.wire.ratio <= TARGETS.wireRatio };
  return v;
}

function summaryTable(r, v) {
  const rows = [['figure', 'measured', 'against', 'ratio / share', 'target', 'verdict']];
  if (v.up) rows.push(['`up` until offers flow', `mesos-up ${fmtSummary(v.up.up)}`, `compose baseline ${fmtSummary(v.up.base)}`, fmtRatio(v.up.ratio), '≤ 0.35×', met(v.up.met)]);
  if (v.own) rows.push(['own overhead in `up`', `${fmtPct(v.own.share.median)} (${fmtPct(v.own.share.min)}–${fmtPct(v.own.share.max)})`, 'total wall time of `up`', fmtPct(v.own.share.median), '≤ 8 %', met(v.own.met)]);
  const per = v.scale?.paired ? ' (median of the rounds\' own ratios)' : '';
  if (v.scale) rows.push([`scaling: 8 agents vs 1${per}`, fmtSummary(v.scale.eight), fmtSummary(v.scale.one), fmtRatio(v.scale.ratio), '≤ 1.8×', met(v.scale.met)]);
  if (v.scale && r.scalingFloor) {
    const f = r.scalingFloor;
    rows.push([`&nbsp;&nbsp;engine floor: the same containers, started at once, no waits${per}`, `8 agents ${fmtSummary(f.eight)}`, `1 agent ${fmtSummary(f.one)}`, fmtRatio(v.floor?.floorRatio ?? f.ratio), '', '']);
    if (v.floor) rows.push([`8 agents vs the engine floor of the same plan${per}`, fmtSummary(v.scale.eight), `floor ${fmtSummary(f.eight)}`, fmtRatio(v.floor.ratio), '≤ 1.25×', met(v.floor.met)]);
  }
  if (v.down) rows.push(['`down`', fmtSummary(v.down.down), `docker rm -f + network rm ${fmtSummary(v.down.rm)}`, fmtRatio(v.down.ratio), '≤ 1.1×', met(v.down.met)]);
  if (v.cli) rows.push(['CLI start (`mesos-up --help`)', fmtSummary(r.cliStart.help), `node -e 0 ${fmtSummary(r.cliStart.node)}`, fmtRatio(v.cli.ratio), '≤ 1.5×', met(v.cli.met)]);
  if (v.memory) rows.push(['memory, a default cluster: ZK + master + agent + Marathon + gateway', `${fmtMiB(r.memory.total.rss)} RSS`, `working set ${fmtMiB(r.memory.total.workingSet)}`, '', '≤ 150 MiB RSS', met(v.memory.met)]);
  if (r.builds) {
    const cold = r.builds.cold?.ms ? fmtMs(r.builds.cold.ms) : r.builds.cold?.error ? `failed: ${r.builds.cold.error}` : 'not run';
    rows.push(['cold image build (all four, from a fresh base)', cold, `cached ${fmtSummary(r.builds.cached)}; up-to-date check ${fmtSummary(r.builds.check)}`, '', '≤ 60 s', met(v.cold?.met)]);
    if (v.images) rows.push(['image sizes', `ZooKeeper ${mb(v.images.zookeeper)}; all four on disk ${mb(v.images.all)}`, 'layers shared between images counted once, base included', '', '≤ 350 MB; ≤ 700 MB', met(v.images.met)]);
  }
  if (r.addons) {
    const a = r.addons;
    for (const [key, label] of [['mesosDns', 'Mesos-DNS'], ['marathonLb', 'Marathon-LB'], ['metronome', 'Metronome']]) {
      if (!a[key]) continue;
      const extra = a[`${key}Memory`] ? `; its container ${fmtMiB(a[`${key}Memory`].rss)} RSS` : '';
      rows.push([`the ${label} add-on: \`up\` with it against without`, `with ${fmtSummary(a[key])}${extra}`, `without ${fmtSummary(a.plain)}`, fmtRatio(a[key].median / a.plain.median), '', '']);
    }
  }
  if (v.wire) {
    const kb = (b) => `${(b / 1024).toFixed(0)} KiB`;
    rows.push(['scheduler API codec work, protobuf vs JSON (a session: offers, launch, updates, acks)', `protobuf ${fmtSummary(r.wire.protobuf)}, ${kb(r.wire.bytes.protobuf)} sent`, `JSON ${fmtSummary(r.wire.json)}, ${kb(r.wire.bytes.json)} sent`, fmtRatio(v.wire.ratio), '≤ 1×', met(v.wire.met)]);
  }
  return table(rows);
}

/** The summary for bench/README.md: the table, the per-stage split, links. */
export function renderSummary(r, { page, svg }) {
  const v = r.verdicts ?? verdicts(r);
  const out = [];
  out.push(`From [${page}](${page}) (${r.date.slice(0, 10)}; ${r.machine.engine}; ${r.machine.cpus} CPUs, shared with other work: see the load figures there).`);
  out.push('');
  out.push(summaryTable(r, v));
  if (r.compare?.up.length) {
    const ps = medianPerStage(r.compare.up);
    const tot = (k) => ps.reduce((s2, x) => s2 + x[k], 0);
    out.push('');
    out.push('Where `up`\'s time goes (medians per stage, so the sums differ a little from the medians of the totals above):');
    out.push('');
    out.push(table([
      ['stage', 'time', 'components', 'engine', 'own'],
      ...ps.map((s2) => [s2.title, fmtMs(s2.ms), fmtMs(s2.component), fmtMs(s2.engine), fmtMs(s2.own)]),
      ['**sum**', `**${fmtMs(tot('ms'))}**`, `${fmtMs(tot('component'))} (${fmtPct(tot('component') / tot('ms'))})`, `${fmtMs(tot('engine'))} (${fmtPct(tot('engine') / tot('ms'))})`, `**${fmtMs(tot('own'))} (${fmtPct(tot('own') / tot('ms'))})**`],
    ]));
    out.push('');
    out.push(`![timeline of one up](${svg})`);
  }
  return out.join('\n');
}

// Each round's 1- and 8-agent ups and floors, and who did the CPU work of those ups.
function scalingRounds(r) {
  const paired = pairedRatios(r);
  if (!paired) return [];
  const out = ['', 'Per round (the order within a round is shuffled; CPU is the work of all processes on the machine from the spawn of `up` to its exit, and how busy the CPUs were meanwhile):', ''];
  const cpu = (x) => (x?.cpu ? `${x.cpu.cpuSeconds.toFixed(2)} s (${fmtPct(x.cpu.busyShare)})` : 'n/a');
  out.push(table([
    ['round', '1 agent', '8 agents', 'ratio', 'floor, 1', 'floor, 8', 'floor ratio', 'CPU, 1 agent', 'CPU, 8 agents'],
    ...r.scalingRounds.map((x, i) => {
      const p = paired.rounds[i];
      return [String(i + 1), fmtMs(p.one), fmtMs(p.eight), fmtRatio(p.eight / p.one), fmtMs(p.f1), fmtMs(p.f8), fmtRatio(p.f8 / p.f1), cpu(x.up['1m/1a']), cpu(x.up['1m/8a'])];
    }),
    ['**median**', '', '', `**${fmtRatio(paired.scale.median)}**`, '', '', `**${fmtRatio(paired.floor.median)}**`, '', ''],
  ]));
  const works = (key) => r.scalingRounds.map((x) => x.up[key]?.cpu).filter(Boolean);
  const one = works('1m/1a');
  const eight = works('1m/8a');
  if (!one.length || !eight.length) return out;
  const who = [...new Set([...one, ...eight].flatMap((w) => Object.keys(w.by)))];
  const order = ['engine', 'agent', 'master', 'zookeeper', 'marathon', 'gateway', 'CLI and bench', 'other'];
  who.sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
  const med = (ws, k) => median(ws.map((w) => w.by[k] ?? 0));
  const total = (ws) => median(ws.map((w) => w.cpuSeconds));
  const s = (x) => `${x.toFixed(2)} s`;
  out.push('', `Who did that CPU work (medians over the rounds, CPU seconds; ${one[0].cores} CPUs). The engine is dockerd with what it runs (its own re-executions for each container's network namespace, iptables, docker-proxy), containerd, the shims and runc; a role is every process in its containers; "other" is kernel threads, interrupts and the rest of the machine:`, '');
  out.push(table([
    ['who', '1 agent', '8 agents', 'each extra agent'],
    ...who.map((k) => [k, s(med(one, k)), s(med(eight, k)), s((med(eight, k) - med(one, k)) / 7)]),
    ['**all**', `**${s(total(one))}**`, `**${s(total(eight))}**`, `**${s((total(eight) - total(one)) / 7)}**`],
  ]));
  return out;
}

function medianPerStage(runs) {
  const titles = runs[0].cp.perStage.map((s) => s.title);
  return titles.map((title, i) => {
    const col = (k) => median(runs.map((r) => r.cp.perStage[i]?.[k] ?? NaN));
    return { title, ms: col('ms'), component: col('component'), engine: col('engine'), own: col('own') };
  });
}

export function renderMarkdown(r, { svgName, svgBaseName }) {
  const v = r.verdicts ?? verdicts(r);
  const out = [];
  out.push(`# mesos-up benchmarks, ${r.date.slice(0, 10)}`);
  out.push('');
  out.push(`${r.machine.engine ?? 'Docker Engine'}; docker-compose ${r.machine.compose ?? '?'}; ${r.machine.cpus} × ${r.machine.cpuModel ?? 'CPU'}, ${r.machine.memGiB} GiB; Node ${r.machine.node}; ${r.machine.platform}. Emulated images. ` +
    `Options: ${r.options.quick ? '--quick, ' : ''}${r.options.rounds} rounds each for up vs baseline, ${r.options.downRounds} pairs for down, ${r.options.scaleRounds} rounds per scaling point, ${r.options.cliReps} CLI starts. The bench took ${r.benchMinutes} min.`);
  if (r.error) out.push('', `**The run stopped early:** ${r.error}`);
  if (r.codeVersions?.length > 1) {
    out.push('', `The CLI's code (dist/, emulator/dist/) changed during the bench (others were working on it): ${r.codeVersions.map((c) => `${c.code} in ${c.runs} runs`).join(', ')}.`);
  }
  if (r.failures?.length) {
    out.push('', `**${r.failures.length} round(s) failed** and were left out of the figures:`, '');
    for (const f of r.failures) out.push(`- ${f.section}, ${f.name}, ${f.at.slice(11, 19)}: ${f.message.split('\n').filter(Boolean).slice(0, 3).join(' / ').slice(0, 300)}`);
  }
  out.push('');
  out.push('Times are medians with (min–max, n). Ratios are median / median, except the scaling verdicts, which take the median of each round\'s own ratio where the rounds ran both sides.');
  if (r.load?.length) {
    out.push('');
    out.push(`Machine load (1-minute load average before → after each section; other work shared this engine and these ${r.machine.cpus} CPUs): ${r.load.map((l) => `${l.section} ${l.before} → ${l.after}`).join(', ')}. ` +
      `Before each round the bench waited (${r.quietWaitMinutes ?? 0} min in all, capped) for the CPUs to be below 35 % busy.`);
  }
  out.push('');
  out.push('## Summary');
  out.push('');
  out.push(summaryTable(r, v));

  if (r.compare?.up.length) {
    out.push('', '## `up` until offers flow, against the compose baseline', '');
    out.push('mesos-up: `mesos-up up --images emulated --json`, from spawning the CLI to its exit (it exits once offers flow and it has described the cluster). ' +
      'Baseline: `docker-compose up -d` on [`bench/baseline/compose.yaml`](../baseline/compose.yaml) (same images, env, flags, ports, mounts; healthchecks every 200/250 ms; `depends_on: condition: service_healthy`), ' +
      'then the same offers-flowing probe polled from the host every 250 ms, from spawning docker-compose until the probe holds. Alternating, one of each per round.');
    out.push('');
    const n = Math.max(r.compare.up.length, r.compare.base.length);
    const busy = (x) => (Number.isFinite(x?.busyAtStart) ? ` (CPU ${Math.round(x.busyAtStart * 100)} %)` : '');
    const rr = [['round', 'mesos-up (CPU busy at start)', 'baseline (CPU busy at start)', 'of which docker-compose up -d', 'mesos-up down', 'docker-compose down']];
    for (let i = 0; i < n; i++) {
      const u = r.compare.up[i];
      const b = r.compare.base[i];
      rr.push([String(i + 1), u ? `${fmtMs(u.ms)}${busy(u)}` : '', b ? `${fmtMs(b.ms)}${busy(b)}` : '', b ? fmtMs(b.composeMs) : '', u ? fmtMs(u.downMs) : '', b ? fmtMs(b.downMs) : '']);
    }
    out.push(table(rr));

    out.push('', '## Critical path of `up`', '');
    out.push(`![timeline of one up](${svgName})`);
    out.push('');
    out.push(`The run whose total is the median. [The baseline's timeline](${svgBaseName}) for comparison.`);
    out.push('');
    out.push('Every millisecond of `up` (spawn to exit) goes in one bucket: **components** — up waits in a readiness wait and the component is not ready yet by its own log ' +
      '(ZooKeeper booting; the master electing itself, the agent registering, Marathon subscribing and getting its first offer); **engine** — a Docker Engine call any tool must make ' +
      '(the network create, container create and start); **own** — everything else: Node starting and loading the CLI, preflight and image checks, the second network create, inspects, ' +
      'the time between a component being ready and up noticing, describing the cluster, exiting. Per stage, medians over the rounds above (so the sums differ a little from the medians of the totals):');
    out.push('');
    const ps = medianPerStage(r.compare.up);
    const tot = (k) => ps.reduce((s, x) => s + x[k], 0);
    out.push(table([
      ['stage', 'time', 'components', 'engine', 'own'],
      ...ps.map((s) => [s.title, fmtMs(s.ms), fmtMs(s.component), fmtMs(s.engine), fmtMs(s.own)]),
      ['**sum**', `**${fmtMs(tot('ms'))}**`, `${fmtMs(tot('component'))} (${fmtPct(tot('component') / tot('ms'))})`, `${fmtMs(tot('engine'))} (${fmtPct(tot('engine') / tot('ms'))})`, `**${fmtMs(tot('own'))} (${fmtPct(tot('own') / tot('ms'))})**`],
    ]));
    const d = r.compare.up.map((x) => x.cp.details);
    const md = (f) => median(d.map(f).filter((x) => Number.isFinite(x)));
    out.push('');
    out.push('Details (medians):');
    out.push('');
    out.push(`- Node boot until the first line of our code: ${fmtMs(md((x) => x.nodeBootMs))}; loading the CLI and pinging the engine: ${fmtMs(md((x) => x.loadAndConnectMs))}.`);
    out.push(`- Network: ${d[0].networkCalls.map((c) => c.kind.replace('network-', '')).join(' → ')}; the calls after the first create take ${fmtMs(md((x) => x.networkExtraMs))}.`);
    out.push(`- ZooKeeper ready (log) → up's ruok sees it: ${fmtMs(md((x) => x.zkDetectMs))}; offers flowing (leader's log) → up sees it: ${fmtMs(md((x) => x.offersDetectMs))} (${md((x) => x.offersProbeRequests)} probe requests in that wait).`);
    out.push(`- Container list calls during up (preflight, fail-fast checks, describe): ${md((x) => x.listCalls)}.`);
    out.push(`- After the last stage (describe, print, exit): ${fmtMs(md((x) => x.afterLastStageMs))}.`);
    const shown = r.compare.up.find((x) => x.name === r.timelineRun?.name) ?? r.compare.up[0];
    const calls = shown.cp.details.containerCalls;
    if (calls.length) {
      out.push('');
      out.push(`Container calls of the run in the timeline (${fmtMs(shown.ms)}):`);
      out.push('');
      out.push(table([['container', 'create', 'start', 'inspect'], ...[...new Set(calls.map((c) => c.target))].map((t) => [t, ...['container-create', 'container-start', 'container-inspect'].map((k) => { const c = calls.find((x) => x.target === t && x.kind === k); return c ? fmtMs(c.ms) : ''; })])]));
    }
  }

  if (r.scaling?.length) {
    out.push('', '## Scaling', '');
    out.push('`mesos-up up --agents N --masters M`, rounds interleaved in a different order each round. Ratio against 1 master / 1 agent. ' +
      'The last row is 8 agents again with `agents.publishPorts: "8000-8009"` in a cluster file (ten task ports published on every agent, as before the gateway; now opt-in), to show what publishing task ports per agent costs.');
    out.push('');
    const one = r.scaling.find((s) => s.key === '1m/1a');
    out.push(table([
      ['masters / agents', 'up until offers flow', 'ratio', 'components', 'engine', 'own', 'slowest stage'],
      ...r.scaling.map((s) => {
        const slow = [...s.stages].sort((a, b) => b.ms - a.ms)[0];
        return [`${s.masters} / ${s.agents}${s.publish ? ` (agents also publish ${s.publish})` : ''}`, fmtSummary(s.summary), one ? fmtRatio(s.summary.median / one.summary.median) : '', fmtMs(s.buckets.component), fmtMs(s.buckets.engine), fmtMs(s.buckets.own), `${slow.stage} ${fmtMs(slow.ms)}`];
      }),
    ]));
    if (r.scalingFloor) {
      const f = r.scalingFloor;
      out.push('');
      out.push(`Engine floor (\`bench/lib/engine-floor.mjs\`): the containers \`up\` would start, from the same plan and engine code, created and started all at once with nothing waited for, from the network create to the last start: 1 agent ${fmtSummary(f.one)}, 8 agents ${fmtSummary(f.eight)}, ${fmtRatio(f.ratio)} (ratio of the medians). No tool starts these clusters faster on this engine; what \`up\` adds to the floor at 8 agents is ${fmtMs((r.scaling.find((s) => s.key === '1m/8a')?.summary.median ?? NaN) - f.eight.median)}, at 1 agent ${fmtMs((r.scaling.find((s) => s.key === '1m/1a')?.summary.median ?? NaN) - f.one.median)}.`);
    }
    out.push(...scalingRounds(r));
    out.push('');
    out.push('Stage times (medians):');
    out.push('');
    const titles = r.scaling[0].stages.map((s) => s.stage);
    out.push(table([['stage', ...r.scaling.map((s) => s.key)], ...titles.map((t, i) => [t, ...r.scaling.map((s) => fmtMs(s.stages[i]?.ms))])]));
  }

  if (r.down) {
    out.push('', '## `down` against `docker rm -f`', '');
    out.push('A fresh default cluster each time, 1.5 s after `up` returned. `mesos-up down --name X` (finds everything by label, removes containers, task containers, network, volumes) ' +
      'against `docker rm -f -v <the 4 containers>` followed by `docker network rm mesos-up-X`, timed from the first spawn to the last exit.');
    out.push('');
    const b = r.down.breakdown;
    out.push(table([
      ['', 'time'],
      ['mesos-up down (with the trace hook)', fmtSummary(r.down.down)],
      ...(b ? [['&nbsp;&nbsp;of which Node start + loading the CLI (until the first engine call)', fmtMs(b.loadMs)], [`&nbsp;&nbsp;of which engine calls (${b.calls} calls, overlaps counted once)`, fmtMs(b.engineMs)], ['&nbsp;&nbsp;after the last engine call (exit)', fmtMs(b.afterMs)]] : []),
      ['docker rm -f + docker network rm', fmtSummary(r.down.rm)],
      ['ratio', fmtRatio(r.down.ratio)],
    ]));
  }

  if (r.cliStart) {
    out.push('', '## CLI start time', '');
    out.push(table([
      ['command', 'time'],
      ['`node -e 0`', fmtSummary(r.cliStart.node)],
      ['`mesos-up --help`', fmtSummary(r.cliStart.help)],
      ['`mesos-up --help` with the bench\'s trace hook', fmtSummary(r.cliStart.hooked)],
      ['ratio', fmtRatio(r.cliStart.ratio)],
    ]));
    out.push('');
    out.push('What importing each module costs on top of `node --input-type=module -e 0` (median; they share dependencies, so they do not add up):');
    out.push('');
    out.push(table([['module', 'extra time'], ...r.cliStart.imports.map((x) => [`\`${x.module}\``, fmtMs(x.overNode)])]));
  }

  if (r.memory) {
    out.push('', '## Memory', '');
    out.push('The engine\'s stats of each container of a default emulated cluster, 15 s after `up` returned (the largest of three samples 2 s apart). ' +
      'RSS is the anonymous resident memory of the container\'s processes (cgroup `total_rss`); the working set is usage minus inactive page cache (what `docker stats` shows).');
    out.push('');
    out.push(table([
      ['container', 'RSS', 'working set', 'usage (with page cache)'],
      ...r.memory.rows.sort((a, b) => a.name.localeCompare(b.name)).map((x) => [x.name.replace(/^bench-[0-9a-f]+-m\d+-/, '<cluster>-'), fmtMiB(x.rss), fmtMiB(x.workingSet), fmtMiB(x.usage)]),
      ['**total**', `**${fmtMiB(r.memory.total.rss)}**`, fmtMiB(r.memory.total.workingSet), fmtMiB(r.memory.total.usage)],
    ]));
  }

  if (r.builds) {
    out.push('', '## Image builds', '');
    const b = r.builds;
    const rows2 = [['build', 'time']];
    if (b.cold?.ms) {
      rows2.push(['cold (from a fresh base: no layer cache, apt-get from the mirror), total', fmtMs(b.cold.ms)]);
      // Runs before 2026-12 built one target after another and timed each (nocache marks those).
      for (const t of b.cold.perTarget) rows2.push([t.nocache === undefined ? `&nbsp;&nbsp;${t.target} built after` : `&nbsp;&nbsp;${t.target}${t.nocache ? ' (nocache)' : ' (reuses node-base)'}`, fmtMs(t.ms)]);
    } else rows2.push(['cold', b.cold?.error ? `failed: ${b.cold.error}` : 'not run (--quick or --no-cold-build)']);
    rows2.push(['cached: `mesos-up images build --force`', fmtSummary(b.cached)]);
    rows2.push(['up to date: `mesos-up images build`', fmtSummary(b.check)]);
    out.push(table(rows2));
    out.push('');
    out.push('Image sizes (the engine\'s Size, base layers included):');
    out.push('');
    out.push(table([['image', 'size'], ...b.sizes.map((s) => [`\`${s.ref}\``, s.size ? `${(s.size / 1e6).toFixed(0)} MB` : 'missing']), ...(b.disk !== undefined ? [['all of them on disk (shared layers once)', mb(b.disk)]] : [])]));
  }
  out.push('');
  return out.join('\n');
}
