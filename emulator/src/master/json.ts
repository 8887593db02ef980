// The JSON of the read-only endpoints, field for field and in the order the
// 1.7 writers emit them (FullFrameworkWriter, SlaveWriter, json(Task), ...
// in src/master/http.cpp and src/common/http.cpp).
import os from 'node:os';
import * as L from '../common/resource-list.js';
import type { ResList } from '../common/resource-list.js';
import { EMULATOR_VERSION, MESOS_VERSION, flagsObject } from './config.js';
import { hasCapability } from './framework.js';
import { liveExecutors } from './v1-model.js';
import type { Master } from './master.js';
import { TASK_STATES, isTerminal, type Agent, type Framework, type Pb, type Task } from './types.js';

type Obj = Record<string, unknown>;

const BUILD_TIME = 1546300800; // fixed, so /version is stable across image builds
const BUILD_DATE = '2019-01-01 00:00:00';
export const BUILD_USER = `mesos-up-emulator-${EMULATOR_VERSION}`;

export function versionJson(): Obj {
  // stout's JSON::Object: keys sorted.
  return { build_date: BUILD_DATE, build_time: BUILD_TIME, build_user: BUILD_USER, version: MESOS_VERSION };
}

const res = (r: ResList): Obj => L.stateJson(r);

/** v1 resources as a `*_full` entry (convertResourceFormat ENDPOINT: unreserved → role "*"). */
const full = (r: ResList, allocationRole?: string): Pb[] => L.format(r, 'endpoint', allocationRole);

function containerJson(container: Pb): Pb {
  if (!container || typeof container !== 'object') return container;
  const out: Pb = { ...container };
  // JSON::Protobuf writes optional fields that have defaults.
  if (out.docker && typeof out.docker === 'object') {
    out.docker = { network: 'HOST', privileged: false, ...out.docker };
  }
  return out;
}

export function taskJson(t: Task): Obj {
  const out: Obj = {
    id: t.id,
    name: t.name,
    framework_id: t.frameworkId,
    executor_id: t.executorId,
    slave_id: t.agentId,
    state: t.state,
    resources: res(t.resources),
    role: t.role,
    statuses: t.statuses,
  };
  const info = t.info ?? {};
  if (typeof info.command?.user === 'string') out.user = info.command.user;
  if (Array.isArray(info.labels?.labels)) out.labels = info.labels.labels;
  if (info.discovery !== undefined) out.discovery = info.discovery;
  if (info.container !== undefined) out.container = containerJson(info.container);
  return out;
}

function offerJson(master: Master, id: string): Obj | undefined {
  const o = master.books.offers.get(id);
  if (!o) return undefined;
  return { id: o.id, framework_id: o.frameworkId, allocation_info: { role: o.role }, slave_id: o.agentId, resources: res(o.resources) };
}

function executorsJson(fw: Framework): Obj[] {
  const out: Obj[] = [];
  for (const { task: t, executor: e } of liveExecutors(fw)) {
    const cmd = e.command ?? {};
    const command: Obj = {};
    if (typeof cmd.shell === 'boolean') command.shell = cmd.shell;
    if (typeof cmd.value === 'string') command.value = cmd.value;
    command.argv = Array.isArray(cmd.arguments) ? cmd.arguments : [];
    if (cmd.environment !== undefined) command.environment = cmd.environment;
    command.uris = (Array.isArray(cmd.uris) ? cmd.uris : []).map((u: Pb) => ({ value: u.value, executable: u.executable ?? false }));
    const er = L.upgrade(Array.isArray(e.resources) ? e.resources : []);
    const entry: Obj = {
      executor_id: t.executorId,
      name: typeof e.name === 'string' ? e.name : '',
      framework_id: fw.id,
      command,
      resources: res(er),
    };
    if (!L.isEmpty(er)) entry.role = t.role;
    if (Array.isArray(e.labels?.labels)) entry.labels = e.labels.labels;
    if (typeof e.type === 'string') entry.type = e.type;
    entry.slave_id = t.agentId;
    out.push(entry);
  }
  return out;
}

