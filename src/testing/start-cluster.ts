// startCluster(): a cluster for a test, named uniquely, removed by stop() or
// `await using`, on SIGINT/SIGTERM and normal exit at once, and by the reaper
// if the process is killed.
import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { loadSpec, specFromObject, type Overrides } from '../config/load.js';
import { parseDuration } from '../config/duration.js';
import type { ClusterFile } from '../config/schema.js';
import { MesosUpError } from '../errors.js';
import { connectEngine } from '../engine/connect.js';
import { readLogs } from '../engine/logs.js';
import { silentReporter } from '../lifecycle/actions.js';
import { describeCluster, describeView, type ClusterInfo } from '../lifecycle/describe.js';
import { discoverClusters, memberClient } from '../lifecycle/discover.js';
import { reachOf } from '../lifecycle/task-ports.js';
import { removeCluster } from '../lifecycle/remove.js';
import { up } from '../lifecycle/up.js';
import { configHash } from '../plan/config-hash.js';
import { LABEL } from '../plan/labels.js';
import { version } from '../version.js';
import { envOf, TrackingMarathonClient, type ClusterHandle } from './cluster-handle.js';
import { addonEnv } from '../lifecycle/addon-env.js';
import { MetronomeClient } from '../metronome/client.js';
import { ensureReaper, owner, OWNER_LABEL, SESSION_LABEL, sessionId } from './session.js';

export interface StartClusterOptions {
  /** default: a unique name, so parallel test files never collide */
  name?: string;
  agents?: number;
  masters?: 1 | 3 | 5;
  images?: 'auto' | 'official' | 'emulated';
  /** a cluster.yaml path, or the same document as an object */
  config?: string | ClusterFile;
  /** return a running cluster started with the same configuration (kept between runs) */
  reuse?: boolean;
  /** also wait for a tiny app to reach TASK_RUNNING */
  canary?: boolean;
  /** deadline for the cluster to be ready: ms or a duration like "3m" */
  wait?: number | string;
  signal?: AbortSignal;
  /** progress notes (e.g. which image flavour was chosen) */
  onNote?: (line: string) => void;
}

const REUSE_LABEL = 'io.mesos-up.reuse';
const live = new Map<string, () => Promise<void>>();
let exitHooks = false;

function installExitHooks(): void {
  if (exitHooks) return;
  exitHooks = true;
  const stopAll = () => Promise.allSettled([...live.values()].map((stop) => stop()));
  // Normal exit: the event loop is empty but async work is still allowed here.
  process.on('beforeExit', () => void stopAll());
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => void stopAll().finally(() => process.exit(code)));
  }
}

function overridesOf(o: StartClusterOptions, name: string): Overrides {
  const out: Overrides = { name };
  if (o.agents !== undefined) out.agents = o.agents;
  if (o.masters !== undefined) out.masters = o.masters;
  if (o.images !== undefined) out.images = o.images;
  if (o.wait !== undefined) {
    const ms = typeof o.wait === 'number' ? o.wait : parseDuration(o.wait);
    if (!ms) throw new MesosUpError('USAGE', `wait "${o.wait}" is not a duration like 90s or 3m`);
    out.waitMs = ms;
  }
  return out;
}

async function logsOf(docker: Docker, cluster: string, target?: string): Promise<string> {
  const view = (await discoverClusters(docker, cluster)).get(cluster);
  const members = (view?.members ?? []).filter((m) => (target ? m.role === target || m.name === target : m.role !== 'task'));
  const parts: string[] = [];
  for (const m of members) {
    const lines: string[] = [];
    await readLogs(await memberClient(docker, view!, m), m.id, { follow: false }, (l) => lines.push(l));
    parts.push(members.length > 1 ? lines.map((l) => `${m.name} | ${l}`).join('\n') : lines.join('\n'));
  }
  return parts.join('\n');
}

