// The agent's /state and /metrics/snapshot (src/slave/http.cpp and
// src/slave/metrics.cpp, 1.7.1), drawn from its books.
import fs from 'node:fs';
import os from 'node:os';
import * as L from '../common/resource-list.js';
import type { ResList } from '../common/resource-list.js';
import { AGENT_CAPABILITIES, MAX_COMPLETED_TASKS_PER_EXECUTOR, taskRole, type Agent, type ExecutorRecord, type FrameworkRecord, type TaskRecord } from './agent.js';
import { BUILD_DATE, BUILD_TIME, BUILD_USER, MESOS_VERSION, sortedFlags } from './config.js';
import { hasCapability, isTerminal, type TaskState, type TaskStatus } from './types.js';
import { nowSecs } from './util.js';

/** The short form of a status in Task.statuses of /state. */
function statusJson(s: TaskStatus): Record<string, unknown> {
  return {
    state: s.state,
    timestamp: s.timestamp,
    ...(s.labels ? { labels: s.labels.labels ?? [] } : {}),
    ...(s.container_status ? { container_status: s.container_status } : {}),
    ...(s.healthy !== undefined ? { healthy: s.healthy } : {}),
  };
}

function taskJson(agent: Agent, t: TaskRecord, fw: FrameworkRecord): Record<string, unknown> {
  const info = t.info;
  return {
    id: info.task_id.value,
    name: info.name,
    framework_id: t.frameworkId,
    executor_id: info.executor?.type === 'DEFAULT' ? info.executor.executor_id.value : '',
    slave_id: agent.agentId || info.agent_id?.value || '',
    state: t.state,
    resources: L.stateJson(L.upgrade(info.resources ?? [])),
    role: taskRole(info, fw.info),
    statuses: t.statuses.map(statusJson),
    ...(info.command?.user ? { user: info.command.user } : {}),
    ...(info.labels ? { labels: info.labels.labels ?? [] } : {}),
    ...(info.discovery ? { discovery: info.discovery } : {}),
    ...(info.container ? { container: info.container } : {}),
  };
}

/** A task the executor has not received yet: shown as the TaskInfo it is. */
function queuedTaskJson(agent: Agent, t: TaskRecord, fw: FrameworkRecord): Record<string, unknown> {
  const info = t.info;
  return {
    id: info.task_id.value,
    name: info.name,
    slave_id: agent.agentId || info.agent_id?.value || '',
    resources: L.stateJson(L.upgrade(info.resources ?? [])),
    role: taskRole(info, fw.info),
    ...(info.command ? { command: { ...(info.command.shell !== undefined ? { shell: info.command.shell } : {}), ...(info.command.value !== undefined ? { value: info.command.value } : {}), argv: info.command.arguments ?? [], ...(info.command.environment ? { environment: info.command.environment } : {}), uris: (info.command.uris ?? []).map((u) => ({ value: u.value, executable: u.executable ?? false })) } } : {}),
    ...(info.discovery ? { discovery: info.discovery } : {}),
  };
}

function executorJson(agent: Agent, execs: ExecutorRecord[], fw: FrameworkRecord): Record<string, unknown> {
  const tasks: Array<Record<string, unknown>> = [];
  const queued: Array<Record<string, unknown>> = [];
  const completed: Array<Record<string, unknown>> = [];
  for (const exec of execs) {
    const t = exec.task;
    if (t.state === 'TASK_STAGING' && t.statuses.length === 0) queued.push(queuedTaskJson(agent, t, fw));
    else if (!isTerminal(t.state)) tasks.push(taskJson(agent, t, fw));
    else if (t.statuses.length > 0) completed.push(taskJson(agent, t, fw));
  }
  const first = execs[0]!;
  const group = first.group;
  // a default executor: its own container and sandbox, its resources with its tasks'
  const resources = group ? execs.filter((e) => !isTerminal(e.task.state)).reduce((acc: ResList, e) => L.add(acc, e.resources), group.resources) : first.resources;
  return {
    id: group?.id ?? first.id,
    name: first.name,
    source: first.source,
    container: group?.containerId ?? first.containerId,
    directory: group?.directory ?? first.directory,
    resources: L.stateJson(resources),
    role: first.role,
    ...(first.labels ? { labels: first.labels } : {}),
    ...(group ? { type: 'DEFAULT' } : {}),
    tasks,
    queued_tasks: queued,
    completed_tasks: completed.slice(0, MAX_COMPLETED_TASKS_PER_EXECUTOR),
  };
}

/** The executor entries: one per command executor, one per default executor with all its tasks. */
function executorsJson(agent: Agent, execs: Iterable<ExecutorRecord>, fw: FrameworkRecord): Array<Record<string, unknown>> {
  const byExecutor = new Map<unknown, ExecutorRecord[]>();
  for (const e of execs) {
    const key = e.group ?? e;
    byExecutor.set(key, [...(byExecutor.get(key) ?? []), e]);
  }
  return [...byExecutor.values()].map((list) => executorJson(agent, list, fw));
}

function frameworkJson(agent: Agent, fw: FrameworkRecord): Record<string, unknown> {
  const info = fw.info;
  return {
    id: fw.id,
    name: info.name ?? '',
    user: info.user ?? '',
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
    hostname: info.hostname ?? '',
    ...(info.principal !== undefined ? { principal: info.principal } : {}),
    ...(hasCapability(info, 'MULTI_ROLE') ? { roles: info.roles ?? [] } : { role: info.role ?? '*' }),
    executors: executorsJson(agent, fw.executors.values(), fw),
    completed_executors: executorsJson(agent, fw.completedExecutors, fw),
  };
}

