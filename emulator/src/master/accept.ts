// The ACCEPT call: offer validation, the operations that change what the
// agent holds (RESERVE, UNRESERVE, CREATE, DESTROY), task validation, LAUNCH
// and LAUNCH_GROUP, with the messages and status updates of validation::offer,
// validation::operation, validation::task and Master::accept/_accept in
// src/master/master.cpp (1.7.1), in the order the operations come.
import * as L from '../common/resource-list.js';
import type { ResList } from '../common/resource-list.js';
import { applyOnAgent, operationOf, resizeOf, volumesInUse } from './agent-resources.js';
import type { Allocator } from './allocator.js';
import type { Books } from './books.js';
import { frameworkRoles, fwCount, hasCapability, OPERATION_TYPES, partitionAware, send } from './framework.js';
import { describeAgent, describeFramework, glog } from './log.js';
import { idError, operationFormatError, validateCreate, validateDestroy, validateGrow, validateReserve, validateShrink, validateUnreserve } from './operation-validation.js';
import { masterStatus } from './status.js';
import { idValue, isTerminal, type Agent, type Framework, type Pb, type Task } from './types.js';

const RESOURCE_OPERATIONS = ['RESERVE', 'UNRESERVE', 'CREATE', 'DESTROY', 'GROW_VOLUME', 'SHRINK_VOLUME', 'CREATE_DISK', 'DESTROY_DISK'];

/** The resources an operation names, as sent. */
function operationResources(op: Pb): Pb[] {
  const list =
    op?.type === 'RESERVE' ? op.reserve?.resources
    : op?.type === 'UNRESERVE' ? op.unreserve?.resources
    : op?.type === 'CREATE' ? op.create?.volumes
    : op?.type === 'DESTROY' ? op.destroy?.volumes
    : op?.type === 'LAUNCH' ? (op.launch?.task_infos ?? []).flatMap((t: Pb) => [...(t?.resources ?? []), ...(t?.executor?.resources ?? [])])
    : op?.type === 'GROW_VOLUME' ? [op.grow_volume?.volume, op.grow_volume?.addition].filter((r) => r !== undefined)
    : op?.type === 'SHRINK_VOLUME' ? [op.shrink_volume?.volume].filter((r) => r !== undefined)
    : op?.type === 'LAUNCH_GROUP'
      ? [...(op.launch_group?.executor?.resources ?? []), ...(op.launch_group?.task_group?.tasks ?? []).flatMap((t: Pb) => [...(t?.resources ?? []), ...(t?.executor?.resources ?? [])])]
    : [];
  return Array.isArray(list) ? list : [];
}

/** Master::drop(operation): a warning, and OPERATION_ERROR to a framework that asked for feedback. */
function drop(fw: Framework, op: Pb, message: string): void {
  glog('master.cpp:2260').warn(`Dropping ${op?.type ?? 'UNKNOWN'} operation from framework ${describeFramework(fw)}: ${message}`);
  const id = idValue(op?.id);
  if (id !== undefined) send(fw, { type: 'UPDATE_OPERATION_STATUS', update_operation_status: { status: { operation_id: { value: id }, state: 'OPERATION_ERROR', message } } });
}

