// The engines section of the bench: `up` until offers flow with the agents
// spread over three Docker engines (the host's and two engines running in
// containers on it, test/fixtures/inner-engine) against the same number of
// agents on the host engine alone; the one-time costs beside it (the inner
// engines starting, the swarm, the agent image copied to each engine) and
// `down` for both. Only with `--only engines`: it puts the host engine in swarm
// mode for a while, under the lock the tests that watch the host's swarm state
// take (test/support/host-swarm-lock.ts).
//
// Everything made for the inner engines carries io.mesos-up.test=inner-engines
// and io.mesos-up.test-engines=bench-<run>, and goes at the end, also on
// failure or Ctrl-C (ctx.cleanups). Traffic: 127.0.0.1 (published ports, the
// inner engines' APIs) and the inner engines' own bridge (swarm, VXLAN).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { lockHostSwarm } from '../../test/support/host-swarm-lock.mjs';
import { run, runOk, sleep } from './proc.mjs';
import { waitQuiet } from './quiet.mjs';
import { fmtMs, fmtRatio, fmtSummary, median, summary } from './stats.mjs';

const TEST_LABEL = 'io.mesos-up.test';
const TEST_VALUE = 'inner-engines';
const RUN_LABEL = 'io.mesos-up.test-engines';
const SWARM_STAGE = 'Putting the engines in one swarm';
const COPY_STAGE = 'Bringing images to the other engines';
/** Shape of the comparison: 3 engines × 2 agents against 1 engine × 6 agents. */
const ENGINES = 3;
const PER_ENGINE = 2;

const closedPort = async () => {
  const srv = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
};

/** The test harness's capability set (this host refuses --privileged: no CAP_SYS_RESOURCE in its bounding set). */
const capabilitySet = (root) => JSON.parse(readFileSync(path.join(root, 'test', 'fixtures', 'inner-engine', 'capabilities.json'), 'utf8'));

/** The fixture's image under the tag the tests give it (a hash of its files), built only when missing. */
async function ensureImage(docker, root, log) {
  const dir = path.join(root, 'test', 'fixtures', 'inner-engine');
  const files = ['Dockerfile', 'entrypoint.sh'];
  const h = createHash('sha256');
  for (const f of files) h.update(f).update('\0').update(readFileSync(path.join(dir, f))).update('\0');
  const ref = `mesos-up-test/inner-engine:${h.digest('hex').slice(0, 12)}`;
  const t0 = Date.now();
  if (await docker.getImage(ref).inspect().then(() => true, () => false)) return { ref, built: false, ms: Date.now() - t0 };
  log(`  building ${ref} from test/fixtures/inner-engine (apt-get from the Debian mirror)`);
  const stream = await docker.buildImage({ context: dir, src: files }, { t: ref, labels: { [TEST_LABEL]: TEST_VALUE }, rm: true, forcerm: true });
  await new Promise((resolve, reject) => docker.modem.followProgress(stream, (err, out) => {
    const failed = out?.find((o) => o.error);
    if (err || failed) reject(new Error(`building ${ref}: ${err?.message ?? failed.error}`));
    else resolve();
  }));
  return { ref, built: true, ms: Date.now() - t0 };
}

/** Removes every container, volume and network carrying `label` on the host engine. */
async function removeLabelled(docker, label) {
  const filters = { label: [label] };
  const problems = [];
  for (const c of await docker.listContainers({ all: true, filters })) {
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch((e) => e.statusCode !== 404 && problems.push(`container ${c.Names[0]}: ${e.message}`));
  }
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) {
    for (let i = 0; ; i++) {
      try {
        await docker.getVolume(v.Name).remove();
        break;
      } catch (e) {
        if (e.statusCode === 404) break;
        if (i >= 20) {
          problems.push(`volume ${v.Name}: ${e.message}`);
          break;
        }
        await sleep(250);
      }
    }
  }
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch((e) => e.statusCode !== 404 && problems.push(`network ${n.Name}: ${e.message}`));
  if (problems.length) throw new Error(`could not remove: ${problems.join('; ')}`);
}

