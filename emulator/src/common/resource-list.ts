// Mesos resources as a list of v1 `Resource` messages with their roles,
// reservations and volumes (the arithmetic of src/common/resources.cpp):
// entries merge only when everything but the amount is equal, persistent
// volumes never merge, and amounts are fixed-point with three decimals.
// Lists are kept in the "post-reservation-refinement" form (a `reservations`
// stack, no `role`); `format` converts at the edges as convertResourceFormat does.
import { normalize, subtractRanges, type Range, type Resources } from './resources.js';

export interface Label {
  key: string;
  value?: string;
}

export interface Reservation {
  type?: 'STATIC' | 'DYNAMIC';
  role: string;
  principal?: string;
  labels?: { labels: Label[] };
}

export interface Res {
  name: string;
  type: 'SCALAR' | 'RANGES' | 'SET';
  scalar?: { value: number };
  ranges?: { range: Range[] };
  set?: { item: string[] };
  reservations?: Reservation[];
  disk?: DiskInfo;
  shared?: Record<string, never>;
  revocable?: Record<string, never>;
  provider_id?: { value: string };
}

export interface DiskInfo {
  persistence?: { id: string; principal?: string };
  volume?: { container_path: string; mode?: 'RW' | 'RO'; host_path?: string };
  source?: unknown;
}

export type ResList = Res[];

/** Fixed-point with three decimals, as Value::Scalar arithmetic. */
export const fixed = (n: number): number => Math.round(n * 1000) / 1000;

