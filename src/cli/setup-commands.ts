// `mesos-up doctor [--fix]`, and `up` offering to set up an engine when none
// answers: setting up Docker is part of getting a cluster.
import type { Command } from 'commander';
import type Docker from 'dockerode';
import { MesosUpError } from '../errors.js';
import type { SetupResult } from '../setup/run-setup.js';
import { print, specFor } from './cluster-commands.js';
import { table } from './format.js';
import { action } from './run.js';

const load = () => import('./deferred.js');
const err = (line: string) => process.stderr.write(`${line}\n`);

/** Runs doctor's setup and says what it did; `outcome: 'manual'` when the user must act (the steps are printed). */
async function fix(opts: { yes?: boolean; json?: boolean }): Promise<SetupResult> {
  const { runSetup, ask, pickReporter } = await load();
  const interactive = !!process.stdin.isTTY && !!process.stderr.isTTY;
  const notes: string[] = [];
  const result = await runSetup({
    reporter: pickReporter({ json: opts.json }, notes),
    out: opts.json ? () => undefined : err,
    ...(opts.yes
      ? {}
      : {
          confirm: interactive
            ? ask
            : async () => {
                throw new MesosUpError('USAGE', 'doctor --fix asks before it changes the machine, and this is not a terminal', { hint: 'rerun with --yes to run the commands above' });
              },
        }),
  });
  if (!opts.json) {
    for (const n of notes) err(`  ${n}`);
    if (result.outcome === 'nothing') err('Nothing to set up: the engine answers and debian:bookworm-slim is there.');
    if (result.outcome === 'manual') for (const l of result.manual) err(l);
    for (const l of result.after) err(l);
    if (result.log) err(`Setup log: ${result.log}`);
  }
  return result;
}

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check the engine (socket, DOCKER_HOST, context, version, cgroups, API versions), images, what the engine means for the official agents, and ports; --fix sets up what is missing')
    .option('-f, --config <file>', 'check the ports of this cluster file')
    .option('--fix', 'install and start a Docker Engine and make the base image where possible (Debian/Ubuntu, root or sudo; asks first), else print the steps for this platform')
    .option('-y, --yes', 'with --fix: do not ask (for scripts and CI)')
    .option('--json', 'print one JSON document')
    .action(
      action(async (opts: { config?: string; fix?: boolean; yes?: boolean; json?: boolean }) => {
        if (opts.yes && !opts.fix) throw new MesosUpError('USAGE', '--yes goes with --fix');
        const spec = await specFor(opts.config);
        const setup = opts.fix ? await fix(opts) : undefined;
        const { runDoctor } = await load();
        const checks = await runDoctor(spec);
        const failed = checks.filter((c) => !c.ok && !c.warning);
        print(opts.json, { ok: failed.length === 0 && setup?.outcome !== 'manual', ...(setup ? { setup } : {}), checks }, () =>
          [
            table([['CHECK', 'RESULT', 'DETAIL'], ...checks.map((c) => [c.check, c.ok ? 'ok' : c.warning ? 'warn' : 'FAIL', c.detail])]),
            ...checks.filter((c) => !c.ok && c.hint).map((c) => `${c.check}: ${c.hint}`),
          ].join('\n'),
        );
        if (failed.length || setup?.outcome === 'manual') process.exitCode = 1;
      }),
    );
}

/**
 * The engine for `up`. When none answers and this is a terminal, offers to set
 * one up (as `doctor --fix` does) and goes on; elsewhere the error says how.
 */
export async function engineOrSetup(json: boolean, connectEngine: () => Promise<Docker>): Promise<Docker> {
  try {
    return await connectEngine();
  } catch (e) {
    const interactive = !json && !!process.stdin.isTTY && !!process.stderr.isTTY;
    if (!(e instanceof MesosUpError) || e.code !== 'ENGINE_UNREACHABLE' || !interactive) throw e;
    const { currentSetupPlan } = await load();
    const { plan } = await currentSetupPlan();
    if (!plan.steps.length || plan.manual.length) throw e;
    err(`${e.message}.`);
    const result = await fix({});
    if (result.after.length) throw new MesosUpError('ENGINE_UNREACHABLE', 'The engine runs, but this login cannot use it yet', { hint: result.after.join(' ') });
    return connectEngine();
  }
}