export function accept(books: Books, allocator: Allocator, fw: Framework, call: Pb): void {
  const operations: Pb[] = Array.isArray(call?.operations) ? call.operations : [];
  for (const op of operations) {
    if (op?.type === 'LAUNCH') {
      if (Array.isArray(op.launch?.task_infos) && op.launch.task_infos.length > 0) books.count('master/messages_launch_tasks');
      else books.count('master/messages_decline_offers');
    }
    if (typeof op?.type === 'string' && OPERATION_TYPES.includes(op.type)) {
      fwCount(fw, 'operations');
      fwCount(fw, `operations/${op.type.toLowerCase()}`);
    }
  }
  const offerIds: string[] = (Array.isArray(call?.offer_ids) ? call.offer_ids : []).map((o: Pb) => idValue(o) ?? '');
  glog('master.cpp:4436').info(`Processing ACCEPT call for offers: [ ${offerIds.join(', ')} ] on agent for framework ${describeFramework(fw)}`);

  // Offer validation (validation::offer::validate).
  let error: string | undefined;
  if (offerIds.length === 0) error = 'No offers specified';
  const seen = new Set<string>();
  let agentId: string | undefined;
  for (const id of offerIds) {
    if (error) break;
    if (seen.has(id)) error = `Duplicate offer ${id} in offer list`;
    seen.add(id);
    const offer = books.offers.get(id);
    if (!offer) error = `Offer ${id} is no longer valid`;
    else if (offer.frameworkId !== fw.id) error = `Offer ${id} has invalid framework ${offer.frameworkId} while framework ${fw.id} is expected`;
    else if (agentId && offer.agentId !== agentId) error = `Aggregated offers must belong to one single agent. Offer ${id} uses agent ${offer.agentId} and agent ${agentId}`;
    else agentId = offer.agentId;
  }

  let offered: ResList = [];
  let role = frameworkRoles(fw.info)[0] ?? '*';
  let accepted = 0;
  for (const id of offerIds) {
    const offer = books.offers.get(id);
    if (!offer || offer.frameworkId !== fw.id) continue;
    if (!error) {
      offered = L.add(offered, offer.resources);
      role = offer.role;
      accepted++;
    }
    books.removeOffer(id, false);
  }
  fwCount(fw, 'offers/accepted', accepted);

  if (error) {
    glog('master.cpp:4108').warn(`ACCEPT call used invalid offers '[ ${offerIds.join(', ')} ]': ${error}`);
    const state = partitionAware(fw) ? 'TASK_DROPPED' : 'TASK_LOST';
    for (const op of operations) {
      const tasks: Pb[] = op?.type === 'LAUNCH' ? op.launch?.task_infos ?? [] : op?.type === 'LAUNCH_GROUP' ? op.launch_group?.task_group?.tasks ?? [] : [];
      for (const t of tasks) {
        books.count(state === 'TASK_DROPPED' ? 'master/tasks_dropped' : 'master/tasks_lost');
        send(fw, {
          type: 'UPDATE',
          update: { status: masterStatus(idValue(t?.task_id) ?? '', state, `Task launched with invalid offers: ${error}`, 'REASON_INVALID_OFFERS', idValue(t?.agent_id)) },
        });
      }
    }
    return;
  }

  const agent = books.agents.get(agentId!)!;
  let remaining: ResList = offered;
  const taskError = (t: Pb, message: string, reason: string) => {
    books.count('master/tasks_error');
    send(fw, { type: 'UPDATE', update: { status: masterStatus(idValue(t?.task_id) ?? '', 'TASK_ERROR', message, reason, idValue(t?.agent_id)) } });
  };
  const tasksOf = (op: Pb): Pb[] => (op?.type === 'LAUNCH' ? op.launch?.task_infos ?? [] : op?.type === 'LAUNCH_GROUP' ? op.launch_group?.task_group?.tasks ?? [] : []);
  // The operations' resources carry the offer's allocation when the scheduler left it out (injectAllocationInfo).
  const inject = (list: Pb[]): Pb[] => list.map((r) => (r && typeof r === 'object' && r.allocation_info === undefined ? { ...r, allocation_info: { role } } : r));
  const who = { principal: typeof fw.info?.principal === 'string' ? fw.info.principal : undefined, frameworkRoles: frameworkRoles(fw.info), frameworkId: fw.id, sharedResources: hasCapability(fw.info, 'SHARED_RESOURCES') };

  for (const op of operations) {
    // validateAndUpgradeResources, then the `id` (operation feedback) checks
    const invalid = operationFormatError(op, operationResources(op));
    if (invalid) {
      if (RESOURCE_OPERATIONS.includes(op?.type)) drop(fw, op, `Operation attempted with invalid resources: ${invalid}`);
      else for (const t of tasksOf(op)) taskError(t, invalid, op?.type === 'LAUNCH_GROUP' ? 'REASON_TASK_GROUP_INVALID' : 'REASON_TASK_INVALID');
      continue;
    }
    if (op?.id !== undefined) {
      if (op.type === 'LAUNCH') for (const t of tasksOf(op)) taskError(t, 'The `id` field cannot be set on LAUNCH operations', 'REASON_TASK_INVALID');
      else if (op.type === 'LAUNCH_GROUP') for (const t of tasksOf(op)) taskError(t, 'The `id` field cannot be set on LAUNCH_GROUP operations', 'REASON_TASK_GROUP_INVALID');
      else if (RESOURCE_OPERATIONS.includes(op.type)) drop(fw, op, 'Operation requested feedback, but it affects resources not managed by a resource provider');
      continue;
    }
    switch (op?.type) {
      case 'RESERVE':
      case 'UNRESERVE':
      case 'CREATE':
      case 'DESTROY': {
        const list = inject(operationResources(op));
        const error =
          op.type === 'RESERVE' ? validateReserve(list, who)
          : op.type === 'UNRESERVE' ? validateUnreserve(list)
          : op.type === 'CREATE' ? validateCreate(list, agent.checkpointed, who)
          : validateDestroy(list, agent.checkpointed, volumesInUse(agent));
        if (error) {
          drop(fw, op, op.type === 'RESERVE' || op.type === 'CREATE' ? `${error}; on agent ${describeAgent(agent)}` : error);
          break;
        }
        const operation = operationOf(op.type, list);
        if (op.type === 'DESTROY') {
          // offers that hold one of the volumes are rescinded
          for (const id of [...agent.offers]) {
            const o = books.offers.get(id);
            if (o && operation.type === 'DESTROY' && operation.volumes.some((v: L.Res) => L.contains(o.resources, [v]))) {
              books.removeOffer(id, true);
            }
          }
        }
        const applied = L.apply(remaining, operation, role);
        if (typeof applied === 'string') {
          drop(fw, op, applied);
          break;
        }
        remaining = applied;
        const what = op.type === 'RESERVE' || op.type === 'UNRESERVE' ? 'resources' : 'volumes';
        glog('master.cpp:4800').info(`Applying ${op.type} operation for ${what} ${L.text(L.upgrade(list), role)} from framework ${describeFramework(fw)} to agent ${describeAgent(agent)}`);
        applyOnAgent(books, agent, operation);
        break;
      }
      case 'GROW_VOLUME':
      case 'SHRINK_VOLUME': {
        const grow = op.type === 'GROW_VOLUME';
        const error = grow ? validateGrow(op.grow_volume.volume, op.grow_volume.addition) : validateShrink(op.shrink_volume.volume, Number(op.shrink_volume.subtract?.value ?? 0));
        if (error) {
          drop(fw, op, `${error}; on agent ${describeAgent(agent)}`);
          break;
        }
        const operation = resizeOf(op);
        const [[consumed]] = L.conversions(operation) as [[ResList, ResList]];
        if (!L.contains(remaining, consumed)) {
          drop(fw, op, `Invalid ${op.type} operation: ${L.text(remaining, role)} does not contain ${L.text(L.add([], consumed), role)}`);
          break;
        }
        // what it turns into goes back to the allocator: not usable later in this ACCEPT
        remaining = L.subtract(remaining, consumed);
        glog('master.cpp:5120').info(`Processing ${op.type} operation for volume ${L.text(consumed.slice(0, 1), role)} from framework ${describeFramework(fw)} on agent ${describeAgent(agent)}`);
        applyOnAgent(books, agent, operation);
        break;
      }
      case 'LAUNCH': {
        for (const t of op.launch?.task_infos ?? []) {
          const invalidTask = validateTask(t, fw, agent, remaining, role);
          if (invalidTask) {
            taskError(t, invalidTask, 'REASON_TASK_INVALID');
            continue;
          }
          const res = L.upgrade(t.resources ?? []);
          const executorRes = t.executor ? L.upgrade(t.executor.resources ?? []) : [];
          remaining = L.subtract(remaining, L.add(res, executorRes));
          launch(books, fw, agent, t, res, role);
        }
        break;
      }
      case 'LAUNCH_GROUP': {
        // each task carries the group's executor (the master copies it for the operator API and the web UI)
        const executor: Pb = op.launch_group.executor ?? {};
        const tasks: Pb[] = (op.launch_group.task_group?.tasks ?? []).map((t: Pb) => (t && typeof t === 'object' && t.executor === undefined ? { ...t, executor } : t));
        // a task id twice in one group: 1.7.1 counts both as killed while pending, and the rest of the group is killed before delivery
        const ids = tasks.map((t: Pb) => idValue(t?.task_id));
        const twice = ids.filter((id: string | undefined, i: number) => id !== undefined && ids.indexOf(id) !== i);
        if (twice.length) {
          for (const t of tasks) {
            if (twice.includes(idValue(t?.task_id))) continue;
            send(fw, { type: 'UPDATE', update: { status: masterStatus(idValue(t?.task_id) ?? '', 'TASK_KILLED', 'A task within the task group was killed before delivery to the agent', 'REASON_TASK_KILLED_DURING_LAUNCH', idValue(t?.agent_id)) } });
          }
          break;
        }
        const known = hasExecutor(agent, fw, idValue(executor.executor_id) ?? '');
        const invalid = validateGroup(fw, agent, executor, tasks, remaining, role, known);
        if (invalid) {
          for (const t of tasks) taskError(t, invalid, 'REASON_TASK_GROUP_INVALID');
          break;
        }
        const all = tasks.reduce((acc: ResList, t: Pb) => L.add(acc, L.upgrade(t.resources ?? [])), known ? [] : L.upgrade(executor.resources ?? []));
        remaining = L.subtract(remaining, all);
        launchGroup(books, fw, agent, executor, tasks, role, known);
        break;
      }
      default:
        drop(fw, op, `${op?.type ?? 'UNKNOWN'} is not supported by the emulated Mesos master`);
    }
  }
  if (!L.isEmpty(remaining)) allocator.addFilter(fw, agent.id, remaining, call?.filters);
}