/** json(Summary<Framework>): the part /state-summary shares with /state. */
function frameworkSummary(master: Master, fw: Framework): Obj {
  const info = fw.info ?? {};
  return {
    id: fw.id,
    name: info.name ?? '',
    used_resources: res(master.books.usedBy(fw)),
    offered_resources: res(master.books.offeredTo(fw)),
    capabilities: (Array.isArray(info.capabilities) ? info.capabilities : []).map((c: Pb) => c?.type).filter((x: unknown) => typeof x === 'string'),
    hostname: info.hostname ?? '',
    webui_url: info.webui_url ?? '',
    active: fw.active,
    connected: fw.connected,
    recovered: fw.recovered,
  };
}

export function frameworkJson(master: Master, fw: Framework): Obj {
  const info = fw.info ?? {};
  const out = frameworkSummary(master, fw);
  out.user = info.user ?? '';
  out.failover_timeout = typeof info.failover_timeout === 'number' ? info.failover_timeout : 0;
  out.checkpoint = info.checkpoint === true;
  out.registered_time = fw.registeredTime;
  out.unregistered_time = fw.unregisteredTime;
  if (typeof info.principal === 'string') out.principal = info.principal;
  out.resources = res(L.add(master.books.usedBy(fw), master.books.offeredTo(fw)));
  if (fw.reregisteredTime !== fw.registeredTime) out.reregistered_time = fw.reregisteredTime;
  if (hasCapability(info, 'MULTI_ROLE')) out.roles = Array.isArray(info.roles) ? info.roles : [];
  else out.role = typeof info.role === 'string' ? info.role : '*';
  out.tasks = [...fw.tasks.values()].map(taskJson);
  out.unreachable_tasks = [...fw.unreachableTasks.values()].map(taskJson);
  out.completed_tasks = fw.completedTasks.map(taskJson);
  out.offers = [...fw.offers].map((id) => offerJson(master, id)).filter(Boolean);
  out.executors = executorsJson(fw);
  if (Array.isArray(info.labels?.labels)) out.labels = info.labels.labels;
  return out;
}

/** json(SlaveInfo): how /state shows an agent's info, and all it shows of a recovered agent. */
function agentInfoJson(a: { id: string; hostname: string; port: number; attributes: Record<string, string | number> }): Obj {
  return { id: a.id, hostname: a.hostname, port: a.port, attributes: a.attributes };
}

export function agentJson(master: Master, a: Agent): Obj {
  const out = agentInfoJson(a);
  out.pid = a.pid;
  out.registered_time = a.registeredTime;
  if (a.reregisteredTime !== undefined) out.reregistered_time = a.reregisteredTime;
  out.resources = res(a.total);
  out.used_resources = res(master.books.usedOn(a));
  out.offered_resources = res(master.books.offeredOn(a));
  out.reserved_resources = L.reservedStateJson(a.total);
  out.unreserved_resources = res(L.unreserved(a.total));
  out.active = a.active;
  out.version = a.version;
  out.capabilities = a.capabilities;
  return out;
}

/** /master/slaves entries carry the full protobuf form of the resources as well. */
function agentFullJson(master: Master, a: Agent): Obj {
  const out = agentJson(master, a);
  const usedByRole = new Map<string, ResList>();
  for (const t of a.tasks.values()) {
    if (isTerminal(t.state)) continue;
    usedByRole.set(t.role, L.add(usedByRole.get(t.role) ?? [], t.resources));
  }
  const offeredByRole = new Map<string, ResList>();
  for (const id of a.offers) {
    const o = master.books.offers.get(id);
    if (o) offeredByRole.set(o.role, L.add(offeredByRole.get(o.role) ?? [], o.resources));
  }
  out.reserved_resources_full = Object.fromEntries([...L.byReservationRole(L.reserved(a.total))].map(([role, r]) => [role, full(r)]));
  out.unreserved_resources_full = full(L.unreserved(a.total));
  out.used_resources_full = [...usedByRole].flatMap(([role, r]) => full(r, role));
  out.offered_resources_full = [...offeredByRole].flatMap(([role, r]) => full(r, role));
  return out;
}

function leaderInfo(master: Master): Obj | undefined {
  const l = master.leader;
  if (!l) return undefined;
  return { id: l.id, pid: l.pid, port: l.port, hostname: l.hostname };
}

