// What the built-in executors do for one task: the lifecycle shared by the
// command executor (src/launcher/executor.cpp) and the docker executor
// (src/docker/executor.cpp), and the command executor itself.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { AgentConfig } from './config.js';
import { HealthChecker, type HealthTarget, type HealthUpdate } from './health.js';
import { fetchUris, type UserInfo } from './sandbox.js';
import { childProcess, type NestedProcess } from './nested.js';
import { hasCapability, type CommandInfo, type FrameworkInfo, type HealthCheck, type NetworkInfoJson, type TaskInfo, type TaskState } from './types.js';
import { describeExit, glogLine, HOST_DEFAULT_PATH } from './util.js';
import { processTreeUsage, type Usage } from './usage.js';

export type StatusSource = 'SOURCE_EXECUTOR' | 'SOURCE_AGENT';

export interface ExecutorUpdate {
  state: TaskState;
  message?: string;
  reason?: string;
  healthy?: boolean;
  /** base64 */
  data?: string;
  source?: StatusSource;
  /** network_infos the executor reports itself (docker: the container's address) */
  networkInfos?: NetworkInfoJson[];
  /** health updates carry everything the previous status carried */
  basedOnLast?: boolean;
}

export interface ExecutorContext {
  frameworkId: string;
  framework: FrameworkInfo;
  task: TaskInfo;
  executorId: string;
  containerId: string;
  directory: string;
  agentId: string;
  agentPid: string;
  agentEndpoint: string;
  cfg: AgentConfig;
  user?: UserInfo;
  /** a task of a task group in a nested container: Mesos gives it no executor environment, only MESOS_SANDBOX and the executor's MESOS_CONTAINER_IP */
  nested?: { containerIp: string; parentDirectory: string };
  emit(update: ExecutorUpdate): void;
  log(msg: string): void;
}


/** Environment Mesos gives every executor (executorEnvironment() in src/slave/slave.cpp). */
export function executorEnvironment(ctx: ExecutorContext): Record<string, string> {
  const env: Record<string, string> = {};
  if (process.env.LIBPROCESS_IP) env.LIBPROCESS_IP = process.env.LIBPROCESS_IP;
  Object.assign(env, ctx.cfg.executorEnvironment ?? {});
  env.LIBPROCESS_PORT = '0';
  env.MESOS_FRAMEWORK_ID = ctx.frameworkId;
  env.MESOS_EXECUTOR_ID = ctx.executorId;
  env.MESOS_DIRECTORY = ctx.directory;
  env.MESOS_SLAVE_ID = ctx.agentId;
  env.MESOS_SLAVE_PID = ctx.agentPid;
  env.MESOS_AGENT_ENDPOINT = ctx.agentEndpoint;
  const checkpoint = ctx.framework.checkpoint === true;
  env.MESOS_CHECKPOINT = checkpoint ? '1' : '0';
  env.MESOS_HTTP_COMMAND_EXECUTOR = ctx.cfg.flags.http_command_executor === 'true' ? '1' : '0';
  env.MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD = ctx.cfg.flags.executor_shutdown_grace_period!;
  if (checkpoint) {
    env.MESOS_RECOVERY_TIMEOUT = ctx.cfg.flags.recovery_timeout!;
    env.MESOS_SUBSCRIPTION_BACKOFF_MAX = ctx.cfg.flags.executor_reregistration_timeout!;
  }
  return env;
}

export function commandEnvironment(ctx: ExecutorContext, base: Record<string, string>, extra?: TaskInfo['command']): Record<string, string> {
  const env = { ...base };
  for (const v of [...(ctx.task.command?.environment?.variables ?? []), ...(extra?.environment?.variables ?? [])]) {
    // Secrets would have been resolved by an isolator; there is none here.
    if (v.type === 'SECRET') continue;
    env[v.name] = v.value ?? '';
  }
  return env;
}

