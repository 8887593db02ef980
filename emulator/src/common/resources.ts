// Resource quantities: `{cpus, gpus, mem, disk, ports}` summed over roles and
// reservations, for DRF shares, quota and their /state objects; port range
// arithmetic; agent attributes. Resources with their roles, reservations and
// volumes are resource-list.ts.

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

export function fromV1(list: V1Resource[]): Resources {
  const out = empty();
  for (const r of list ?? []) {
    if (r.name === 'ports' && r.ranges) out.ports = normalize([...out.ports, ...r.ranges.range]);
    else if ((r.name === 'cpus' || r.name === 'mem' || r.name === 'disk' || r.name === 'gpus') && r.scalar)
      out[r.name] = round(out[r.name] + r.scalar.value);
  }
  return out;
}

/** The object form used in /state: the four scalars always, ports when any. */
export function toStateJson(res: Resources): Record<string, number | string> {
  const out: Record<string, number | string> = { disk: res.disk, mem: res.mem, gpus: res.gpus, cpus: res.cpus };
  if (res.ports.length) out.ports = `[${res.ports.map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
  return out;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

export function add(a: Resources, b: Resources): Resources {
  return {
    cpus: round(a.cpus + b.cpus), gpus: round(a.gpus + b.gpus), mem: round(a.mem + b.mem), disk: round(a.disk + b.disk),
    ports: normalize([...a.ports, ...b.ports]),
  };
}

/** `a` without the ports of `b`. */
export function subtractRanges(a: Range[], b: Range[]): Range[] {
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

/** true when `need` fits inside `have` (every scalar and every port). */
export function contains(have: Resources, need: Resources): boolean {
  if (need.cpus > have.cpus + 1e-9 || need.mem > have.mem + 1e-9 || need.disk > have.disk + 1e-9 || need.gpus > have.gpus + 1e-9)
    return false;
  return subtractRanges(need.ports, have.ports).length === 0;
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

/** "[31000-31002, 31005-31005]" → [31000, 31001, 31002, 31005] */
export function portsOf(text: string | undefined): number[] {
  const inner = /^\s*\[(.*)\]\s*$/.exec(text ?? '')?.[1];
  if (!inner) return [];
  const out: number[] = [];
  for (const part of inner.split(',')) {
    const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(part);
    if (!m) continue;
    // A task's ports are a handful; a wide range would be a bug elsewhere, so cap it.
    for (let p = Number(m[1]); p <= Number(m[2]) && out.length < 256; p++) out.push(p);
  }
  return out;
}
