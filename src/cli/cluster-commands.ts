// up, down, status, ls, env, logs: the cluster's life on the command line.
import { Option, type Command } from 'commander';
import type { Overrides } from '../config/overrides.js';
import type { ClusterSpec } from '../config/schema.js';
import { parseDuration } from '../config/duration.js';
import { MesosUpError } from '../errors.js';
import { version } from '../version.js';
import { formatCluster, formatPlan, table } from './format.js';
import { action, clusterNameFrom, enginesFromFile, interruptSignal } from './run.js';
import { formatDuration } from '../config/duration.js';
import type { ClusterInfo } from '../lifecycle/describe.js';
import { addonEnv } from '../lifecycle/addon-env.js';

// Loaded when a command runs, not for --help (see deferred.ts).
const load = () => import('./deferred.js');

const int = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new MesosUpError('USAGE', `${flag} takes a whole number, not "${v}"`);
  return n;
};

// Options most commands share, defined once so their help reads the same everywhere.
const nameOption = () => new Option('-n, --name <name>', 'cluster name (default: name in cluster.yaml, else demo)');
const configNameOption = () => new Option('-f, --config <file>', 'take the name from this cluster file');
const jsonOption = () => new Option('--json', 'print one JSON document');

/** The cluster file's spec; without a file, the defaults, sparing the YAML parser and the schema (zod). */
export async function specFor(configPath: string | undefined, overrides: Overrides = {}): Promise<ClusterSpec> {
  const { applyOverrides, findClusterFile } = await import('../config/overrides.js');
  const file = findClusterFile(configPath);
  if (file) return (await import('../config/load.js')).loadSpec(file, overrides).spec;
  const { defaultSpec } = await import('../config/defaults.js');
  return applyOverrides(defaultSpec(), overrides);
}

export const print = (json: boolean | undefined, data: unknown, text: () => string) =>
  process.stdout.write(`${json ? JSON.stringify(data, null, 2) : text()}\n`);

export function envLines(c: ClusterInfo): string[] {
  return [
    ...(c.masterUrl ? [`export MESOS_MASTER_URL=${c.masterUrl}`] : []),
    ...(c.marathonUrl ? [`export MARATHON_URL=${c.marathonUrl}`] : []),
    ...(c.zkUrl ? [`export ZK_URL=${c.zkUrl}`] : []),
    ...Object.entries(addonEnv(c)).map(([k, v]) => `export ${k}=${v}`),
  ];
}