export function stateJson(master: Master): Obj {
  const cfg = master.cfg;
  const out: Obj = {
    version: MESOS_VERSION,
    build_date: BUILD_DATE,
    build_time: BUILD_TIME,
    build_user: BUILD_USER,
    start_time: master.startTime,
  };
  if (master.electedTime !== undefined) out.elected_time = master.electedTime;
  out.id = master.id;
  out.pid = master.pid;
  out.hostname = master.info.hostname;
  out.capabilities = (master.info.capabilities ?? []).map((c) => c.type);
  const agents = [...master.books.agents.values()];
  out.activated_slaves = agents.filter((a) => a.active).length;
  out.deactivated_slaves = agents.filter((a) => !a.active).length;
  out.unreachable_slaves = master.books.unreachableAgents.size;
  if (master.leader) {
    out.leader = master.leader.pid;
    out.leader_info = leaderInfo(master);
  }
  if (cfg.cluster !== undefined) out.cluster = cfg.cluster;
  if (cfg.logDir !== undefined) out.log_dir = cfg.logDir;
  if (cfg.externalLogFile !== undefined) out.external_log_file = cfg.externalLogFile;
  out.flags = flagsObject(cfg);
  out.slaves = agents.map((a) => agentJson(master, a));
  out.recovered_slaves = [...master.books.recoveredAgents.values()].map(agentInfoJson);
  out.frameworks = [...master.books.frameworks.values()].map((fw) => frameworkJson(master, fw));
  out.completed_frameworks = [...master.books.completedFrameworks.values()].map((fw) => frameworkJson(master, fw));
  out.orphan_tasks = [];
  out.unregistered_frameworks = [];
  return out;
}

function taskSummary(tasks: Task[]): Obj {
  const count = (s: string) => tasks.filter((t) => t.state === s).length;
  return {
    TASK_STAGING: count('TASK_STAGING'),
    TASK_STARTING: count('TASK_STARTING'),
    TASK_RUNNING: count('TASK_RUNNING'),
    TASK_KILLING: count('TASK_KILLING'),
    TASK_FINISHED: count('TASK_FINISHED'),
    TASK_KILLED: count('TASK_KILLED'),
    TASK_FAILED: count('TASK_FAILED'),
    TASK_LOST: count('TASK_LOST'),
    TASK_ERROR: count('TASK_ERROR'),
    TASK_UNREACHABLE: count('TASK_UNREACHABLE'),
  };
}

export function stateSummaryJson(master: Master): Obj {
  const allTasks = (fw: Framework) => [...fw.tasks.values(), ...fw.unreachableTasks.values(), ...fw.completedTasks];
  const out: Obj = { hostname: master.info.hostname };
  if (master.cfg.cluster !== undefined) out.cluster = master.cfg.cluster;
  const frameworks = [...master.books.frameworks.values()];
  out.slaves = [...master.books.agents.values()].map((a) => {
    const tasks = frameworks.flatMap(allTasks).filter((t) => t.agentId === a.id);
    return { ...agentJson(master, a), ...taskSummary(tasks), framework_ids: [...new Set(tasks.map((t) => t.frameworkId))] };
  });
  out.frameworks = frameworks.map((fw) => {
    const tasks = allTasks(fw);
    return { ...frameworkSummary(master, fw), ...taskSummary(tasks), slave_ids: [...new Set(tasks.map((t) => t.agentId))] };
  });
  return out;
}

export function frameworksJson(master: Master, frameworkId?: string | null): Obj {
  const pick = (fw: Framework) => !frameworkId || fw.id === frameworkId;
  return {
    frameworks: [...master.books.frameworks.values()].filter(pick).map((fw) => frameworkJson(master, fw)),
    completed_frameworks: [...master.books.completedFrameworks.values()].filter(pick).map((fw) => frameworkJson(master, fw)),
    unregistered_frameworks: [],
  };
}

export function slavesJson(master: Master, agentId?: string | null): Obj {
  return {
    slaves: [...master.books.agents.values()].filter((a) => !agentId || a.id === agentId).map((a) => agentFullJson(master, a)),
    recovered_slaves: [...master.books.recoveredAgents.values()].filter((a) => !agentId || a.id === agentId).map(agentInfoJson),
  };
}

