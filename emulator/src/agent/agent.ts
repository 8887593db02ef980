// The agent's bookkeeping: frameworks, executors and tasks as src/slave/slave.cpp
// keeps them and the status updates they produce (their /state and
// /metrics/snapshot views are state-json.ts).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as L from '../common/resource-list.js';
import type { ResList } from '../common/resource-list.js';
import { checkpointPath, loadCheckpointed, sandboxVolumes, syncCheckpointed } from './checkpointed.js';
import { makeLogger } from '../common/log.js';
import type { AgentConfig } from './config.js';
import { DockerExecutor, type DockerSupport } from './docker-executor.js';
import { CommandExecutor, type ExecutorContext, type ExecutorUpdate, type TaskExecutor } from './executor.js';
import { createSandbox, executorRunPath, lookupUser, type UserInfo } from './sandbox.js';
import { hasCapability, isTerminal, type ExecutorInfo, type FrameworkInfo, type Label, type TaskInfo, type TaskState, type TaskStatus } from './types.js';
import { nowSecs, sleep, statusUuid } from './util.js';
import { agentMetrics, agentState } from './state-json.js';

const log = makeLogger('slave.cpp:2000');

export const AGENT_CAPABILITIES = ['HIERARCHICAL_ROLE', 'MULTI_ROLE', 'RESERVATION_REFINEMENT', 'RESOURCE_PROVIDER', 'RESIZE_VOLUME'];
const MAX_COMPLETED_FRAMEWORKS = 50;
export const MAX_COMPLETED_TASKS_PER_EXECUTOR = 200;
/** The command/docker executor's own allowance (getExecutorInfo in src/slave/slave.cpp). */
const EXECUTOR_OVERHEAD: ResList = L.fromQuantities({ cpus: 0.1, gpus: 0, mem: 32, disk: 0, ports: [] });

export interface TaskRecord {
  frameworkId: string;
  info: TaskInfo;
  state: TaskState;
  /** every status update the task produced, oldest first */
  statuses: TaskStatus[];
}

type ExecutorPhase = 'registering' | 'running' | 'terminating';

export interface ExecutorRecord {
  id: string;
  name: string;
  source: string;
  containerId: string;
  directory: string;
  /** the task's resources and the executor's allowance */
  resources: ResList;
  role: string;
  labels?: Label[];
  task: TaskRecord;
  runner?: TaskExecutor;
  phase: ExecutorPhase;
  /** a task of a task group: it runs in a nested container of this default executor */
  group?: TaskGroupExecutor;
  /** the tasks launched with it in one LAUNCH_GROUP (a failed or killed one takes the others down) */
  siblings?: string[];
}

/** A default executor (ExecutorInfo type DEFAULT) running task groups; its tasks are nested containers. */
export interface TaskGroupExecutor {
  id: string;
  info: ExecutorInfo;
  /** the executor's (top-level) container */
  containerId: string;
  /** the executor's sandbox; each task's is `containers/<nested container>` in it, linked from `tasks/<task id>` */
  directory: string;
  /** the executor's own resources */
  resources: ResList;
  /** every task it was given; it ends (and becomes a completed executor) with the last of them */
  members: ExecutorRecord[];
  done?: boolean;
}

export interface FrameworkRecord {
  id: string;
  info: FrameworkInfo;
  executors: Map<string, ExecutorRecord>;
  completedExecutors: ExecutorRecord[];
}

export interface RegisteredTask {
  framework_id: string;
  framework_info: FrameworkInfo;
  task: TaskInfo;
  state: TaskState;
  statuses: TaskStatus[];
}


/** The role a task's resources are allocated to (MESOS-6636: one per task). */
export function taskRole(task: TaskInfo, fw: FrameworkInfo): string {
  const r = task.resources?.find((x) => x.allocation_info?.role)?.allocation_info?.role;
  return r ?? fw.roles?.[0] ?? fw.role ?? '*';
}

