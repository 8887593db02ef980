// The cluster network's subnet, chosen as the engine would choose it, so `up`
// creates the network once. Letting the engine pick means create → inspect →
// remove → create again with the subnet written down (static addresses need a
// user-configured subnet), and the extra remove and create cost about 250 ms of
// every `up` (bench/). The engine's default address pools are 172.17.0.0/16 to
// 172.31.0.0/16, then 192.168.0.0/16 cut into /20s; it takes the first pool that
// overlaps no network it has.

export interface Cidr {
  base: number;
  prefix: number;
}

const toInt = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0) >>> 0;
export const toIp = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const maskOf = (prefix: number) => (prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0);

export function parseCidr(text: string): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!m || m.slice(1, 5).some((p) => Number(p) > 255) || Number(m[5]) > 32) return undefined;
  const prefix = Number(m[5]);
  return { base: (toInt(m.slice(1, 5).join('.')) & maskOf(prefix)) >>> 0, prefix };
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const mask = maskOf(Math.min(a.prefix, b.prefix));
  return ((a.base & mask) >>> 0) === ((b.base & mask) >>> 0);
}

export const DEFAULT_POOLS: readonly string[] = [
  ...Array.from({ length: 15 }, (_, i) => `172.${17 + i}.0.0/16`),
  ...Array.from({ length: 16 }, (_, i) => `192.168.${i * 16}.0/20`),
];

/**
 * Where a cluster's overlay network over several engines goes: 10.128.0.0/24,
 * 10.129.0.0/24, … Not the bridge pools: each engine makes docker_gwbridge
 * (and any later bridge) from those on its own, possibly after the overlay
 * exists, and an overlay that overlaps an engine's bridge cannot attach there.
 * Not 10.0.0.0/16 either, where swarm puts ingress and its own overlays.
 */
export const OVERLAY_POOLS: readonly string[] = Array.from({ length: 128 }, (_, i) => `10.${128 + i}.0.0/24`);

/** The engine's default bridge sits on the first default pool unless its pools (or bip) were changed. */
export function looksLikeDefaultPools(defaultBridgeSubnets: string[]): boolean {
  const first = parseCidr(DEFAULT_POOLS[0]!)!;
  return defaultBridgeSubnets.length > 0 && defaultBridgeSubnets.map(parseCidr).every((c) => c && c.base === first.base && c.prefix === first.prefix);
}

/** The first default pool that overlaps none of `taken` (subnets and routes, a.b.c.d/len). */
export function firstFreePool(taken: string[], pools: readonly string[] = DEFAULT_POOLS): string | undefined {
  const used = taken.map(parseCidr).filter((c): c is Cidr => c !== undefined);
  return pools.find((pool) => !used.some((u) => overlaps(parseCidr(pool)!, u)));
}

/** IPv4 routes of /proc/net/route as a.b.c.d/len, without the default route. */
export function routesFromProcNetRoute(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    // Little-endian hex, as the kernel prints them.
    const le = (hex: string) => Number.parseInt(hex.match(/../g)!.reverse().join(''), 16) >>> 0;
    const dest = le(f[1]!);
    const mask = le(f[7]!);
    if (mask === 0) continue;
    const prefix = mask.toString(2).replace(/0+$/, '').length;
    out.push(`${toIp(dest)}/${prefix}`);
  }
  return out;
}
