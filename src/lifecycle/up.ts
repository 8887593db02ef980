// `up`: preflight, images, network, ZooKeeper, masters, agents and Marathon,
// then wait until offers flow. On failure or interrupt, remove what this run made.
import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import type { ClusterSpec, Role } from '../config/schema.js';
import { MesosUpError } from '../errors.js';
import { createContainer, startContainer, type RunningContainer } from '../engine/containers.js';
import { createNetwork, freeSubnetOn, type NetworkInfo } from '../engine/network.js';
import { createOverlayNetwork, swarmState } from '../engine/swarm.js';
import { enginesLabel, gatewayPortsOf, spansEngines } from '../plan/engines.js';
import { createVolume } from '../engine/volumes.js';
import { assignAddresses } from '../plan/addresses.js';
import { AGENT_PORT, MARATHON_PORT, MASTER_PORT, planCluster, ZK_PORT, type PlanContext } from '../plan/cluster.js';
import { GATEWAY_CONTROL_PORT } from '../plan/gateway.js';
import { MESOS_DNS_HTTP_PORT, MESOS_DNS_PORT } from '../plan/mesos-dns.js';
import { MARATHON_LB_STATS_PORT } from '../plan/marathon-lb.js';
import { METRONOME_PORT } from '../plan/metronome.js';
import { baseLabels, LABEL, networkName } from '../plan/labels.js';
import type { ComponentRole, ContainerPlan, ImageSet } from '../plan/types.js';
import { gatewayRoutes } from '../probes/gateway.js';
import { httpRequest } from '../probes/http.js';
import { offersFlowing } from '../probes/offers.js';
import { waitUntil } from '../probes/wait.js';
import { zkReady } from '../probes/zookeeper.js';
import { freeTcpUdpPort, portFree } from '../probes/ports.js';
import { version } from '../version.js';
import type { Action, Reporter, Timing } from './actions.js';
import { runCanary } from './canary.js';
import { describeCluster, type ClusterInfo } from './describe.js';
import { discoverClusters } from './discover.js';
import { containersAlive } from './failfast.js';
import { resolveImages } from './images.js';
import { preflight as preflightImages } from './preflight.js';
import { removeCluster } from './remove.js';
import { checkEngines, checkOnlyEngine, type EngineSetup } from './engines-check.js';
import { imagesToEngines } from './image-spread.js';
import { joinEngines } from './swarm-setup.js';

export interface UpOptions {
  spec: ClusterSpec;
  docker: Docker;
  reporter: Reporter;
  signal: AbortSignal;
  /** keep containers when up fails */
  retain?: boolean;
  /** also wait for a tiny app to reach TASK_RUNNING */
  canary?: boolean;
  /** extra labels on everything (fixtures: session id, config hash) */
  labels?: Record<string, string>;
}

interface UpContext {
  opts: UpOptions;
  spec: ClusterSpec;
  docker: Docker;
  runId: string;
  deadline: number;
  images?: ImageSet;
  network?: NetworkInfo;
  /** a cluster over several engines: their clients and what up does to put them in one swarm */
  engines?: EngineSetup;
  /** a cluster over several engines: each engine's swarm address, by engine (plan/cluster.ts PlanContext.engineHosts) */
  engineHosts?: string[];
  /** the gateway's start, under way beside the rest (joined by routeThroughGateway) */
  gateway?: Promise<void>;
  started: Map<string, { plan: ContainerPlan; running: RunningContainer }>;
  /**
   * Aborted on Ctrl-C and as soon as any part of a stage fails, so a part still
   * running beside it (Marathon waiting on ZooKeeper, say) neither starts a
   * container after the rollback nor keeps waiting until the deadline.
   */
  halt: AbortController;
  /** engine calls under way, awaited before cleanup so nothing appears after it */
  inflight: Set<Promise<unknown>>;
  createdAnything: boolean;
}

