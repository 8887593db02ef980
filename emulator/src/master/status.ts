// The TaskStatus messages the master sends schedulers: the ones it makes itself
// (reconciliation, lost agents, invalid launches) and the agents' updates it
// forwards, both with keys in proto field order as a real master's JSON has them.
import { randomBytes } from 'node:crypto';
import { now, type Pb } from './types.js';

/** 16 random bytes, base64: how a UUID travels in v1 JSON (`bytes` field). */
export function uuidBytes(): string {
  return randomBytes(16).toString('base64');
}

interface StatusExtras {
  executorId?: string;
  healthy?: boolean;
  containerStatus?: Pb;
  unreachableTime?: number;
}

/** A TaskStatus the master creates (protobuf::createStatusUpdate): source master, no uuid; keys in proto order. */
export function masterStatus(taskId: string, state: string, message: string, reason: string, agentId?: string, extras: StatusExtras = {}): Pb {
  const s: Pb = { task_id: { value: taskId }, state, message, source: 'SOURCE_MASTER', reason };
  if (agentId) s.agent_id = { value: agentId };
  if (extras.executorId) s.executor_id = { value: extras.executorId };
  s.timestamp = now();
  if (typeof extras.healthy === 'boolean') s.healthy = extras.healthy;
  if (extras.containerStatus !== undefined) s.container_status = extras.containerStatus;
  if (extras.unreachableTime !== undefined) s.unreachable_time = { nanoseconds: Math.round(extras.unreachableTime * 1e9) };
  return s;
}

/**
 * An agent's TaskStatus as forwarded: agent id, timestamp and uuid filled in
 * (the schema puts the fields in order when the event is written).
 */
export function agentStatusJson(raw: Pb, agentId: string): Pb {
  const s: Pb = { ...raw };
  s.agent_id = { value: agentId };
  if (typeof s.timestamp !== 'number') s.timestamp = now();
  if (typeof s.uuid !== 'string' || s.uuid === '') s.uuid = uuidBytes();
  if (typeof s.source !== 'string') s.source = 'SOURCE_EXECUTOR';
  return s;
}
