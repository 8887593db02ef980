// Offer matching (Marathon's OfferMatcherManager and its matchers): each
// offer first gives back reservations no resident instance holds any more,
// then the launch queue takes from it in order: ordinary tasks from the roles
// their app accepts, resident ones on their reservation or a new one (RESERVE
// + CREATE); what is left is declined with Marathon's filter.
import { makeLogger } from '../common/log.js';
import type { App } from './app/types.js';
import type { MarathonConfig } from './config.js';
import type { EventBus } from './events.js';
import { recordUnused, type QueueEntry } from './launch-queue.js';
import type { MesosClient, V1Offer, V1TaskStatus } from './mesos/client.js';
import { matchOffer, offerJson, OfferPool, type PlacedTask } from './mesos/matcher.js';
import { buildTaskInfo } from './mesos/task-builder.js';
import type { MarathonMetrics } from './metrics.js';
import { cleanup, isResident, launchOnReservation, reservationConfigError, reserve, type Reservation } from './resident.js';
import type { PodScheduler } from './pod/scheduler.js';
import type { State } from './state.js';
import { RESERVED, TERMINAL, type TaskRecord } from './tasks.js';
import { safeId, timestamp, uuidV1 } from './util.js';

const log = makeLogger('Scheduler');

export interface OfferContext {
  config: MarathonConfig;
  state: State;
  bus: EventBus;
  metrics: MarathonMetrics;
  queue: Map<string, QueueEntry>;
  pods: PodScheduler;
  attributesByAgent: Map<string, V1Offer['attributes']>;
  client(): MesosClient;
  delayDeadline(app: App): number;
  emitTaskEvents(task: TaskRecord, status: V1TaskStatus | undefined): void;
  scheduleReconcile(): void;
}

export async function processOffer(s: OfferContext, offer: V1Offer): Promise<void> {
  s.metrics.offersIncoming.inc();
  s.attributesByAgent.set(offer.agent_id.value, offer.attributes);
  const frameworkId = s.client().frameworkId ?? '';
  // OfferMatcherReconciler first: reservations of ours no instance holds any more go
  const known = new Set([...s.state.tasks.values()].flatMap((t) => (t.reservation ? [t.reservation.id] : [])));
  const spurious = cleanup(offer, frameworkId, known);
  if (spurious) {
    log.info(`Destroying and unreserving resources of gone resident instances on ${offer.hostname}`);
    await s.client().call('ACCEPT', { offer_ids: [{ value: offer.id.value }], operations: spurious, filters: { refuse_seconds: 0 } });
    return;
  }
  const pool = new OfferPool(offer);
  const launched: Array<{ record: TaskRecord; info: Record<string, unknown> }> = [];
  /** RESERVE and CREATE of new resident instances, before the launches */
  const reservations: Array<Record<string, unknown>> = [];
  const made: TaskRecord[] = [];
  const now = Date.now();
  let delayedDemand = false;
  const entries = [...s.queue.entries()].sort((a, b) => a[1].since.localeCompare(b[1].since));
  for (const [appId, q] of entries) {
    const app = s.state.apps.get(appId);
    if (!app || q.count <= 0) continue;
    if (s.delayDeadline(app) > now) {
      delayedDemand = true;
      continue;
    }
    const resident = isResident(app);
    if (resident && reservationConfigError(s.config)) {
      log.warn(`Cannot launch resident tasks of ${appId}: ${reservationConfigError(s.config)}`);
      continue;
    }
    while (q.count > 0 && pool.launches < s.config.maxInstancesPerOffer) {
      q.processed++;
      // Constraints see the app's tasks, including those just placed on this offer.
      // (resident instances between tasks hold their agent too)
      const holders = [...s.state.tasksOf(appId).filter((t) => !TERMINAL.has(t.state) || t.state === RESERVED), ...launched.map((l) => l.record).filter((r) => r.appId === appId)];
      const placedBut = (self?: TaskRecord): PlacedTask[] =>
        holders.filter((t) => t !== self).map((t) => ({ host: t.host, agentId: t.agentId, attributes: s.attributesByAgent.get(t.agentId) }));
      const placed = placedBut();
      // A resident app launches on a reservation whose volumes this offer holds, else reserves anew while it has fewer reservations than launches to make.
      const waiting = resident ? s.state.tasksOf(appId).filter((t) => t.state === RESERVED) : [];
      let onReservation: TaskRecord | undefined;
      let m: ReturnType<typeof matchOffer> | undefined;
      for (const t of waiting) {
        // (the instance itself does not count against its constraints)
        m = launchOnReservation(pool, app, frameworkId, t, placedBut(t));
        if (m && !Array.isArray(m)) {
          onReservation = t;
          break;
        }
      }
      if (resident && !onReservation) {
        if (waiting.length >= q.count) break;
        const r = reserve(pool, app, s.config, frameworkId, placed);
        if (!Array.isArray(r)) {
          reservations.push(...r.operations);
          made.push(newReservation(s, app, offer, r.reservation));
          continue;
        }
        m = r;
      } else if (!resident) m = matchOffer(pool, app, acceptedRoles(s, app), placed);
      if (!m || Array.isArray(m)) {
        recordUnused(q, offer.agent_id.value, offerJson(pool), m ?? []);
        break;
      }
      q.lastUsedAt = timestamp();
      q.count--;
      const hostPorts = m.hostPorts.filter((p): p is number => p !== undefined);
      const record = onReservation ? relaunch(s, onReservation, app, offer, hostPorts) : newTask(app, offer, hostPorts);
      const info = buildTaskInfo({
        app,
        taskId: record.taskId,
        agentId: offer.agent_id.value,
        hostname: offer.hostname,
        resources: m.resources,
        hostPorts: m.hostPorts,
        envVarsPrefix: s.config.envVarsPrefix,
      });
      launched.push({ record, info });
      // OfferOperationFactory counts each launch operation as it builds it.
      s.metrics.launchOperations.inc();
    }
  }
  // pods after apps, from what is left (their queue is in order of need too)
  const groups = s.pods.matchOffer(pool, offer, frameworkId, s.config.maxInstancesPerOffer);
  if (!launched.length && !reservations.length && !groups.operations.length) {
    // With launches waiting out a backoff, Mesos may send the offer again soon (default filter).
    const filters = delayedDemand ? {} : { refuse_seconds: s.config.declineOfferDuration / 1000 };
    const declined = await s.client().call('DECLINE', { offer_ids: [{ value: offer.id.value }], filters });
    if (declined === 202 || declined === 200) s.metrics.offersDeclined.inc();
    return;
  }
  for (const { record } of launched) {
    s.state.saveTask(record);
    s.emitTaskEvents(record, undefined);
  }
  if (launched.length) log.info(`Launching ${launched.map((l) => l.record.taskId).join(', ')} on ${offer.hostname}`);
  const status = await s.client().call('ACCEPT', {
    offer_ids: [{ value: offer.id.value }],
    operations: [...reservations, ...(launched.length ? [{ type: 'LAUNCH', launch: { task_infos: launched.map((l) => l.info) } }] : []), ...groups.operations],
    filters: { refuse_seconds: 0 },
  });
  if (status !== 202 && status !== 200) {
    log.warn(`ACCEPT of offer ${offer.id.value} failed (${status}); forgetting its tasks`);
    for (const { record } of launched) {
      s.state.removeTask(record);
      // a resident instance still has its reservation: it waits for the next offer of it
      if (record.reservation) s.state.saveTask({ ...record, state: RESERVED, reservation: { ...record.reservation, reserved: true } });
    }
    for (const record of made) s.state.removeTask(record);
    s.pods.forget(groups.instances);
  } else {
    s.metrics.offersUsed.inc();
    s.metrics.tasksLaunched.inc(launched.length + groups.instances.reduce((n, i) => n + i.tasks.length, 0));
  }
  s.scheduleReconcile();
}

