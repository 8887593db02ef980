// `mesos-up chaos …`: faults on purpose, to test a framework's resilience.
import type { Command } from 'commander';
import { MesosUpError } from '../errors.js';
import { action, clusterNameFrom } from './run.js';

// Loaded when a command runs, not for --help (see deferred.ts).
const load = () => import('./deferred.js');

const report = (json: boolean | undefined, data: Record<string, string>, text: string) =>
  process.stdout.write(`${json ? JSON.stringify(data, null, 2) : text}\n`);

export function registerChaosCommands(program: Command): void {
  const chaos = program.command('chaos').description('inject faults: kill the leading master, an agent, every agent of an engine, or a task');
  const common = (cmd: Command) => cmd.option('-n, --name <name>', 'cluster name (default: name in cluster.yaml, else demo)').option('--json', 'print JSON');

  common(chaos.command('kill-leader').description('SIGKILL the leading Mesos master; another is elected if a quorum remains')).action(
    action(async (opts: { name?: string; json?: boolean }) => {
      const { connectEngine, killLeader } = await load();
      const r = await killLeader(await connectEngine(), clusterNameFrom(opts));
      report(opts.json, r, `Killed ${r.killed} (the leader). Watch the election with: mesos-up status${opts.name ? ` --name ${opts.name}` : ''}`);
    }),
  );

  common(chaos.command('kill-agent <n>').description('SIGKILL agent n; its tasks become unreachable and Marathon replaces them')).action(
    action(async (n: string, opts: { name?: string; json?: boolean }) => {
      const { connectEngine, killAgent } = await load();
      const index = Number(n);
      if (!Number.isInteger(index) || index < 1) throw new MesosUpError('USAGE', `kill-agent takes an agent number (1, 2, …), not "${n}"`);
      const r = await killAgent(await connectEngine(), clusterNameFrom(opts), index);
      report(opts.json, r, `Killed ${r.killed}.`);
    }),
  );

  common(chaos.command('kill-engine <n>').description('SIGKILL every agent (and task container) on engine n of a cluster spread over engines, as if that machine went away')).action(
    action(async (n: string, opts: { name?: string; json?: boolean }) => {
      const { connectEngine, killEngine } = await load();
      const index = Number(n);
      if (!Number.isInteger(index) || index < 1) throw new MesosUpError('USAGE', `kill-engine takes an engine number (1 is the first in cluster.yaml's engines), not "${n}"`);
      const r = await killEngine(await connectEngine(), clusterNameFrom(opts), index);
      report(opts.json, { engine: r.engine, killed: r.killed.join(',') }, `Killed on ${r.engine}: ${r.killed.join(', ')}. Marathon replaces their tasks once the master marks the agents unreachable; watch with: mesos-up status${opts.name ? ` --name ${opts.name}` : ''}`);
    }),
  );

  common(chaos.command('kill-task [taskId]').description("SIGKILL a task's processes (a crash, unlike app kill-task); a random running task when none is named").option('--app <id>', 'pick a task of this app')).action(
    action(async (taskId: string | undefined, opts: { name?: string; json?: boolean; app?: string }) => {
      const { connectEngine, killTask } = await load();
      const r = await killTask(await connectEngine(), clusterNameFrom(opts), { ...(taskId ? { taskId } : {}), ...(opts.app ? { appId: opts.app } : {}) });
      report(opts.json, r, `Killed the processes of ${r.killed} on ${r.agent}.`);
    }),
  );
}