export abstract class TaskExecutor {
  protected killed = false;
  protected terminated = false;
  protected killedByHealthCheck = false;
  protected killedByMaxCompletion = false;
  protected health: HealthChecker | undefined;
  private started = false;
  private killedBeforeLaunch = false;
  private completionTimer: NodeJS.Timeout | undefined;
  private resolveDone!: () => void;
  /** resolves once the executor has exited and its container is gone */
  readonly done = new Promise<void>((r) => (this.resolveDone = r));

  constructor(protected readonly ctx: ExecutorContext) {}

  /** What the task uses now, for /monitor/statistics; nothing once it has ended. */
  async usage(): Promise<Usage> {
    return {};
  }

  /**
   * A process in the running task's environment (a nested container session);
   * undefined once the task has ended, an error where the containerizer has
   * no nested containers.
   */
  startNested(_command: CommandInfo): NestedProcess | { error: string } | undefined {
    return undefined;
  }

  /** Default kill grace period when no KillPolicy says otherwise. */
  protected abstract readonly defaultGraceMs: number;
  /** Agent-side preparation (fetching, pulling); throwing fails the launch. */
  protected abstract prepare(): Promise<void>;
  /** Starts the task; emits TASK_STARTING / TASK_RUNNING and later calls finish(). */
  protected abstract launch(): Promise<void>;
  protected abstract signalKill(graceMs: number): void;

  async run(): Promise<void> {
    try {
      await this.prepare();
    } catch (err) {
      this.terminated = true;
      this.ctx.emit({
        state: 'TASK_FAILED',
        source: 'SOURCE_AGENT',
        reason: 'REASON_CONTAINER_LAUNCH_FAILED',
        message: `Failed to launch container: ${(err as Error).message}`,
      });
      this.exited();
      return;
    }
    if (this.killedBeforeLaunch) {
      this.terminated = true;
      this.ctx.emit({
        state: 'TASK_KILLED',
        source: 'SOURCE_AGENT',
        reason: 'REASON_TASK_KILLED_DURING_LAUNCH',
        message: 'Killed before delivery to the executor',
      });
      this.exited();
      return;
    }
    this.started = true;
    const maxNs = this.ctx.task.max_completion_time?.nanoseconds ?? 0;
    if (maxNs > 0) {
      this.completionTimer = setTimeout(() => {
        if (this.terminated || this.killed) return;
        this.sandboxLog(`Killing task ${this.ctx.task.task_id.value} which exceeded its maximum completion time`);
        this.killedByMaxCompletion = true;
        this.kill(0);
      }, maxNs / 1e6);
    }
    try {
      await this.launch();
    } catch (err) {
      if (!this.terminated) this.finish('TASK_FAILED', `Failed to launch task: ${(err as Error).message}`);
    }
  }

  /** A kill from the scheduler (or a shutdown): SIGTERM/stop now, escalate after the grace period. */
  kill(overrideGraceMs?: number): void {
    if (!this.started) {
      this.killedBeforeLaunch = true;
      return;
    }
    if (this.terminated || this.killed) return;
    const policyNs = this.ctx.task.kill_policy?.grace_period?.nanoseconds;
    const grace = overrideGraceMs ?? (policyNs !== undefined ? policyNs / 1e6 : this.defaultGraceMs);
    this.killed = true;
    clearTimeout(this.completionTimer);
    if (!this.killedByMaxCompletion && hasCapability(this.ctx.framework, 'TASK_KILLING_STATE')) {
      this.ctx.emit({ state: 'TASK_KILLING' });
    }
    this.sandboxLog(`Received kill for task ${this.ctx.task.task_id.value} with grace period of ${grace / 1000}secs`);
    this.signalKill(grace);
  }

  protected startHealthChecks(target: HealthTarget): void {
    const check = this.ctx.task.health_check;
    if (!check) return;
    this.health = new HealthChecker(check, target, (u) => this.onHealth(u), (m) => this.sandboxLog(m));
    this.health.start();
  }