/** "Command Executor (Task: t) (Command: sh -c 'echo hello...')" as getExecutorInfo names it. */
function executorName(task: TaskInfo): string {
  const cmd = task.command ?? {};
  let name = `(Task: ${task.task_id.value}) `;
  if (cmd.shell ?? true) {
    if (!cmd.value) name += '(Command: NO COMMAND)';
    else name += cmd.value.length > 15 ? `(Command: sh -c '${cmd.value.slice(0, 12)}...')` : `(Command: sh -c '${cmd.value}')`;
  } else if (!cmd.value) {
    name += '(Command: NO EXECUTABLE)';
  } else {
    const args = `${cmd.value}, ${(cmd.arguments ?? []).join(', ')}`;
    name += args.length > 15 ? `(Command: [${args.slice(0, 12)}...])` : `(Command: [${args}])`;
  }
  return `Command Executor ${name}`;
}


export class Agent {
  readonly startTime = nowSecs();
  agentId = '';
  registered = false;
  masterHostname: string | undefined;
  readonly frameworks = new Map<string, FrameworkRecord>();
  readonly completedFrameworks: FrameworkRecord[] = [];
  /** virtual or real path → sandbox directory, for /files */
  readonly attached = new Map<string, string>();
  /** receives every status update to forward to the master */
  onStatus: (frameworkId: string, status: TaskStatus) => void = () => undefined;
  /** the master told this agent to shut down (ShutdownMessage): main stops the process */
  onShutdownRequest: () => void = () => undefined;
  private shuttingDown = false;
  readonly counters = {
    tasks_finished: 0, tasks_failed: 0, tasks_killed: 0, tasks_lost: 0, tasks_gone: 0,
    executors_terminated: 0, valid_status_updates: 0, container_launch_errors: 0,
    fetches_succeeded: 0, fetches_failed: 0,
  };

  /** dynamic reservations and persistent volumes the master had this agent keep */
  checkpointed: ResList = [];
  /** the agent's resources with the checkpointed ones applied */
  total: ResList;

  constructor(
    readonly cfg: AgentConfig,
    readonly docker: DockerSupport | undefined,
  ) {
    this.total = cfg.resources;
  }

  /**
   * Slave::recover for checkpointed resources: what the work directory keeps
   * must fit the agent's resources, or the agent cannot start (an error text).
   */
  recoverCheckpointed(): string | undefined {
    let kept: ResList;
    try {
      kept = loadCheckpointed(this.cfg.workDir!);
    } catch (err) {
      return (err as Error).message;
    }
    const total = L.applyCheckpointed(this.cfg.resources, kept);
    if (typeof total === 'string') {
      return `Checkpointed resources ${L.text(kept)} are incompatible with agent resources ${L.text(this.cfg.resources)}: ${total} (remove ${checkpointPath(this.cfg.workDir!)} to start afresh)`;
    }
    this.checkpointed = kept;
    this.total = total;
    return undefined;
  }

  /** The set the master sends after an operation: volume directories made or removed, then kept. */
  checkpointResources(next: ResList): void {
    if (L.same(next, this.checkpointed) && next.length === this.checkpointed.length) return;
    const total = L.applyCheckpointed(this.cfg.resources, next);
    if (typeof total === 'string') {
      log.error(`Ignoring checkpointed resources ${L.text(next)}: ${total}`);
      return;
    }
    log.info(`Updated checkpointed resources from ${L.text(this.checkpointed)} to ${L.text(next)}`);
    for (const line of syncCheckpointed(this.cfg.workDir!, this.checkpointed, next)) log.info(line);
    this.checkpointed = next;
    this.total = total;
  }

  get pid(): string {
    return `slave(1)@${this.cfg.ip}:${this.cfg.advertisedPort}`;
  }

  get endpoint(): string {
    return `${this.cfg.ip}:${this.cfg.advertisedPort}`;
  }

  /** Slave::shutdown on the master's ShutdownMessage (an agent marked gone): kills its tasks and exits. */
  shutdownRequested(message: string): void {
    log.info(`Agent asked to shut down by ${this.masterHostname ? `master@${this.masterHostname}` : 'the master'} because '${message}'`);
    this.onShutdownRequest();
  }

  // ---- launching, killing ---------------------------------------------------