function track<T>(ctx: UpContext, p: Promise<T>): Promise<T> {
  ctx.inflight.add(p);
  void p.catch(() => undefined).finally(() => ctx.inflight.delete(p));
  return p;
}

/** Stops a wait once a container of the cluster exited, on any of its engines. */
const alive = (ctx: UpContext) => containersAlive(ctx.docker, ctx.spec.name, ctx.engines ? { others: ctx.engines.clients.slice(1) } : {});

function checkAbort(ctx: UpContext): void {
  if (ctx.halt.signal.aborted) throw new MesosUpError('INTERRUPTED', 'interrupted');
}

function planContext(ctx: UpContext): PlanContext {
  return { spec: ctx.spec, images: ctx.images!, cliVersion: version, runId: ctx.runId, ...(ctx.engineHosts ? { engineHosts: ctx.engineHosts } : {}) };
}

/** The engine `plan` runs on: the one the CLI talks to unless the cluster spans engines. */
function engineOf(ctx: UpContext, plan: ContainerPlan): Docker {
  if (!ctx.engines || !plan.engine) return ctx.docker;
  return ctx.engines.clients[ctx.spec.engines.findIndex((e) => e.endpoint === plan.engine)] ?? ctx.docker;
}

/** The run's extra labels on everything it makes; on a cluster spanning engines, also the first engine's ID. */
const runLabels = (ctx: UpContext): Record<string, string> => ({ ...ctx.opts.labels, ...(ctx.engines ? { [LABEL.firstEngine]: ctx.engines.firstId } : {}) });

/** An engine call for `plan`; on a cluster spanning engines its errors name the engine. */
async function onEngine<T>(ctx: UpContext, plan: ContainerPlan, call: (docker: Docker) => Promise<T>): Promise<T> {
  try {
    return await track(ctx, call(engineOf(ctx, plan)));
  } catch (err) {
    if (!ctx.engines || !plan.engine) throw err;
    const e = err instanceof MesosUpError ? err : new MesosUpError('INTERNAL', (err as Error).message, { cause: err });
    throw new MesosUpError(e.code, `on engine ${plan.engine}: ${e.message}`, { ...(e.hint ? { hint: e.hint } : {}), ...(e.logs ? { logs: e.logs } : {}), cause: err });
  }
}

/** Creates the container (and its volumes) of `plan`, with the run's extra labels. */
async function create(ctx: UpContext, plan: ContainerPlan): Promise<Docker.Container> {
  checkAbort(ctx);
  plan.labels = { ...plan.labels, ...runLabels(ctx) };
  ctx.createdAnything = true;
  for (const v of plan.volumes ?? []) await onEngine(ctx, plan, (d) => createVolume(d, { ...v, labels: { ...v.labels, ...runLabels(ctx) } }));
  checkAbort(ctx);
  return onEngine(ctx, plan, (d) => createContainer(d, plan));
}

async function start(ctx: UpContext, plan: ContainerPlan, container: Docker.Container): Promise<void> {
  checkAbort(ctx);
  const running = await onEngine(ctx, plan, (d) => startContainer(d, container, plan));
  ctx.started.set(plan.name, { plan, running });
}

/**
 * The host port (on 127.0.0.1) that reaches `port` of the started container
 * `name`: its own published port, or, for a component placed on another
 * engine than the first, the gateway's (whose start is awaited then).
 */
async function hostPort(ctx: UpContext, name: string, port: number): Promise<number> {
  const s = ctx.started.get(name)!;
  const via = gatewayPortsOf(s.plan.labels).get(port);
  if (via === undefined) return s.running.ports.get(port)!;
  await ctx.gateway;
  return startedGateway(ctx).running.ports.get(via)!;
}

/** The gateway's container, once started. */
const startedGateway = (ctx: UpContext) => [...ctx.started.values()].find((s) => s.plan.role === 'gateway')!;