/** /master/tasks: limit (100), offset, order (desc unless "asc") by first status time, framework_id, task_id. */
export function tasksJson(master: Master, q: URLSearchParams): Obj {
  const num = (v: string | null, d: number) => (v !== null && /^-?\d+$/.test(v.trim()) ? Math.max(0, Number(v)) : d);
  const limit = num(q.get('limit'), 100);
  const offset = num(q.get('offset'), 0);
  const asc = q.get('order') === 'asc';
  const fwId = q.get('framework_id');
  const taskId = q.get('task_id');
  const tasks: Task[] = [];
  for (const fw of [...master.books.frameworks.values(), ...master.books.completedFrameworks.values()]) {
    if (fwId && fw.id !== fwId) continue;
    for (const t of [...fw.tasks.values(), ...fw.unreachableTasks.values(), ...fw.completedTasks]) {
      if (taskId && t.id !== taskId) continue;
      tasks.push(t);
    }
  }
  const first = (t: Task) => t.statuses[0]?.timestamp;
  // TaskComparator: tasks without statuses sort first (asc) or last (desc).
  tasks.sort((a, b) => {
    const x = first(a);
    const y = first(b);
    if (x === undefined && y === undefined) return 0;
    if (x === undefined) return asc ? -1 : 1;
    if (y === undefined) return asc ? 1 : -1;
    return asc ? x - y : y - x;
  });
  return { tasks: tasks.slice(offset, offset + limit).map(taskJson) };
}