/** A resident instance that reserved on this offer and waits for its volumes to be offered (condition Reserved). */
function newReservation(s: OfferContext, app: App, offer: V1Offer, reservation: Reservation): TaskRecord {
  const uuid = reservation.id.slice(safeId(app.id).length + 1);
  const record: TaskRecord = {
    ...newTask(app, offer, []), taskId: reservation.id, instanceId: `${safeId(app.id)}.marathon-${uuid}`, state: RESERVED, condition: 'Reserved', reservation,
  };
  s.state.saveTask(record);
  s.bus.emit('instance_changed_event', { instanceId: record.instanceId, condition: 'Reserved', runSpecId: app.id, agentId: record.agentId, host: record.host, runSpecVersion: app.version });
  return record;
}

/** LaunchOnReservation: the instance's next task, `<reservation>.<n>`, on the same agent. */
function relaunch(s: OfferContext, t: TaskRecord, app: App, offer: V1Offer, hostPorts: number[]): TaskRecord {
  s.state.removeTask(t);
  const res = t.reservation!;
  res.attempt++;
  res.reserved = false;
  delete res.deadline;
  return { ...newTask(app, offer, hostPorts), taskId: `${res.id}.${res.attempt}`, instanceId: t.instanceId, reservation: res };
}

function newTask(app: App, offer: V1Offer, hostPorts: number[]): TaskRecord {
  const uuid = uuidV1();
  const sid = safeId(app.id);
  return {
    taskId: `${sid}.${uuid}`,
    instanceId: `${sid}.marathon-${uuid}`,
    appId: app.id,
    version: app.version,
    configVersion: app.versionInfo?.lastConfigChangeAt ?? app.version,
    agentId: offer.agent_id.value,
    host: offer.hostname,
    hostPorts,
    state: 'TASK_STAGING',
    condition: 'Created',
    stagedAt: timestamp(),
    ipAddresses: [],
    launchedAt: Date.now(),
  };
}

/** Roles whose resources an app may use: acceptedResourceRoles, else the defaults. */
function acceptedRoles(s: OfferContext, app: App): Set<string> {
  return rolesFor(s.config, app.acceptedResourceRoles);
}

/** A run spec's accepted roles, else --default_accepted_resource_roles, else `*` and Marathon's role. */
export function rolesFor(config: MarathonConfig, accepted: string[] | undefined): Set<string> {
  return new Set(accepted?.length ? accepted : config.defaultAcceptedResourceRoles ?? ['*', ...(config.mesosRole ? [config.mesosRole] : [])]);
}
