// Offer matching (mesosphere.mesos.ResourceMatcher + PortsMatcher + Constraints):
// does an offer hold the app's cpus/mem/disk/gpus and ports, in roles the app
// accepts, on an agent its constraints allow? Consumes what it takes, so one
// offer can carry several launches.
import type { App } from '../app/types.js';
import { isBridge, nonHostNetworking, portSpecs } from '../app/types.js';
import type { V1Offer } from './client.js';

type Json = Record<string, unknown>;

interface ScalarPart {
  source: Json;
  left: number;
}
interface RangePart {
  source: Json;
  ranges: Array<{ begin: number; end: number }>;
}

/** The unconsumed part of one offer. */
export class OfferPool {
  scalars = new Map<string, ScalarPart[]>();
  ports: RangePart[] = [];
  launches = 0;

  /** What is left, to go back to when a multi-part match (a pod) fails halfway. */
  snapshot(): () => void {
    const left = [...this.scalars.values()].flat().map((p) => [p, p.left] as const);
    const ranges = this.ports.map((p) => [p, p.ranges.map((r) => ({ ...r }))] as const);
    const launches = this.launches;
    return () => {
      for (const [p, l] of left) p.left = l;
      for (const [p, r] of ranges) p.ranges = r;
      this.launches = launches;
    };
  }

  constructor(readonly offer: V1Offer) {
    for (const r of offer.resources) {
      if (r.type === 'SCALAR' && r.scalar) {
        const list = this.scalars.get(r.name) ?? [];
        list.push({ source: r, left: (r.scalar as { value: number }).value });
        this.scalars.set(r.name, list);
      } else if (r.name === 'ports' && r.type === 'RANGES' && r.ranges) {
        this.ports.push({ source: r, ranges: ((r.ranges as { range: Array<{ begin: number; end: number }> }).range ?? []).map((x) => ({ ...x })) });
      }
    }
  }
}

/**
 * The offer as /v2/queue's lastUnusedOffers shows it (OfferConversion): what is
 * left of it, with each resource's role and the value field of its type.
 */
export function offerJson(pool: OfferPool): Json {
  const resources: Json[] = [];
  for (const r of pool.offer.resources) {
    const role = roleOf(r);
    if (r.type === 'SCALAR') {
      const part = pool.scalars.get(r.name)?.find((p) => p.source === r);
      if (part && part.left > 1e-9) resources.push({ name: r.name, role, scalar: part.left });
    } else if (r.type === 'RANGES') {
      const part = pool.ports.find((p) => p.source === r);
      const ranges = part ? part.ranges : ((r.ranges as { range?: Array<{ begin: number; end: number }> } | undefined)?.range ?? []);
      if (ranges.length) resources.push({ name: r.name, role, ranges: ranges.map(({ begin, end }) => ({ begin, end })) });
    } else if (r.type === 'SET') {
      resources.push({ name: r.name, role, set: (r.set as { item?: string[] } | undefined)?.item ?? [] });
    }
  }
  const attributes = (pool.offer.attributes ?? []).map((a) => {
    if (a.type === 'TEXT') return { name: a.name, text: a.text?.value };
    if (a.type === 'SCALAR') return { name: a.name, scalar: a.scalar?.value };
    if (a.type === 'RANGES') return { name: a.name, ranges: (a.ranges as { range?: unknown[] } | undefined)?.range ?? [] };
    return { name: a.name, set: (a.set as { item?: string[] } | undefined)?.item ?? [] };
  });
  return { id: pool.offer.id.value, hostname: pool.offer.hostname, agentId: pool.offer.agent_id.value, resources, attributes };
}

/** A resource's role: refined reservations, the legacy `role`, else unreserved. */
export function roleOf(r: Json): string {
  const reservations = r.reservations as Array<{ role?: string }> | undefined;
  if (reservations?.length) return reservations[reservations.length - 1]!.role ?? '*';
  return (r.role as string | undefined) ?? '*';
}

/** Marathon's own reservation labels (resident tasks): such resources belong to one of its instances. */
export const RESERVATION_LABELS = new Set(['marathon_framework_id', 'marathon_task_id']);

/** The labels of a resource's (last) reservation, in either resource format. */
export function reservationLabels(r: Json): Array<{ key: string; value?: string }> {
  const reservations = (r.reservations as Json[] | undefined) ?? (r.reservation ? [r.reservation as Json] : []);
  const last = reservations[reservations.length - 1];
  return ((last?.labels as { labels?: Array<{ key: string; value?: string }> } | undefined)?.labels) ?? [];
}