export function registerClusterCommands(program: Command): void {
  program
    .command('up')
    .description('start a cluster and wait until Marathon receives offers')
    .addOption(nameOption())
    .option('-f, --config <file>', 'cluster file (default: ./cluster.yaml when present)')
    .option('--agents <n>', 'number of Mesos agents', int('--agents'))
    .option('--public-agents <n>', 'how many agents are public (resources reserved to slave_public); without --agents they come on top', int('--public-agents'))
    .option('--masters <n>', 'number of Mesos masters: 1, 3 or 5', int('--masters'))
    .option('--images <mode>', 'auto (official when a registry answers), official or emulated')
    .option('--addons <names>', 'add-ons to start with the cluster, comma-separated: mesos-dns, marathon-lb, metronome')
    .option('--engine <endpoint=agents>', 'spread the cluster over Docker engines, one flag per engine: --engine local=2 --engine tcp://10.0.0.5:2375=2 (local is the engine mesos-up talks to, listed first; it runs the rest of the cluster; engines in cluster.yaml can place masters, ZooKeeper and Marathon elsewhere)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--wait <duration>', 'deadline for the cluster to be ready, e.g. 3m (default 180s)')
    .option('--canary', 'also wait for a tiny app to reach TASK_RUNNING')
    .option('--retain', 'keep the containers when up fails, to look at them')
    .option('--dry-run', 'print the plan (containers, env, flags, ports, mounts) and start nothing')
    .option('--timings', 'print how long each stage took')
    .option('--json', 'print one JSON document')
    .action(
      action(async (opts: { name?: string; config?: string; agents?: number; publicAgents?: number; masters?: number; images?: string; addons?: string; engine?: string[]; wait?: string; canary?: boolean; retain?: boolean; dryRun?: boolean; timings?: boolean; json?: boolean }) => {
        const overrides: Overrides = {};
        if (opts.name !== undefined) overrides.name = opts.name;
        if (opts.agents !== undefined) overrides.agents = opts.agents;
        if (opts.publicAgents !== undefined) overrides.publicAgents = opts.publicAgents;
        if (opts.masters !== undefined) overrides.masters = opts.masters;
        if (opts.images !== undefined) overrides.images = opts.images;
        if (opts.addons !== undefined) overrides.addons = opts.addons;
        if (opts.engine !== undefined) overrides.engines = opts.engine;
        if (opts.wait !== undefined) {
          const ms = parseDuration(opts.wait);
          if (!ms) throw new MesosUpError('USAGE', `--wait "${opts.wait}" is not a duration like 90s or 3m`);
          overrides.waitMs = ms;
        }
        const spec = await specFor(opts.config, overrides);
        // The command's modules load after the flags and the cluster file have been checked.
        const { connectEngine, up, placeholderAddresses, planCluster, imageSet, networkName, pickReporter } = await load();
        if (opts.dryRun) {
          const flavour = spec.images === 'official' ? 'official' : spec.images === 'emulated' ? 'emulated' : 'official';
          const images = imageSet(spec, flavour, version);
          // The plan as up would adapt it to this engine (official agents and docker).
          const { dryRunPreflight } = await import('../lifecycle/preflight.js');
          const checked = await dryRunPreflight(spec, images, connectEngine);
          const stages = planCluster({ spec: checked.spec, images, cliVersion: version, runId: '<run-id>' }, placeholderAddresses(spec.masters.count, spec.agents.count));
          const note = spec.images === 'auto' ? 'images: auto (official shown; emulated when no registry answers, with the same env, flags and ports)' : `images: ${spec.images}`;
          print(opts.json, { spec: checked.spec, images: spec.images, network: networkName(spec.name), notes: checked.notes, stages }, () => [note, ...checked.notes, formatPlan(stages, networkName(spec.name))].join('\n'));
          return;
        }
        const docker = await (await import('./setup-commands.js')).engineOrSetup(!!opts.json, connectEngine);
        const notes: string[] = [];
        const interrupt = interruptSignal();
        const t0 = Date.now();
        try {
          const result = await up({ spec, docker, reporter: pickReporter(opts, notes), signal: interrupt.signal, retain: !!opts.retain, canary: !!opts.canary });
          const elapsed = Date.now() - t0;
          print(opts.json, { ...result.cluster, env: envLines(result.cluster), timings: result.timings.map((t) => ({ stage: t.title, ms: t.endMs - t.startMs })), notes }, () =>
            [
              ...notes,
              '',
              `${formatCluster(result.cluster)}`,
              ...(opts.timings ? ['', table([['STAGE', 'TIME'], ...result.timings.map((t) => [t.title, formatDuration(t.endMs - t.startMs)])])] : []),
              '',
              `Ready in ${formatDuration(elapsed)}. Next: eval "$(mesos-up env${spec.name === 'demo' ? '' : ` --name ${spec.name}`})"; mesos-up status; mesos-up down${spec.name === 'demo' ? '' : ` --name ${spec.name}`}`,
            ].join('\n'),
          );
        } catch (err) {
          if (notes.length && !opts.json) process.stderr.write(`${notes.join('\n')}\n`);
          throw err;
        } finally {
          interrupt.dispose();
        }
      }),
    );

  program
    .command('down')
    .description('remove a cluster: its containers, task containers, network and volumes, on every engine it spans (and what up did to a swarm for it)')
    .addOption(nameOption()).addOption(configNameOption())
    .option('--all', 'remove every mesos-up cluster on this engine')
    .option('--json', 'print one JSON document')
    .action(
      action(async (opts: { name?: string; config?: string; all?: boolean; json?: boolean }) => {
        const { connectEngine, discoverClusters, removeCluster } = await load();
        const docker = await connectEngine();
        const names = opts.all ? [...(await discoverClusters(docker)).keys()] : [clusterNameFrom(opts)];
        const results: Array<{ name: string } & Awaited<ReturnType<typeof removeCluster>>> = [];
        for (const name of names) {
          const engines = enginesFromFile(opts, name);
          results.push({ name, ...(await removeCluster(docker, name, engines.length > 1 ? { engines } : {})) });
        }
        print(opts.json, { removed: results }, () =>
          results
            .map((r) =>
              [
                r.containers.length + r.networks.length + r.volumes.length === 0
                  ? `No cluster named ${r.name}; nothing to remove.`
                  : `Removed cluster ${r.name}: ${r.containers.length} containers, ${r.networks.length} networks, ${r.volumes.length} volumes.`,
                ...(r.notes ?? []).map((n) => `  ${n}`),
              ].join('\n'),
            )
            .join('\n') || 'No mesos-up clusters on this engine.',
        );
      }),
    );

  program
    .command('status')
    .description('show a cluster: containers, URLs, leader, agents, frameworks, offers')
    .addOption(nameOption()).addOption(configNameOption()).addOption(jsonOption())
    .action(
      action(async (opts: { name?: string; config?: string; json?: boolean }) => {
        const { connectEngine, describeCluster } = await load();
        const docker = await connectEngine();
        const info = await describeCluster(docker, clusterNameFrom(opts));
        print(opts.json, info, () => formatCluster(info));
        if (info.health !== 'running') process.exitCode = 1;
      }),
    );

  program
    .command('ls')
    .description('list the mesos-up clusters on this engine')
    .option('--json', 'print one JSON document')
    .action(
      action(async (opts: { json?: boolean }) => {
        const { connectEngine, describeView, discoverClusters } = await load();
        const docker = await connectEngine();
        const views = [...(await discoverClusters(docker)).values()];
        const infos = await Promise.all(views.map((v) => describeView(v)));
        print(opts.json, { clusters: infos }, () =>
          infos.length === 0
            ? 'No mesos-up clusters on this engine. Start one with: mesos-up up'
            : table([
                // (the ENGINES column only when a cluster spans engines: scripts reading the columns keep working)
                ...(() => {
                  const spans = infos.some((c) => c.engines);
                  const row = (c: ClusterInfo) => [c.name, c.health, c.flavour, `${c.containers.filter((m) => m.state === 'running').length}/${c.containers.length}`, ...(spans ? [String(c.engines?.length ?? 1)] : []), c.leader ?? '-', c.marathonUrl ?? '-'];
                  return [['NAME', 'STATE', 'IMAGES', 'CONTAINERS', ...(spans ? ['ENGINES'] : []), 'LEADER', 'MARATHON'], ...infos.map(row)];
                })(),
              ]),
        );
      }),
    );

  program
    .command('env')
    .description('print export lines for MESOS_MASTER_URL, MARATHON_URL, ZK_URL and, with the add-ons, MESOS_DNS_ADDR, MARATHON_LB_URL and METRONOME_URL (eval "$(mesos-up env)")')
    .addOption(nameOption()).addOption(configNameOption()).addOption(jsonOption())
    .action(
      action(async (opts: { name?: string; config?: string; json?: boolean }) => {
        const { connectEngine, describeCluster } = await load();
        const docker = await connectEngine();
        const info = await describeCluster(docker, clusterNameFrom(opts));
        print(opts.json, { MESOS_MASTER_URL: info.masterUrl, MARATHON_URL: info.marathonUrl, ZK_URL: info.zkUrl, ...addonEnv(info) }, () => envLines(info).join('\n'));
      }),
    );

  program
    .command('logs [target]')
    .description('print the logs of a role (zookeeper, master, agent, marathon, gateway, mesos-dns, marathon-lb, metronome) or a container; all when omitted')
    .addOption(nameOption())
    .option('-f, --follow', 'keep printing new lines')
    .option('--tail <n>', 'only the last n lines of each', int('--tail'))
    .action(
      action(async (target: string | undefined, opts: { name?: string; follow?: boolean; tail?: number }) => {
        const { connectEngine, readLogs, discoverClusters, memberClient } = await load();
        const docker = await connectEngine();
        const name = clusterNameFrom(opts);
        const view = (await discoverClusters(docker, name)).get(name);
        if (!view) throw new MesosUpError('NOT_FOUND', `No cluster named ${name}`, { hint: 'mesos-up ls lists the clusters' });
        const picked = target
          ? view.members.filter((m) => m.role === target || m.name === target || m.name === `${name}-${target}`)
          : view.members.filter((m) => m.role !== 'task');
        if (!picked.length) {
          throw new MesosUpError('NOT_FOUND', `Cluster ${name} has no role or container "${target}"`, {
            hint: `use one of: zookeeper, master, agent, marathon, ${view.members.map((m) => m.name).join(', ')}`,
          });
        }
        const interrupt = interruptSignal();
        try {
          const prefix = picked.length > 1;
          await Promise.all(
            picked.map(async (m) =>
              readLogs(await memberClient(docker, view, m), m.id, { follow: !!opts.follow, ...(opts.tail !== undefined ? { tail: opts.tail } : {}), signal: interrupt.signal }, (line) =>
                process.stdout.write(`${prefix ? `${m.name.padEnd(18)}| ` : ''}${line}\n`),
              ),
            ),
          );
        } finally {
          interrupt.dispose();
        }
      }),
    );
}

export function registerPruneCommand(program: Command): void {
  program
    .command('prune')
    .description('remove clusters whose owning test process on this machine is gone (CLI-started clusters are kept)')
    .option('--json', 'print one JSON document')
    .action(
      action(async (opts: { json?: boolean }) => {
        const { connectEngine, pruneClusters } = await load();
        const docker = await connectEngine();
        const pruned = await pruneClusters(docker);
        print(opts.json, { pruned }, () => (pruned.length ? pruned.map((p) => `Removed cluster ${p.name} (owner ${p.owner} is gone): ${p.containers.length} containers`).join('\n') : 'Nothing to prune.'));
      }),
    );
}