  private onHealth(u: HealthUpdate): void {
    // No health updates after a kill started or the task ended.
    if (this.killed || this.terminated) return;
    this.sandboxLog(`Received task health update, healthy: ${u.healthy}`);
    this.ctx.emit({ state: 'TASK_RUNNING', healthy: u.healthy, reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', basedOnLast: true });
    if (u.killTask) {
      this.killedByHealthCheck = true;
      this.kill();
    }
  }

  /** The terminal update, from how the task ended. */
  protected finish(state: TaskState, message: string, extra: Partial<ExecutorUpdate> & { quiet?: boolean } = {}): void {
    if (this.terminated) return;
    this.terminated = true;
    this.health?.stop();
    clearTimeout(this.completionTimer);
    let reason = extra.reason;
    if (this.killedByMaxCompletion) {
      state = 'TASK_FAILED';
      reason = 'REASON_MAX_COMPLETION_TIME_REACHED';
    }
    const { quiet, ...fields } = extra;
    if (!quiet) this.sandboxLog(message);
    this.ctx.emit({ ...fields, state, message, ...(reason ? { reason } : {}), ...(this.killed && this.killedByHealthCheck ? { healthy: false } : {}) });
  }

  /** The terminal state for an exit as the executors decide it. */
  protected terminalState(success: boolean): TaskState {
    if (this.killed) return 'TASK_KILLED';
    return success ? 'TASK_FINISHED' : 'TASK_FAILED';
  }

  protected exited(): void {
    this.resolveDone();
  }

  protected sandboxLog(msg: string, level: 'I' | 'W' | 'E' = 'I'): void {
    try {
      fs.appendFileSync(path.join(this.ctx.directory, 'stderr'), glogLine(level, 'executor.cpp:100', msg));
    } catch {
      /* sandbox gone */
    }
  }
}

/** Runs TaskInfo.command as a process group in the sandbox, like `mesos-executor` under the posix launcher. */
export class CommandExecutor extends TaskExecutor {
  protected readonly defaultGraceMs = 3000;
  private child: ChildProcess | undefined;

  override async usage(): Promise<Usage> {
    const pid = this.child?.pid;
    if (pid === undefined || this.terminated) return {};
    return (await processTreeUsage(pid)) ?? {};
  }
  private escalation: NodeJS.Timeout | undefined;
  private env: Record<string, string> = {};

  /** The session's command with the task's environment (and its own), in the sandbox, as the task's user, in a process group of its own. */
  override startNested(command: CommandInfo): NestedProcess | undefined {
    if (!this.child || this.terminated) return undefined;
    const shell = command.shell ?? true;
    const child = spawn(shell ? '/bin/sh' : (command.value ?? 'false'), shell ? ['-c', command.value ?? ''] : (command.arguments ?? []).slice(1), {
      ...(shell ? {} : { argv0: command.arguments?.[0] ?? command.value }),
      cwd: this.ctx.directory,
      env: commandEnvironment(this.ctx, this.env, command),
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(this.ctx.user ? { uid: this.ctx.user.uid, gid: this.ctx.user.gid } : {}),
    });
    return childProcess(child);
  }

  protected async prepare(): Promise<void> {
    try {
      await fetchUris(this.ctx.task.command?.uris ?? [], this.ctx.directory, this.ctx.user);
    } catch (err) {
      throw new Error(`Failed to fetch all URIs for container '${this.ctx.containerId}': ${(err as Error).message}`);
    }
  }

  /** The task's environment: executor environment + MESOS_SANDBOX + CommandInfo.environment. */
  private buildEnv(): Record<string, string> {
    const base = this.ctx.nested ? { MESOS_CONTAINER_IP: this.ctx.nested.containerIp } : executorEnvironment(this.ctx);
    base.MESOS_SANDBOX = this.ctx.directory;
    if (!base.PATH) base.PATH = HOST_DEFAULT_PATH;
    return commandEnvironment(this.ctx, base);
  }

  protected async launch(): Promise<void> {
    const { task } = this.ctx;
    this.ctx.emit({ state: 'TASK_STARTING' });
    const command = task.command ?? {};
    const shell = command.shell ?? true;
    if (!command.value) {
      // The real executor aborts on this; the agent then reports the executor's end.
      this.sandboxLog(`${shell ? 'Shell command' : 'Executable'} of task '${task.task_id.value}' is not specified!`, 'E');
      this.terminated = true;
      this.ctx.emit({ state: 'TASK_FAILED', source: 'SOURCE_AGENT', reason: 'REASON_EXECUTOR_TERMINATED', message: 'Executor terminated' });
      this.exited();
      return;
    }
    this.env = this.buildEnv();
    const out = fs.openSync(path.join(this.ctx.directory, 'stdout'), 'a');
    const err = fs.openSync(path.join(this.ctx.directory, 'stderr'), 'a');
    this.sandboxLog(`Starting task ${task.task_id.value}`);
    const args = shell ? ['-c', command.value] : (command.arguments ?? []).slice(1);
    const file = shell ? '/bin/sh' : command.value;
    const argv0 = shell ? 'sh' : (command.arguments?.[0] ?? command.value);
    const child = spawn(file, args, {
      argv0,
      cwd: this.ctx.directory,
      env: this.env,
      // A new session: the task and everything it forks form one process group to signal.
      detached: true,
      stdio: ['ignore', out, err],
      ...(this.ctx.user ? { uid: this.ctx.user.uid, gid: this.ctx.user.gid } : {}),
    });
    this.child = child;
    fs.closeSync(out);
    fs.closeSync(err);
    child.once('error', (e) => {
      // exec failed in the forked child: the launcher exits with status 1.
      if (child.pid === undefined) {
        const code = (e as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : e.message;
        this.sandboxLog(`Failed to execute '${file}': ${why}`, 'E');
        this.onExit(1, null);
      }
    });
    child.once('exit', (code, signal) => this.onExit(code, signal));
    if (child.pid !== undefined) {
      this.sandboxLog(`Forked command at ${child.pid}`);
      this.startHealthChecks({ host: '127.0.0.1', command: (c, t) => this.commandCheck(c, t) });
    }
    this.ctx.emit({ state: 'TASK_RUNNING' });
  }

  private exitHandled = false;

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exitHandled) return;
    this.exitHandled = true;
    clearTimeout(this.escalation);
    const success = code === 0 && !signal;
    const message = `Command ${describeExit(code, signal)}`;
    this.sandboxLog(`${message} (pid: ${this.child?.pid ?? -1})`);
    this.finish(this.terminalState(success), message, { quiet: true });
    // Whatever the task left running in its session dies with the container.
    this.signalGroup('SIGKILL');
    // The executor lingers briefly after its terminal update before it exits.
    setTimeout(() => this.exited(), 1000);
  }

  private signalGroup(sig: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  }

  protected signalKill(graceMs: number): void {
    if (this.child?.pid === undefined) return;
    this.sandboxLog(`Sending SIGTERM to process tree at pid ${this.child.pid}`);
    this.signalGroup('SIGTERM');
    this.escalation = setTimeout(() => {
      if (this.terminated) return;
      this.sandboxLog(`Process ${this.child?.pid} did not terminate after ${graceMs / 1000}secs, sending SIGKILL to process tree at ${this.child?.pid}`);
      this.signalGroup('SIGKILL');
    }, graceMs);
  }

  private commandCheck(check: HealthCheck, timeoutMs: number): Promise<number> {
    const cmd = check.command ?? {};
    const env = commandEnvironment(this.ctx, this.env, cmd);
    const shell = cmd.shell ?? true;
    return new Promise((resolve, reject) => {
      const p = spawn(shell ? '/bin/sh' : (cmd.value ?? 'false'), shell ? ['-c', cmd.value ?? ''] : (cmd.arguments ?? []).slice(1), {
        cwd: this.ctx.directory,
        env,
        detached: true,
        stdio: 'ignore',
        ...(this.ctx.user ? { uid: this.ctx.user.uid, gid: this.ctx.user.gid } : {}),
      });
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              try {
                if (p.pid) process.kill(-p.pid, 'SIGKILL');
              } catch {
                /* gone */
              }
              reject(new Error(`Command timed out after ${timeoutMs / 1000}secs`));
            }, timeoutMs)
          : undefined;
      p.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      p.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve(signal ? 128 + (signal === 'SIGKILL' ? 9 : 15) : (code ?? 1));
      });
    });
  }
}