/** The checks every task gets (task::internal::validateTask): its id, its agent, its resources. */
function validateTaskCommon(t: Pb, fw: Framework, agent: Agent): string | undefined {
  const taskId = idValue(t?.task_id) ?? '';
  const idErr = idError(taskId);
  if (idErr) return idErr;
  if (fw.tasks.has(taskId)) return `Task has duplicate ID: ${taskId}`;
  if (fw.unreachableTasks.has(taskId)) return `Task reuses the ID of an unreachable task: ${taskId}`;
  const agentId = idValue(t?.agent_id) ?? '';
  if (agentId !== agent.id) return `Task uses invalid agent ${agentId} while agent ${agent.id} is expected`;
  const resources: Pb[] = Array.isArray(t?.resources) ? t.resources : [];
  if (resources.length === 0) return 'Task uses no resources';
  for (const r of resources) {
    if (typeof r?.name !== 'string' || !['SCALAR', 'RANGES', 'SET'].includes(r?.type)) return `Task uses invalid resources: Invalid resource type`;
    if (r.type === 'SCALAR' && !(typeof r.scalar?.value === 'number' && r.scalar.value >= 0)) return `Task uses invalid resources: Invalid scalar resource ${r.name}`;
  }
  return undefined;
}

/** validation::task::validate for LAUNCH, in the same order, with the same messages. */
function validateTask(t: Pb, fw: Framework, agent: Agent, available: ResList, role: string): string | undefined {
  const common = validateTaskCommon(t, fw, agent);
  if (common) return common;
  const resources: Pb[] = t.resources;
  const hasCommand = t?.command !== undefined;
  const hasExecutor = t?.executor !== undefined;
  if (hasCommand === hasExecutor) return 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present';
  if (hasExecutor && t.executor.type !== undefined && t.executor.type !== 'CUSTOM') return "'ExecutorInfo.type' must be 'CUSTOM'";
  const need = L.add(L.upgrade(resources), hasExecutor ? L.upgrade(t.executor.resources ?? []) : []);
  if (!L.contains(available, need)) {
    return `Total resources ${L.text(need, role)} required by task and its executor is more than available ${L.text(available, role)}`;
  }
  return undefined;
}

