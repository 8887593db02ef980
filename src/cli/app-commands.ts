// `mesos-up app …` and `mesos-up events`: the Marathon workflow from the command line.
import type { Command } from 'commander';
import { parseDuration, formatDuration } from '../config/duration.js';
import { MesosUpError } from '../errors.js';
import type { MarathonClient } from '../marathon/client.js';
import type { AppDefinition } from '../marathon/types.js';
import type { Reach } from '../lifecycle/task-ports.js';
import { table } from './format.js';
import { action, clusterNameFrom, interruptSignal } from './run.js';
import { registerGroupCommands, registerPodCommands } from './group-pod-commands.js';

// Loaded when a command runs, not for --help (see deferred.ts).
const load = () => import('./deferred.js');

export interface Target {
  name?: string;
  config?: string;
  marathon?: string;
  json?: boolean;
}

interface Resolved {
  client: MarathonClient;
  /** the cluster's Marathon-LB add-on, its :9090 from the host (a cluster with the add-on) */
  lbStatsUrl?: string;
  /** the HAPROXY_GROUP that load balancer serves */
  lbGroup?: string;
  stderrOf?: (t: { taskId: string; host?: string }) => Promise<string | undefined>;
  /** where the host reaches each task port (through the cluster's gateway) */
  reach?: () => Promise<Reach | undefined>;
}

/** --marathon URL, else the cluster named by --name, else $MARATHON_URL, else the default cluster. */
export async function resolve(opts: Target): Promise<Resolved> {
  const { clusterView, connectEngine, describeView, MarathonClient, reachOf, sandboxTail } = await load();
  const url = opts.marathon ?? (opts.name ? undefined : process.env.MARATHON_URL);
  if (url) return { client: new MarathonClient(url) };
  const view = await clusterView(await connectEngine(), clusterNameFrom(opts));
  const info = await describeView(view, { probe: false });
  const lbStatsUrl = info.marathonLb?.state === 'running' ? info.marathonLb.statsUrl : undefined;
  const lbGroup = info.marathonLb?.group;
  if (!info.marathonUrl) throw new MesosUpError('NOT_FOUND', `Cluster ${info.name} has no running Marathon`, { hint: `mesos-up status --name ${info.name}` });
  const reach = () => reachOf(view, { refresh: true }).catch(() => undefined);
  return {
    client: new MarathonClient(info.marathonUrl),
    ...(lbStatsUrl ? { lbStatsUrl } : {}),
    ...(lbGroup ? { lbGroup } : {}),
    reach,
    // A failed task's stderr, from the API of the agent that ran it (through the gateway).
    stderrOf: async (t) => {
      const urls = (await reach())?.agentUrls ?? new Map<string, string>();
      for (const a of info.agents) {
        const agentUrl = urls.get(a.ip) ?? a.url;
        if (!agentUrl || (t.host && t.host !== a.ip && t.host !== a.name)) continue;
        const tail = await sandboxTail(agentUrl, t.taskId, 'stderr').catch(() => undefined);
        if (tail !== undefined) return tail;
      }
      return undefined;
    },
  };
}

/** The cluster whose Marathon is published at `url` (undefined: none of ours; resolve then uses the default name). */
async function clusterOfMarathon(url: string): Promise<string | undefined> {
  const { connectEngine, discoverClusters, urlsOf } = await load();
  // (no engine here, or none of ours: the Marathon is someone else's)
  const views = await connectEngine().then((docker) => discoverClusters(docker)).catch(() => new Map());
  for (const [name, view] of views) if (urlsOf(view).marathonUrl === url.replace(/\/$/, '')) return name;
  return undefined;
}

export const targetOptions = (cmd: Command) =>
  cmd
    .option('-n, --name <name>', 'cluster name (default: $MARATHON_URL, else name in cluster.yaml, else demo)')
    .option('--marathon <url>', 'talk to this Marathon instead of a mesos-up cluster')
    .option('--json', 'print JSON');

export const deadlineOf = (text: string | undefined, fallbackMs: number) => {
  if (text === undefined) return Date.now() + fallbackMs;
  const ms = parseDuration(text);
  if (!ms) throw new MesosUpError('USAGE', `--timeout "${text}" is not a duration like 90s or 3m`);
  return Date.now() + ms;
};

export const num = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new MesosUpError('USAGE', `${flag} takes a number, not "${v}"`);
  return n;
};

const collect = (flag: string) => (v: string, prev: number[] = []) => [...prev, num(flag)(v)];
const collectText = (v: string, prev: string[] = []) => [...prev, v];

