// What the tool reads from Mesos masters: health, metrics, state.
import { getJson, httpGet } from './http.js';

export interface MasterState {
  id: string;
  hostname: string;
  leader?: string;
  leader_info?: { hostname: string; port: number };
  activated_slaves: number;
  slaves: Array<{ id: string; hostname: string; pid: string; active: boolean; resources: Record<string, unknown>; used_resources: Record<string, unknown> }>;
  frameworks: Array<{ id: string; name: string; active: boolean; connected?: boolean; tasks: Array<{ id: string; name: string; state: string }>; offers: unknown[] }>;
}

export type Metrics = Record<string, number>;

export async function masterHealthy(url: string, signal?: AbortSignal): Promise<boolean> {
  try {
    return (await httpGet(`${url}/health`, { ...(signal ? { signal } : {}) })).status === 200;
  } catch {
    return false;
  }
}

export const metrics = (url: string, signal?: AbortSignal): Promise<Metrics> =>
  // 5 s, as masterState: on a busy machine a slow answer is not "not elected".
  getJson<Metrics>(`${url}/metrics/snapshot`, { timeoutMs: 5000, ...(signal ? { signal } : {}) });

export const masterState = (url: string, signal?: AbortSignal): Promise<MasterState> =>
  getJson<MasterState>(`${url}/master/state`, { timeoutMs: 5000, ...(signal ? { signal } : {}) });

/** Offers sent to a framework so far, from the leader's per-framework counters. */
export function offersSent(m: Metrics, frameworkId: string): number {
  const suffix = `/${frameworkId}/offers/sent`;
  return Object.entries(m).find(([k]) => k.startsWith('master/frameworks/') && k.endsWith(suffix))?.[1] ?? 0;
}
