// The mesos-up command line.
import { Command, CommanderError } from 'commander';
import { version } from '../version.js';
import { registerClusterCommands, registerPruneCommand } from './cluster-commands.js';
import { registerDoctorCommand } from './setup-commands.js';
import { registerImageCommands } from './image-commands.js';
import { registerAppCommands } from './app-commands.js';
import { registerChaosCommands } from './chaos-commands.js';
import { registerTaskCommands } from './task-commands.js';
import { registerUiCommand } from './ui-command.js';
import { registerJobCommands } from './job-commands.js';

export function buildProgram(): Command {
  const program = new Command('mesos-up')
    .description('Start a complete Apache Mesos + Marathon cluster on the local Docker Engine, and remove it again.')
    .version(version, '-V, --version')
    .enablePositionalOptions()
    .showHelpAfterError('(run mesos-up --help for usage)')
    .exitOverride();
  registerClusterCommands(program);
  registerPruneCommand(program);
  registerDoctorCommand(program);
  registerImageCommands(program);
  registerAppCommands(program);
  registerTaskCommands(program);
  registerJobCommands(program);
  registerChaosCommands(program);
  registerUiCommand(program);
  program.addHelpText(
    'after',
    `
Examples:
  mesos-up up                          ZooKeeper, 1 master, 1 agent and Marathon; waits until offers flow
  mesos-up up --name ci --agents 3 --masters 3 --json
  eval "$(mesos-up env)"               MESOS_MASTER_URL, MARATHON_URL, ZK_URL for this shell
  mesos-up down                        removes everything the cluster made

Exit codes: 0 ok, 1 the cluster failed, 2 usage or config error, 130 interrupted.`,
  );
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // `mesos-up status | head`: a reader that stops early is not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      process.exit(process.exitCode ?? 0);
    });
  }
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version exit 0; every usage error exits 2.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    throw err;
  }
}