/** /state (Slave::Http::state). */
export function agentState(agent: Agent): Record<string, unknown> {
  const total = agent.total;
  const used = agent.usedResources();
  const endpoint = (l: ResList) => L.format(l, 'endpoint');
  return {
    version: MESOS_VERSION,
    git_tag: MESOS_VERSION,
    build_date: BUILD_DATE,
    build_time: BUILD_TIME,
    build_user: BUILD_USER,
    start_time: agent.startTime,
    id: agent.agentId,
    pid: agent.pid,
    hostname: agent.cfg.hostname,
    capabilities: AGENT_CAPABILITIES,
    resources: L.stateJson(total),
    reserved_resources: L.reservedStateJson(total),
    unreserved_resources: L.stateJson(L.unreserved(total)),
    reserved_resources_full: Object.fromEntries([...L.byReservationRole(L.reserved(total))].map(([role, r]) => [role, endpoint(r)])),
    unreserved_resources_full: endpoint(L.unreserved(total)),
    reserved_resources_allocated: L.reservedStateJson(used),
    unreserved_resources_allocated: L.stateJson(L.unreserved(used)),
    attributes: agent.cfg.attributes,
    ...(agent.masterHostname ? { master_hostname: agent.masterHostname } : {}),
    ...(agent.cfg.logDir ? { log_dir: agent.cfg.logDir } : {}),
    ...(agent.cfg.externalLogFile ? { external_log_file: agent.cfg.externalLogFile } : {}),
    flags: sortedFlags(agent.cfg),
    frameworks: [...agent.frameworks.values()].map((fw) => frameworkJson(agent, fw)),
    completed_frameworks: agent.completedFrameworks.map((fw) => frameworkJson(agent, fw)),
  };
}

/** /metrics/snapshot (src/slave/metrics.cpp). */
export function agentMetrics(agent: Agent): Record<string, number> {
  const execs = agent.liveExecutors();
  const tasksIn = (s: TaskState) => execs.filter((e) => e.task.state === s).length;
  const total = L.quantities(agent.total);
  const used = L.quantities(agent.usedResources());
  const out: Record<string, number> = {
    'slave/uptime_secs': nowSecs() - agent.startTime,
    'slave/registered': agent.registered ? 1 : 0,
    'slave/recovery_errors': 0,
    'slave/recovery_time_secs': 0,
    'slave/frameworks_active': agent.frameworks.size,
    'slave/tasks_staging': tasksIn('TASK_STAGING'),
    'slave/tasks_starting': tasksIn('TASK_STARTING'),
    'slave/tasks_running': tasksIn('TASK_RUNNING'),
    'slave/tasks_killing': tasksIn('TASK_KILLING'),
    'slave/tasks_finished': agent.counters.tasks_finished,
    'slave/tasks_failed': agent.counters.tasks_failed,
    'slave/tasks_killed': agent.counters.tasks_killed,
    'slave/tasks_lost': agent.counters.tasks_lost,
    'slave/tasks_gone': agent.counters.tasks_gone,
    'slave/executors_registering': execs.filter((e) => e.phase === 'registering').length,
    'slave/executors_running': execs.filter((e) => e.phase === 'running').length,
    'slave/executors_terminating': execs.filter((e) => e.phase === 'terminating').length,
    'slave/executors_terminated': agent.counters.executors_terminated,
    'slave/executors_preempted': 0,
    'slave/valid_status_updates': agent.counters.valid_status_updates,
    'slave/invalid_status_updates': 0,
    'slave/valid_framework_messages': 0,
    'slave/invalid_framework_messages': 0,
    'slave/container_launch_errors': agent.counters.container_launch_errors,
    'slave/executor_directory_max_allowed_age_secs': maxSandboxAgeSecs(agent),
    'containerizer/fetcher/cache_size_total_bytes': 2 * 1024 ** 3,
    'containerizer/fetcher/cache_size_used_bytes': 0,
    'containerizer/mesos/container_destroy_errors': 0,
    'system/cpus_total': os.cpus().length,
    'system/load_1min': os.loadavg()[0] ?? 0,
    'system/load_5min': os.loadavg()[1] ?? 0,
    'system/load_15min': os.loadavg()[2] ?? 0,
    'system/mem_total_bytes': os.totalmem(),
    'system/mem_free_bytes': os.freemem(),
  };
  for (const name of ['cpus', 'gpus', 'mem', 'disk'] as const) {
    out[`slave/${name}_total`] = total[name];
    out[`slave/${name}_used`] = used[name];
    out[`slave/${name}_percent`] = total[name] > 0 ? used[name] / total[name] : 0;
    out[`slave/${name}_revocable_total`] = 0;
    out[`slave/${name}_revocable_used`] = 0;
    out[`slave/${name}_revocable_percent`] = 0;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** gc_delay scaled by the free share of the work_dir disk, as the agent's GC computes it. */
function maxSandboxAgeSecs(agent: Agent): number {
  let usage = 0;
  try {
    const st = fs.statfsSync(agent.cfg.workDir!);
    usage = 1 - st.bavail / st.blocks;
  } catch {
    /* unknown: assume empty */
  }
  return (agent.cfg.gcDelayMs / 1000) * Math.max(0, 1 - agent.cfg.gcDiskHeadroom - usage);
}
