// One framework as the master sees it: a new record with its per-framework
// metrics, what its FrameworkInfo says (roles, capabilities), and its event
// stream (RecordIO events in the subscriber's encoding, counted the way the master's metrics count them).
import { enumNames } from '../common/proto/schema.js';
import { record } from '../common/proto/wire.js';
import { now, type EventStream, type Framework, type Pb } from './types.js';

const SCHEDULER_CALL = 'mesos.v1.scheduler.Call';
const SCHEDULER_EVENT = 'mesos.v1.scheduler.Event';
/** A per-framework counter for every call and event type but UNKNOWN, as FrameworkMetrics keeps. */
const known = (typeName: string) => enumNames(typeName).filter((t) => t !== 'UNKNOWN');
export const OPERATION_TYPES = ['LAUNCH', 'LAUNCH_GROUP', 'RESERVE', 'UNRESERVE', 'CREATE', 'DESTROY', 'GROW_VOLUME', 'SHRINK_VOLUME', 'CREATE_DISK', 'DESTROY_DISK'];

/** process::http::encode: everything but unreserved characters percent-encoded. */
function httpEncode(s: string): string {
  return Array.from(Buffer.from(s, 'utf8'))
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/**
 * A framework record with every per-framework metric at 0 (they all show in
 * /metrics/snapshot). A recovered one (learned from a re-registering agent
 * after a failover) has never registered with this master: its registered and
 * reregistered times are the epoch, as in Mesos, until it subscribes.
 */
export function newFramework(id: string, info: Pb, recovered: boolean): Framework {
  const t = recovered ? 0 : now();
  const fw: Framework = {
    id, info, metricName: `master/frameworks/${httpEncode(info?.name ?? '')}/${id}/`,
    active: false, connected: false, recovered, suppressed: false,
    registeredTime: t, reregisteredTime: t, unregisteredTime: 0,
    tasks: new Map(), unreachableTasks: new Map(), completedTasks: [], offers: new Set(), filters: [], metrics: new Map(),
  };
  for (const k of ['subscribed', 'calls', 'events', 'offers/sent', 'offers/accepted', 'offers/declined', 'offers/rescinded', 'operations']) fw.metrics.set(k, 0);
  for (const c of known(SCHEDULER_CALL)) fw.metrics.set(`calls/${c.toLowerCase()}`, 0);
  for (const e of known(SCHEDULER_EVENT)) fw.metrics.set(`events/${e.toLowerCase()}`, 0);
  for (const o of OPERATION_TYPES) fw.metrics.set(`operations/${o.toLowerCase()}`, 0);
  return fw;
}

/** Bumps one of the framework's own metrics (`calls/accept`, `offers/sent`, ...). */
export function fwCount(fw: Framework, key: string, by = 1): void {
  fw.metrics.set(key, (fw.metrics.get(key) ?? 0) + by);
}

export function hasCapability(info: Pb, type: string): boolean {
  return Array.isArray(info?.capabilities) && info.capabilities.some((c: Pb) => c?.type === type);
}

/** protobuf::framework::getRoles: `roles` for MULTI_ROLE frameworks, else the one `role` ("*" by default). */
export function frameworkRoles(info: Pb): string[] {
  if (hasCapability(info, 'MULTI_ROLE')) return Array.isArray(info?.roles) ? info.roles : [];
  return [typeof info?.role === 'string' ? info.role : '*'];
}

export function partitionAware(fw: Framework): boolean {
  return hasCapability(fw.info, 'PARTITION_AWARE');
}

/** Writes an event to the framework's stream, if it has an open one. */
export function send(fw: Framework, event: Pb): void {
  const s = fw.stream;
  if (!s || s.closed) return;
  fwCount(fw, 'events');
  fwCount(fw, `events/${String(event.type).toLowerCase()}`);
  s.res.write(record(SCHEDULER_EVENT, s.contentType, event));
}

/** Writes to a stream no framework owns yet (the ERROR of a refused subscription). */
export function sendOn(stream: EventStream, event: Pb): void {
  if (!stream.closed) stream.res.write(record(SCHEDULER_EVENT, stream.contentType, event));
}

export function closeStream(stream: EventStream): void {
  if (stream.closed) return;
  stream.closed = true;
  stream.res.end();
}

/** Filters.refuse_seconds as the allocator reads it: 5 by default or when negative, at most a year. */
export function refuseSeconds(filters: Pb): number {
  const given = typeof filters?.refuse_seconds === 'number' ? filters.refuse_seconds : 5;
  return Math.min(given < 0 ? 5 : given, 365 * 86_400);
}
