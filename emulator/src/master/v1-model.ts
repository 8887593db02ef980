// The master's books as v1 protobuf messages (plain form, see
// common/proto/stout-json.ts): offers, tasks, frameworks, agents, executors,
// and the GetState the operator API and its SUBSCRIBED event carry. Shapes
// follow model(Framework) and _get* in src/master/http.cpp and
// createAgentResponse in src/common/protobuf_utils.cpp (1.7.1).
import * as L from '../common/resource-list.js';
import { v1Attributes } from '../common/resources.js';
import type { Books } from './books.js';
import { hasCapability } from './framework.js';
import { isTerminal, type Agent, type AgentInfo, type Framework, type Offer, type Pb, type Task } from './types.js';

/** A TimeInfo from seconds since the epoch. */
export const timeInfo = (seconds: number): Pb => ({ nanoseconds: Math.round(seconds * 1e6) * 1000 });

/**
 * An Offer as its framework receives it, or (`asKept`) as the master keeps it
 * and GET_FRAMEWORKS lists it: resources with allocation_info, post-refinement.
 */
export function offerV1(books: Books, o: Offer, asKept = false): Pb {
  const agent = books.agents.get(o.agentId);
  const fw = books.frameworks.get(o.frameworkId);
  // Frameworks without RESERVATION_REFINEMENT get the pre-refinement format
  // (`role`, and `reservation` for a dynamic one); only MULTI_ROLE frameworks
  // see allocation_info (MESOS-8237, Master::offer).
  const multiRole = asKept || (fw !== undefined && hasCapability(fw.info, 'MULTI_ROLE'));
  const refinement = asKept || (fw !== undefined && hasCapability(fw.info, 'RESERVATION_REFINEMENT'));
  const resources = L.format(o.resources, refinement ? 'post' : 'pre', multiRole ? o.role : undefined);
  const out: Pb = {
    id: { value: o.id },
    framework_id: { value: o.frameworkId },
    agent_id: { value: o.agentId },
    hostname: agent?.hostname ?? '',
  };
  if (agent) out.url = { scheme: 'http', address: { hostname: agent.hostname, ip: agent.ip, port: agent.port }, path: '/slave(1)' };
  out.resources = resources;
  const attrs = agent ? v1Attributes(agent.attributes) : [];
  if (attrs.length) out.attributes = attrs;
  // the agent's machine is scheduled for maintenance (Master::offer)
  const unavailability = agent ? books.maintenance.unavailabilityOf(agent) : undefined;
  if (unavailability) out.unavailability = unavailability;
  if (multiRole) out.allocation_info = { role: o.role };
  return out;
}

/** The TaskStatus entries of a Task: the master keeps each state it saw, the latest in full (without `data`, MESOS-1746). */
function statusesV1(t: Task): Pb[] {
  return t.statuses.map((s, i) => {
    const latest = i === t.statuses.length - 1 && t.latest?.state === s.state ? t.latest : undefined;
    if (latest) {
      const { data: _data, ...rest } = latest;
      return rest;
    }
    const out: Pb = { task_id: { value: t.id }, state: s.state, agent_id: { value: t.agentId }, timestamp: s.timestamp };
    if (t.executorId) out.executor_id = { value: t.executorId };
    if (typeof s.healthy === 'boolean') out.healthy = s.healthy;
    if (s.labels !== undefined) out.labels = { labels: s.labels };
    if (s.container_status !== undefined) out.container_status = s.container_status;
    return out;
  });
}

/** protobuf::createTask: a Task from what was launched and what happened to it. */
export function taskV1(t: Task): Pb {
  const info = t.info ?? {};
  const out: Pb = {
    name: t.name,
    task_id: { value: t.id },
    framework_id: { value: t.frameworkId },
    agent_id: { value: t.agentId },
    state: t.state,
    resources: L.format(t.resources, 'post', t.role),
    statuses: statusesV1(t),
  };
  if (t.executorId) out.executor_id = { value: t.executorId };
  if (t.latest?.state) {
    out.status_update_state = t.latest.state;
    if (t.latest.uuid) out.status_update_uuid = t.latest.uuid;
  }
  if (info.labels !== undefined) out.labels = info.labels;
  if (info.discovery !== undefined) out.discovery = info.discovery;
  if (info.container !== undefined) out.container = info.container;
  if (typeof info.command?.user === 'string') out.user = info.command.user;
  return out;
}