  launch(frameworkId: string, info: FrameworkInfo, task: TaskInfo, group?: TaskGroupExecutor, siblings?: string[]): void {
    const taskId = task.task_id.value;
    if (this.shuttingDown) {
      log.warn(`Ignoring run task ${taskId} of framework ${frameworkId} because the agent is terminating`);
      return;
    }
    let fw = this.frameworks.get(frameworkId);
    if (!fw) {
      const idx = this.completedFrameworks.findIndex((f) => f.id === frameworkId);
      if (idx >= 0) this.completedFrameworks.splice(idx, 1);
      fw = { id: frameworkId, info: { ...info, id: { value: frameworkId } }, executors: new Map(), completedExecutors: [] };
      this.frameworks.set(frameworkId, fw);
    } else {
      fw.info = { ...info, id: { value: frameworkId } };
    }
    // Command executors are named after their task: a second launch is a retransmission.
    if (fw.executors.has(taskId) || (!group && task.executor?.type === 'DEFAULT')) {
      log.warn(`Ignoring run task ${taskId} of framework ${frameworkId}: the task is already running`);
      return;
    }
    log.info(`Got assigned task '${taskId}' for framework ${frameworkId}`);

    const containerId = randomUUID();
    const agentId = this.agentId || task.agent_id?.value || '';
    // a task of a group runs in a nested container, its sandbox inside the executor's
    const directory = group ? path.join(group.directory, 'containers', containerId) : executorRunPath(this.cfg.workDir!, agentId, frameworkId, taskId, containerId);
    const role = taskRole(task, fw.info);
    const exec: ExecutorRecord = {
      id: taskId,
      name: group ? group.info.name ?? '' : executorName(task),
      source: group ? group.info.source ?? '' : taskId,
      containerId,
      directory,
      resources: group ? L.upgrade(task.resources ?? []) : L.add(L.upgrade(task.resources ?? []), EXECUTOR_OVERHEAD),
      role,
      labels: group ? group.info.labels?.labels : task.labels?.labels,
      task: { frameworkId, info: task, state: 'TASK_STAGING', statuses: [] },
      phase: 'registering',
      ...(group ? { group, siblings } : {}),
    };
    fw.executors.set(taskId, exec);
    group?.members.push(exec);

    // The user the task runs as, when the agent switches users.
    let user: UserInfo | undefined;
    const userName = task.command?.user ?? info.user;
    if (this.cfg.switchUser && userName && userName !== os.userInfo().username) {
      user = lookupUser(userName);
      if (!user) {
        const state: TaskState = hasCapability(fw.info, 'PARTITION_AWARE') ? 'TASK_DROPPED' : 'TASK_LOST';
        this.failWithoutExecutor(fw, exec, state, 'REASON_EXECUTOR_TERMINATED',
          `Failed to create executor directory '${directory}': Failed to chown directory to '${userName}': No such user '${userName}'`);
        return;
      }
    }
    try {
      createSandbox(directory, user);
    } catch (err) {
      const state: TaskState = hasCapability(fw.info, 'PARTITION_AWARE') ? 'TASK_DROPPED' : 'TASK_LOST';
      this.failWithoutExecutor(fw, exec, state, 'REASON_EXECUTOR_TERMINATED',
        `Failed to create executor directory '${directory}': ${(err as Error).message}`);
      return;
    }
    if (group) {
      try {
        fs.mkdirSync(path.join(group.directory, 'tasks'), { recursive: true });
        fs.symlinkSync(directory, path.join(group.directory, 'tasks', taskId));
      } catch (err) {
        log.warn(`Failed to link the sandbox of task '${taskId}': ${(err as Error).message}`);
      }
      log.info(`Launching nested container ${containerId} for task '${taskId}' of executor '${group.id}' of framework ${frameworkId}`);
    } else {
      this.attached.set(directory, directory);
      this.attached.set(`/frameworks/${frameworkId}/executors/${taskId}/runs/latest`, directory);
      log.info(`Launching container ${containerId} for executor '${taskId}' of framework ${frameworkId} in work directory '${directory}'`);
    }

    const ctx: ExecutorContext = {
      frameworkId,
      framework: fw.info,
      task,
      executorId: group?.id ?? taskId,
      containerId,
      directory,
      agentId,
      agentPid: this.pid,
      agentEndpoint: this.endpoint,
      cfg: this.cfg,
      user,
      emit: (u) => this.update(fw!, exec, u),
      log: (m) => log.info(m),
      ...(group ? { nested: { containerIp: this.cfg.ip, parentDirectory: group.directory } } : {}),
    };

    const containerizers = this.cfg.containerizers;
    const type = task.container?.type;
    const mesosImage = type === 'MESOS' && task.container?.mesos?.image;
    let runner: TaskExecutor | undefined;
    let failure: string | undefined;
    if (task.executor && !group) {
      failure = 'Abnormal executor termination: custom executors are not supported by this agent';
    } else if (type === 'DOCKER') {
      if (containerizers.includes('docker') && this.docker) runner = new DockerExecutor(ctx, this.docker);
      else failure = 'Abnormal executor termination: unknown container';
    } else if (mesosImage) {
      // The Mesos containerizer would provision the image; Docker runs it here.
      if (!containerizers.includes('mesos')) failure = 'Abnormal executor termination: unknown container';
      else if (this.docker) runner = new DockerExecutor(ctx, this.docker, true);
      else failure = 'Failed to launch container: container images need the Docker socket in this agent';
    } else if (containerizers.includes('mesos')) {
      runner = new CommandExecutor(ctx);
    } else {
      failure = 'Abnormal executor termination: unknown container';
    }
    if (!runner) {
      this.counters.container_launch_errors++;
      const launchFailed = failure!.startsWith('Failed to launch');
      this.failWithoutExecutor(fw, exec, 'TASK_FAILED', launchFailed ? 'REASON_CONTAINER_LAUNCH_FAILED' : 'REASON_EXECUTOR_TERMINATED', failure!);
      return;
    }
    // Persistent volumes into the sandbox at their container_path: a symlink
    // for a process (the posix filesystem isolator), a mount point the
    // container binds the volume onto (the docker containerizer).
    for (const v of sandboxVolumes(this.cfg.workDir!, exec.resources)) {
      const at = path.join(directory, v.name);
      try {
        if (runner instanceof CommandExecutor) fs.symlinkSync(v.hostDir, at);
        else fs.mkdirSync(at, { recursive: true });
        log.info(`Mounted persistent volume ${v.id} at '${at}' for task ${taskId}`);
      } catch (err) {
        // the container cannot start without it (the isolator's prepare fails)
        this.counters.container_launch_errors++;
        this.failWithoutExecutor(fw, exec, 'TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED',
          `Failed to launch container: Failed to mount persistent volume ${v.id} at '${at}': ${(err as Error).message}`);
        return;
      }
    }
    // SANDBOX_PATH volumes of a nested container: a directory of the executor's
    // sandbox (the pod's ephemeral volumes), linked into the task's (the
    // volume/sandbox_path isolator without bind mounts); Docker binds them.
    if (group && runner instanceof CommandExecutor) {
      for (const v of task.container?.volumes ?? []) {
        const sp = v.source?.type === 'SANDBOX_PATH' ? v.source.sandbox_path : undefined;
        if (!sp) continue;
        if (path.isAbsolute(sp.path) || path.isAbsolute(v.container_path)) {
          this.failWithoutExecutor(fw, exec, 'TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED', `Failed to launch container: Path '${path.isAbsolute(sp.path) ? sp.path : v.container_path}' in SANDBOX_PATH volume is absolute`);
          return;
        }
        const source = path.join(sp.type === 'PARENT' ? group.directory : directory, sp.path);
        try {
          fs.mkdirSync(source, { recursive: true });
          fs.mkdirSync(path.dirname(path.join(directory, v.container_path)), { recursive: true });
          fs.symlinkSync(source, path.join(directory, v.container_path));
        } catch (err) {
          this.failWithoutExecutor(fw, exec, 'TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED', `Failed to launch container: Failed to mount SANDBOX_PATH volume '${v.container_path}': ${(err as Error).message}`);
          return;
        }
      }
    }
    exec.runner = runner;
    void runner.done.then(() => this.executorTerminated(fw!, exec));
    void runner.run();
  }