const preflight: Action<UpContext> = {
  title: 'Checking the engine, the name and the ports',
  async run(ctx) {
    const existing = (await discoverClusters(ctx.docker, ctx.spec.name)).get(ctx.spec.name);
    if (existing) {
      const broken = existing.members.filter((m) => m.role !== 'task' && m.state !== 'running');
      throw new MesosUpError('NAME_IN_USE', `A cluster named ${ctx.spec.name} already exists (${existing.members.length} containers${broken.length ? `; not running: ${broken.map((m) => `${m.name} (${m.status})`).join(', ')}` : ''})`, {
        hint: broken.length
          ? `repair it by recreating it: mesos-up down --name ${ctx.spec.name} && mesos-up up --name ${ctx.spec.name}`
          : `see it with mesos-up status --name ${ctx.spec.name}, remove it with mesos-up down --name ${ctx.spec.name}, or start another with --name`,
      });
    }
    // Every engine of a cluster spanning several: reachable, new enough, in no swarm or in the first one's.
    if (spansEngines(ctx.spec)) ctx.engines = await track(ctx, checkEngines(ctx.spec, ctx.docker));
    else await checkOnlyEngine(ctx.spec, ctx.docker);
    for (const [key, port] of Object.entries(ctx.spec.ports)) {
      if (port !== 0 && !(await portFree(port))) {
        throw new MesosUpError('PORT_IN_USE', `Host port ${port} (ports.${key}) is already in use on 127.0.0.1`, {
          hint: `free it, or set ports.${key} to another port (0 picks a free one) in cluster.yaml`,
        });
      }
    }
  },
};

const ensureImages: Action<UpContext> = {
  title: 'Ensuring images',
  async run(ctx, step) {
    ctx.images = await resolveImages(ctx.docker, ctx.spec, version, step, ctx.halt.signal);
    step.note(`Images: ${ctx.images.flavour} (${[ctx.images.zookeeper, ctx.images.master, ctx.images.agent, ctx.images.marathon].join(', ')})`);
    // The official agent against this engine (cgroups, API versions, its docker
    // CLI); asking the image runs a container with this run's labels.
    if (ctx.images.flavour === 'official') ctx.createdAnything = true;
    const checked = await track(ctx, preflightImages(ctx.docker, ctx.spec, ctx.images, { ...baseLabels(ctx.spec.name, version, ctx.runId), ...ctx.opts.labels }));
    ctx.spec = checked.spec;
    if (checked.note) step.note(checked.note);
  },
};

const createClusterNetwork: Action<UpContext> = {
  title: 'Creating the network',
  async run(ctx) {
    checkAbort(ctx);
    ctx.createdAnything = true;
    const labels = { ...baseLabels(ctx.spec.name, version, ctx.runId), ...runLabels(ctx) };
    if (ctx.engines) {
      // One attachable overlay over the engines: plain containers on each engine join it by name.
      const others = ctx.engines.clients.slice(1);
      const subnet = ctx.spec.network.subnet ?? (await track(ctx, freeSubnetOn(ctx.engines.clients)));
      ctx.network = await track(
        ctx,
        createOverlayNetwork(ctx.docker, { name: networkName(ctx.spec.name), labels: { ...labels, [LABEL.engines]: enginesLabel(ctx.spec) }, engines: others, ...(subnet ? { subnet } : {}) }),
      );
      return;
    }
    ctx.network = await track(ctx, createNetwork(ctx.docker, networkName(ctx.spec.name), labels, ctx.spec.network.subnet));
  },
};

// A cluster over several engines: one swarm, and the agent image on each engine.
const joinSwarm: Action<UpContext> = {
  title: 'Putting the engines in one swarm',
  async run(ctx, step) {
    checkAbort(ctx);
    ctx.createdAnything = true;
    // (not the session's labels: a test process's reaper must not take the markers, which down needs)
    const labels = { ...baseLabels(ctx.spec.name, version, ctx.runId), [LABEL.engines]: enginesLabel(ctx.spec), [LABEL.firstEngine]: ctx.engines!.firstId };
    await track(ctx, joinEngines(ctx.spec, ctx.engines!, labels, (l) => step.progress(l)));
    // Where each engine's host is reached from the cluster's containers: a real agent's Docker tasks bind their ports there.
    ctx.engineHosts = await track(ctx, Promise.all(ctx.engines!.clients.map(async (c) => (await swarmState(c)).nodeAddr ?? '')));
  },
};