/** A resource an ordinary task may take: an accepted role, not a volume, not reserved by Marathon for a resident task. */
function usable(r: Json, roles: Set<string>): boolean {
  if (r.disk && (r.disk as Json).persistence) return false;
  if (reservationLabels(r).some((l) => RESERVATION_LABELS.has(l.key))) return false;
  return roles.has(roleOf(r));
}

function copyWith(source: Json, patch: Json): Json {
  const out: Json = { name: source.name, type: source.type, ...patch };
  for (const k of ['role', 'allocation_info', 'reservation', 'reservations']) if (source[k] !== undefined) out[k] = source[k];
  return out;
}

export interface MatchResult {
  resources: Json[];
  hostPorts: Array<number | undefined>;
}

export interface PlacedTask {
  host: string;
  agentId: string;
  attributes?: V1Offer['attributes'];
}

export type NoMatchReason = 'UnfulfilledRole' | 'UnfulfilledConstraint' | 'InsufficientCpus' | 'InsufficientMemory' | 'InsufficientDisk' | 'InsufficientGpus' | 'InsufficientPorts';

/** What matching reads of an app (a pod's executor and containers are matched as such requests). */
export type MatchRequest = Pick<App, 'cpus' | 'mem' | 'gpus' | 'disk' | 'constraints' | 'networks' | 'requirePorts' | 'portDefinitions' | 'container'>;

/**
 * Tries to take the app's resources from the pool. On success the pool is
 * reduced; on failure it is left as it was and the reasons are returned in the
 * order ResourceMatcher adds them: shortfalls of cpus, mem, gpus, disk (in
 * resources of accepted roles), UnfulfilledRole when no resource of the offer
 * has an accepted role, UnfulfilledConstraint; ports are looked at only when
 * all else fits.
 */
export function matchOffer(
  pool: OfferPool,
  app: MatchRequest,
  acceptedRoles: Set<string>,
  placed: PlacedTask[],
  /** which resources may be taken (ResourceSelector); by default those of an accepted role that no resident task reserved */
  select: (r: Json) => boolean = (r) => usable(r, acceptedRoles),
): MatchResult | NoMatchReason[] {
  const reasons: NoMatchReason[] = [];
  const taken: Json[] = [];
  const plan: Array<{ part: ScalarPart; amount: number }> = [];
  const need: Array<[string, number, NoMatchReason]> = [
    ['cpus', app.cpus, 'InsufficientCpus'],
    ['mem', app.mem, 'InsufficientMemory'],
    ['gpus', app.gpus, 'InsufficientGpus'],
    ['disk', app.disk, 'InsufficientDisk'],
  ];
  for (const [name, amount, reason] of need) {
    if (amount <= 0) continue;
    let missing = amount;
    for (const part of (pool.scalars.get(name) ?? []).filter((p) => select(p.source))) {
      if (missing <= 1e-9) break;
      const use = Math.min(part.left, missing);
      if (use <= 0) continue;
      plan.push({ part, amount: use });
      missing -= use;
    }
    if (missing > 1e-9) reasons.push(reason);
  }
  if (!pool.offer.resources.some((r) => select(r))) reasons.push('UnfulfilledRole');
  if (!constraintsMet(app, pool.offer, placed)) reasons.push('UnfulfilledConstraint');
  if (reasons.length) return reasons;

  const ports = pickPorts(pool, app, select);
  if (!ports) return ['InsufficientPorts'];

  // Commit.
  const round = (n: number) => Math.round(n * 1000) / 1000;
  for (const { part, amount } of plan) {
    part.left = round(part.left - amount);
    taken.push(copyWith(part.source, { scalar: { value: round(amount) } }));
  }
  for (const [part, chosen] of ports.bySource) {
    for (const p of chosen) removePort(part, p);
    taken.push(copyWith(part.source, { ranges: { range: toRanges(chosen) } }));
  }
  pool.launches++;
  return { resources: taken, hostPorts: ports.hostPorts };
}

function removePort(part: RangePart, port: number): void {
  const next: Array<{ begin: number; end: number }> = [];
  for (const r of part.ranges) {
    if (port < r.begin || port > r.end) next.push(r);
    else {
      if (port > r.begin) next.push({ begin: r.begin, end: port - 1 });
      if (port < r.end) next.push({ begin: port + 1, end: r.end });
    }
  }
  part.ranges = next;
}

function toRanges(ports: number[]): Array<{ begin: number; end: number }> {
  const sorted = [...ports].sort((a, b) => a - b);
  const out: Array<{ begin: number; end: number }> = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last && p === last.end + 1) last.end = p;
    else out.push({ begin: p, end: p });
  }
  return out;
}

