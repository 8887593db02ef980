#!/usr/bin/env node
// mesos-up benchmarks (issue 8): how fast a cluster comes up and goes away, on the
// local Docker Engine with the emulated images, against the compose file a user
// would write by hand. Writes bench/results/<date>.md, <date>.json and
// <date>-timeline.svg (+ <date>-timeline-baseline.svg). See bench/README.md.
//
//   npm run bench                      # everything, 10-16 minutes on 2 cores
//   npm run bench -- --quick           # fewer rounds, no cold build (development)
//   node bench/run.mjs --only cli,compare --rounds 3 --no-cold-build
//
// Traffic goes only to 127.0.0.1 (published ports) and the engine's socket; the
// cold image build and the docker-compose install reach the Debian mirror, as
// `mesos-up images build` and apt-get do.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { coldBuild, cachedBuild, checkBuild, diskTotal, imageSizes, removeBenchImages } from './lib/builds.mjs';
import { analyse } from './lib/critical-path.mjs';
import { engineFloor } from './lib/engine-floor.mjs';
import { baselineRun, bareRemove, composeDown, ensureGone, members, mesosUpDown, mesosUpRun, paths } from './lib/cluster-runs.mjs';
import { measureAddons } from './lib/addons.mjs';
import { measureEngines, renderEngines } from './lib/engines.mjs';
import { memoryOf } from './lib/memory.mjs';
import { children, run, runOk, signalChildren, sleep } from './lib/proc.mjs';
import { quietWaited, waitQuiet } from './lib/quiet.mjs';
import { renderMarkdown, renderSummary, verdicts } from './lib/report.mjs';
import { median, summary } from './lib/stats.mjs';
import { baselineTimeline, timelineSvg, upTimeline } from './lib/timeline-svg.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------- options
function parseArgs(argv) {
  const o = { quick: false, rounds: undefined, only: undefined, coldBuild: undefined, out: path.join(ROOT, 'bench', 'results') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--rounds') o.rounds = Number(argv[++i]);
    else if (a === '--only') o.only = new Set(argv[++i].split(','));
    else if (a === '--cold-build') o.coldBuild = true;
    else if (a === '--no-cold-build') o.coldBuild = false;
    else if (a === '--out') o.out = path.resolve(argv[++i]);
    else if (a === '--render') o.render = path.resolve(argv[++i]);
    else if (a === '--help' || a === '-h') {
      console.log('usage: node bench/run.mjs [--quick] [--rounds N] [--only cli,compare,down,memory,scale,build,wire,addons,engines] [--cold-build|--no-cold-build] [--out DIR]\n       node bench/run.mjs --render bench/results/DATE.json   (rewrite the page, timeline and README summary from a results file)');
      process.exit(0);
    } else {
      console.error(`unknown option ${a}`);
      process.exit(2);
    }
  }
  o.rounds ??= o.quick ? 2 : 8;
  if (!(Number.isInteger(o.rounds) && o.rounds >= 1)) {
    console.error('--rounds takes a whole number of at least 1');
    process.exit(2);
  }
  o.downRounds = o.quick ? 1 : 6;
  o.scaleRounds = o.quick ? 1 : 6;
  o.cliReps = o.quick ? 8 : 30;
  o.coldBuild ??= !o.quick;
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const want = (s) => !opts.only || opts.only.has(s);
const log = (line) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

// --render FILE.json: write the Markdown, the timeline and the README summary
// again from a results file (after a change to the report), measuring nothing.
if (opts.render) {
  const results = JSON.parse(readFileSync(opts.render, 'utf8'));
  for (const x of results.compare?.up ?? []) x.cp ??= x.criticalPath;
  for (const s of results.scaling ?? []) s.buckets ??= {};
  const stamp = path.basename(opts.render).replace(/\.json$/, '');
  opts.out = path.dirname(path.resolve(opts.render));
  const fullRun = /^\d{4}-\d{2}-\d{2}$/.test(stamp) && !results.error && opts.out === path.join(ROOT, 'bench', 'results');
  process.exit(writeOutputs(results, { stamp, fullRun, json: false }) ? 1 : 0);
}

// ---------------------------------------------------------------- context
if (!existsSync(path.join(ROOT, 'dist', 'index.js')) || !existsSync(path.join(ROOT, 'emulator', 'dist', 'marathon.cjs'))) {
  console.error('dist/ or emulator/dist/ is missing: run `npm run build` first (npm run bench does).');
  process.exit(2);
}
const imp = (rel) => import(pathToFileURL(path.join(ROOT, rel)).href);
const [api, offersMod, waitMod, imagesMod] = await Promise.all([imp('dist/index.js'), imp('dist/probes/offers.js'), imp('dist/probes/wait.js'), imp('dist/engine/images.js')]);
// ensureEmulatedImages: the cold build runs mesos-up's own build code
const dist = { removeCluster: api.removeCluster, offersFlowing: offersMod.offersFlowing, waitUntil: waitMod.waitUntil, contextHash: imagesMod.contextHash, contextFiles: imagesMod.contextFiles, ensureEmulatedImages: api.ensureEmulatedImages };
const docker = await api.connectEngine();
const runId = randomBytes(2).toString('hex');
const ctx = {
  docker,
  dist,
  p: paths(ROOT),
  // The CLI runs where `npx mesos-up up` usually does: a directory without a
  // cluster.yaml (the repository's example one would add YAML parsing and the
  // schema, about 80 ms, to every run).
  workDir: mkdtempSync(path.join(os.tmpdir(), 'mesos-up-bench-cwd-')),
  subnet: process.env.BENCH_SUBNET ?? '10.213.42',
  created: new Set(),
  composeProjects: new Set(),
  benchImages: new Set(),
  aborts: new Set(),
  cleanups: new Set(), // a section's own teardown (lib/engines.mjs: the inner engines), also on Ctrl-C
  log,
};
let seq = 0;
const clusterName = (kind) => `bench-${runId}-${kind}${++seq}`;

// A round that fails (an `up` that exits non-zero, a baseline that never gets
// offers) is recorded, its cluster removed, and the bench goes on; more than
// five failures stop it.
const failures = [];
async function guarded(section, name, fn) {
  try {
    return await fn();
  } catch (err) {
    const message = String(err.message ?? err).slice(0, 1500);
    failures.push({ section, name, at: new Date().toISOString(), message });
    log(`  ${section} ${name} FAILED: ${message.split('\n')[0]}`);
    for (const a of ctx.aborts) a.abort();
    if (ctx.composeProjects.has(name)) await composeDownQuiet(name);
    await dist.removeCluster(docker, name).catch(() => undefined);
    ctx.created.delete(name);
    if (failures.length > 5) throw new Error(`more than five failed rounds; the last: ${message}`);
    return undefined;
  }
}

// ---------------------------------------------------------------- cleanup
let cleaning;
async function cleanup() {
  cleaning ??= (async () => {
    for (const a of ctx.aborts) a.abort();
    for (const name of ctx.composeProjects) await composeDownQuiet(name);
    for (const name of [...ctx.created]) {
      try {
        await dist.removeCluster(docker, name);
      } catch (err) {
        log(`cleanup of ${name} failed: ${err.message}`);
      }
    }
    for (const fn of ctx.cleanups) await fn().catch((err) => log(`a section's cleanup failed: ${err.message}`));
    try {
      await removeBenchImages(ctx);
    } catch (err) {
      log(`removing the bench's images failed: ${err.message}`);
    }
  })();
  return cleaning;
}
async function composeDownQuiet(name) {
  await run('docker-compose', ['-p', name, '-f', ctx.p.compose, 'down', '-v'], { cwd: ROOT, env: { BENCH_CLUSTER: name, BENCH_SUBNET: ctx.subnet } }).catch(() => undefined);
  ctx.composeProjects.delete(name);
}
let interrupts = 0;
async function onSignal(sig) {
  interrupts++;
  if (interrupts > 1) {
    log('still cleaning up; Ctrl-C again leaves at once (then: mesos-up ls / down)');
    if (interrupts > 2) process.exit(130);
    return;
  }
  log(`${sig}: stopping; mesos-up children clean up after themselves, then the bench removes what it made…`);
  // The children run in their own process groups: pass the interrupt on, as a
  // terminal would, and give a running `up` time to roll back.
  signalChildren('SIGINT');
  const deadline = Date.now() + 60_000;
  while (children.size && Date.now() < deadline) await sleep(100);
  signalChildren('SIGKILL');
  await cleanup();
  process.exit(130);
}
process.on('SIGINT', () => void onSignal('SIGINT'));
process.on('SIGTERM', () => void onSignal('SIGTERM'));

// ---------------------------------------------------------------- sections
const results = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGiB: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: `${os.type()} ${os.release()}` },
  options: { quick: opts.quick, rounds: opts.rounds, downRounds: opts.downRounds, scaleRounds: opts.scaleRounds, cliReps: opts.cliReps, coldBuild: opts.coldBuild },
};