const copyImages: Action<UpContext> = {
  title: 'Bringing images to the other engines',
  async run(ctx, step) {
    checkAbort(ctx);
    const images = ctx.images!;
    const image = (role: Role) => ({ ref: images[role], pull: images.flavour === 'official' && !ctx.spec.imageOverrides[role] });
    const refs = { zookeeper: image('zookeeper'), master: image('master'), agent: image('agent'), marathon: image('marathon') };
    await track(ctx, imagesToEngines(ctx.spec, ctx.engines!, refs, (l) => step.progress(l), ctx.halt.signal));
  },
};

const addresses = (ctx: UpContext) => assignAddresses(ctx.network!.subnet, ctx.spec.masters.count, ctx.spec.agents.count);

// planCluster's stages. Every container is created at once (all addresses are
// fixed in advance); ZooKeeper and the gateway start first, the masters as soon
// as ZooKeeper's container runs, agents and add-ons once the masters' run, and
// Marathon once ZooKeeper answers `ruok`. The gateway publishes a pool of ports
// (the engine sets up each one), so it is not waited for here but joined at the end.
const startContainers: Action<UpContext> = {
  title: 'Starting ZooKeeper, Mesos masters, agents and Marathon',
  async run(ctx, step) {
    const [[zk], rest, [marathon]] = planCluster(planContext(ctx), addresses(ctx)) as [[ContainerPlan], ContainerPlan[], [ContainerPlan]];
    // Mesos-DNS answers UDP and TCP on one port (a client retries a truncated answer over TCP at the same address)
    for (const plan of rest.filter((p) => p.role === 'mesos-dns')) {
      const port = await freeTcpUdpPort();
      // (with no port free for both, UDP alone: two different host ports would make its address ambiguous)
      plan.ports = port
        ? plan.ports.map((b) => (b.container === MESOS_DNS_PORT && !b.host ? { ...b, host: port } : b))
        : plan.ports.filter((b) => !(b.container === MESOS_DNS_PORT && !b.protocol));
    }
    /** Creates `plan`'s container now and starts it once `after` resolves. */
    const launch = (plan: ContainerPlan, after: () => Promise<unknown>) => {
      const started = (async () => {
        const container = await create(ctx, plan);
        await after();
        await start(ctx, plan, container);
      })();
      started.catch(() => undefined);
      return started;
    };
    const zkStarted = launch(zk, () => Promise.resolve());
    const afterZkStarted = () => zkStarted;
    const zkAnswers = async () => {
      await zkStarted;
      const port = await hostPort(ctx, zk.name, ZK_PORT);
      await waitUntil(async (signal) => ({ ok: await zkReady('127.0.0.1', port, signal), detail: `${zk.name} does not answer ruok yet` }), {
        deadline: ctx.deadline,
        signal: ctx.halt.signal,
        failFast: alive(ctx),
        onProgress: (d) => step.progress(d),
        what: 'ZooKeeper',
        intervalMs: 50,
      });
    };
    // The masters' starts go to the engine before the others': started all at
    // once, a dozen containers share the engine and the CPUs, and the masters
    // (what every agent and Marathon wait for) came up among the last.
    const mastersStarted = Promise.all(rest.filter((p) => p.role === 'master').map((p) => launch(p, afterZkStarted)));
    const afterMasters = () => mastersStarted;
    const gateway = rest.find((p) => p.role === 'gateway')!;
    // The gateway starts beside ZooKeeper: the engine sets up each of its
    // published ports, the longest start of all, which a 1-agent up waited for
    // last when it came after the masters (interleaved trials: 8 agents 8 %
    // quicker, 1 agent no slower).
    ctx.gateway = launch(gateway, () => Promise.resolve());
    await Promise.all([
      zkStarted,
      mastersStarted,
      ...rest.filter((p) => p !== gateway && p.role !== 'master').map((p) => launch(p, afterMasters)),
      launch(marathon, zkAnswers),
    ]);
  },
};

