// `mesos-up doctor --fix` (and `up` on a terminal with no engine): shows the
// commands it is about to run, asks first (unless --yes), then runs them as
// root (through sudo), with one progress line per step and the full output in
// a log file.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import type Docker from 'dockerode';
import { MesosUpError } from '../errors.js';
import { connectEngine, resolveEndpoint } from '../engine/connect.js';
import { BASE_IMAGE, ensureBaseImage } from '../engine/base-image.js';
import { imagePresent } from '../engine/images.js';
import type { Action, Reporter, Step } from '../lifecycle/actions.js';
import { AptProgress } from '../util/apt-progress.js';
import { dockerdLogPath, openLog, type LogFile } from '../util/log-file.js';
import { rootArgv, runAsRoot } from '../util/run-as-root.js';
import { hostFacts, type HostFacts } from './host-facts.js';
import { planSetup, shellLines, type EngineState, type SetupPlan, type SetupStep } from './setup-plan.js';

/** How the engine looks from here right now, and a client when it answers. */
export async function engineState(env: NodeJS.ProcessEnv = process.env): Promise<{ engine: EngineState; docker?: Docker }> {
  const ep = resolveEndpoint(env);
  try {
    return { engine: { state: 'answers' }, docker: await connectEngine({ env }) };
  } catch (err) {
    const cause = (err as { cause?: NodeJS.ErrnoException }).cause;
    if (cause?.code === 'EACCES') return { engine: { state: 'denied', host: ep.host } };
    return { engine: { state: 'down', host: ep.host, source: ep.source } };
  }
}

export async function currentSetupPlan(env: NodeJS.ProcessEnv = process.env): Promise<{ facts: HostFacts; plan: SetupPlan; docker?: Docker }> {
  const facts = hostFacts(env);
  const { engine, docker } = await engineState(env);
  const baseImageMissing = docker ? !(await imagePresent(docker, BASE_IMAGE)) : false;
  const plan = planSetup(facts, engine, { baseImageMissing, dockerdLog: dockerdLogPath(env) });
  return { facts, plan, ...(docker ? { docker } : {}) };
}

export interface SetupResult {
  /** nothing needed doing, the steps ran, or they must be taken by hand */
  outcome: 'nothing' | 'done' | 'manual';
  commands: string[];
  manual: string[];
  after: string[];
  log?: string;
}

export async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question(`${question} [Y/n] `)).trim().toLowerCase();
    return answer === '' || answer === 'y' || answer === 'yes';
  } finally {
    rl.close();
  }
}

/**
 * Runs the setup plan. `confirm` is asked before anything runs (with the
 * commands already printed); without it (--yes) the steps just run.
 */
export async function runSetup(opts: {
  reporter: Reporter;
  /** where the commands about to run are shown */
  out: (line: string) => void;
  confirm?: (question: string) => Promise<boolean>;
  env?: NodeJS.ProcessEnv;
}): Promise<SetupResult> {
  const env = opts.env ?? process.env;
  const { facts, plan } = await currentSetupPlan(env);
  const commands = shellLines(plan.steps, facts.root);
  if (plan.manual.length) return { outcome: 'manual', commands, manual: plan.manual, after: plan.after };
  if (!plan.steps.length) return { outcome: 'nothing', commands, manual: [], after: [] };

  opts.out(`To set up this machine (${facts.distroName}), mesos-up runs${facts.root ? '' : ' (through sudo)'}:`);
  for (const c of commands) opts.out(`  ${c}`);
  if (opts.confirm && !(await opts.confirm('Run these now?'))) {
    throw new MesosUpError('USAGE', 'Setup declined; nothing was changed', { hint: `run the commands above yourself, or mesos-up doctor --fix --yes` });
  }
  if (!facts.root) await sudoValidate(!!opts.confirm);

  const log = openLog('setup', env);
  const actions: Array<Action<undefined>> = plan.steps.map((s) => ({ title: stepTitle(s), run: (_ctx, step) => runStep(s, facts, log, step, env) }));
  try {
    await opts.reporter.run(actions, undefined);
  } catch (err) {
    const e = err instanceof MesosUpError ? err : new MesosUpError('INTERNAL', (err as Error).message, { cause: err });
    throw new MesosUpError(e.code, e.message, { hint: `${e.hint ? `${e.hint}; ` : ''}the full output is in ${log.path}`, ...(e.logs ? { logs: e.logs } : {}), cause: err });
  } finally {
    await log.close();
  }
  return { outcome: 'done', commands, manual: [], after: plan.after, log: log.path };
}