export const out = (json: boolean | undefined, data: unknown, text: () => string) => process.stdout.write(`${json ? JSON.stringify(data, null, 2) : text()}\n`);

export function registerAppCommands(program: Command): void {
  const app = program.command('app').description('deploy and manage Marathon apps, groups and pods');
  registerGroupCommands(app);
  registerPodCommands(app);

  targetOptions(
    app
      .command('deploy [file]')
      .description('create or update an app from a JSON/YAML file and/or flags')
      .option('--merge <file>', 'merge another document over it (repeatable; later wins, like jq -s add)', collectText)
      .option('--deep', 'merge objects key by key instead of replacing top-level keys')
      .option('--id <id>', 'app id')
      .option('--cmd <cmd>', 'command to run (sh -c)')
      .option('--cpus <n>', 'CPUs per instance', num('--cpus'))
      .option('--mem <mb>', 'memory per instance (MB)', num('--mem'))
      .option('--instances <n>', 'number of instances', num('--instances'))
      .option('--port <port>', 'a port for the task (repeatable); non-zero means exactly that host port (requirePorts)', collect('--port'))
      .option('--image <image>', 'run in this Docker image (container.type DOCKER)')
      .option('--lb [vhost]', "serve it through the Marathon-LB add-on: HAPROXY_GROUP, and with a vhost HAPROXY_0_VHOST (its first port on the LB's port 80 for that Host)")
      .option('--lb-group <group>', "the load balancer's group for --lb (default: the cluster's Marathon-LB group, else external)")
      .option('--force', 'override a deployment in progress')
      .option('--wait', 'block until the deployment succeeded and the tasks run (and are healthy; with --lb, until Marathon-LB routes to them)')
      .option('--timeout <duration>', 'deadline for --wait (default 2m)'),
  ).action(
    action(async (file: string | undefined, opts: Target & { merge?: string[]; deep?: boolean; id?: string; cmd?: string; cpus?: number; mem?: number; instances?: number; port?: number[]; image?: string; lb?: string | true; lbGroup?: string; force?: boolean; wait?: boolean; timeout?: string }) => {
      const { appFromFlags, readAppDocument, MarathonApiError, deepMerge, shallowMerge, waitForApp, withLoadBalancer } = await load();
      const docs = [...(file ? [readAppDocument(file)] : []), ...(opts.merge ?? []).map(readAppDocument), appFromFlags(opts) as Record<string, unknown>];
      const merged = (opts.deep ? deepMerge(docs) : shallowMerge(docs)) as AppDefinition;
      if (opts.lbGroup !== undefined && opts.lb === undefined) throw new MesosUpError('USAGE', '--lb-group needs --lb', { hint: 'add --lb (or --lb <vhost>)' });
      // (commander gives --lb the next word: an app file written after it)
      if (typeof opts.lb === 'string' && /\.(json|ya?ml)$/i.test(opts.lb) && file === undefined) {
        throw new MesosUpError('USAGE', `--lb ${opts.lb}: that looks like the app file, not a vhost`, { hint: `put the file first (app deploy ${opts.lb} --lb …), or write --lb=<vhost>` });
      }
      if (typeof merged.id !== 'string' || !merged.id) throw new MesosUpError('USAGE', 'The app has no id', { hint: 'give --id, or an "id" in the app file' });
      // (with --lb, a cluster named by $MARATHON_URL too, to find its load balancer and its group)
      const { client, stderrOf, lbStatsUrl, lbGroup } = await resolve(opts.lb !== undefined && !opts.marathon && !opts.name && process.env.MARATHON_URL ? { ...opts, name: await clusterOfMarathon(process.env.MARATHON_URL) } : opts);
      const group = opts.lbGroup ?? (lbGroup && lbGroup !== '*' ? lbGroup : 'external');
      const def = opts.lb === undefined ? merged : withLoadBalancer(merged, { group, ...(typeof opts.lb === 'string' ? { vhost: opts.lb } : {}) });
      let exists = true;
      try {
        await client.getApp(def.id);
      } catch (err) {
        if (!(err instanceof MarathonApiError && err.status === 404)) throw err;
        exists = false;
      }
      let deploymentId: string | undefined;
      let version: string | undefined;
      if (exists) {
        const r = await client.updateApp(def, !!opts.force);
        deploymentId = r.deploymentId;
        version = r.version;
      } else {
        const created = await client.createApp(def);
        deploymentId = created.deployments?.[0]?.id;
        version = created.version;
      }
      const result: Record<string, unknown> = { id: def.id, action: exists ? 'updated' : 'created', deploymentId, version };
      if (opts.wait) {
        const interrupt = interruptSignal();
        try {
          const t0 = Date.now();
          const a = await waitForApp(client, def.id, {
            deadline: deadlineOf(opts.timeout, 120_000),
            signal: interrupt.signal,
            ...(deploymentId ? { deploymentId } : {}),
            ...(stderrOf ? { stderrOf } : {}),
            onProgress: (l) => { if (!opts.json) process.stderr.write(`  ${l}\n`); },
          });
          result.tasks = a.tasks ?? [];
          // --lb: until Marathon-LB routes to every running task too
          if (opts.lb !== undefined && !lbStatsUrl && !opts.json) process.stderr.write('  (no running Marathon-LB add-on found for this Marathon: --wait did not wait for a load balancer)\n');
          if (opts.lb !== undefined && lbStatsUrl) {
            const { waitForLoadBalancer } = await load();
            await waitForLoadBalancer(lbStatsUrl, def.id, (a.tasks ?? []).filter((t) => t.state === 'TASK_RUNNING'), {
              deadline: deadlineOf(opts.timeout, 120_000),
              signal: interrupt.signal,
              onProgress: (l) => { if (!opts.json) process.stderr.write(`  ${l}\n`); },
            });
          }
          result.waitedMs = Date.now() - t0;
        } finally {
          interrupt.dispose();
        }
      }
      out(opts.json, result, () => {
        const tasks = (result.tasks as Array<{ id: string; host: string; ports: number[]; state: string }> | undefined) ?? [];
        return [`App ${def.id} ${result.action} (version ${version}, deployment ${deploymentId ?? '-'})`, ...tasks.map((t) => `  ${t.id} ${t.state} on ${t.host} ports ${t.ports.join(',')}`)].join('\n');
      });
    }),
  );

  targetOptions(app.command('list').description('list the apps')).action(
    action(async (opts: Target) => {
      const { client } = await resolve(opts);
      const apps = await client.listApps();
      out(opts.json, { apps }, () =>
        apps.length === 0 ? 'No apps.' : table([['ID', 'INSTANCES', 'RUNNING', 'STAGED', 'HEALTHY', 'DEPLOYING', 'VERSION'], ...apps.map((a) => [a.id, String(a.instances ?? 1), String(a.tasksRunning), String(a.tasksStaged), String(a.tasksHealthy), a.deployments.length ? 'yes' : 'no', a.version])]),
      );
    }),
  );

  targetOptions(app.command('show <id>').description('print an app (or one version of it) as JSON you can save as app.json').option('--version <v>', 'a version from `app versions`')).action(
    action(async (id: string, opts: Target & { version?: string }) => {
      const { client } = await resolve(opts);
      const doc = opts.version ? await client.version(id, opts.version) : await client.getApp(id);
      process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    }),
  );

  targetOptions(app.command('versions <id>').description('list the versions of an app, newest first')).action(
    action(async (id: string, opts: Target) => {
      const { client } = await resolve(opts);
      const versions = await client.versions(id);
      out(opts.json, { versions }, () => versions.join('\n'));
    }),
  );

  targetOptions(app.command('tasks <id>').description("list an app's tasks")).action(
    action(async (id: string, opts: Target) => {
      const { client, reach } = await resolve(opts);
      const [tasks, r] = await Promise.all([client.appTasks(id), reach?.()]);
      // Each task port with the host address the gateway gives it (`-` when it has none).
      const reachedAt = (taskId: string, port: number) => r?.tasks.find((e) => e.taskId === taskId && e.port === port)?.address;
      const withEndpoints = tasks.map((t) => ({ ...t, endpoints: t.ports.map((port) => ({ port, address: reachedAt(t.id, port) ?? null })) }));
      out(opts.json, { tasks: withEndpoints }, () =>
        tasks.length === 0
          ? 'No tasks.'
          : table([
              ['TASK', 'STATE', 'HOST', 'PORTS (FROM THE HOST)', 'STARTED'],
              ...withEndpoints.map((t) => [t.id, t.state, t.host, t.endpoints.map((e) => `${e.port}→${e.address ?? '-'}`).join(' ') || '-', t.startedAt ?? '-']),
            ]),
      );
    }),
  );

  targetOptions(
    app
      .command('wait <id>')
      .description('wait until an app has its tasks running (and healthy); --replacing waits for new tasks in place of given ones')
      .option('--replacing <taskId>', 'a task that does not count (repeatable)', collectText)
      .option('--count <n>', 'running tasks wanted (default: instances)', num('--count'))
      .option('--timeout <duration>', 'deadline (default 2m)'),
  ).action(
    action(async (id: string, opts: Target & { replacing?: string[]; count?: number; timeout?: string }) => {
      const { waitForApp } = await load();
      const { client, stderrOf } = await resolve(opts);
      const interrupt = interruptSignal();
      try {
        const t0 = Date.now();
        const a = await waitForApp(client, id, {
          deadline: deadlineOf(opts.timeout, 120_000),
          signal: interrupt.signal,
          ...(opts.replacing ? { exclude: opts.replacing } : {}),
          ...(opts.count !== undefined ? { count: opts.count } : {}),
          ...(stderrOf ? { stderrOf } : {}),
          onProgress: (l) => { if (!opts.json) process.stderr.write(`  ${l}\n`); },
        });
        const tasks = (a.tasks ?? []).filter((t) => !opts.replacing?.includes(t.id));
        out(opts.json, { id: a.id, tasks, waitedMs: Date.now() - t0 }, () => [`App ${a.id} ready after ${formatDuration(Date.now() - t0)}`, ...tasks.map((t) => `  ${t.id} ${t.state} on ${t.host} ports ${t.ports.join(',')}`)].join('\n'));
      } finally {
        interrupt.dispose();
      }
    }),
  );

  targetOptions(app.command('destroy <id>').description('remove an app and kill its tasks').option('--force', 'override a deployment in progress').option('--wait', 'block until it is gone')).action(
    action(async (id: string, opts: Target & { force?: boolean; wait?: boolean }) => {
      const { client } = await resolve(opts);
      const r = await client.deleteApp(id, !!opts.force);
      if (opts.wait) {
        const deadline = Date.now() + 120_000;
        while ((await client.deployments()).some((d) => d.id === r.deploymentId)) {
          if (Date.now() > deadline) throw new MesosUpError('DEADLINE', `App ${id} is still being removed after 2m (deployment ${r.deploymentId})`);
          await new Promise((res) => setTimeout(res, 300));
        }
      }
      out(opts.json, r, () => `App ${id} destroyed (deployment ${r.deploymentId})`);
    }),
  );

  targetOptions(app.command('kill-task <taskId>').description('kill one task; Marathon starts a replacement unless --scale').option('--scale', 'also lower the instance count')).action(
    action(async (taskId: string, opts: Target & { scale?: boolean }) => {
      const { appIdOfTask } = await load();
      const { client } = await resolve(opts);
      const r = await client.killTask(appIdOfTask(taskId), taskId, !!opts.scale);
      out(opts.json, r, () => `Killed ${taskId}`);
    }),
  );

  targetOptions(app.command('restart <id>').description('replace all tasks of an app with new ones').option('--force', 'override a deployment in progress')).action(
    action(async (id: string, opts: Target & { force?: boolean }) => {
      const { client } = await resolve(opts);
      const r = await client.restartApp(id, !!opts.force);
      out(opts.json, r, () => `App ${id} restarting (deployment ${r.deploymentId}, version ${r.version})`);
    }),
  );

  targetOptions(
    program
      .command('events')
      .description("tail Marathon's event stream (/v2/events), reconnecting when it drops")
      .option('--type <type>', 'only this event type, e.g. status_update_event (repeatable)', collectText)
      .option('--count <n>', 'stop after n events', num('--count')),
  ).action(
    action(async (opts: Target & { type?: string[]; count?: number }) => {
      const { marathonEvents } = await load();
      const { client } = await resolve(opts);
      const interrupt = interruptSignal();
      let seen = 0;
      try {
        for await (const e of marathonEvents(client.baseUrl, { ...(opts.type ? { types: opts.type } : {}), signal: interrupt.signal, onError: (err) => process.stderr.write(`event stream: ${err.message}; reconnecting\n`) })) {
          if (opts.type?.length && !opts.type.includes(e.eventType)) continue;
          process.stdout.write(opts.json ? `${JSON.stringify(e)}\n` : `${e.timestamp} ${e.eventType} ${summary(e)}\n`);
          if (opts.count !== undefined && ++seen >= opts.count) break;
        }
      } finally {
        interrupt.dispose();
      }
    }),
  );
}

function summary(e: Record<string, unknown>): string {
  const pick = ['appId', 'taskId', 'taskStatus', 'id', 'uri', 'instanceId', 'condition', 'alive'];
  return pick.filter((k) => e[k] !== undefined).map((k) => `${k}=${String(e[k])}`).join(' ');
}