/**
 * `count` engines in containers on one user bridge, each API published on a
 * port of 127.0.0.1 chosen here; resolves once each answers /_ping and /info.
 */
async function startInnerEngines(docker, { count, tag, image, connectEngine }) {
  const labels = { [TEST_LABEL]: TEST_VALUE, [RUN_LABEL]: tag };
  const network = `${tag}-engines`;
  const t0 = Date.now();
  await docker.createNetwork({ Name: network, Driver: 'bridge', CheckDuplicate: true, Labels: labels });
  const engines = await Promise.all(Array.from({ length: count }, async (_, k) => {
    const name = `${tag}-engine${k + 1}`;
    await docker.createVolume({ Name: `${name}-data`, Labels: labels });
    const port = await closedPort();
    const c = await docker.createContainer({
      name, Hostname: name, Image: image, Labels: labels, Env: ['INNER_ENGINE_TCP=1'], Cmd: [], ExposedPorts: { '2375/tcp': {} },
      HostConfig: { ...capabilitySet(root), Binds: [`${name}-data:/var/lib/docker`], PortBindings: { '2375/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] }, NetworkMode: network },
    });
    await c.start();
    const endpoint = `tcp://127.0.0.1:${port}`;
    for (const deadline = Date.now() + 120_000; ;) {
      const state = (await c.inspect()).State;
      if (!state.Running) throw new Error(`inner engine ${name} exited (${state.Status}, code ${state.ExitCode}) before it answered`);
      try {
        const client = await connectEngine({ env: { DOCKER_HOST: endpoint }, timeoutMs: 1000 });
        if ((await client.info()).ServerVersion) return { name, endpoint, client, readyMs: Date.now() - t0 };
      } catch {
        /* not yet */
      }
      if (Date.now() > deadline) throw new Error(`inner engine ${name} at ${endpoint} did not answer within 120 s`);
      await sleep(200);
    }
  }));
  const gateway = (await docker.getNetwork(network).inspect()).IPAM?.Config?.find((c) => c.Gateway)?.Gateway;
  if (!gateway) throw new Error(`the inner engines' bridge ${network} has no gateway address`);
  return { engines, network, gateway, readyMs: Date.now() - t0 };
}

const swarmSummary = (s) => ({ state: s.state, nodeId: s.nodeId ?? '', isManager: s.isManager, clusterId: s.clusterId ?? '' });
const sameSwarm = (a, b) => JSON.stringify(swarmSummary(a)) === JSON.stringify(swarmSummary(b));
const hasGwbridge = async (d) => (await d.listNetworks({ filters: { name: ['docker_gwbridge'] } })).some((n) => n.Name === 'docker_gwbridge');

/**
 * The section. `ctx` is the bench's (paths, workDir, created clusters,
 * cleanups); returns every figure for results.engines.
 */
export async function measureEngines({ ctx, docker, rounds, log, guarded, clusterName, runId }) {
  const root = ctx.p.root;
  const imp = (rel) => import(pathToFileURL(path.join(root, rel)).href);
  const [{ swarmState }, { connectEngine }, { copyImage }] = await Promise.all([imp('dist/engine/swarm.js'), imp('dist/engine/connect.js'), imp('dist/engine/image-copy.js')]);
  const tag = `bench-${runId}`;
  const out = { shape: { engines: ENGINES, perEngine: PER_ENGINE, agents: ENGINES * PER_ENGINE }, rounds: [], anomalies: [] };
  // The host's swarm state as it is when nobody holds the lock (a test holding
  // it may have the host in a swarm of its own just then).
  const underLock = async (fn) => {
    const t0 = Date.now();
    const release = await lockHostSwarm();
    try {
      return await fn(Date.now() - t0);
    } finally {
      release();
    }
  };
  const [before, gwBefore] = await underLock(async (waited) => {
    if (waited > 2000) log(`  waited ${fmtMs(waited)} for the host-swarm lock`);
    return [await swarmState(docker), await hasGwbridge(docker)];
  });
  out.hostSwarmBefore = { ...swarmSummary(before), gwbridge: gwBefore };
  log(`engines: ${ENGINES} engines × ${PER_ENGINE} agents vs 1 engine × ${ENGINES * PER_ENGINE} agents, ${rounds} rounds alternating; host swarm ${before.state}${gwBefore ? ', docker_gwbridge present' : ''} (read under the host-swarm lock)`);
  if (before.state !== 'inactive') throw new Error(`the host engine is in swarm state ${before.state} while nobody holds ${LOCK}: the section would change a swarm it did not make; leave it out`);

  let unlock;
  const multiNames = new Set();
  // Undoes what a cut-short multi-engine cluster left: mesos-up's own removal
  // (it reads the engines from the labels and undoes the swarm), then a swarm
  // on the host still carrying one of this section's cluster names.
  const undoMulti = async () => {
    for (const name of multiNames) await ctx.dist.removeCluster(docker, name).catch((e) => log(`  removing ${name}: ${e.message}`));
    const s = await swarmState(docker).catch(() => undefined);
    if (s && before.state === 'inactive' && s.state !== 'inactive' && [...multiNames].includes(s.labels?.['io.mesos-up.swarm-for'])) {
      log(`  the host engine is still in the swarm made for ${s.labels['io.mesos-up.swarm-for']}: leaving it`);
      out.anomalies.push(`host engine left in swarm ${s.clusterId} after the section's clusters went; the section made it leave`);
      await docker.swarmLeave({ force: true }).catch((e) => log(`  swarm leave: ${e.message}`));
      if (!gwBefore) for (const n of await docker.listNetworks({ filters: { name: ['docker_gwbridge'] } })) if (n.Name === 'docker_gwbridge') await docker.getNetwork(n.Id).remove().catch(() => undefined);
    }
  };
  let cleaned;
  const cleanup = () => (cleaned ??= (async () => {
    await undoMulti();
    unlock?.();
    unlock = undefined;
    await removeLabelled(docker, `${RUN_LABEL}=${tag}`);
  })());
  ctx.cleanups.add(cleanup);

  try {
    await waitQuiet();
    const image = await ensureImage(docker, root, log);
    out.image = image;
    const inner = await startInnerEngines(docker, { count: ENGINES - 1, tag, image: image.ref, connectEngine });
    out.innerReady = { ms: inner.readyMs, each: inner.engines.map((e) => e.readyMs), mode: 'capabilities' };
    log(`  ${inner.engines.length} inner engines answer after ${fmtMs(inner.readyMs)} (image ${image.built ? `built in ${fmtMs(image.ms)}` : 'present'}); the host is ${inner.gateway} on their bridge`);
    const innerVersion = (await inner.engines[0].client.version()).Version;
    out.innerEngine = `Docker Engine ${innerVersion}`;

    const files = {
      multi: path.join(ctx.workDir, 'engines-multi.yaml'),
      single: path.join(ctx.workDir, 'engines-single.yaml'),
    };
    writeFileSync(files.multi, [
      'engines:',
      `  - { endpoint: local, agents: ${PER_ENGINE}, advertise: ${inner.gateway} }`,
      ...inner.engines.map((e) => `  - { endpoint: "${e.endpoint}", agents: ${PER_ENGINE} }`),
      '',
    ].join('\n'));
    writeFileSync(files.single, `agents:\n  count: ${ENGINES * PER_ENGINE}\n`);

    const upOnce = async (name, kind) => {
      ctx.created.add(name);
      if (kind === 'multi') multiNames.add(name);
      const r = await run(process.execPath, [ctx.p.cli, 'up', '-f', files[kind], '--name', name, '--images', 'emulated', '--json', '--timings'], { cwd: ctx.workDir, env: { CI: '1' } });
      if (r.code !== 0) throw new Error(`mesos-up up (${kind}) --name ${name} failed (exit ${r.code}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
      const json = JSON.parse(r.stdout);
      return { ms: r.ms, timings: json.timings, engines: json.engines?.map((e) => ({ endpoint: e.endpoint, agents: e.agents.length })), agentImage: json.containers.find((c) => c.role === 'agent')?.image };
    };
    const downOnce = async (name) => {
      const r = await runOk(process.execPath, [ctx.p.cli, 'down', '--name', name, '--json'], { cwd: ctx.workDir });
      return { ms: r.ms, notes: JSON.parse(r.stdout).removed?.notes ?? [] };
    };
    // After each down: nothing of the cluster on any engine, and the host's swarm as before.
    const checkGone = async (name, kind) => {
      await ctx.dist.removeCluster(docker, name);
      const label = { label: [`io.mesos-up.cluster=${name}`] };
      const left = [];
      for (const [i, d] of [docker, ...(kind === 'multi' ? inner.engines.map((e) => e.client) : [])].entries()) {
        const n = (await d.listContainers({ all: true, filters: label })).length + (await d.listNetworks({ filters: label })).length + ((await d.listVolumes({ filters: label })).Volumes ?? []).length;
        if (n) left.push(`${n} objects on engine ${i}`);
        if (i > 0 && (await swarmState(d)).state !== 'inactive') left.push(`inner engine ${i} still in a swarm`);
      }
      const s = await swarmState(docker);
      if (!sameSwarm(s, before)) left.push(`host swarm ${s.state} (before: ${before.state})`);
      if (left.length) out.anomalies.push(`${name}: after down: ${left.join(', ')}`);
      ctx.created.delete(name);
      multiNames.delete(name);
    };

    // Round 0: the first multi-engine `up`, which copies the agent image to the
    // inner engines; reported with the one-time costs, left out of the comparison.
    for (let i = -1; i < rounds; i++) {
      for (const kind of i < 0 ? ['multi'] : i % 2 === 0 ? ['multi', 'single'] : ['single', 'multi']) {
        const busyAtStart = await waitQuiet();
        const load = +os.loadavg()[0].toFixed(2);
        const name = clusterName(kind === 'multi' ? 'e' : 'e1');
        const lockT0 = Date.now();
        if (kind === 'multi') {
          unlock = await lockHostSwarm();
          const now = await swarmState(docker);
          if (!sameSwarm(now, before)) out.anomalies.push(`round ${i + 1}: host swarm ${now.state} on taking the lock (before: ${before.state})`);
        }
        const lockWaitMs = Date.now() - lockT0;
        if (lockWaitMs > 2000) log(`  waited ${fmtMs(lockWaitMs)} for the host-swarm lock`);
        try {
          await guarded('engines', name, async () => {
            const u = await upOnce(name, kind);
            await sleep(1500); // settle, as the down section does
            const d = await downOnce(name);
            await checkGone(name, kind);
            const stage = (t) => u.timings.find((x) => x.stage === t)?.ms;
            out.rounds.push({ round: i + 1, kind, name, upMs: u.ms, downMs: d.ms, busyAtStart, load, lockWaitMs, swarmMs: stage(SWARM_STAGE), copyMs: stage(COPY_STAGE), timings: u.timings, engines: u.engines, downNotes: d.notes });
            out.agentImage ??= u.agentImage;
            log(`  ${i < 0 ? 'first run (not compared)' : `round ${i + 1}`} ${kind === 'multi' ? `${ENGINES}×${PER_ENGINE}` : `1×${ENGINES * PER_ENGINE}`}: up ${fmtMs(u.ms)}${kind === 'multi' ? ` (swarm ${fmtMs(stage(SWARM_STAGE))}, image copy ${fmtMs(stage(COPY_STAGE))})` : ''}, down ${fmtMs(d.ms)}; load ${load}, CPU ${Math.round(busyAtStart * 100)} %`);
          });
        } finally {
          if (kind === 'multi') {
            await undoMulti();
            unlock?.();
            unlock = undefined;
          }
        }
      }
    }

    // The agent image copied to one engine at a time (what the first multi-engine
    // `up` did to both at once): removed from the inner engine, copied back.
    if (out.agentImage) {
      out.copyPerEngine = [];
      for (const e of inner.engines) {
        await waitQuiet();
        await e.client.getImage(out.agentImage).remove({ force: true }).catch(() => undefined);
        const c = await copyImage(docker, e.client, out.agentImage);
        out.copyPerEngine.push({ engine: e.endpoint, ms: c.ms, bytes: c.bytes, copied: c.copied });
        log(`  ${out.agentImage} to ${e.endpoint} alone: ${fmtMs(c.ms)}, ${(c.bytes / 1e6).toFixed(1)} MB`);
      }
    }
  } finally {
    await cleanup().catch((e) => {
      out.anomalies.push(`cleanup: ${e.message}`);
      log(`  engines cleanup: ${e.message}`);
    });
    ctx.cleanups.delete(cleanup);
    const [after, gwAfter] = await underLock(async () => [await swarmState(docker), await hasGwbridge(docker)]);
    const leftover = (await docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${tag}`] } })).length + (await docker.listVolumes({ filters: { label: [`${RUN_LABEL}=${tag}`] } })).Volumes?.length + (await docker.listNetworks({ filters: { label: [`${RUN_LABEL}=${tag}`] } })).length;
    out.hostSwarmAfter = { ...swarmSummary(after), gwbridge: gwAfter };
    out.hostSwarmSame = sameSwarm(before, after) && gwAfter === gwBefore;
    out.innerLeftover = leftover;
    log(`  host swarm after the section: ${after.state}${gwAfter ? ', docker_gwbridge present' : ''} (${out.hostSwarmSame ? 'as before' : 'CHANGED'}); inner-engine objects left: ${leftover}`);
  }
  return finish(out);
}