async function prerequisites() {
  const v = await docker.version();
  results.machine.engine = `Docker Engine ${v.Version} (API ${v.ApiVersion}), ${v.Os}/${v.Arch}`;
  if ((await run('sh', ['-c', 'command -v docker-compose'])).code !== 0) {
    log('docker-compose is missing: installing Debian\'s package (apt-get install docker-compose)');
    const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
    await runOk(sudo[0] ?? 'apt-get', [...(sudo.length ? ['apt-get'] : []), 'update']);
    await runOk(sudo[0] ?? 'apt-get', [...(sudo.length ? ['apt-get'] : []), 'install', '-y', 'docker-compose'], { env: { DEBIAN_FRONTEND: 'noninteractive' } });
  }
  results.machine.compose = (await runOk('docker-compose', ['version', '--short'])).stdout.trim();
  // The images must be there and current before anything is timed.
  log('making sure the emulated images are built and current (mesos-up images build)');
  const first = await checkBuild(ctx);
  results.imagesBuiltFirst = first.built;
  if (first.built.length) log(`  built ${first.built.join(', ')} (${Math.round(first.ms / 1000)} s)`);
  // Subnet for the baseline's fixed addresses: must not overlap a network on this engine.
  const nets = await docker.listNetworks();
  for (const n of nets) {
    for (const c of n.IPAM?.Config ?? []) {
      if (c.Subnet?.startsWith(`${ctx.subnet}.`)) throw new Error(`the baseline subnet ${ctx.subnet}.0/24 is in use by network ${n.Name}; set BENCH_SUBNET to another free /24 (first three octets)`);
    }
  }
}

