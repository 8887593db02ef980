// `mesos-up task …`: commands on a running task of any framework.
import type { Command } from 'commander';
import { MesosUpError } from '../errors.js';
import { action, clusterNameFrom } from './run.js';

// Loaded when a command runs, not for --help (see deferred.ts).
const load = () => import('./deferred.js');

export function registerTaskCommands(program: Command): void {
  const task = program.command('task').description("work with a running task: run a command in its environment");
  task
    .command('exec')
    .description("run a command inside a running task's environment (its sandbox, environment and container), streaming its output; exits with its status")
    .argument('<task>', 'task id, or the start of one that names a single running task')
    .argument('<command...>', 'the command after --; one word is a shell command line')
    .option('-n, --name <name>', 'cluster name (default: name in cluster.yaml, else demo)')
    .option('-i, --interactive', 'send this terminal\'s stdin to the command')
    .addHelpText('after', '\nExamples:\n  mesos-up task exec web.1a2b -- cat /etc/hostname\n  mesos-up task exec web -- \'ls -l $MESOS_SANDBOX\'\n  echo hi | mesos-up task exec -i web -- cat')
    .action(
      action(async (taskId: string, command: string[], opts: { name?: string; interactive?: boolean }) => {
        if (command.length === 0) throw new MesosUpError('USAGE', 'task exec needs a command after the task: mesos-up task exec TASK -- CMD');
        const { connectEngine, taskExec } = await load();
        const code = await taskExec(await connectEngine(), clusterNameFrom(opts), { task: taskId, command, interactive: opts.interactive }, {
          stdin: process.stdin,
          stdout: process.stdout,
          stderr: process.stderr,
        });
        process.exitCode = code;
      }),
    );
}