function finish(out) {
  const compared = out.rounds.filter((r) => r.round > 0);
  const of = (kind, key) => compared.filter((r) => r.kind === kind).map((r) => r[key]).filter((x) => Number.isFinite(x));
  const first = out.rounds.find((r) => r.round === 0);
  out.first = first && { upMs: first.upMs, downMs: first.downMs, copyMs: first.copyMs, swarmMs: first.swarmMs };
  out.multi = { up: summary(of('multi', 'upMs')), down: summary(of('multi', 'downMs')) };
  out.single = { up: summary(of('single', 'upMs')), down: summary(of('single', 'downMs')) };
  out.upRatio = out.multi.up.median / out.single.up.median;
  out.downRatio = out.multi.down.median / out.single.down.median;
  out.swarm = summary(out.rounds.filter((r) => r.kind === 'multi').map((r) => r.swarmMs).filter((x) => Number.isFinite(x)));
  out.copyFirst = first?.copyMs;
  out.copyLater = summary(of('multi', 'copyMs'));
  const stages = [...new Set(out.rounds.flatMap((r) => r.timings.map((t) => t.stage)))];
  out.stages = stages.map((stage) => {
    const m = (kind) => median(compared.filter((r) => r.kind === kind).map((r) => r.timings.find((t) => t.stage === stage)?.ms).filter((x) => Number.isFinite(x)));
    return { stage, multi: m('multi'), single: m('single') };
  });
  return out;
}

