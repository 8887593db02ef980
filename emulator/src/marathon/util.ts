// Small helpers shared by the Marathon modules: timestamps in Marathon's
// format, time-based UUIDs (Marathon's task ids use them), path-id helpers.
import { randomBytes } from 'node:crypto';
import os from 'node:os';

/** Marathon's Timestamp format: ISO-8601 UTC with milliseconds, e.g. 2015-09-25T15:13:48.343Z. */
export function timestamp(ms: number = Date.now()): string {
  return new Date(ms).toISOString();
}

/** A strictly increasing clock, so two versions created in the same millisecond still differ. */
let lastVersionMs = 0;
export function nextVersionMs(): number {
  const now = Date.now();
  lastVersionMs = now > lastVersionMs ? now : lastVersionMs + 1;
  return lastVersionMs;
}

export function parseTimestamp(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

// RFC 4122 version-1 UUIDs: Marathon 1.7 builds task ids from time-based UUIDs.
const GREGORIAN_OFFSET_MS = 12_219_292_800_000;
const node = randomBytes(6);
node[0] = node[0]! | 0x01; // multicast bit: a random node id, not a MAC address
let clockSeq = randomBytes(2).readUInt16BE(0) & 0x3fff;
let lastMs = 0;
let lastNs = 0;

export function uuidV1(): string {
  let ms = Date.now();
  let ns = lastNs + 1;
  if (ms > lastMs) ns = 0;
  else if (ms < lastMs) clockSeq = (clockSeq + 1) & 0x3fff;
  if (ns >= 10_000) {
    ms = lastMs + 1;
    ns = 0;
  }
  lastMs = Math.max(ms, lastMs);
  lastNs = ns;
  const t = BigInt(ms + GREGORIAN_OFFSET_MS) * 10_000n + BigInt(ns);
  const timeLow = Number(t & 0xffffffffn);
  const timeMid = Number((t >> 32n) & 0xffffn);
  const timeHi = Number((t >> 48n) & 0x0fffn) | 0x1000;
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `${hex(timeLow, 8)}-${hex(timeMid, 4)}-${hex(timeHi, 4)}-${hex((clockSeq >> 8) | 0x80, 2)}${hex(clockSeq & 0xff, 2)}-${node.toString('hex')}`;
}

/** `/group/app` → `group_app` (Marathon's PathId.safePath). */
export function safeId(appId: string): string {
  return appId.split('/').filter(Boolean).join('_');
}

/** `/group/app` → `app.group` (Marathon's PathId.toHostname, the Mesos task name). */
export function toHostname(appId: string): string {
  return appId.split('/').filter(Boolean).reverse().join('.');
}

/** Java's String.hashCode, used for Marathon's ZooKeeper hash buckets. */
export function javaHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** Canonical absolute path id: `a/b/` → `/a/b`, resolves `.` and `..` like PathId.canonicalPath. */
export function canonicalId(id: string, base = '/'): string {
  const parts = id.startsWith('/') ? [] : base.split('/').filter(Boolean);
  for (const seg of id.split('/')) {
    if (!seg || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return '/' + parts.join('/');
}

export function parentId(id: string): string {
  const parts = id.split('/').filter(Boolean);
  parts.pop();
  return '/' + parts.join('/');
}

/** The container's first non-internal IPv4 address (our default --hostname). */
export function firstIpv4(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** JVM Double.toString: MARATHON_APP_RESOURCE_* values (0.1, 32.0, 1.0E-4), the Prometheus text's doubles. */
export function javaDouble(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (Object.is(n, -0)) return '-0.0';
  if (Number.isInteger(n) && Math.abs(n) < 1e7) return `${n}.0`;
  if (Math.abs(n) >= 1e-3 && Math.abs(n) < 1e7) return String(n);
  const [m, e] = n.toExponential().split('e');
  const mant = m!.includes('.') ? m! : `${m}.0`;
  return `${mant}E${Number(e)}`;
}