async function endpoints(ctx: UpContext) {
  const all = [...ctx.started.values()];
  const masters = await Promise.all(
    all.filter((s) => s.plan.role === 'master').map(async (s) => ({ name: s.plan.name, ip: s.running.ip, url: `http://127.0.0.1:${await hostPort(ctx, s.plan.name, MASTER_PORT)}` })),
  );
  const marathon = all.find((s) => s.plan.role === 'marathon')!;
  return { masters, marathonUrl: `http://127.0.0.1:${await hostPort(ctx, marathon.plan.name, MARATHON_PORT)}`, agents: ctx.spec.agents.count };
}

const waitForOffers: Action<UpContext> = {
  title: 'Waiting until offers flow',
  async run(ctx, step) {
    await waitUntil(offersFlowing(await endpoints(ctx)), {
      deadline: ctx.deadline,
      signal: ctx.halt.signal,
      failFast: alive(ctx),
      onProgress: (d) => step.progress(d),
      what: 'offers to flow',
      // One round is a handful of small requests; polling often keeps the lag
      // between offers flowing and `up` returning small.
      intervalMs: 50,
    });
  },
};

// Agents' APIs are reached through the gateway; `up` returns once each has a route.
const routeThroughGateway: Action<UpContext> = {
  title: 'Routing agents and task ports through the gateway',
  async run(ctx, step) {
    await ctx.gateway;
    const gw = startedGateway(ctx);
    const url = `http://127.0.0.1:${gw.running.ports.get(GATEWAY_CONTROL_PORT)}`;
    const agents = [...ctx.started.values()].filter((s) => s.plan.role === 'agent').map((s) => `${s.running.ip}:${AGENT_PORT}`);
    await waitUntil(
      async (signal) => {
        const { routes, error } = await gatewayRoutes(url, { refresh: true, signal });
        const missing = agents.filter((a) => !routes.some((r) => r.kind === 'agent' && r.agent === a));
        return { ok: !missing.length, detail: `${gw.plan.name} has no route yet to ${missing.join(', ')}${error ? ` (${error})` : ''}` };
      },
      {
        deadline: ctx.deadline,
        signal: ctx.halt.signal,
        failFast: alive(ctx),
        onProgress: (d) => step.progress(d),
        what: 'the gateway to route every agent',
        intervalMs: 100,
      },
    );
  },
};

/** An add-on is ready when `ready` holds for the answer to GET `path` on its published `port`. */
function waitForAddon(what: string, role: ComponentRole, port: number, path: string, ready: (answer: { status: number; body: unknown }) => boolean, missing: string): Action<UpContext> {
  return {
    title: `Waiting for ${what}`,
    async run(ctx, step) {
      const addon = [...ctx.started.values()].find((s) => s.plan.role === role)!;
      const url = `http://127.0.0.1:${addon.running.ports.get(port)}${path}`;
      await waitUntil(
        async (signal) => {
          const answer = await httpRequest(url, { signal, timeoutMs: 2000 }).catch((err: Error) => ({ status: 0, text: err.message, body: undefined }));
          return { ok: ready(answer), detail: `${addon.plan.name} ${missing} at ${url} (${answer.status ? `HTTP ${answer.status}` : answer.text})` };
        },
        { deadline: ctx.deadline, signal: ctx.halt.signal, failFast: alive(ctx), onProgress: (d) => step.progress(d), what, intervalMs: 100 },
      );
    },
  };
}