/** The section's part of the results page. */
export function renderEngines(e) {
  const o = [];
  const a = e.shape.agents;
  o.push('', `## A cluster over ${e.shape.engines} engines against one engine`, '');
  o.push(`\`mesos-up up -f <file> --images emulated --json --timings\` until offers flow, ${e.shape.agents} agents either way: ${e.shape.engines} engines × ${e.shape.perEngine} agents (the host engine, with ZooKeeper, the master, Marathon and the gateway, and two Docker engines in containers on it: test/fixtures/inner-engine, ${e.innerEngine ?? 'dockerd'}) against the host engine alone with ${a} agents; one of each per round, the order alternating; then \`mesos-up down --name\` for each. A first multi-engine run before the rounds copies the agent image to the inner engines; it is left out of the comparison and reported with the one-time costs. The multi-engine \`up\` starts a swarm on the host engine (advertising its address on the inner engines' bridge), joins the two, copies the agent image (first run only) and makes an overlay; its \`down\` undoes all of it.`, '');
  const t = [['figure', `${e.shape.engines} engines × ${e.shape.perEngine}`, `1 engine × ${a}`, 'ratio']];
  t.push(['`up` until offers flow', fmtSummary(e.multi.up), fmtSummary(e.single.up), fmtRatio(e.upRatio)]);
  t.push(['`down`', fmtSummary(e.multi.down), fmtSummary(e.single.down), fmtRatio(e.downRatio)]);
  o.push(table(t), '');
  const c = [['one-time cost', 'time', 'note']];
  if (e.innerReady) c.push(['inner engines ready (network, volumes, containers, until each answers /info)', fmtMs(e.innerReady.ms), `each: ${e.innerReady.each.map(fmtMs).join(', ')}; image ${e.image?.built ? `built ${fmtMs(e.image.ms)}` : 'already built'}; explicit capability set (--privileged is refused here)`]);
  c.push([`swarm init + ${e.shape.engines - 1} joins (stage "${SWARM_STAGE}", every multi-engine \`up\`)`, fmtSummary(e.swarm), 'down makes the engines leave again, so each round pays it']);
  c.push([`agent image to the ${e.shape.engines - 1} inner engines at once (stage "${COPY_STAGE}" of the first \`up\`)`, fmtMs(e.copyFirst), `that \`up\` took ${fmtMs(e.first?.upMs)} in all, its \`down\` ${fmtMs(e.first?.downMs)}; later runs find the image there: ${fmtSummary(e.copyLater)}`]);
  for (const p of e.copyPerEngine ?? []) c.push([`agent image to one engine alone (${p.engine})`, fmtMs(p.ms), `${(p.bytes / 1e6).toFixed(1)} MB save → load`]);
  o.push(table(c), '');
  o.push('Median time per stage of `up` (`--timings`), compared rounds:', '');
  o.push(table([['stage', `${e.shape.engines} × ${e.shape.perEngine}`, `1 × ${a}`], ...e.stages.map((s) => [s.stage, fmtMs(s.multi), fmtMs(s.single)])]), '');
  o.push(table([['round', 'kind', 'up', 'down', 'load (1 min)', 'CPU busy at start', 'swarm stage', 'image stage'], ...e.rounds.map((r) => [r.round > 0 ? String(r.round) : 'first (not compared)', r.kind === 'multi' ? `${e.shape.engines}×${e.shape.perEngine}` : `1×${a}`, fmtMs(r.upMs), fmtMs(r.downMs), String(r.load), `${Math.round(r.busyAtStart * 100)} %`, r.swarmMs !== undefined ? fmtMs(r.swarmMs) : '', r.copyMs !== undefined ? fmtMs(r.copyMs) : ''])]), '');
  o.push(`Host engine's swarm before: ${e.hostSwarmBefore.state}${e.hostSwarmBefore.gwbridge ? ' (docker_gwbridge present)' : ''}; after: ${e.hostSwarmAfter?.state}${e.hostSwarmAfter?.gwbridge ? ' (docker_gwbridge present)' : ''}: ${e.hostSwarmSame ? 'the same' : '**changed**'}. Inner-engine objects left: ${e.innerLeftover ?? '?'}.`);
  if (e.anomalies.length) o.push('', 'Anomalies:', '', ...e.anomalies.map((x) => `- ${x}`));
  return `${o.join('\n')}\n`;
}

const table = (rows) => [`| ${rows[0].join(' | ')} |`, `|${rows[0].map(() => '---').join('|')}|`, ...rows.slice(1).map((r) => `| ${r.join(' | ')} |`)].join('\n');
