// Port range lists as written in cluster.yaml: "8000-8100,31000-32000".

export interface PortRange {
  begin: number;
  end: number;
}

/** Parses a range list; returns an error text instead of throwing so the schema can report it. */
export function parsePortRanges(text: string): PortRange[] | string {
  const ranges: PortRange[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    if (!m) return `"${part.trim()}" is not a port or a range like 8000-8100`;
    const begin = Number(m[1]);
    const end = m[2] === undefined ? begin : Number(m[2]);
    if (begin < 1 || end > 65535) return `${begin}-${end} is outside 1-65535`;
    if (end < begin) return `range ${begin}-${end} is reversed (write ${end}-${begin})`;
    ranges.push({ begin, end });
  }
  const sorted = [...ranges].sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.begin <= sorted[i - 1]!.end) return `ranges ${fmt(sorted[i - 1]!)} and ${fmt(sorted[i]!)} overlap`;
  }
  return sorted;
}

export const fmt = (r: PortRange): string => (r.begin === r.end ? `${r.begin}` : `${r.begin}-${r.end}`);

export const formatPortRanges = (ranges: PortRange[]): string => ranges.map(fmt).join(',');

export const rangeSize = (ranges: PortRange[]): number => ranges.reduce((n, r) => n + r.end - r.begin + 1, 0);

export function rangesContain(ranges: PortRange[], inner: PortRange): boolean {
  return ranges.some((r) => r.begin <= inner.begin && inner.end <= r.end);
}