function launch(books: Books, fw: Framework, agent: Agent, t: Pb, res: ResList, role: string): void {
  const taskId = idValue(t.task_id)!;
  const executorId = idValue(t.executor?.executor_id) ?? '';
  const task: Task = {
    id: taskId, name: typeof t.name === 'string' ? t.name : '', frameworkId: fw.id, agentId: agent.id, executorId,
    state: 'TASK_STAGING', resources: res, role, statuses: [], info: t,
  };
  fw.tasks.set(taskId, task);
  agent.tasks.set(`${fw.id}/${taskId}`, task);
  books.taskAdded(task);
  glog('master.cpp:5415').info(
    `Launching task ${taskId} of framework ${describeFramework(fw)} with resources ${L.text(res, role)} on agent ${describeAgent(agent)} on  new executor`,
  );
  void books.toAgent(agent, '/mesos-up/launch', { framework_id: fw.id, framework_info: fw.info, task: t }).then((ok) => {
    if (ok || isTerminal(task.state) || task.statuses.length > 0) return;
    // The launch never reached the agent: tell the scheduler the task is gone,
    // as it would learn from reconciliation once the agent is removed.
    const state = partitionAware(fw) ? 'TASK_DROPPED' : 'TASK_LOST';
    books.masterUpdate(task, state, `Failed to deliver the task to agent ${agent.id}`, 'REASON_AGENT_DISCONNECTED');
  });
}