const sortedJson = (v: unknown): string =>
  v === null || typeof v !== 'object'
    ? JSON.stringify(v)
    : Array.isArray(v)
      ? `[${v.map(sortedJson).join(',')}]`
      : `{${Object.keys(v as object).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${sortedJson((v as Record<string, unknown>)[k])}`).join(',')}}`;

/** Everything but the amount: entries with equal keys are one resource (addable). */
export function metaKey(r: Res): string {
  return sortedJson({ n: r.name, t: r.type, r: r.reservations ?? [], d: r.disk, s: r.shared, v: r.revocable, p: r.provider_id });
}

const isVolume = (r: Res) => r.disk?.persistence !== undefined;

function amountEmpty(r: Res): boolean {
  if (r.type === 'SCALAR') return !(fixed(r.scalar?.value ?? 0) > 0);
  if (r.type === 'RANGES') return !(r.ranges?.range.length);
  return !(r.set?.item.length);
}

function copy(r: Res): Res {
  const out: Res = { ...r };
  if (r.scalar) out.scalar = { value: fixed(r.scalar.value) };
  if (r.ranges) out.ranges = { range: r.ranges.range.map((x) => ({ begin: x.begin, end: x.end })) };
  if (r.set) out.set = { item: [...r.set.item] };
  if (r.reservations) out.reservations = r.reservations.map((x) => ({ ...x }));
  return out;
}

/** `a + b`: amounts of equal resources merge; volumes and new kinds are appended. */
export function add(a: ResList, b: ResList): ResList {
  const out = a.map(copy);
  for (const r of b) {
    if (amountEmpty(r)) continue;
    const k = metaKey(r);
    const same = isVolume(r) ? undefined : out.find((x) => metaKey(x) === k);
    if (!same) out.push(copy(r));
    else if (r.type === 'SCALAR') same.scalar = { value: fixed(same.scalar!.value + r.scalar!.value) };
    else if (r.type === 'RANGES') same.ranges = { range: normalize([...same.ranges!.range, ...r.ranges!.range]) };
    else same.set = { item: [...new Set([...same.set!.item, ...r.set!.item])] };
  }
  return out;
}

/** `a - b`: what is left of each resource; a volume goes only when subtracted whole. */
export function subtract(a: ResList, b: ResList): ResList {
  let out = a.map(copy);
  for (const r of b) {
    const k = metaKey(r);
    const i = out.findIndex((x) => metaKey(x) === k && (!isVolume(x) || equal(x, r)));
    if (i < 0) continue;
    const x = out[i]!;
    if (isVolume(x)) x.scalar = { value: 0 };
    else if (r.type === 'SCALAR') x.scalar = { value: fixed(x.scalar!.value - (r.scalar?.value ?? 0)) };
    else if (r.type === 'RANGES') x.ranges = { range: subtractRanges(x.ranges!.range, r.ranges?.range ?? []) };
    else x.set = { item: x.set!.item.filter((v) => !(r.set?.item ?? []).includes(v)) };
    if (amountEmpty(x)) out = out.filter((_, j) => j !== i);
  }
  return out;
}

function equal(x: Res, y: Res): boolean {
  return metaKey(x) === metaKey(y) && sortedJson(amountOf(x)) === sortedJson(amountOf(y));
}

const amountOf = (r: Res) => (r.type === 'SCALAR' ? fixed(r.scalar?.value ?? 0) : r.type === 'RANGES' ? normalize(r.ranges?.range ?? []) : [...(r.set?.item ?? [])].sort());

/** true when every resource of `need` (its reservations and volume included) is inside `have`. */
export function contains(have: ResList, need: ResList): boolean {
  let left = have;
  for (const r of need) {
    if (amountEmpty(r)) continue;
    const k = metaKey(r);
    const x = left.find((y) => metaKey(y) === k && (!isVolume(y) || equal(y, r)));
    if (!x) return false;
    if (r.type === 'SCALAR' && fixed(r.scalar!.value) > fixed(x.scalar!.value)) return false;
    if (r.type === 'RANGES' && subtractRanges(r.ranges!.range, x.ranges!.range).length) return false;
    if (r.type === 'SET' && !r.set!.item.every((v) => x.set!.item.includes(v))) return false;
    left = subtract(left, [r]);
  }
  return true;
}

export const isEmpty = (l: ResList): boolean => l.every(amountEmpty);

/** The role a resource is reserved to (the last reservation), `*` when unreserved. */
export const reservationRole = (r: Res): string => r.reservations?.[r.reservations.length - 1]?.role ?? '*';

export const isReserved = (r: Res): boolean => (r.reservations?.length ?? 0) > 0;

export const isDynamicallyReserved = (r: Res): boolean => r.reservations?.[r.reservations.length - 1]?.type === 'DYNAMIC';

/** Unreserved, or reserved to `role` or to one of its ancestors (Resources::isAllocatableTo). */
export function allocatableTo(r: Res, role: string): boolean {
  const owner = reservationRole(r);
  return owner === '*' || owner === role || role.startsWith(`${owner}/`);
}

/** Sums per resource name: the `{cpus, mem, disk, gpus, ports}` quantities of /state objects, quota and DRF shares. */
export function quantities(l: ResList): Resources {
  const out: Resources = { cpus: 0, gpus: 0, mem: 0, disk: 0, ports: [] };
  for (const r of l) {
    if (r.name === 'ports' && r.type === 'RANGES') out.ports = normalize([...out.ports, ...(r.ranges?.range ?? [])]);
    else if ((r.name === 'cpus' || r.name === 'mem' || r.name === 'disk' || r.name === 'gpus') && r.type === 'SCALAR')
      out[r.name] = fixed(out[r.name] + (r.scalar?.value ?? 0));
  }
  return out;
}

/** The four standard scalars and ports as unreserved resources (agents' detected defaults, tests). */
export function fromQuantities(q: Resources, reservations?: Reservation[]): ResList {
  const extra = reservations?.length ? { reservations: reservations.map((x) => ({ ...x })) } : {};
  const out: ResList = [];
  for (const name of ['cpus', 'gpus', 'mem', 'disk'] as const) if (q[name] > 0) out.push({ name, type: 'SCALAR', scalar: { value: fixed(q[name]) }, ...extra });
  if (q.ports.length) out.push({ name: 'ports', type: 'RANGES', ranges: { range: q.ports.map((r) => ({ ...r })) }, ...extra });
  return out;
}

/** Resources grouped by the role they are reserved to (`*` for unreserved). */
export function byReservationRole(l: ResList): Map<string, ResList> {
  const out = new Map<string, ResList>();
  for (const r of l) {
    const role = reservationRole(r);
    out.set(role, add(out.get(role) ?? [], [r]));
  }
  return out;
}

/** A resource minus its last reservation (what UNRESERVE gives back). */
export function popReservation(r: Res): Res {
  const out = copy(r);
  out.reservations = out.reservations?.slice(0, -1);
  if (!out.reservations?.length) delete out.reservations;
  return out;
}

/** Into the form given by convertResourceFormat: `pre` (role + reservation) for schedulers without RESERVATION_REFINEMENT, `endpoint` (both) for HTTP endpoints. */
export function format(l: ResList, form: 'pre' | 'endpoint' | 'post', allocationRole?: string): Array<Record<string, unknown>> {
  return l.map((r) => {
    // keys in the proto's field order, as JSON::Protobuf writes them
    const out: Record<string, unknown> = {};
    if (r.provider_id) out.provider_id = r.provider_id;
    out.name = r.name;
    out.type = r.type;
    if (r.scalar) out.scalar = { value: fixed(r.scalar.value) };
    if (r.ranges) out.ranges = { range: r.ranges.range.map((x) => ({ begin: x.begin, end: x.end })) };
    if (r.set) out.set = { item: [...r.set.item] };
    const res = r.reservations ?? [];
    // a refined reservation (more than one) has no pre-refinement form: only `reservations`
    const single = form !== 'post' && res.length <= 1;
    if (single) out.role = res[0]?.role ?? '*';
    if (allocationRole !== undefined) out.allocation_info = { role: allocationRole };
    if (single && res[0]?.type === 'DYNAMIC') {
      const reservation: Record<string, unknown> = {};
      if (res[0].principal !== undefined) reservation.principal = res[0].principal;
      if (res[0].labels !== undefined) reservation.labels = res[0].labels;
      out.reservation = reservation;
    }
    if (form !== 'pre' && res.length) out.reservations = res.map((x) => ({ ...x }));
    if (r.disk) out.disk = r.disk;
    if (r.revocable) out.revocable = r.revocable;
    if (r.shared) out.shared = r.shared;
    return out;
  });
}

/**
 * Any of the three forms into the list form (convertResourceFormat to
 * POST_RESERVATION_REFINEMENT): `reservations` wins; else a role other than `*`
 * is one reservation, DYNAMIC when `reservation` is set. allocation_info is dropped.
 */
export function upgrade(list: ReadonlyArray<Record<string, any>>): ResList {
  return list.map((r) => {
    const out: Res = { name: r.name, type: r.type };
    if (r.scalar) out.scalar = { value: fixed(Number(r.scalar.value)) };
    if (r.ranges) out.ranges = { range: normalize((r.ranges.range ?? []).map((x: Range) => ({ begin: Number(x.begin), end: Number(x.end) }))) };
    if (r.set) out.set = { item: [...(r.set.item ?? [])] };
    if (Array.isArray(r.reservations) && r.reservations.length) out.reservations = r.reservations.map(cleanReservation);
    else if (typeof r.role === 'string' && r.role !== '*') {
      out.reservations = [cleanReservation({ type: r.reservation ? 'DYNAMIC' : 'STATIC', role: r.role, ...(r.reservation ?? {}) })];
    }
    if (r.disk) out.disk = r.disk;
    if (r.revocable) out.revocable = r.revocable;
    if (r.shared) out.shared = r.shared;
    if (r.provider_id) out.provider_id = r.provider_id;
    return out;
  });
}

/** A reservation as compared and kept: empty labels are no labels (protobuf marshalers write `labels: {}`). */
function cleanReservation(x: Reservation): Reservation {
  const out: Reservation = { ...x };
  if (out.labels && !out.labels.labels?.length) delete out.labels;
  return out;
}

function reservationText(x: Reservation): string {
  let s = `${x.type ?? 'UNKNOWN'},${x.role}`;
  if (x.principal !== undefined) s += `,${x.principal}`;
  if (x.labels) s += `,{${(x.labels.labels ?? []).map((l) => (l.value !== undefined ? `${l.key}: ${l.value}` : l.key)).join(', ')}}`;
  return s;
}

/** As `operator<<(ostream&, const Resources&)` prints them: `cpus(allocated: r)(reservations: [(STATIC,r)]):1; …`, `{}` when empty. */
export function text(l: ResList, allocationRole?: string): string {
  if (l.length === 0) return '{}';
  return l
    .map((r) => {
      let s = r.name;
      if (allocationRole !== undefined) s += `(allocated: ${allocationRole})`;
      if (r.reservations?.length) s += `(reservations: [${r.reservations.map((x) => `(${reservationText(x)})`).join(',')}])`;
      if (r.disk) {
        s += `[${r.disk.persistence?.id ?? ''}${r.disk.volume ? `:${r.disk.volume.host_path ? `${r.disk.volume.host_path}:` : ''}${r.disk.volume.container_path}${r.disk.volume.host_path && r.disk.volume.mode ? `:${r.disk.volume.mode.toLowerCase()}` : ''}` : ''}]`;
      }
      if (r.revocable) s += '{REV}';
      if (r.shared) s += '<SHARED>';
      const value =
        r.type === 'SCALAR'
          ? String(fixed(r.scalar?.value ?? 0))
          : r.type === 'RANGES'
            ? `[${(r.ranges?.range ?? []).map((x) => `${x.begin}-${x.end}`).join(', ')}]`
            : `{${(r.set?.item ?? []).join(', ')}}`;
      return `${s}:${value}`;
    })
    .join('; ');
}

/** A value of the text form: `1.5`, `[31000-32000, 80-80]` or `{a, b}` (values::parse). */
function parseValue(name: string, value: string): Pick<Res, 'type' | 'scalar' | 'ranges' | 'set'> {
  const v = value.trim();
  const bad = (why: string) => new Error(`Failed to parse resource ${name} value ${value} error ${why}`);
  if (v.startsWith('[')) {
    if (!v.endsWith(']')) throw bad(`Expecting one or more "ranges"`);
    const range: Range[] = [];
    for (const part of v.slice(1, -1).split(',').map((p) => p.trim()).filter(Boolean)) {
      const m = /^(\d+)\s*-\s*(\d+)$/.exec(part);
      if (!m) throw bad(`Expecting one or more "ranges"`);
      range.push({ begin: Number(m[1]), end: Number(m[2]) });
    }
    return { type: 'RANGES', ranges: { range: normalize(range) } };
  }
  if (v.startsWith('{')) {
    if (!v.endsWith('}')) throw bad('Expecting one or more items');
    return { type: 'SET', set: { item: v.slice(1, -1).split(',').map((p) => p.trim()).filter(Boolean) } };
  }
  const n = Number(v);
  if (v === '' || !Number.isFinite(n)) throw bad(`Failed to convert '${v}' to number`);
  return { type: 'SCALAR', scalar: { value: fixed(n) } };
}

/**
 * The agent's `--resources`: a JSON array of Resource messages, or the text form
 * `name(role):value;…` (Resources::fromSimpleString), where a name without a role
 * gets `defaultRole`; a role other than `*` is a STATIC reservation.
 */
export function parseResources(text: string, defaultRole = '*'): ResList {
  const trimmed = text.trim();
  const staticTo = (role: string): Pick<Res, 'reservations'> => (role === '*' ? {} : { reservations: [{ type: 'STATIC', role }] });
  if (trimmed.startsWith('[')) {
    const list = JSON.parse(trimmed) as Array<Record<string, any>>;
    // a JSON resource without a role gets the default role, as fromJSON does
    return add([], upgrade(list.map((r) => (r.role === undefined && !r.reservations ? { ...r, role: defaultRole } : r))));
  }
  let out: ResList = [];
  for (const token of trimmed.split(';').filter((t) => t.length > 0)) {
    const pair = token.split(':').filter((p) => p.length > 0);
    if (pair.length !== 2) throw new Error(`Bad value for resources, missing or extra ':' in ${token}`);
    const open = pair[0]!.indexOf('(');
    let name = pair[0]!.trim();
    let role = defaultRole;
    if (open >= 0) {
      const close = pair[0]!.indexOf(')');
      if (close < 0 || close < open) throw new Error(`Bad value for resources, mismatched parentheses in ${token}`);
      name = pair[0]!.slice(0, open).trim();
      role = pair[0]!.slice(open + 1, close).trim();
    }
    out = add(out, [{ name, ...parseValue(name, pair[1]!), ...staticTo(role) }]);
  }
  return out;
}

/**
 * The object form of /state (json(writer, Resources) in src/common/http.cpp):
 * scalars summed per name (cpus, gpus, mem and disk always), ranges as
 * `[a-b, c-d]`, sets as `{a, b}`; revocable ones under `<name>_revocable`.
 */
export function stateJson(l: ResList): Record<string, number | string> {
  const scalars = new Map<string, number>([['disk', 0], ['mem', 0], ['gpus', 0], ['cpus', 0]]);
  const ranges = new Map<string, Range[]>();
  const sets = new Map<string, string[]>();
  for (const r of l) {
    const name = r.revocable ? `${r.name}_revocable` : r.name;
    if (r.type === 'SCALAR') scalars.set(name, fixed((scalars.get(name) ?? 0) + (r.scalar?.value ?? 0)));
    else if (r.type === 'RANGES') ranges.set(name, normalize([...(ranges.get(name) ?? []), ...(r.ranges?.range ?? [])]));
    else sets.set(name, [...new Set([...(sets.get(name) ?? []), ...(r.set?.item ?? [])])]);
  }
  const out: Record<string, number | string> = Object.fromEntries(scalars);
  for (const [name, rs] of ranges) out[name] = `[${rs.map((x) => `${x.begin}-${x.end}`).join(', ')}]`;
  for (const [name, items] of sets) out[name] = `{${items.join(', ')}}`;
  return out;
}

/** stateJson per reservation role: the `reserved_resources` object of /state. */
export function reservedStateJson(l: ResList): Record<string, Record<string, number | string>> {
  const out: Record<string, Record<string, number | string>> = {};
  for (const [role, rs] of byReservationRole(l)) if (role !== '*') out[role] = stateJson(rs);
  return out;
}

export const unreserved = (l: ResList): ResList => l.filter((r) => !isReserved(r));
export const reserved = (l: ResList): ResList => l.filter(isReserved);

/** A persistent volume without its persistence and volume: the disk it was made on. */
export function stripVolume(r: Res): Res {
  const out = copy(r);
  delete out.shared;
  if (out.disk) {
    const { persistence: _p, volume: _v, ...rest } = out.disk;
    if (Object.keys(rest).length) out.disk = rest;
    else delete out.disk;
  }
  return out;
}

export type Operation =
  | { type: 'RESERVE'; resources: ResList }
  | { type: 'UNRESERVE'; resources: ResList }
  | { type: 'CREATE'; volumes: ResList }
  | { type: 'DESTROY'; volumes: ResList }
  | { type: 'GROW_VOLUME'; volume: Res; addition: Res }
  | { type: 'SHRINK_VOLUME'; volume: Res; subtract: number };

/**
 * getResourceConversions: what each step of an operation consumes and what it
 * turns it into (GROW_VOLUME: the volume and the addition into a bigger
 * volume; SHRINK_VOLUME: the volume into a smaller one and freed disk).
 */
export function conversions(op: Operation): Array<[ResList, ResList]> {
  switch (op.type) {
    case 'RESERVE': return op.resources.map((r) => [[popReservation(r)], [r]]);
    case 'UNRESERVE': return op.resources.map((r) => [[r], [popReservation(r)]]);
    case 'CREATE': return op.volumes.map((r) => [[stripVolume(r)], [r]]);
    case 'DESTROY': return op.volumes.map((r) => [[r], [stripVolume(r)]]);
    case 'GROW_VOLUME': {
      const grown = copy(op.volume);
      grown.scalar = { value: fixed((op.volume.scalar?.value ?? 0) + (op.addition.scalar?.value ?? 0)) };
      return [[[op.volume, op.addition], [grown]]];
    }
    case 'SHRINK_VOLUME': {
      const shrunk = copy(op.volume);
      shrunk.scalar = { value: fixed((op.volume.scalar?.value ?? 0) - op.subtract) };
      const freed = stripVolume(op.volume);
      freed.scalar = { value: fixed(op.subtract) };
      return [[[op.volume], [shrunk, freed]]];
    }
  }
}

/**
 * Resources::apply for the four operations that change what an agent holds:
 * each resource is swapped for its transformed self. An error text (`<have>
 * does not contain <consumed>`, both printed as allocated to `allocationRole`
 * when given) when the list does not hold what the operation consumes.
 */
export function apply(l: ResList, op: Operation, allocationRole?: string): ResList | string {
  let out = l;
  for (const [consumed, produced] of conversions(op)) {
    if (!contains(out, consumed)) return `${text(out, allocationRole)} does not contain ${text(add([], consumed), allocationRole)}`;
    out = add(subtract(out, consumed), produced);
  }
  return out;
}

/** What needs checkpointing on the agent: dynamic reservations and persistent volumes (needCheckpointing). */
export const needsCheckpointing = (r: Res): boolean => isDynamicallyReserved(r) || isVolume(r);

/** The agent's total: its own resources with the checkpointed reservations and volumes swapped in (applyCheckpointedResources). */
export function applyCheckpointed(own: ResList, checkpointed: ResList): ResList | string {
  let total = own;
  for (const r of checkpointed) {
    if (!needsCheckpointing(r)) return `Unexpected checkpointed resources ${text([r])}`;
    // every dynamic reservation goes, a static base stays; the volume and sharing go
    let stripped = copy(r);
    if (isDynamicallyReserved(r)) {
      const base = r.reservations![0]!;
      stripped.reservations = base.type === 'STATIC' ? [{ ...base }] : undefined;
      if (!stripped.reservations) delete stripped.reservations;
    }
    if (isVolume(r)) stripped = stripVolume(stripped);
    delete stripped.shared;
    if (!contains(total, [stripped])) return `Incompatible agent resources: ${text(total)} does not contain ${text([stripped])}`;
    total = add(subtract(total, [stripped]), [r]);
  }
  return total;
}

/** The same resources, in any order. */
export const same = (a: ResList, b: ResList): boolean => contains(a, b) && contains(b, a);