async function cliStart() {
  log(`CLI start time: mesos-up --help vs node -e 0, ${opts.cliReps} each, alternating`);
  await waitQuiet();
  const node = [];
  const help = [];
  const hooked = [];
  for (let i = 0; i < opts.cliReps; i++) {
    node.push((await runOk(process.execPath, ['-e', '0'])).ms);
    help.push((await runOk(process.execPath, [ctx.p.cli, '--help'], { cwd: ROOT })).ms);
    if (i % 3 === 0) hooked.push((await runOk(process.execPath, ['--import', ctx.p.hook, ctx.p.cli, '--help'], { cwd: ROOT, env: { MESOS_UP_BENCH_TRACE: path.join(os.tmpdir(), `mesos-up-bench-hook-${process.pid}.json`) } })).ms);
  }
  // What loading each dependency costs on top of Node itself (for whoever trims start time).
  const modules = ['commander', 'yaml', 'zod', 'dockerode', 'listr2', 'eventsource-parser', './dist/index.js', './dist/bin/main.js'];
  const imports = [];
  const reps = opts.quick ? 2 : 5;
  for (const m of modules) {
    const xs = [];
    for (let i = 0; i < reps; i++) xs.push((await runOk(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(m)})`], { cwd: ROOT })).ms);
    imports.push({ module: m, ms: median(xs) });
  }
  const esmBase = [];
  for (let i = 0; i < reps; i++) esmBase.push((await runOk(process.execPath, ['--input-type=module', '-e', '0'], { cwd: ROOT })).ms);
  const base = median(esmBase);
  results.cliStart = {
    node: summary(node),
    help: summary(help),
    hooked: summary(hooked),
    ratio: median(help) / median(node),
    imports: imports.map((x) => ({ ...x, overNode: x.ms - base })),
    raw: { node, help, hooked },
  };
}

async function compare() {
  log(`up until offers flow: mesos-up vs docker-compose baseline, ${opts.rounds} rounds each, alternating`);
  const up = [];
  const base = [];
  for (let i = 0; i < opts.rounds; i++) {
    // Alternate which goes first in a round, so neither always runs on a freshly quiet engine.
    const order = i % 2 === 0 ? ['mesos-up', 'baseline'] : ['baseline', 'mesos-up'];
    for (const which of order) {
      const busyAtStart = await waitQuiet();
      if (which === 'mesos-up') {
        const name = clusterName('u');
        await guarded('compare', name, async () => {
          const r = await mesosUpRun(ctx, name);
          r.busyAtStart = busyAtStart;
          r.cp = analyse(r);
          const d = await mesosUpDown(ctx, name);
          await ensureGone(ctx, name);
          r.downMs = d.ms;
          up.push(r);
          log(`  round ${i + 1} mesos-up: ${(r.ms / 1000).toFixed(2)} s (own overhead ${((r.cp.buckets.own / r.cp.buckets.total) * 100).toFixed(1)} %)`);
        });
      } else {
        const name = clusterName('b');
        await guarded('compare', name, async () => {
          const r = await baselineRun(ctx, name);
          r.busyAtStart = busyAtStart;
          const d = await composeDown(ctx, name);
          await ensureGone(ctx, name);
          r.downMs = d.ms;
          base.push(r);
          log(`  round ${i + 1} baseline: ${(r.ms / 1000).toFixed(2)} s (docker-compose up -d ${(r.composeMs / 1000).toFixed(2)} s)`);
        });
      }
    }
  }
  results.compare = { up, base };
}

async function downVsRm() {
  log(`down vs docker rm -f: ${opts.downRounds} pairs`);
  const down = [];
  const rm = [];
  const downBreakdown = [];
  for (let i = 0; i < opts.downRounds; i++) {
    const order = i % 2 === 0 ? ['down', 'rm'] : ['rm', 'down'];
    for (const which of order) {
      const name = clusterName(which === 'down' ? 'd' : 'r');
      await guarded('down', name, async () => {
        await mesosUpRun(ctx, name);
        await sleep(1500); // let the cluster settle, as a user's would before removing it
        await waitQuiet({ maxMs: 15_000 });
        if (which === 'down') {
          const d = await mesosUpDown(ctx, name, { trace: true });
          down.push(d.ms);
          if (d.breakdown) downBreakdown.push(d.breakdown);
        } else {
          const mem = await members(docker, name);
          rm.push((await bareRemove(ctx, name, mem)).ms);
        }
        await ensureGone(ctx, name);
        log(`  pair ${i + 1} ${which}: ${Math.round((which === 'down' ? down : rm).at(-1))} ms`);
      });
    }
  }
  results.down = {
    down: summary(down),
    rm: summary(rm),
    ratio: median(down) / median(rm),
    // Where mesos-up down's time goes: Node start + loading the CLI until the first
    // engine call, the engine calls themselves, and the rest (exit).
    breakdown: downBreakdown.length
      ? { loadMs: median(downBreakdown.map((b) => b.loadMs)), engineMs: median(downBreakdown.map((b) => b.engineMs)), calls: median(downBreakdown.map((b) => b.calls)), afterMs: median(downBreakdown.map((b) => b.afterMs)) }
      : undefined,
    raw: { down, rm },
  };
}

async function memory() {
  log('memory of a running emulated cluster (engine stats, after 15 s idle)');
  const samples = [];
  for (let attempt = 0; attempt < 2 && !samples.length; attempt++) {
    const name = clusterName('m');
    await guarded('memory', name, async () => {
      await mesosUpRun(ctx, name);
      await sleep(15_000);
      for (let i = 0; i < 3; i++) {
        samples.push(await memoryOf(docker, await members(docker, name)));
        await sleep(2000);
      }
      await mesosUpDown(ctx, name);
      await ensureGone(ctx, name);
    });
  }
  if (!samples.length) return;
  // Report the sample with the largest total RSS.
  samples.sort((a, b) => b.total.rss - a.total.rss);
  results.memory = samples[0];
  results.memory.samples = samples.map((s) => s.total);
}

/** What each add-on adds to `up` and to memory (lib/addons.mjs). */
async function addons() {
  results.addons = await measureAddons({ ctx, docker, rounds: opts.rounds, log, guarded, clusterName });
}

const SCALE = [
  { masters: 1, agents: 1 },
  { masters: 1, agents: 2 },
  { masters: 1, agents: 4 },
  { masters: 1, agents: 8 },
  { masters: 3, agents: 1 },
  { masters: 3, agents: 8 },
  // What publishing task ports on every agent costs (agents.publishPorts, opt-in
  // since the gateway; ten per agent was the default before): the same 8 agents
  // publishing 8000-8009 each.
  { masters: 1, agents: 8, publish: '8000-8009' },
];
const scaleKey = (s) => `${s.masters}m/${s.agents}a${s.publish ? `, task ports ${s.publish}` : ''}`;

/** A deterministic shuffle (a small LCG seeded with `seed`). */
function shuffled(list, seed) {
  const a = [...list];
  let x = seed * 2654435761 % 2 ** 32;
  for (let i = a.length - 1; i > 0; i--) {
    x = (1664525 * x + 1013904223) % 2 ** 32;
    const j = x % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

// A round runs every SCALE configuration and the engine floor of 1 and 8
// agents, in a different order each round, so each round's 8-to-1 ratios (ours
// and the floor's) come from the same few minutes of this machine: a shared
// machine drifts between rounds more than the two sides of a ratio differ.
async function scaling() {
  log(`scaling: ${SCALE.map(scaleKey).join('; ')}; the engine floor of 1 and 8 agents; ${opts.scaleRounds} rounds, interleaved`);
  const byConfig = new Map(SCALE.map((s) => [scaleKey(s), []]));
  const rounds = [];
  const publishFile = path.join(os.tmpdir(), `mesos-up-bench-${runId}-publish.yaml`);
  writeFileSync(publishFile, 'agents:\n  publishPorts: "8000-8009"\n');
  const FLOOR = [{ floor: 1 }, { floor: 8 }];
  for (let i = 0; i < opts.scaleRounds; i++) {
    // A different order each round, so no configuration always follows the same one.
    const round = { up: {}, floor: {} };
    rounds.push(round);
    for (const s of shuffled([...SCALE, ...FLOOR], i + 1)) {
      await waitQuiet();
      if (s.floor) {
        const name = clusterName('f');
        await guarded('scale', name, async () => {
          ctx.created.add(name);
          const ms = await engineFloor(docker, name, s.floor);
          await ensureGone(ctx, name);
          round.floor[s.floor] = ms;
          log(`  engine floor, ${s.floor} agent(s): ${(ms / 1000).toFixed(2)} s`);
        });
        continue;
      }
      const name = clusterName('s');
      await guarded('scale', name, async () => {
        const r = await mesosUpRun(ctx, name, { ...s, cpu: true, ...(s.publish ? { config: publishFile } : {}) });
        r.cp = analyse(r);
        await mesosUpDown(ctx, name);
        await ensureGone(ctx, name);
        byConfig.get(scaleKey(s)).push(r);
        round.up[scaleKey(s)] = { ms: r.ms, ...(r.cpuWork ? { cpu: r.cpuWork } : {}) };
        log(`  ${scaleKey(s)}: ${(r.ms / 1000).toFixed(2)} s${r.cpuWork ? ` (CPU ${r.cpuWork.cpuSeconds.toFixed(1)} s, ${Math.round(r.cpuWork.busyShare * 100)} % busy)` : ''}`);
      });
    }
  }
  rmSync(publishFile, { force: true });
  results.scalingRounds = rounds;
  const floor = Object.fromEntries([1, 8].map((n) => [n, rounds.map((x) => x.floor[n]).filter((ms) => ms !== undefined)]));
  if (floor[1].length && floor[8].length) results.scalingFloor = { one: summary(floor[1]), eight: summary(floor[8]), ratio: median(floor[8]) / median(floor[1]) };
  results.scaling = [...byConfig.entries()].filter(([, runs]) => runs.length).map(([key, runs]) => ({
    key,
    masters: runs[0].masters,
    agents: runs[0].agents,
    publish: SCALE.find((s) => scaleKey(s) === key)?.publish,
    summary: summary(runs.map((r) => r.ms)),
    stages: runs[0].timings.map((t, i) => ({ stage: t.stage, ms: median(runs.map((r) => r.timings[i].ms)) })),
    buckets: {
      component: median(runs.map((r) => r.cp.buckets.component)),
      engine: median(runs.map((r) => r.cp.buckets.engine)),
      own: median(runs.map((r) => r.cp.buckets.own)),
    },
    raw: runs.map((r) => r.ms),
    code: runs.map((r) => r.code),
  }));
}

/** The scheduler path's codec work in protobuf against JSON (bench/lib/scheduler-wire.mjs). */
async function wire() {
  log('scheduler API wire: protobuf vs JSON, the codec work of a session, alternating');
  const { build } = await import('esbuild');
  const out = path.join(ctx.workDir, 'scheduler-wire.mjs');
  await build({ entryPoints: [path.join(ROOT, 'bench', 'lib', 'scheduler-wire.mjs')], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'warning' });
  const { measure } = await import(pathToFileURL(out).href);
  const m = measure({ sessions: opts.quick ? 5 : 15 });
  results.wire = { json: summary(m.json), protobuf: summary(m.protobuf), ratio: median(m.protobuf) / median(m.json), bytes: m.bytes };
}

async function builds() {
  log('image builds: up-to-date check, cached rebuild (--force)');
  await waitQuiet();
  const check = [];
  for (let i = 0; i < (opts.quick ? 1 : 3); i++) check.push((await checkBuild(ctx)).ms);
  const cached = [];
  for (let i = 0; i < (opts.quick ? 1 : 2); i++) cached.push((await cachedBuild(ctx)).ms);
  results.builds = { check: summary(check), cached: summary(cached) };
  const refs = ['mesos-up/zookeeper:0.1.0', 'mesos-up/mesos-master:0.1.0', 'mesos-up/mesos-agent:0.1.0', 'mesos-up/marathon:0.1.0'];
  results.builds.sizes = await imageSizes(ctx, [...refs, 'debian:bookworm-slim']);
  results.builds.disk = await diskTotal(ctx, refs);
  if (opts.coldBuild) {
    log('image builds: cold (no layer cache; apt-get from the Debian mirror), can take minutes');
    try {
      results.builds.cold = await coldBuild(ctx, runId, log);
    } catch (err) {
      results.builds.cold = { error: err.message.split('\n')[0] };
      log(`  cold build failed: ${err.message.split('\n')[0]}`);
    } finally {
      await removeBenchImages(ctx);
    }
  }
}

// ---------------------------------------------------------------- main
// Other work on this machine skews every figure; the load average before and
// after each section goes into the results so a reader can judge.
results.load = [];
async function section(name, fn) {
  const before = os.loadavg()[0];
  const t = Date.now();
  await fn();
  results.load.push({ section: name, before: +before.toFixed(2), after: +os.loadavg()[0].toFixed(2), minutes: +((Date.now() - t) / 60000).toFixed(1) });
}
const started = Date.now();
let failed;
try {
  await prerequisites();
  if (want('cli')) await section('cli', cliStart);
  if (want('compare')) await section('compare', compare);
  if (want('down')) await section('down', downVsRm);
  if (want('memory')) await section('memory', memory);
  if (want('scale')) await section('scale', scaling);
  if (want('build')) await section('build', builds);
  if (want('wire')) await section('wire', wire);
  if (want('addons')) await section('addons', addons);
  // Only when named: it puts the host engine in swarm mode for a while (lib/engines.mjs).
  if (opts.only?.has('engines')) await section('engines', async () => (results.engines = await measureEngines({ ctx, docker, rounds: opts.rounds, log, guarded, clusterName, runId })));
} catch (err) {
  failed = err;
  log(`bench failed: ${err.stack ?? err}`);
} finally {
  await cleanup();
  rmSync(ctx.workDir, { recursive: true, force: true });
}
results.benchMinutes = +((Date.now() - started) / 60000).toFixed(1);
results.quietWaitMinutes = +(quietWaited.ms / 60000).toFixed(1);
results.failures = failures;
{
  const codes = [...(results.compare?.up ?? []).map((r) => r.code), ...(results.scaling ?? []).flatMap((s) => s.code)].filter(Boolean);
  results.codeVersions = [...new Set(codes)].map((c) => ({ code: c, runs: codes.filter((x) => x === c).length }));
}
if (failed) results.error = String(failed.message ?? failed);

// ---------------------------------------------------------------- output
const stamp = `${results.date.slice(0, 10)}${opts.quick ? '-quick' : ''}${opts.only ? (opts.only.size === 1 && opts.only.has('engines') ? '-engines' : '-partial') : ''}`;
const fullRun = !opts.quick && !opts.only && !failed && opts.out === path.join(ROOT, 'bench', 'results');
failed = writeOutputs(results, { stamp, fullRun, json: true }) ?? failed;
process.exit(failed ? 1 : 0);

/**
 * Writes <stamp>.json, <stamp>-timeline.svg, <stamp>-timeline-baseline.svg and
 * <stamp>.md (and, for a full run, the summary in bench/README.md). A --quick or
 * --only run gets its own stamp, so it never replaces a full run's results.
 * Returns the first error, after writing whatever it could.
 */
function writeOutputs(results, { stamp, fullRun, json }) {
  mkdirSync(opts.out, { recursive: true });
  const base = path.join(opts.out, stamp);
  const svgName = `${stamp}-timeline.svg`;
  const svgBaseName = `${stamp}-timeline-baseline.svg`;
  let error;
  // Each output on its own, so a fault in one does not lose the others (the JSON first).
  const attempt = (what, fn) => {
    try {
      fn();
    } catch (err) {
      log(`writing the ${what} failed: ${err.stack ?? err}`);
      error ??= err;
    }
  };
  let pick;
  if (results.compare?.up.length) {
    // The timeline shows the run whose total is the median one.
    const ups = [...results.compare.up].sort((a, b) => a.ms - b.ms);
    pick = ups[Math.floor((ups.length - 1) / 2)];
    if (!pick.trace && results.timelineRun?.name === pick.name) pick = { ...pick, ...results.timelineRun, ms: pick.ms };
    if (pick.trace) {
      pick.cp = analyse(pick);
      results.timelineRun = { name: pick.name, ms: pick.ms, cp: { buckets: pick.cp.buckets, perStage: pick.cp.perStage, details: pick.cp.details }, trace: pick.trace, events: pick.events, timings: pick.timings, ready: pick.ready, members: pick.members };
    } else pick = undefined;
  }
  attempt('verdicts', () => (results.verdicts = verdicts(results)));
  if (json) attempt('JSON', () => writeFileSync(`${base}.json`, `${JSON.stringify(slim(results), null, 1)}\n`));
  if (pick) {
    attempt('timeline', () => {
      const spec = upTimeline(pick, pick.cp);
      spec.title = `mesos-up up --images emulated: ${(pick.ms / 1000).toFixed(2)} s until offers flow (the median of ${results.compare.up.length} runs)`;
      spec.subtitle = `${results.machine.engine}, ${results.machine.cpus} CPUs, ${stamp}. Hover for details. Own overhead ${((pick.cp.buckets.own / pick.cp.buckets.total) * 100).toFixed(1)} %, engine calls ${((pick.cp.buckets.engine / pick.cp.buckets.total) * 100).toFixed(1)} %, waiting on components ${((pick.cp.buckets.component / pick.cp.buckets.total) * 100).toFixed(1)} %.`;
      writeFileSync(path.join(opts.out, svgName), timelineSvg(spec));
    });
    attempt('baseline timeline', () => {
      const bases = [...results.compare.base].sort((a, b) => a.ms - b.ms);
      const bpick = bases[Math.floor((bases.length - 1) / 2)];
      if (!bpick?.events) return; // --render: the JSON does not keep the baseline's events
      const bspec = baselineTimeline(bpick);
      bspec.title = `Baseline: docker-compose up -d, then polling: ${(bpick.ms / 1000).toFixed(2)} s until offers flow (the median of ${bases.length} runs)`;
      bspec.subtitle = `Same images, wiring, ports; healthchecks every 200/250 ms with depends_on: service_healthy. ${results.machine.compose ? `docker-compose ${results.machine.compose}` : ''}`;
      writeFileSync(path.join(opts.out, svgBaseName), timelineSvg(bspec));
    });
  }
  attempt('Markdown', () => writeFileSync(`${base}.md`, renderMarkdown(results, { svgName, svgBaseName }).replace(/\n## Summary\n\n(\|[^\n]*\n){2}(?!\|)/, '') + (results.engines ? renderEngines(results.engines) : '')));
  // A full run also puts its summary into bench/README.md ("Last results").
  if (fullRun) {
    attempt('README', () => {
      const readme = path.join(ROOT, 'bench', 'README.md');
      const text = readFileSync(readme, 'utf8');
      const begin = '<!-- last-results:begin -->';
      const end = '<!-- last-results:end -->';
      const i = text.indexOf(begin);
      const j = text.indexOf(end);
      if (i < 0 || j < i) return;
      const section = renderSummary(results, { page: `results/${stamp}.md`, svg: `results/${svgName}` });
      writeFileSync(readme, `${text.slice(0, i + begin.length)}\n${section}\n${text.slice(j)}`);
    });
  }
  log(`wrote ${path.relative(ROOT, base)}.md${json ? ', .json' : ''}${pick ? `, ${svgName}` : ''}${results.benchMinutes !== undefined ? ` (${results.benchMinutes} min)` : ''}`);
  return error;
}

/** The JSON keeps every figure and the full trace of the timeline run only. */
function slim(r) {
  const strip = (x) => {
    const { trace, events, cp, polls, ...rest } = x;
    return { ...rest, ...(cp ? { criticalPath: { buckets: cp.buckets, perStage: cp.perStage, details: cp.details } } : {}) };
  };
  return {
    ...r,
    ...(r.compare ? { compare: { up: r.compare.up.map(strip), base: r.compare.base.map(strip) } } : {}),
  };
}
