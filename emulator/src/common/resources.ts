// Mesos resources: the agent's `--resources` text, the v1 JSON `Resource[]` of
// offers and tasks, and the `{cpus, mem, …, ports: "[a-b]"}` objects of /state.

export interface Range {
  begin: number;
  end: number;
}

export interface Resources {
  cpus: number;
  gpus: number;
  mem: number;
  disk: number;
  ports: Range[];
}

export interface V1Resource {
  name: string;
  type: 'SCALAR' | 'RANGES' | 'SET';
  scalar?: { value: number };
  ranges?: { range: Range[] };
  set?: { item: string[] };
  role?: string;
  allocation_info?: { role: string };
}

export const empty = (): Resources => ({ cpus: 0, gpus: 0, mem: 0, disk: 0, ports: [] });

function parseRanges(text: string): Range[] {
  const inner = text.trim().replace(/^\[/, '').replace(/\]$/, '');
  if (!inner.trim()) return [];
  return normalize(
    inner.split(',').map((part) => {
      const [a, b] = part.trim().split('-').map((x) => Number(x.trim()));
      if (!Number.isInteger(a) || !Number.isInteger(b ?? a)) throw new Error(`Failed to parse ranges '${text}'`);
      return { begin: a!, end: b ?? a! };
    }),
  );
}

/** Sorted, merged ranges. */
export function normalize(ranges: Range[]): Range[] {
  const sorted = ranges.filter((r) => r.end >= r.begin).sort((x, y) => x.begin - y.begin);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.begin <= last.end + 1) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/** `cpus:4;mem:1024;ports(*):[31000-32000]` or a JSON array of v1 resources. */
export function parseResourceText(text: string, defaults: Resources): Resources {
  const out: Resources = { ...defaults, ports: [...defaults.ports] };
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    // Only the resources the JSON names replace the defaults.
    const list = JSON.parse(trimmed) as V1Resource[];
    const given = fromV1(list);
    for (const name of ['cpus', 'gpus', 'mem', 'disk'] as const) if (list.some((r) => r.name === name)) out[name] = given[name];
    if (list.some((r) => r.name === 'ports')) out.ports = given.ports;
    return out;
  }
  for (const part of trimmed.split(';')) {
    if (!part.trim()) continue;
    const colon = part.indexOf(':');
    if (colon < 0) throw new Error(`Bad resource '${part}'`);
    const name = part.slice(0, colon).replace(/\(.*\)$/, '').trim();
    const value = part.slice(colon + 1).trim();
    if (name === 'ports') out.ports = parseRanges(value);
    else if (name === 'cpus' || name === 'mem' || name === 'disk' || name === 'gpus') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new Error(`Bad scalar for '${name}': '${value}'`);
      out[name] = n;
    }
  }
  return out;
}

export function fromV1(list: V1Resource[]): Resources {
  const out = empty();
  for (const r of list ?? []) {
    if (r.name === 'ports' && r.ranges) out.ports = normalize([...out.ports, ...r.ranges.range]);
    else if ((r.name === 'cpus' || r.name === 'mem' || r.name === 'disk' || r.name === 'gpus') && r.scalar)
      out[r.name] = round(out[r.name] + r.scalar.value);
  }
  return out;
}

export function toV1(res: Resources, allocationRole?: string): V1Resource[] {
  const extra = allocationRole ? { allocation_info: { role: allocationRole } } : {};
  const out: V1Resource[] = [];
  for (const name of ['cpus', 'gpus', 'mem', 'disk'] as const) {
    if (res[name] > 0) out.push({ name, type: 'SCALAR', scalar: { value: res[name] }, role: '*', ...extra });
  }
  if (res.ports.length) out.push({ name: 'ports', type: 'RANGES', ranges: { range: res.ports.map((r) => ({ ...r })) }, role: '*', ...extra });
  return out;
}

export function rangesText(ranges: Range[]): string {
  return `[${ranges.map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
}

/** The object form used in /state: the four scalars always, ports when any. */
export function toStateJson(res: Resources): Record<string, number | string> {
  const out: Record<string, number | string> = { disk: res.disk, mem: res.mem, gpus: res.gpus, cpus: res.cpus };
  if (res.ports.length) out.ports = rangesText(res.ports);
  return out;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

export function add(a: Resources, b: Resources): Resources {
  return {
    cpus: round(a.cpus + b.cpus), gpus: round(a.gpus + b.gpus), mem: round(a.mem + b.mem), disk: round(a.disk + b.disk),
    ports: normalize([...a.ports, ...b.ports]),
  };
}

function subtractRanges(a: Range[], b: Range[]): Range[] {
  let out = a.map((r) => ({ ...r }));
  for (const cut of b) {
    const next: Range[] = [];
    for (const r of out) {
      if (cut.end < r.begin || cut.begin > r.end) next.push(r);
      else {
        if (cut.begin > r.begin) next.push({ begin: r.begin, end: cut.begin - 1 });
        if (cut.end < r.end) next.push({ begin: cut.end + 1, end: r.end });
      }
    }
    out = next;
  }
  return out;
}

export function subtract(a: Resources, b: Resources): Resources {
  return {
    cpus: round(a.cpus - b.cpus), gpus: round(a.gpus - b.gpus), mem: round(a.mem - b.mem), disk: round(a.disk - b.disk),
    ports: subtractRanges(a.ports, b.ports),
  };
}

/** true when `need` fits inside `have` (every scalar and every port). */
export function contains(have: Resources, need: Resources): boolean {
  if (need.cpus > have.cpus + 1e-9 || need.mem > have.mem + 1e-9 || need.disk > have.disk + 1e-9 || need.gpus > have.gpus + 1e-9)
    return false;
  return subtractRanges(need.ports, have.ports).length === 0;
}

export function isEmpty(r: Resources): boolean {
  return r.cpus <= 0 && r.mem <= 0 && r.disk <= 0 && r.gpus <= 0 && r.ports.length === 0;
}

/** Agent attributes (`--attributes` as parsed: numbers are scalars) as v1 Attribute messages: `[a-b, …]` ranges, other text TEXT. */
export function v1Attributes(attrs: Record<string, string | number>): V1Attribute[] {
  return Object.entries(attrs).map(([name, v]) => {
    if (typeof v === 'number') return { name, type: 'SCALAR', scalar: { value: v } };
    const m = /^\[(.*)\]$/.exec(v);
    if (m) {
      const range = m[1]!.split(',').map((p) => {
        const [b, e] = p.trim().split('-').map(Number);
        return { begin: b!, end: e ?? b! };
      });
      return { name, type: 'RANGES', ranges: { range } };
    }
    return { name, type: 'TEXT', text: { value: v } };
  });
}

export type V1Attribute =
  | { name: string; type: 'SCALAR'; scalar: { value: number } }
  | { name: string; type: 'RANGES'; ranges: { range: Range[] } }
  | { name: string; type: 'TEXT'; text: { value: string } };
