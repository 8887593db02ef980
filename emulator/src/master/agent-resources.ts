// What an agent holds changes by operations (RESERVE, UNRESERVE, CREATE,
// DESTROY) from a scheduler's ACCEPT or from an operator: the master applies
// them to its books at once (Slave::apply). A 1.7.1 master sends the agent the
// operation (ApplyOperationMessage, to agents with RESOURCE_PROVIDER) and the
// agent checkpoints its whole resulting set; here the master sends that set
// (the shape of CheckpointResourcesMessage), in order with its other calls to
// the agent, which makes and removes volume directories and reports the set
// when it registers with the next leader.
import * as L from '../common/resource-list.js';
import type { ResList } from '../common/resource-list.js';
import type { Allocator } from './allocator.js';
import type { Books } from './books.js';
import { glog } from './log.js';
import { isTerminal, type Agent, type Pb } from './types.js';

/** The operation in list form (allocation_info dropped: the books keep resources unallocated). */
export function operationOf(type: 'RESERVE' | 'UNRESERVE' | 'CREATE' | 'DESTROY', resources: Pb[]): L.Operation {
  const list = L.upgrade(resources);
  return type === 'RESERVE' || type === 'UNRESERVE' ? { type, resources: list } : { type, volumes: list };
}

/** GROW_VOLUME / SHRINK_VOLUME in list form. */
export function resizeOf(op: Pb): L.Operation {
  return op.type === 'GROW_VOLUME'
    ? { type: 'GROW_VOLUME', volume: L.upgrade([op.grow_volume.volume])[0]!, addition: L.upgrade([op.grow_volume.addition])[0]! }
    : { type: 'SHRINK_VOLUME', volume: L.upgrade([op.shrink_volume.volume])[0]!, subtract: Number(op.shrink_volume.subtract?.value ?? 0) };
}

/** What the agent's live tasks use, per task (DESTROY refuses volumes in use). */
export function volumesInUse(agent: Agent): ResList[] {
  return [...agent.tasks.values()].filter((t) => !isTerminal(t.state)).map((t) => t.resources);
}

/** Slave::apply and the checkpoint message: the caller validated the operation against what is available. */
export function applyOnAgent(books: Books, agent: Agent, op: L.Operation): void {
  const total = L.apply(agent.total, op);
  if (typeof total === 'string') {
    glog('master.cpp:11680').error(`Failed to apply ${op.type} on agent ${agent.id}: ${total}`);
    return;
  }
  agent.total = total;
  agent.checkpointed = total.filter(L.needsCheckpointing);
  void books.toAgent(agent, '/mesos-up/checkpoint-resources', { resources: L.format(agent.checkpointed, 'post') });
}

/**
 * An operator's operation on an agent (Master::Http::_operation): offers on
 * the agent are rescinded until what they held covers what the operation
 * needs, then the operation applies to what is available, or 409 with why not.
 */
export function operateOnAgent(
  books: Books,
  allocator: Allocator,
  agent: Agent,
  op: L.Operation,
  required: ResList,
): { status: 202 } | { status: 409; message: string } {
  let needed = required;
  let total: ResList = [];
  for (const id of [...agent.offers]) {
    const o = books.offers.get(id);
    if (!o) continue;
    const rest = L.subtract(needed, o.resources);
    if (L.same(rest, needed)) continue;
    total = L.add(total, o.resources);
    needed = rest;
    books.removeOffer(id, true);
    // its resources go back with the default refusal filter (recoverResources with Filters())
    const fw = books.frameworks.get(o.frameworkId);
    if (fw) allocator.addFilter(fw, o.agentId, o.resources, {});
    if (typeof L.apply(total, op) !== 'string') break;
  }
  const available = L.apply(books.available(agent), op);
  if (typeof available === 'string') return { status: 409, message: available };
  applyOnAgent(books, agent, op);
  return { status: 202 };
}