/** Host ports per declared port: exact ones first (requirePorts / fixed hostPort), then random ones. */
function pickPorts(pool: OfferPool, app: MatchRequest, select: (r: Json) => boolean): { hostPorts: Array<number | undefined>; bySource: Map<RangePart, number[]> } | undefined {
  const specs = portSpecs(app);
  const parts = pool.ports.filter((p) => select(p.source));
  const used = new Set<number>();
  const bySource = new Map<RangePart, number[]>();
  const hostPorts: Array<number | undefined> = [];
  const owner = (port: number) => parts.find((p) => p.ranges.some((r) => port >= r.begin && port <= r.end));
  const take = (port: number): boolean => {
    const part = owner(port);
    if (!part || used.has(port)) return false;
    used.add(port);
    bySource.set(part, [...(bySource.get(part) ?? []), port]);
    return true;
  };
  const wantsRandom: number[] = [];
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    let fixed: number | undefined;
    if (spec.mapping) {
      // Container-only mappings (no hostPort) take no host port.
      if (spec.mapping.hostPort === undefined && !isBridge(app)) {
        hostPorts.push(undefined);
        continue;
      }
      fixed = spec.mapping.hostPort && spec.mapping.hostPort > 0 ? spec.mapping.hostPort : undefined;
    } else if (!nonHostNetworking(app) && app.requirePorts && spec.port > 0) {
      fixed = spec.port;
    }
    if (fixed !== undefined) {
      if (!take(fixed)) return undefined;
      hostPorts.push(fixed);
    } else {
      hostPorts.push(-1);
      wantsRandom.push(i);
    }
  }
  for (const i of wantsRandom) {
    const port = randomFreePort(parts, used);
    if (port === undefined) return undefined;
    take(port);
    hostPorts[i] = port;
  }
  return { hostPorts, bySource };
}

function randomFreePort(parts: RangePart[], used: Set<number>): number | undefined {
  const ranges = parts.flatMap((p) => p.ranges);
  const total = ranges.reduce((n, r) => n + (r.end - r.begin + 1), 0);
  if (total === 0) return undefined;
  const nth = (k: number) => {
    for (const r of ranges) {
      const size = r.end - r.begin + 1;
      if (k < size) return r.begin + k;
      k -= size;
    }
    return undefined;
  };
  for (let attempt = 0; attempt < 32; attempt++) {
    const p = nth(Math.floor(Math.random() * total));
    if (p !== undefined && !used.has(p)) return p;
  }
  for (let k = 0; k < total; k++) {
    const p = nth(k);
    if (p !== undefined && !used.has(p)) return p;
  }
  return undefined;
}

/** Constraint field value of an agent: `hostname`, or an attribute's text/scalar value. */
function fieldValue(field: string, host: string, attributes: V1Offer['attributes']): string | undefined {
  if (field === 'hostname' || field === '@hostname') return host;
  const a = attributes?.find((x) => x.name === field);
  if (!a) return undefined;
  if (a.text) return a.text.value;
  if (a.scalar) return String(a.scalar.value);
  return undefined;
}

/** UNIQUE, CLUSTER, GROUP_BY, LIKE, UNLIKE, MAX_PER, IS against the app's placed tasks. */
export function constraintsMet(app: Pick<App, 'constraints'>, offer: V1Offer, placed: PlacedTask[]): boolean {
  for (const c of app.constraints) {
    const [field, rawOp, value] = c as [string, string, string | undefined];
    const op = rawOp.toUpperCase();
    const mine = fieldValue(field, offer.hostname, offer.attributes);
    const others = placed.map((t) => fieldValue(field, t.host, t.attributes));
    const full = (re: string, s: string | undefined) => s !== undefined && new RegExp(`^(?:${re})$`).test(s);
    switch (op) {
      case 'UNIQUE':
        if (mine === undefined || others.includes(mine)) return false;
        break;
      case 'CLUSTER':
        if (value !== undefined && value !== '') {
          if (mine !== value) return false;
        } else if (others.length && others[0] !== mine) return false;
        break;
      case 'LIKE':
        if (!full(value ?? '', mine)) return false;
        break;
      case 'UNLIKE':
        if (mine !== undefined && full(value ?? '', mine)) return false;
        break;
      case 'IS':
        if (mine !== value) return false;
        break;
      case 'MAX_PER':
        if (mine === undefined || others.filter((o) => o === mine).length >= Number(value)) return false;
        break;
      case 'GROUP_BY': {
        if (mine === undefined) return false;
        const counts = new Map<string, number>();
        for (const o of others) if (o !== undefined) counts.set(o, (counts.get(o) ?? 0) + 1);
        const min = counts.size ? Math.min(...counts.values()) : 0;
        const distinctWanted = value ? Number(value) : 0;
        if (distinctWanted && counts.size < distinctWanted && counts.has(mine)) return false;
        if ((counts.get(mine) ?? 0) > min) return false;
        break;
      }
      default:
        break;
    }
  }
  return true;
}