function handleFor(docker: Docker, info: ClusterInfo, stop: () => Promise<void>): ClusterHandle {
  if (!info.masterUrl || !info.marathonUrl || !info.zkUrl) {
    throw new MesosUpError('INTERNAL', `Cluster ${info.name} is missing a published URL`, { hint: `mesos-up status --name ${info.name}` });
  }
  const marathon = new TrackingMarathonClient(info.marathonUrl);
  return {
    name: info.name,
    masterUrl: info.masterUrl,
    marathonUrl: info.marathonUrl,
    zkUrl: info.zkUrl,
    env: envOf(info.masterUrl, info.marathonUrl, info.zkUrl, addonEnv(info)),
    ...(info.mesosDns?.dnsAddr ? { mesosDns: { dnsAddr: info.mesosDns.dnsAddr, ...(info.mesosDns.url ? { url: info.mesosDns.url } : {}) } } : {}),
    ...(info.marathonLb?.url
      ? {
          marathonLb: {
            url: info.marathonLb.url,
            ...(info.marathonLb.statsUrl ? { statsUrl: info.marathonLb.statsUrl } : {}),
            serviceEndpoints: async () => {
              const view = (await discoverClusters(docker, info.name)).get(info.name);
              return (view ? await reachOf(view, { refresh: true }) : undefined)?.services ?? [];
            },
          },
        }
      : {}),
    ...(info.metronome?.url ? { metronome: { url: info.metronome.url, client: new MetronomeClient(info.metronome.url) } } : {}),
    marathon,
    agents: info.agents.map((a) => ({ name: a.name, ip: a.ip, ...(a.url ? { url: a.url } : {}), ports: a.ports })),
    taskEndpoints: async (appId) => {
      const view = (await discoverClusters(docker, info.name)).get(info.name);
      const reach = view ? await reachOf(view, { refresh: true }) : undefined;
      if (!reach || !appId) return reach?.tasks ?? [];
      const ids = new Set((await marathon.appTasks(appId)).map((t) => t.id));
      return reach.tasks.filter((e) => ids.has(e.taskId));
    },
    info,
    logs: (target) => logsOf(docker, info.name, target),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

export async function startCluster(opts: StartClusterOptions = {}): Promise<ClusterHandle> {
  const docker = await connectEngine();
  const provisional = opts.name ?? `t-${randomBytes(4).toString('hex')}`;
  const overrides = overridesOf(opts, provisional);
  const spec =
    typeof opts.config === 'string' ? loadSpec(opts.config, overrides).spec : specFromObject(opts.config ?? {}, overrides);
  const hash = configHash(spec, version);

  if (opts.reuse) {
    if (!opts.name) spec.name = `reuse-${hash.slice(0, 8)}`;
    for (const view of (await discoverClusters(docker)).values()) {
      if (view.name !== spec.name) continue;
      if (view.labels[REUSE_LABEL] !== 'true' || view.labels[LABEL.configHash] !== hash) {
        throw new MesosUpError('NAME_IN_USE', `Cluster ${spec.name} exists but was not started for reuse with this configuration`, {
          hint: `remove it (mesos-up down --name ${spec.name}) or pick another name`,
        });
      }
      const info = await describeView(view);
      if (info.health === 'running' && info.leader) return handleFor(docker, info, async () => undefined);
      // A reusable cluster that broke is started again from scratch.
      await removeCluster(docker, view.name);
    }
  }

  const labels: Record<string, string> = { [LABEL.configHash]: hash };
  if (opts.reuse) labels[REUSE_LABEL] = 'true';
  else {
    labels[SESSION_LABEL] = sessionId;
    labels[OWNER_LABEL] = owner;
    // MESOS_UP_REAPER=off: no reaper (like TESTCONTAINERS_RYUK_DISABLED); `mesos-up prune` then cleans up after crashes.
    if (process.env.MESOS_UP_REAPER !== 'off') await ensureReaper(docker);
  }
  const signal = opts.signal ?? new AbortController().signal;
  await up({ spec, docker, reporter: silentReporter(opts.onNote), signal, canary: !!opts.canary, labels }).catch((err: unknown) => {
    // A test runner prints the message only: carry the container's last log lines in it.
    if (err instanceof MesosUpError && err.logs) {
      throw new MesosUpError(err.code, `${err.message}\n${err.logs.trimEnd()}`, { ...(err.hint ? { hint: err.hint } : {}), logs: err.logs, cause: err });
    }
    throw err;
  });
  const info = await describeCluster(docker, spec.name);
  let stopped: Promise<void> | undefined;
  const handle = handleFor(docker, info, () => {
    if (opts.reuse) return Promise.resolve();
    stopped ??= removeCluster(docker, spec.name).then(() => void live.delete(spec.name));
    return stopped;
  });
  if (!opts.reuse) {
    live.set(spec.name, handle.stop);
    installExitHooks();
  }
  return handle;
}