  /**
   * runTaskGroup: the tasks of a LAUNCH_GROUP under a default executor (a
   * new one, or the one already running with that id), each in a nested
   * container, as mesos-default-executor launches them.
   */
  launchGroup(frameworkId: string, info: FrameworkInfo, executor: ExecutorInfo, tasks: TaskInfo[]): void {
    if (!tasks.length) {
      log.warn(`Ignoring run task group of framework ${frameworkId} because it has no tasks`);
      return;
    }
    const executorId = executor.executor_id.value;
    if (executor.type !== 'DEFAULT') {
      for (const t of tasks) this.launch(frameworkId, info, t);
      return;
    }
    const live = this.frameworks.get(frameworkId);
    const current = live ? [...live.executors.values()] : [];
    // one namespace of executor ids per framework: a command task's executor is named after its task
    if (current.some((e) => !e.group && e.id === executorId)) {
      for (const t of tasks) this.onStatus(frameworkId, this.agentStatus(frameworkId, info, t, executorId, 'Master wants to launch executor, but one already exists'));
      return;
    }
    let group = current.find((e) => e.group?.id === executorId && !e.group.done)?.group;
    if (!group) {
      const containerId = randomUUID();
      const directory = executorRunPath(this.cfg.workDir!, this.agentId, frameworkId, executorId, containerId);
      try {
        createSandbox(directory);
      } catch (err) {
        log.error(`Failed to create executor directory '${directory}': ${(err as Error).message}`);
      }
      this.attached.set(directory, directory);
      this.attached.set(`/frameworks/${frameworkId}/executors/${executorId}/runs/latest`, directory);
      log.info(`Launching container ${containerId} for executor '${executorId}' of framework ${frameworkId} in work directory '${directory}'`);
      group = { id: executorId, info: executor, containerId, directory, resources: L.upgrade(executor.resources ?? []), members: [] };
    }
    const siblings = tasks.map((t) => t.task_id.value);
    for (const t of tasks) this.launch(frameworkId, info, t, group, siblings);
    // a task that could not start failed before its siblings were launched: the policy applies now
    const fw = this.frameworks.get(frameworkId);
    const failed = fw ? group.members.find((e) => e.siblings === siblings && (e.task.state === 'TASK_FAILED' || e.task.state === 'TASK_KILLED')) : undefined;
    if (fw && failed) this.killSiblings(fw, failed);
  }