/** The agent runs this framework's executor already (a live task of it there). */
function hasExecutor(agent: Agent, fw: Framework, executorId: string): boolean {
  return [...agent.tasks.values()].some((t) => t.frameworkId === fw.id && !isTerminal(t.state) && t.executorId === executorId);
}

const scalarOf = (list: ResList, name: string): number | undefined => {
  const found = list.filter((r) => r.name === name && r.type === 'SCALAR');
  return found.length ? L.fixed(found.reduce((n, r) => n + (r.scalar?.value ?? 0), 0)) : undefined;
};

/**
 * validation::task::group::validate (src/master/validation.cpp, 1.7.1): each
 * task, prefixed with its id, then the executor, then whether the group and
 * (a new) executor fit what is left of the offers.
 */
function validateGroup(fw: Framework, agent: Agent, executor: Pb, tasks: Pb[], available: ResList, role: string, known: boolean): string | undefined {
  const executorId = idValue(executor.executor_id) ?? '';
  for (const t of tasks) {
    const taskId = idValue(t?.task_id) ?? '';
    const generic = validateTaskCommon(t, fw, agent);
    if (generic) return `Task '${taskId}' is invalid: ${generic}`;
    const nested = t.container?.network_infos?.length && ['HTTP', 'TCP'].includes(t.health_check?.type);
    if (nested) return `Task '${taskId}' is invalid: HTTP and TCP health checks are not supported for nested containers not joining parent's network`;
    if (t.container?.type === 'DOCKER') return `Task '${taskId}' is invalid: Docker ContainerInfo is not supported on the task`;
  }
  // the executor: executor::validate, executor::internal::validate, then the group's own checks
  if (executor.type === 'DEFAULT') {
    if (executor.command !== undefined) return "'ExecutorInfo.command' must not be set for 'DEFAULT' executor";
    if (executor.container !== undefined && executor.container.type !== 'MESOS') return "'ExecutorInfo.container.type' must be 'MESOS' for 'DEFAULT' executor";
    if (executor.container?.mesos?.image !== undefined) return "'ExecutorInfo.container.mesos.image' must not be set for 'DEFAULT' executor";
  } else if (executor.type === 'CUSTOM' && executor.command === undefined) return "'ExecutorInfo.command' must be set for 'CUSTOM' executor";
  const idErr = idError(executorId);
  if (idErr) return idErr;
  const fwId = idValue(executor.framework_id);
  if (fwId === undefined) return "'ExecutorInfo.framework_id' must be set";
  if (fwId !== fw.id) return `ExecutorInfo has an invalid FrameworkID (Actual: ${fwId} vs Expected: ${fw.id})`;
  if (executor.type === undefined) return "'ExecutorInfo.type' must be set";
  if (executor.type !== 'DEFAULT' && executor.type !== 'CUSTOM') return 'Unknown executor type';
  for (const t of tasks) {
    if (!sameExecutor(t.executor, executor)) return `The \`ExecutorInfo\` of task '${idValue(t.task_id)}' is different from executor '${executorId}'`;
  }
  const own = L.upgrade(executor.resources ?? []);
  const cpus = scalarOf(own, 'cpus');
  if (!(cpus !== undefined && cpus >= 0.01)) return `Executor '${executorId}' uses less CPUs (${cpus ?? 'None'}) than the minimum required (0.01)`;
  const mem = scalarOf(own, 'mem');
  if (!(mem !== undefined && mem >= 32)) return `Executor '${executorId}' uses less memory (${mem === undefined ? 'None' : mem >= 1 ? `${Math.floor(mem)}MB` : '0B'}) than the minimum required (32MB)`;
  if (!own.some((r) => r.name === 'disk')) return `Executor '${executorId}' uses no disk`;
  const total = tasks.reduce((acc: ResList, t: Pb) => L.add(acc, L.upgrade(t.resources ?? [])), known ? [] : own);
  if (!L.contains(available, total)) {
    return `Total resources ${L.text(total, role)} required by task group and its executor are more than available ${L.text(available, role)}`;
  }
  // a second group on a running executor brings the same ExecutorInfo (executor::internal::validate)
  const running = known ? [...agent.tasks.values()].find((t) => t.frameworkId === fw.id && !isTerminal(t.state) && t.executorId === executorId)?.info?.executor : undefined;
  if (running && !sameExecutor(running, executor)) {
    const line = '------------------------------------------------------------';
    return `ExecutorInfo is not compatible with existing ExecutorInfo with same ExecutorID.\n${line}\nExisting ExecutorInfo:\n${JSON.stringify(running)}\n${line}\nExecutorInfo:\n${JSON.stringify(executor)}\n${line}\n`;
  }
  return undefined;
}

