// Resident tasks (apps with persistent volumes), as Marathon 1.7.50 runs them
// (InstanceOpFactoryImpl.inferForResidents, OfferOperationFactory,
// PersistentVolumeMatcher, OfferMatcherReconciler): an instance first
// reserves unreserved resources in --mesos_role with its labels and creates
// its volumes (RESERVE + CREATE in one ACCEPT); an offer holding those volumes
// later launches the task on the reservation, and again on the same agent
// each time the task ends. Reservations nobody owns any more (a wiped
// instance, a deleted app) are destroyed and unreserved on the next offer
// that carries them.
import type { App } from './app/types.js';
import type { MarathonConfig } from './config.js';
import type { V1Offer } from './mesos/client.js';
import { matchOffer, reservationLabels, type MatchResult, type NoMatchReason, type OfferPool, type PlacedTask } from './mesos/matcher.js';
import type { TaskRecord } from './tasks.js';
import { safeId, uuidV1 } from './util.js';

type Json = Record<string, unknown>;

export interface PersistentVolume {
  containerPath: string;
  size: number;
}

/** What an instance of a resident app keeps between its tasks. */
export interface Reservation {
  /** the placeholder task id `<safeId>.<uuid>`: the marathon_task_id label */
  id: string;
  volumes: Array<{ containerPath: string; uuid: string; persistenceId: string }>;
  /** launches so far on this reservation (task ids end in .<n>) */
  attempt: number;
  /** not launched yet (or its last task ended): waiting for an offer of its volumes */
  reserved: boolean;
  /** ms: a new reservation not offered back by then is dropped (--task_reservation_timeout) */
  deadline?: number;
}

/** RunSpec.isResident: the container has persistent volumes. */
export function persistentVolumes(app: App): PersistentVolume[] {
  return (app.container?.volumes ?? []).flatMap((v) => {
    const p = v.persistent as { size?: number } | undefined;
    return p && typeof v.containerPath === 'string' ? [{ containerPath: v.containerPath, size: Number(p.size ?? 0) }] : [];
  });
}

export const isResident = (app: App): boolean => persistentVolumes(app).length > 0;

/** OfferOperationFactory's two preconditions: a role and a principal to reserve with. */
export function reservationConfigError(config: MarathonConfig): string | undefined {
  if (!config.mesosAuthenticationPrincipal) return 'No principal set. Set --mesos_authentication_principal to enable using local volumes in Marathon.';
  if (!config.mesosRole) return 'No role set. Set --mesos_role to enable using local volumes in Marathon.';
  return undefined;
}

const labelsOf = (frameworkId: string, reservationId: string) => ({
  labels: [{ key: 'marathon_framework_id', value: frameworkId }, { key: 'marathon_task_id', value: reservationId }],
});

const persistenceIdOf = (r: Json): string | undefined => ((r.disk as Json | undefined)?.persistence as { id?: string } | undefined)?.id;

/** Whether a resource belongs to this reservation of ours (its labels). */
const ofReservation = (frameworkId: string, reservationId: string) => (r: Json): boolean => {
  const labels = reservationLabels(r);
  return labels.some((l) => l.key === 'marathon_framework_id' && l.value === frameworkId) && labels.some((l) => l.key === 'marathon_task_id' && l.value === reservationId);
};

export interface NewReservation {
  reservation: Reservation;
  match: MatchResult;
  operations: Json[];
}

/**
 * A new reservation for an instance: unreserved (`*`) resources for the app's
 * cpus, mem, gpus, ports and its scratch disk plus its volumes, reserved in
 * --mesos_role with the instance's labels, then its volumes created.
 */
export function reserve(pool: OfferPool, app: App, config: MarathonConfig, frameworkId: string, placed: PlacedTask[]): NewReservation | NoMatchReason[] {
  const volumes = persistentVolumes(app);
  const sized = { ...app, disk: app.disk + volumes.reduce((n, v) => n + v.size, 0) };
  const m = matchOffer(pool, sized, new Set(['*']), placed);
  if (Array.isArray(m)) return m;
  const id = `${safeId(app.id)}.${uuidV1()}`;
  const role = config.mesosRole!;
  const principal = config.mesosAuthenticationPrincipal!;
  const reservation = { principal, labels: labelsOf(frameworkId, id) };
  const reserved = m.resources.map((r) => {
    const { allocation_info: _a, reservations: _r, ...rest } = r;
    return { ...rest, role, reservation };
  });
  const made = volumes.map((v) => {
    const uuid = uuidV1();
    return { containerPath: v.containerPath, uuid, persistenceId: `${safeId(app.id)}#${v.containerPath}#${uuid}`, size: v.size };
  });
  const create = made.map((v) => ({
    name: 'disk', type: 'SCALAR', scalar: { value: v.size }, role, reservation,
    disk: { persistence: { id: v.persistenceId, principal }, volume: { container_path: v.containerPath, mode: 'RW' } },
  }));
  return {
    reservation: { id, volumes: made.map(({ size: _s, ...v }) => v), attempt: 0, reserved: true, deadline: Date.now() + config.taskReservationTimeout },
    match: m,
    operations: [{ type: 'RESERVE', reserve: { resources: reserved } }, { type: 'CREATE', create: { volumes: create } }],
  };
}

/**
 * A launch on a reservation whose volumes are all in the offer
 * (PersistentVolumeMatcher): the task takes its labelled reserved resources
 * and the volumes as offered. Undefined when the offer has none of them.
 */
export function launchOnReservation(pool: OfferPool, app: App, frameworkId: string, task: TaskRecord, placed: PlacedTask[]): MatchResult | NoMatchReason[] | undefined {
  const res = task.reservation!;
  const offered = pool.offer.resources as Json[];
  const volumes = res.volumes.map((v) => offered.find((r) => persistenceIdOf(r) === v.persistenceId));
  if (volumes.some((v) => v === undefined)) return undefined;
  const mine = ofReservation(frameworkId, res.id);
  const m = matchOffer(pool, app, new Set(), placed, (r) => mine(r) && persistenceIdOf(r) === undefined);
  if (Array.isArray(m)) return m;
  return { resources: [...m.resources, ...(volumes as Json[])], hostPorts: m.hostPorts };
}

/**
 * OfferMatcherReconciler: resources of ours whose reservation no known
 * instance holds, as DESTROY (the volumes) then UNRESERVE (the rest, the
 * volumes' disk without its volume), or undefined.
 */
export function cleanup(offer: V1Offer, frameworkId: string, known: Set<string>): Json[] | undefined {
  const spurious = (offer.resources as Json[]).filter((r) => {
    const labels = reservationLabels(r);
    if (!labels.some((l) => l.key === 'marathon_framework_id' && l.value === frameworkId)) return false;
    const id = labels.find((l) => l.key === 'marathon_task_id')?.value;
    return id !== undefined && !known.has(id);
  });
  if (!spurious.length) return undefined;
  const volumes = spurious.filter((r) => persistenceIdOf(r) !== undefined);
  const unreserve = spurious.map((r) => {
    if (!r.disk) return r;
    const { disk: _d, ...rest } = r;
    return rest;
  });
  return [...(volumes.length ? [{ type: 'DESTROY', destroy: { volumes } }] : []), { type: 'UNRESERVE', unreserve: { resources: unreserve } }];
}

/** The task's localVolumes (LocalVolumeConversion): every volume of its reservation. */
export function localVolumesJson(t: TaskRecord): Json[] {
  return (t.reservation?.volumes ?? []).map((v) => ({ runSpecId: t.appId, containerPath: v.containerPath, uuid: v.uuid, persistenceId: v.persistenceId }));
}