function stepTitle(s: SetupStep): string {
  switch (s.kind) {
    case 'apt':
      return `Installing ${s.packages.join(', ')} (apt)`;
    case 'run':
    case 'daemon':
      return s.title;
    case 'wait-engine':
      return 'Waiting for the engine to answer';
    case 'base-image':
      return `Making ${BASE_IMAGE}`;
  }
}

/** Asks for the sudo password once, up front, so the steps below run without prompts. */
async function sudoValidate(interactive: boolean): Promise<void> {
  const code = await new Promise<number | null>((resolve) => {
    spawn('sudo', interactive ? ['-v'] : ['-n', '-v'], { stdio: 'inherit' }).on('exit', resolve).on('error', () => resolve(1));
  });
  if (code !== 0) {
    throw new MesosUpError('USAGE', 'sudo did not grant root rights, which setting up Docker needs', {
      hint: interactive ? 'run the commands above as root' : 'run on a terminal (sudo asks for your password), or as root',
    });
  }
}

async function runLogged(argv: string[], facts: HostFacts, log: LogFile, onLine: (line: string) => void, env: NodeJS.ProcessEnv): Promise<void> {
  const r = await runAsRoot(argv, { root: facts.root, log, onLine, env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.exitCode !== 0) throw new MesosUpError('INTERNAL', `${r.command} failed (exit ${r.exitCode ?? r.signal})`, { logs: r.tail.join('\n') });
}

async function runStep(s: SetupStep, facts: HostFacts, log: LogFile, step: Step, env: NodeJS.ProcessEnv): Promise<void> {
  switch (s.kind) {
    case 'apt': {
      const apt = new AptProgress();
      const show = (l: string) => {
        const p = apt.feed(l);
        if (p) step.progress(p);
      };
      await runLogged(['apt-get', 'update'], facts, log, show, env);
      await runLogged(['apt-get', 'install', '-y', '--no-install-recommends', ...s.packages], facts, log, show, env);
      return;
    }
    case 'run':
      await runLogged(s.argv, facts, log, (l) => step.progress(l), env);
      return;
    case 'daemon': {
      const [cmd, args] = rootArgv(['setsid', ...s.argv], facts.root);
      log.write(`$ ${[cmd, ...args].join(' ')} >${s.log} 2>&1 &`);
      mkdirSync(path.dirname(s.log), { recursive: true });
      const fd = openSync(s.log, 'a');
      // Detached and unreferenced: the engine outlives this command.
      spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd] }).unref();
      closeSync(fd);
      return;
    }
    case 'wait-engine': {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const { engine } = await engineState(env);
        if (engine.state !== 'down') return;
        if (Date.now() > deadline) {
          const dockerdLog = dockerdLogPath(env);
          throw new MesosUpError('ENGINE_UNREACHABLE', 'The engine did not answer within 90 s of starting', {
            ...(existsSync(dockerdLog) ? { logs: readFileSync(dockerdLog, 'utf8').split('\n').slice(-15).join('\n') } : {}),
            hint: facts.systemd ? 'see journalctl -u docker' : `see ${dockerdLog}`,
          });
        }
        step.progress(`waiting for ${resolveEndpoint(env).host}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    case 'base-image': {
      const docker = await connectEngine({ env });
      const how = await ensureBaseImage(docker, (l) => step.progress(l), BASE_IMAGE, log);
      step.note(`${BASE_IMAGE}: ${how}`);
      return;
    }
  }
}
