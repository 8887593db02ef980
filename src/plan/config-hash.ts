// A stable hash of what a cluster is (everything but its name), so a reusable
// cluster is found again only when it was started with the same configuration.
import { createHash } from 'node:crypto';
import type { ClusterSpec } from '../config/schema.js';

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export function configHash(spec: ClusterSpec, cliVersion: string): string {
  const { name: _name, timeouts: _t, addons, ...rest } = spec;
  // (no add-on: the hash of a cluster started before add-ons existed, so such a reusable cluster is still found)
  const withAddons = Object.values(addons).some(Boolean) ? { ...rest, addons } : rest;
  return createHash('sha256').update(canonical({ ...withAddons, cliVersion })).digest('hex').slice(0, 16);
}
