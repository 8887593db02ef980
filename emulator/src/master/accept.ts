// The ACCEPT call: offer validation, the operations that change what the
// agent holds (RESERVE, UNRESERVE, CREATE, DESTROY), task validation and
// LAUNCH, with the messages and status updates of validation::offer,
// validation::operation, validation::task and Master::accept/_accept in
// src/master/master.cpp (1.7.1), in the order the operations come.
import * as L from '../common/resource-list.js';
import type { ResList } from '../common/resource-list.js';
import { applyOnAgent, operationOf, volumesInUse } from './agent-resources.js';
import type { Allocator } from './allocator.js';
import type { Books } from './books.js';
import { frameworkRoles, fwCount, hasCapability, OPERATION_TYPES, partitionAware, send } from './framework.js';
import { describeAgent, describeFramework, glog } from './log.js';
import { operationFormatError, validateCreate, validateDestroy, validateReserve, validateUnreserve } from './operation-validation.js';
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
      case 'LAUNCH_GROUP':
        for (const t of tasksOf(op)) taskError(t, 'LAUNCH_GROUP is not supported by the emulated Mesos master', 'REASON_TASK_GROUP_INVALID');
        break;
      default:
        drop(fw, op, `${op?.type ?? 'UNKNOWN'} is not supported by the emulated Mesos master`);
    }
  }
  if (!L.isEmpty(remaining)) allocator.addFilter(fw, agent.id, remaining, call?.filters);
}

/** validation::task::validate, in the same order, with the same messages. */
function validateTask(t: Pb, fw: Framework, agent: Agent, available: ResList, role: string): string | undefined {
  const taskId = idValue(t?.task_id);
  if (taskId === undefined || taskId === '') return 'ID must not be empty';
  if (taskId.length > 255) return 'ID must not be greater than 255 characters';
  if (taskId === '.' || taskId === '..') return "'.' and '..' are reserved";
  if (/[/\s]/.test(taskId) || /[^\x20-\x7e]/.test(taskId)) return "'/' is reserved";
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
  const hasCommand = t?.command !== undefined;
  const hasExecutor = t?.executor !== undefined;
  if (hasCommand === hasExecutor) return 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present';
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
