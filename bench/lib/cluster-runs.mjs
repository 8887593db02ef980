// One measured start (mesos-up or the compose baseline) and one measured teardown.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { recordEvents } from './events.mjs';
import { run, runOk } from './proc.mjs';
import { readiness } from './ready.mjs';
import { attribute, snapshot, workSince } from './cpu-work.mjs';

export function paths(root) {
  return {
    root,
    cli: path.join(root, 'bin', 'mesos-up.js'),
    hook: path.join(root, 'bench', 'lib', 'trace-hook.mjs'),
    compose: path.join(root, 'bench', 'baseline', 'compose.yaml'),
  };
}

/**
 * A short hash of the code a run used (dist/ and emulator/dist/): on a machine
 * where others rebuild while the bench runs, the report says whether all runs
 * measured the same code.
 */
export function codeVersion(root) {
  const hash = createHash('sha1');
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir).sort()) {
      const f = path.join(dir, e);
      if (statSync(f).isDirectory()) walk(f);
      else if (/\.(c?js)$/.test(e)) hash.update(e).update(readFileSync(f));
    }
  };
  walk(path.join(root, 'dist'));
  walk(path.join(root, 'emulator', 'dist'));
  return hash.digest('hex').slice(0, 8);
}

/** The cluster's containers from their labels: name, role, id, published host ports. */
export async function members(docker, cluster) {
  const list = await docker.listContainers({ all: true, filters: { label: [`io.mesos-up.cluster=${cluster}`, 'io.mesos-up.role'] } });
  return list
    .filter((c) => c.Labels['io.mesos-up.role'] !== 'task')
    .map((c) => ({
      name: c.Names[0].replace(/^\//, ''),
      role: c.Labels['io.mesos-up.role'],
      id: c.Id,
      ip: Object.values(c.NetworkSettings?.Networks ?? {})[0]?.IPAddress ?? '',
      portMap: Object.fromEntries((c.Ports ?? []).filter((p) => p.PublicPort).map((p) => [p.PrivatePort, p.PublicPort])),
      ports: (c.Ports ?? []).filter((p) => p.PublicPort).map((p) => p.PublicPort),
    }));
}

/**
 * `mesos-up up` as a user runs it, with the trace hook preloaded; throws when up fails.
 * When `up` had to (re)build images (someone rebuilt emulator/dist meanwhile, so
 * the context hash changed), that run measures a build, not a start: it is
 * removed and repeated, at most twice.
 */
export async function mesosUpRun(ctx, name, opts = {}) {
  for (let attempt = 0; ; attempt++) {
    const r = await mesosUpOnce(ctx, name, opts);
    const images = r.timings.find((t) => /images/i.test(t.stage));
    if (!images || images.ms < 1500 || attempt >= 2) return { ...r, imageStageMs: images?.ms };
    ctx.log?.(`  ${name}: up spent ${images.ms} ms building images (the build context changed); repeating this run`);
    await mesosUpDown(ctx, name);
    await ensureGone(ctx, name);
  }
}

async function mesosUpOnce(ctx, name, { agents = 1, masters = 1, config, cpu = false } = {}) {
  const { docker, p } = ctx;
  const traceFile = path.join(os.tmpdir(), `mesos-up-bench-${name}-${process.pid}.json`);
  rmSync(traceFile, { force: true });
  const code = codeVersion(p.root);
  const rec = await recordEvents(docker, { cluster: name });
  ctx.created.add(name);
  const args = ['--import', p.hook, p.cli, 'up', '--name', name, '--images', 'emulated', '--json'];
  if (agents !== 1) args.push('--agents', String(agents));
  if (masters !== 1) args.push('--masters', String(masters));
  if (config) args.push('-f', config);
  const before = cpu ? snapshot() : undefined;
  const r = await run(process.execPath, args, { cwd: ctx.workDir, env: { MESOS_UP_BENCH_TRACE: traceFile, CI: '1' } });
  // (read before anything else runs: the cluster idles once up returned)
  const work = workSince(before);
  const events = await rec.stop();
  if (r.code !== 0) {
    throw new Error(`mesos-up up --name ${name} failed (exit ${r.code}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  }
  const json = JSON.parse(r.stdout);
  const trace = existsSync(traceFile) ? JSON.parse(readFileSync(traceFile, 'utf8')) : undefined;
  rmSync(traceFile, { force: true });
  const mem = await members(docker, name);
  const roles = new Map(mem.map((m) => [m.id, m.role]));
  const cpuWork = work && attribute(work, roles);
  const ready = await readiness(docker, mem, agents);
  const zkHostPort = json.zkUrl ? new URL(json.zkUrl.replace(/^zk:/, 'http:')).port : undefined;
  return { kind: 'mesos-up', name, code, agents, masters, ms: r.ms, t0: r.t0, t1: r.t1, timings: json.timings, trace, events, members: mem, ready, zkHostPort, ...(cpuWork ? { cpuWork } : {}) };
}

/**
 * The baseline: `docker-compose up -d` on bench/baseline/compose.yaml, then the same
 * offers-flowing probe mesos-up uses, polled from the host every 50 ms, as mesos-up polls.
 */
export async function baselineRun(ctx, name) {
  const { docker, p, dist } = ctx;
  const rec = await recordEvents(docker, { cluster: name });
  ctx.created.add(name);
  ctx.composeProjects.add(name);
  const env = { BENCH_CLUSTER: name, BENCH_SUBNET: ctx.subnet };
  const h0 = process.hrtime.bigint();
  const r = await run('docker-compose', ['-p', name, '-f', p.compose, 'up', '-d'], { cwd: ctx.workDir, env });
  if (r.code !== 0) {
    await rec.stop();
    throw new Error(`docker-compose up -d (${name}) failed (exit ${r.code}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  }
  const composeExit = r.t1;
  const mem = await members(docker, name);
  const masters = mem.filter((m) => m.role === 'master').map((m) => ({ name: m.name, ip: m.ip, url: `http://127.0.0.1:${m.portMap[5050]}` }));
  const marathon = mem.find((m) => m.role === 'marathon');
  const ep = { masters, marathonUrl: `http://127.0.0.1:${marathon.portMap[8080]}`, agents: mem.filter((m) => m.role === 'agent').length };
  const probe = dist.offersFlowing(ep);
  const polls = [];
  const controller = new AbortController();
  ctx.aborts.add(controller);
  try {
    await dist.waitUntil(
      async (signal) => {
        const res = await probe(signal);
        polls.push({ at: Date.now(), ok: res.ok, detail: res.detail });
        return res;
      },
      { deadline: Date.now() + 180_000, signal: controller.signal, intervalMs: 50, what: 'offers to flow (baseline)' },
    );
  } finally {
    ctx.aborts.delete(controller);
  }
  const ms = Number(process.hrtime.bigint() - h0) / 1e6;
  const t1 = Date.now();
  const events = await rec.stop();
  const ready = await readiness(docker, mem, ep.agents);
  return { kind: 'baseline', name, ms, t0: r.t0, t1, composeMs: r.ms, composeExit, events, members: mem, ready, polls };
}

/**
 * `mesos-up down --name <name>`, timed. With `trace`, the trace hook is preloaded
 * and the result also says how long Node took to start and load the CLI (until
 * its first engine call) and how long the engine calls took (their union).
 */
export async function mesosUpDown(ctx, name, { trace = false } = {}) {
  if (!trace) {
    const r = await runOk(process.execPath, [ctx.p.cli, 'down', '--name', name, '--json'], { cwd: ctx.workDir });
    return { ms: r.ms, removed: JSON.parse(r.stdout).removed };
  }
  const traceFile = path.join(os.tmpdir(), `mesos-up-bench-down-${name}-${process.pid}.json`);
  const r = await runOk(process.execPath, ['--import', ctx.p.hook, ctx.p.cli, 'down', '--name', name, '--json'], { cwd: ctx.workDir, env: { MESOS_UP_BENCH_TRACE: traceFile } });
  let breakdown;
  try {
    const t = JSON.parse(readFileSync(traceFile, 'utf8'));
    const calls = t.docker.map((c) => [c.start, c.end || c.headers || c.start]).sort((a, b) => a[0] - b[0]);
    let engineMs = 0;
    let cur;
    for (const [a, b] of calls) {
      if (cur && a <= cur[1]) cur[1] = Math.max(cur[1], b);
      else {
        if (cur) engineMs += cur[1] - cur[0];
        cur = [a, b];
      }
    }
    if (cur) engineMs += cur[1] - cur[0];
    breakdown = { loadMs: (calls[0]?.[0] ?? r.t1) - r.t0, engineMs, calls: calls.length, afterMs: r.t1 - (calls.length ? Math.max(...calls.map((c) => c[1])) : r.t1) };
  } catch {
    /* no trace: the time alone */
  }
  rmSync(traceFile, { force: true });
  return { ms: r.ms, removed: JSON.parse(r.stdout).removed, breakdown };
}

/** What a user would type instead: docker rm -f -v <the containers> (the agent's work directory is a volume); docker network rm <the network>. */
export async function bareRemove(ctx, name, mem) {
  const h0 = process.hrtime.bigint();
  await runOk('docker', ['rm', '-f', '-v', ...mem.map((m) => m.name)]);
  await runOk('docker', ['network', 'rm', `mesos-up-${name}`]);
  return { ms: Number(process.hrtime.bigint() - h0) / 1e6 };
}

export async function composeDown(ctx, name) {
  const r = await runOk('docker-compose', ['-p', name, '-f', ctx.p.compose, 'down', '-v'], { cwd: ctx.workDir, env: { BENCH_CLUSTER: name, BENCH_SUBNET: ctx.subnet } });
  ctx.composeProjects.delete(name);
  return { ms: r.ms };
}

/** Removes whatever is still labelled for `name` (untimed safety net) and checks nothing is left. */
export async function ensureGone(ctx, name) {
  await ctx.dist.removeCluster(ctx.docker, name);
  const left = await ctx.docker.listContainers({ all: true, filters: { label: [`io.mesos-up.cluster=${name}`] } });
  const nets = await ctx.docker.listNetworks({ filters: { name: [`mesos-up-${name}`] } });
  if (left.length || nets.some((n) => n.Name === `mesos-up-${name}`)) throw new Error(`cluster ${name} left ${left.length} containers / its network behind`);
  ctx.created.delete(name);
}