  /** The default executor's policy: a task of a group that failed or was killed takes the rest of its group down (3 s grace). */
  private killSiblings(fw: FrameworkRecord, exec: ExecutorRecord): void {
    for (const other of exec.group?.members ?? []) {
      if (other === exec || other.siblings !== exec.siblings || isTerminal(other.task.state) || other.phase === 'terminating' || !other.runner) continue;
      other.phase = 'terminating';
      other.runner.kill(3000);
    }
  }

  /** A status from the agent for a task it could not give an executor (Slave::__run's drop paths). */
  private agentStatus(frameworkId: string, info: FrameworkInfo, task: TaskInfo, executorId: string, message: string): TaskStatus {
    const aware = hasCapability(info, 'PARTITION_AWARE');
    log.warn(`Dropping task ${task.task_id.value} of framework ${frameworkId}: ${message}`);
    return {
      task_id: { value: task.task_id.value }, state: aware ? 'TASK_DROPPED' : 'TASK_LOST', source: 'SOURCE_AGENT', reason: 'REASON_EXECUTOR_TERMINATED', message,
      agent_id: { value: this.agentId }, executor_id: { value: executorId }, timestamp: nowSecs(), uuid: statusUuid(),
    };
  }

  /** A task that never got an executor: report it from the agent and forget the executor. */
  private failWithoutExecutor(fw: FrameworkRecord, exec: ExecutorRecord, state: TaskState, reason: string, message: string): void {
    log.error(`Failed to launch task ${exec.id} of framework ${fw.id}: ${message}`);
    this.update(fw, exec, { state, source: 'SOURCE_AGENT', reason, message });
    setTimeout(() => this.executorTerminated(fw, exec), 0);
  }