/** model(Framework): times only when set, offers in full, resources in the endpoint format. */
export function frameworkV1(books: Books, fw: Framework): Pb {
  const out: Pb = { framework_info: fw.info, active: fw.active, connected: fw.connected, recovered: fw.recovered };
  if (fw.registeredTime) out.registered_time = timeInfo(fw.registeredTime);
  if (fw.unregisteredTime) out.unregistered_time = timeInfo(fw.unregisteredTime);
  if (fw.reregisteredTime) out.reregistered_time = timeInfo(fw.reregisteredTime);
  out.offers = [...fw.offers].flatMap((id) => {
    const o = books.offers.get(id);
    return o ? [offerV1(books, o, true)] : [];
  });
  const inverse = books.maintenance.inverseOffersOf(fw);
  if (inverse.length) out.inverse_offers = inverse;
  out.allocated_resources = usedV1(fw.tasks.values());
  out.offered_resources = offeredV1(books, fw.offers);
  return out;
}

/** What live tasks use, per allocation role, in the endpoint format. */
function usedV1(tasks: Iterable<Task>): Pb[] {
  const used = new Map<string, L.ResList>();
  for (const t of tasks) if (!isTerminal(t.state)) used.set(t.role, L.add(used.get(t.role) ?? [], t.resources));
  return [...used].flatMap(([role, r]) => L.format(r, 'endpoint', role));
}

/** What these offers hold, per allocation role, in the endpoint format. */
function offeredV1(books: Books, offerIds: Iterable<string>): Pb[] {
  const offered = new Map<string, L.ResList>();
  for (const id of offerIds) {
    const o = books.offers.get(id);
    if (o) offered.set(o.role, L.add(offered.get(o.role) ?? [], o.resources));
  }
  return [...offered].flatMap(([role, r]) => L.format(r, 'endpoint', role));
}

/** SlaveInfo as v1 AgentInfo. */
export function agentInfoV1(a: AgentInfo | Agent): Pb {
  const out: Pb = { hostname: a.hostname, port: a.port, resources: L.format(a.resources, 'post'), attributes: v1Attributes(a.attributes), id: { value: a.id } };
  return out;
}

/** createAgentResponse. */
export function agentV1(books: Books, a: Agent): Pb {
  const out: Pb = { agent_info: agentInfoV1(a), active: a.active, version: a.version, pid: a.pid, registered_time: timeInfo(a.registeredTime) };
  if (a.reregisteredTime !== undefined) out.reregistered_time = timeInfo(a.reregisteredTime);
  out.total_resources = L.format(a.total, 'endpoint');
  out.allocated_resources = usedV1(a.tasks.values());
  out.offered_resources = offeredV1(books, a.offers);
  out.capabilities = a.capabilities.map((type) => ({ type }));
  return out;
}

const allFrameworks = (books: Books): Framework[] => [...books.frameworks.values(), ...books.completedFrameworks.values()];

export function getTasksV1(books: Books): Pb {
  const out: Pb = { pending_tasks: [], tasks: [], unreachable_tasks: [], completed_tasks: [], orphan_tasks: [] };
  for (const fw of allFrameworks(books)) {
    for (const t of fw.tasks.values()) out.tasks.push(taskV1(t));
    for (const t of fw.unreachableTasks.values()) out.unreachable_tasks.push(taskV1(t));
    for (const t of fw.completedTasks) out.completed_tasks.push(taskV1(t));
  }
  return out;
}

/** A framework's executors with live tasks, one per agent and executor id, each with a task that runs on it (command tasks have none the master knows). */
export function liveExecutors(fw: Framework): Array<{ task: Task; executor: Pb }> {
  const out: Array<{ task: Task; executor: Pb }> = [];
  const seen = new Set<string>();
  for (const t of fw.tasks.values()) {
    const e = t.info?.executor;
    if (!e || isTerminal(t.state)) continue;
    const key = `${t.agentId}/${t.executorId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ task: t, executor: e });
  }
  return out;
}

export function getExecutorsV1(books: Books): Pb {
  const executors = allFrameworks(books).flatMap((fw) =>
    liveExecutors(fw).map(({ task, executor }) => ({ executor_info: { ...executor, framework_id: { value: fw.id } }, agent_id: { value: task.agentId } })),
  );
  return { executors, orphan_executors: [] };
}

export function getFrameworksV1(books: Books): Pb {
  return {
    frameworks: [...books.frameworks.values()].map((fw) => frameworkV1(books, fw)),
    completed_frameworks: [...books.completedFrameworks.values()].map((fw) => frameworkV1(books, fw)),
    recovered_frameworks: [],
  };
}

export function getAgentsV1(books: Books): Pb {
  return {
    agents: [...books.agents.values()].map((a) => agentV1(books, a)),
    recovered_agents: [...books.recoveredAgents.values()].map(agentInfoV1),
  };
}

/** _getState: tasks, executors, frameworks, agents, in that order. */
export function getStateV1(books: Books): Pb {
  return { get_tasks: getTasksV1(books), get_executors: getExecutorsV1(books), get_frameworks: getFrameworksV1(books), get_agents: getAgentsV1(books) };
}