export function metricsJson(master: Master): Record<string, number> {
  const m = new Map<string, number>(master.books.counters);
  const set = (k: string, v: number) => m.set(k, v);
  const zero = (k: string) => {
    if (!m.has(k)) m.set(k, 0);
  };
  const elected = master.elected;
  set('master/elected', elected ? 1 : 0);
  set('master/uptime_secs', Date.now() / 1000 - master.startTime);
  const agents = [...master.books.agents.values()];
  set('master/slaves_active', agents.filter((a) => a.active).length);
  set('master/slaves_inactive', agents.filter((a) => !a.active).length);
  set('master/slaves_connected', agents.filter((a) => a.active).length);
  set('master/slaves_disconnected', agents.filter((a) => !a.active).length);
  set('master/slaves_unreachable', master.books.unreachableAgents.size);
  const fws = [...master.books.frameworks.values()];
  set('master/frameworks_connected', fws.filter((f) => f.connected).length);
  set('master/frameworks_disconnected', fws.filter((f) => !f.connected).length);
  set('master/frameworks_active', fws.filter((f) => f.active).length);
  set('master/frameworks_inactive', fws.filter((f) => !f.active).length);
  set('master/outstanding_offers', master.books.offers.size);
  const states = taskStateCounts(master);
  for (const s of ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_UNREACHABLE']) {
    set(`master/tasks_${s.slice(5).toLowerCase()}`, states.get(s) ?? 0);
  }
  for (const c of [
    'tasks_finished', 'tasks_failed', 'tasks_killed', 'tasks_lost', 'tasks_error', 'tasks_dropped', 'tasks_gone', 'tasks_gone_by_operator',
    'dropped_messages', 'messages_register_framework', 'messages_reregister_framework', 'messages_unregister_framework',
    'messages_deactivate_framework', 'messages_kill_task', 'messages_status_update_acknowledgement', 'messages_resource_request',
    'messages_launch_tasks', 'messages_decline_offers', 'messages_revive_offers', 'messages_suppress_offers',
    'messages_reconcile_operations', 'messages_reconcile_tasks', 'messages_framework_to_executor',
    'messages_operation_status_update_acknowledgement', 'messages_executor_to_framework', 'messages_register_slave',
    'messages_reregister_slave', 'messages_unregister_slave', 'messages_status_update', 'messages_exited_executor',
    'messages_update_slave', 'messages_authenticate', 'valid_framework_to_executor_messages', 'invalid_framework_to_executor_messages',
    'valid_executor_to_framework_messages', 'invalid_executor_to_framework_messages', 'valid_status_updates', 'invalid_status_updates',
    'valid_status_update_acknowledgements', 'invalid_status_update_acknowledgements', 'valid_operation_status_update_acknowledgements',
    'invalid_operation_status_update_acknowledgements', 'recovery_slave_removals', 'event_queue_messages', 'event_queue_dispatches',
    'event_queue_http_requests', 'slave_registrations', 'slave_reregistrations', 'slave_removals', 'slave_removals/reason_unhealthy',
    'slave_removals/reason_unregistered', 'slave_removals/reason_registered', 'slave_shutdowns_scheduled', 'slave_shutdowns_completed',
    'slave_shutdowns_canceled', 'slave_unreachable_scheduled', 'slave_unreachable_completed', 'slave_unreachable_canceled',
  ]) {
    zero(`master/${c}`);
  }
  const total = L.quantities(agents.flatMap((a) => a.total));
  const used = L.quantities(agents.flatMap((a) => master.books.usedOn(a)));
  for (const r of ['cpus', 'gpus', 'mem', 'disk'] as const) {
    set(`master/${r}_total`, total[r]);
    set(`master/${r}_used`, used[r]);
    set(`master/${r}_percent`, total[r] > 0 ? used[r] / total[r] : 0);
    set(`master/${r}_revocable_total`, 0);
    set(`master/${r}_revocable_used`, 0);
    set(`master/${r}_revocable_percent`, 0);
  }
  for (const fw of fws) {
    for (const [k, v] of fw.metrics) set(`${fw.metricName}${k}`, v);
    const active = new Map<string, number>();
    for (const t of fw.tasks.values()) active.set(t.state, (active.get(t.state) ?? 0) + 1);
    for (const t of fw.unreachableTasks.values()) active.set(t.state, (active.get(t.state) ?? 0) + 1);
    for (const s of TASK_STATES) {
      if (isTerminal(s)) set(`${fw.metricName}tasks/terminal/${s.toLowerCase()}`, terminalCount(fw, s));
      else set(`${fw.metricName}tasks/active/${s.toLowerCase()}`, active.get(s) ?? 0);
    }
  }
  zero('allocator/mesos/allocation_runs');
  set('allocator/mesos/event_queue_dispatches', 0);
  for (const r of ['cpus', 'mem', 'disk'] as const) {
    const offered = [...master.books.offers.values()].reduce((n, o) => n + L.quantities(o.resources)[r], 0);
    set(`allocator/mesos/resources/${r}/total`, total[r]);
    set(`allocator/mesos/resources/${r}/offered_or_allocated`, used[r] + offered);
  }
  set('registrar/queued_operations', 0);
  set('registrar/registry_size_bytes', master.registrar.sizeBytes);
  set('registrar/state_fetch_ms', 0);
  set('registrar/state_store_ms', 0);
  const load = os.loadavg();
  set('system/cpus_total', os.cpus().length);
  set('system/load_1min', load[0] ?? 0);
  set('system/load_5min', load[1] ?? 0);
  set('system/load_15min', load[2] ?? 0);
  set('system/mem_free_bytes', os.freemem());
  set('system/mem_total_bytes', os.totalmem());
  // JSON::Object keeps keys sorted.
  return Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Tasks per state across frameworks, unreachable tasks included (the master/tasks_* gauges). */
function taskStateCounts(master: Master): Map<string, number> {
  const counts = new Map<string, number>(TASK_STATES.map((s) => [s, 0]));
  for (const fw of master.books.frameworks.values()) {
    for (const t of fw.tasks.values()) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
    counts.set('TASK_UNREACHABLE', (counts.get('TASK_UNREACHABLE') ?? 0) + [...fw.unreachableTasks.values()].filter((t) => t.state === 'TASK_UNREACHABLE').length);
  }
  return counts;
}

function terminalCount(fw: Framework, state: string): number {
  let n = 0;
  for (const t of fw.completedTasks) if (t.state === state) n++;
  for (const t of fw.tasks.values()) if (t.state === state) n++;
  for (const t of fw.unreachableTasks.values()) if (t.state === state) n++;
  return n;
}