  kill(frameworkId: string, taskId: string, graceMs?: number): void {
    log.info(`Asked to kill task ${taskId} of framework ${frameworkId}`);
    const fw = this.frameworks.get(frameworkId);
    const exec = fw?.executors.get(taskId);
    if (exec?.runner && !isTerminal(exec.task.state)) {
      exec.phase = 'terminating';
      exec.runner.kill(graceMs);
      return;
    }
    if (exec && isTerminal(exec.task.state)) return;
    log.warn(`Cannot kill task ${taskId} of framework ${frameworkId} because no corresponding executor is running`);
    const state: TaskState = fw && hasCapability(fw.info, 'PARTITION_AWARE') ? 'TASK_DROPPED' : 'TASK_LOST';
    this.onStatus(frameworkId, {
      task_id: { value: taskId },
      state,
      source: 'SOURCE_AGENT',
      reason: 'REASON_EXECUTOR_TERMINATED',
      message: 'Cannot find executor',
      agent_id: { value: this.agentId },
      timestamp: nowSecs(),
      uuid: statusUuid(),
    });
  }

  shutdownFramework(frameworkId: string): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) {
      log.warn(`Cannot shut down unknown framework ${frameworkId}`);
      return;
    }
    log.info(`Asked to shut down framework ${frameworkId}`);
    // The command executor's shutdown leaves itself a second plus the reap interval.
    const grace = Math.max(0, this.cfg.executorShutdownGraceMs - 2000);
    for (const exec of fw.executors.values()) {
      exec.phase = 'terminating';
      exec.runner?.kill(grace);
    }
  }

  /** On SIGTERM: every task process group and task container goes. */
  async shutdown(maxWaitMs = 15_000): Promise<void> {
    this.shuttingDown = true;
    const all: Array<Promise<void>> = [];
    for (const fw of this.frameworks.values()) {
      for (const exec of fw.executors.values()) {
        if (!exec.runner) continue;
        exec.phase = 'terminating';
        exec.runner.kill(Math.min(this.cfg.executorShutdownGraceMs, 3000));
        all.push(exec.runner.done);
      }
    }
    if (all.length) log.info(`Killing ${all.length} task(s) before exiting`);
    await Promise.race([Promise.all(all), sleep(maxWaitMs)]);
  }

  // ---- status updates ---------------------------------------------------------

  /** Turns an executor's update into a full TaskStatus, books it, and forwards it. */
  private update(fw: FrameworkRecord, exec: ExecutorRecord, u: ExecutorUpdate): void {
    const task = exec.task;
    const last = task.statuses[task.statuses.length - 1];
    const base: Partial<TaskStatus> = u.basedOnLast && last ? { ...last } : {};
    delete base.reason;
    const status: TaskStatus = {
      ...base,
      task_id: { value: task.info.task_id.value },
      state: u.state,
      source: u.source ?? 'SOURCE_EXECUTOR',
      agent_id: { value: this.agentId || task.info.agent_id?.value || '' },
      executor_id: { value: exec.group?.id ?? exec.id },
      timestamp: nowSecs(),
      uuid: statusUuid(),
    };
    if (u.message !== undefined) status.message = u.message;
    if (u.reason) status.reason = u.reason;
    if (u.healthy !== undefined) status.healthy = u.healthy;
    if (u.data !== undefined) status.data = u.data;
    if (status.source === 'SOURCE_EXECUTOR') {
      this.counters.valid_status_updates++;
      // The agent adds the container, and its own address when the executor gave none.
      status.container_status = {
        container_id: exec.group ? { value: exec.containerId, parent: { value: exec.group.containerId } } : { value: exec.containerId },
        network_infos: u.networkInfos ?? (u.basedOnLast ? base.container_status?.network_infos : undefined) ?? [
          { ip_addresses: [{ protocol: 'IPv4', ip_address: this.cfg.ip }] },
        ],
      };
      if (exec.phase === 'registering') exec.phase = 'running';
    }
    if (u.reason === 'REASON_CONTAINER_LAUNCH_FAILED') this.counters.container_launch_errors++;
    const wasTerminal = isTerminal(task.state);
    task.state = u.state;
    task.statuses.push(status);
    if (!wasTerminal && isTerminal(u.state)) {
      exec.phase = 'terminating';
      switch (u.state) {
        case 'TASK_FINISHED': this.counters.tasks_finished++; break;
        case 'TASK_FAILED': case 'TASK_ERROR': this.counters.tasks_failed++; break;
        case 'TASK_KILLED': this.counters.tasks_killed++; break;
        case 'TASK_LOST': case 'TASK_DROPPED': this.counters.tasks_lost++; break;
        case 'TASK_GONE': case 'TASK_GONE_BY_OPERATOR': this.counters.tasks_gone++; break;
        default: break;
      }
    }
    log.info(
      `Handling status update ${u.state}${u.healthy !== undefined ? ` (healthy: ${u.healthy})` : ''} for task ${task.info.task_id.value} of framework ${fw.id}${u.message ? `: ${u.message}` : ''}`,
    );
    this.onStatus(fw.id, status);
    if (!wasTerminal && (u.state === 'TASK_FAILED' || u.state === 'TASK_KILLED') && exec.siblings) this.killSiblings(fw, exec);
  }

  private executorTerminated(fw: FrameworkRecord, exec: ExecutorRecord): void {
    if (fw.executors.get(exec.id) !== exec) return;
    if (!isTerminal(exec.task.state)) {
      this.update(fw, exec, { state: 'TASK_FAILED', source: 'SOURCE_AGENT', reason: 'REASON_EXECUTOR_TERMINATED', message: 'Executor terminated' });
    }
    const group = exec.group;
    const hadRunner = exec.runner !== undefined;
    exec.runner = undefined;
    // a default executor ends with its last task's container
    if (group && group.members.some((m) => m.runner !== undefined && fw.executors.get(m.id) === m)) return;
    if (hadRunner || group) this.counters.executors_terminated++;
    log.info(`Executor '${group?.id ?? exec.id}' of framework ${fw.id} has terminated`);
    const ended = group ? group.members.filter((m) => fw.executors.get(m.id) === m) : [exec];
    if (group) group.done = true;
    for (const m of ended) fw.executors.delete(m.id);
    fw.completedExecutors.push(...ended);
    while (fw.completedExecutors.length > this.cfg.maxCompletedExecutors) fw.completedExecutors.shift();
    if (fw.executors.size === 0) {
      log.info(`Cleaning up framework ${fw.id}`);
      this.frameworks.delete(fw.id);
      this.completedFrameworks.push(fw);
      while (this.completedFrameworks.length > MAX_COMPLETED_FRAMEWORKS) this.completedFrameworks.shift();
    }
  }

  /** Tasks to report when (re-)registering, so a new master can adopt them. */
  reportedTasks(pending: (frameworkId: string, taskId: string) => boolean): RegisteredTask[] {
    const out: RegisteredTask[] = [];
    const add = (fw: FrameworkRecord, exec: ExecutorRecord) =>
      out.push({ framework_id: fw.id, framework_info: fw.info, task: exec.task.info, state: exec.task.state, statuses: exec.task.statuses });
    for (const fw of [...this.frameworks.values(), ...this.completedFrameworks]) {
      for (const exec of fw.executors.values()) add(fw, exec);
      for (const exec of fw.completedExecutors) if (pending(fw.id, exec.id)) add(fw, exec);
    }
    return out;
  }

  // ---- views --------------------------------------------------------------------

  liveExecutors(): ExecutorRecord[] {
    return [...this.frameworks.values()].flatMap((fw) => [...fw.executors.values()]);
  }

  usedResources(): ResList {
    let used: ResList = [];
    const groups = new Set<TaskGroupExecutor>();
    for (const exec of this.liveExecutors()) {
      // a default executor's ended tasks no longer hold anything (Executor::allocatedResources)
      if (exec.group && isTerminal(exec.task.state)) continue;
      used = L.add(used, exec.resources);
      if (exec.group && !groups.has(exec.group)) {
        groups.add(exec.group);
        used = L.add(used, exec.group.resources);
      }
    }
    return used;
  }

  state(): Record<string, unknown> {
    return agentState(this);
  }

  metrics(): Record<string, number> {
    return agentMetrics(this);
  }
}