/** ExecutorInfo equality (type_utils.cpp): labels and shutdown_grace_period aside, resources as a set. */
function sameExecutor(a: Pb, b: Pb): boolean {
  const comparable = (e: Pb) => {
    const { labels: _l, shutdown_grace_period: _g, resources, ...rest } = e ?? {};
    return { rest: JSON.stringify(Object.keys(rest).sort().map((k) => [k, rest[k]])), resources: L.upgrade(Array.isArray(resources) ? resources : []) };
  };
  const x = comparable(a);
  const y = comparable(b);
  return x.rest === y.rest && L.same(x.resources, y.resources) && x.resources.length === y.resources.length;
}

/** Master::_accept's launch of a task group: its tasks recorded under the executor, sent to the agent together. */
function launchGroup(books: Books, fw: Framework, agent: Agent, executor: Pb, tasks: Pb[], role: string, known: boolean): void {
  const executorId = idValue(executor.executor_id)!;
  const records: Task[] = tasks.map((t) => {
    const task: Task = {
      id: idValue(t.task_id)!, name: typeof t.name === 'string' ? t.name : '', frameworkId: fw.id, agentId: agent.id, executorId,
      state: 'TASK_STAGING', resources: L.upgrade(t.resources ?? []), role, statuses: [], info: t,
    };
    fw.tasks.set(task.id, task);
    agent.tasks.set(`${fw.id}/${task.id}`, task);
    books.taskAdded(task);
    return task;
  });
  glog('master.cpp:5615').info(`Launching task group { ${records.map((r) => r.id).join(', ')} } of framework ${describeFramework(fw)} with resources ${L.text(records.reduce((acc: ResList, r) => L.add(acc, r.resources), []), role)} on agent ${describeAgent(agent)} on  ${known ? 'existing' : 'new'} executor`);
  void books.toAgent(agent, '/mesos-up/launch-group', { framework_id: fw.id, framework_info: fw.info, executor, task_group: { tasks }, launch_executor: !known }).then((ok) => {
    if (ok) return;
    const state = partitionAware(fw) ? 'TASK_DROPPED' : 'TASK_LOST';
    for (const task of records) {
      if (!isTerminal(task.state) && task.statuses.length === 0) books.masterUpdate(task, state, `Failed to deliver the task to agent ${agent.id}`, 'REASON_AGENT_DISCONNECTED');
    }
  });
}