// Mesos-DNS is ready once it names every agent (the leader comes in the same
// read of the master's state): v0.7 serves only after its first read, v0.6 (the
// official image) at once with no names yet, and a read made while the last
// agents registered lacks them until the next.
const waitForMesosDns = (agents: number) =>
  waitForAddon(
    'Mesos-DNS', 'mesos-dns', MESOS_DNS_HTTP_PORT, '/v1/hosts/slave.mesos',
    (a) => a.status === 200 && Array.isArray(a.body) && a.body.filter((h: { ip?: string }) => !!h.ip).length >= agents,
    'does not name every agent yet',
  );

// Metronome answers its API once it leads (before, everything but /ping is 503).
const waitForMetronome = waitForAddon('Metronome', 'metronome', METRONOME_PORT, '/v1/jobs', (a) => a.status === 200, 'does not lead yet');

// Marathon-LB's HAProxy starts with its first configuration, once it has read Marathon's apps.
const waitForMarathonLb = waitForAddon(
  'Marathon-LB', 'marathon-lb', MARATHON_LB_STATS_PORT, '/_haproxy_health_check', (a) => a.status === 200, 'has no HAProxy running yet',
);

const canary: Action<UpContext> = {
  title: 'Running a canary task',
  async run(ctx, step) {
    await runCanary((await endpoints(ctx)).marathonUrl, {
      deadline: ctx.deadline,
      signal: ctx.halt.signal,
      failFast: alive(ctx),
      onProgress: (d) => step.progress(d),
    });
  },
};

export interface UpResult {
  cluster: ClusterInfo;
  timings: Timing[];
}

export async function up(opts: UpOptions): Promise<UpResult> {
  const ctx: UpContext = {
    opts,
    spec: opts.spec,
    docker: opts.docker,
    runId: randomBytes(6).toString('hex'),
    deadline: Date.now() + opts.spec.timeouts.upMs,
    started: new Map(),
    inflight: new Set(),
    createdAnything: false,
    halt: new AbortController(),
  };
  const halt = () => ctx.halt.abort();
  opts.signal.addEventListener('abort', halt, { once: true });
  const actions = spansEngines(opts.spec)
    ? [preflight, ensureImages, joinSwarm, copyImages, createClusterNetwork, startContainers, waitForOffers, routeThroughGateway]
    : [preflight, ensureImages, createClusterNetwork, startContainers, waitForOffers, routeThroughGateway];
  if (opts.spec.addons.mesosDns) actions.push(waitForMesosDns(opts.spec.agents.count));
  if (opts.spec.addons.marathonLb) actions.push(waitForMarathonLb);
  if (opts.spec.addons.metronome) actions.push(waitForMetronome);
  if (opts.canary) actions.push(canary);
  try {
    const timings = await opts.reporter.run(actions, ctx);
    const cluster = await describeCluster(opts.docker, opts.spec.name);
    return { cluster, timings };
  } catch (err) {
    halt();
    const error = opts.signal.aborted && !(err instanceof MesosUpError && err.code !== 'INTERRUPTED')
      ? new MesosUpError('INTERRUPTED', `Interrupted; removed what this run of up had created${opts.retain ? ' (kept: --retain)' : ''}`)
      : err;
    if (ctx.createdAnything && !opts.retain) {
      await Promise.allSettled([...ctx.inflight]);
      const spans = spansEngines(opts.spec);
      const rollback = await removeCluster(opts.docker, opts.spec.name, { runId: ctx.runId, ...(spans ? { engines: opts.spec.engines.map((e) => e.endpoint) } : {}) }).then(
        (r) => r.notes ?? [],
        (err: unknown) => {
          if (!spans) throw err;
          return [`the rollback failed: ${(err as Error).message}`];
        },
      );
      // A cluster spanning engines: what the rollback could not undo is said with the error.
      if (rollback.length && error instanceof MesosUpError) {
        throw new MesosUpError(error.code, error.message, {
          hint: `${error.hint ? `${error.hint}; ` : ''}rolled back, with: ${rollback.join('; ')}`,
          ...(error.logs ? { logs: error.logs } : {}),
          cause: error,
        });
      }
    }
    throw error;
  } finally {
    opts.signal.removeEventListener('abort', halt);
  }
}

