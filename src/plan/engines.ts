// Which Docker engine each container runs on, when a cluster spans several
// (cluster.yaml `engines`, `--engine`). The gateway and add-ons stay on the
// first engine, whose ports the user's host reaches; so do ZooKeeper, the
// masters and Marathon unless an engine says it runs them (engines[].zookeeper,
// .masters, .marathon); agents fill the engines in the order they are listed.
// A component placed elsewhere publishes nothing on its own engine (that
// engine's ports are another machine's): the gateway publishes its ports and
// forwards them over the overlay.
import type { ClusterSpec, Role } from '../config/schema.js';
import { LABEL } from './labels.js';
import type { ContainerPlan } from './types.js';

/** One engine listed is today's single-engine cluster. */
export const spansEngines = (spec: ClusterSpec): boolean => spec.engines.length > 1;

/** The 0-based engine of the `index`th (1-based) item, the engines taking `per(e)` items each in the order listed. */
function fill(spec: ClusterSpec, index: number, per: (i: number) => number): number {
  let last = 0;
  for (let e = 0; e < spec.engines.length; e++) {
    last += per(e);
    if (index <= last) return e;
  }
  return 0;
}

/** The 0-based engine that agent `index` (1-based) runs on. */
export const agentEngine = (spec: ClusterSpec, index: number): number => fill(spec, index, (e) => spec.engines[e]!.agents);

/** The 0-based engine that master `index` (1-based) runs on: the first unless engines[].masters place them. */
export function masterEngine(spec: ClusterSpec, index: number): number {
  if (!spec.engines.some((e) => e.masters !== undefined)) return 0;
  return fill(spec, index, (e) => spec.engines[e]!.masters ?? 0);
}

/** The 0-based engine that ZooKeeper or Marathon runs on: the one that says so, else the first. */
export const singleEngine = (spec: ClusterSpec, role: 'zookeeper' | 'marathon'): number => Math.max(0, spec.engines.findIndex((e) => e[role]));

/** The 0-based engine a container of `role` (`index` 1-based) runs on; the gateway and add-ons: the first. */
export function engineIndexOf(spec: ClusterSpec, role: string, index: number): number {
  if (role === 'agent') return agentEngine(spec, index);
  if (role === 'master') return masterEngine(spec, index);
  if (role === 'zookeeper' || role === 'marathon') return singleEngine(spec, role);
  return 0;
}

/** The components' roles each engine runs, by engine (for bringing their images there). */
export function rolesByEngine(spec: ClusterSpec): Array<Set<Role>> {
  const roles = spec.engines.map(() => new Set<Role>());
  roles[singleEngine(spec, 'zookeeper')]?.add('zookeeper');
  roles[singleEngine(spec, 'marathon')]?.add('marathon');
  for (let i = 1; i <= spec.masters.count; i++) roles[masterEngine(spec, i)]?.add('master');
  for (let i = 1; i <= spec.agents.count; i++) roles[agentEngine(spec, i)]?.add('agent');
  return roles;
}

/** What goes on every container of a cluster spanning engines: its engine, and all of them (for down and status). */
export const enginesLabel = (spec: ClusterSpec): string => JSON.stringify(spec.engines.map((e) => e.endpoint));

/** Where the gateway's forwards to components on other engines begin (its pool starts at 10000). */
export const GATEWAY_FORWARD_BASE = 20000;

/** The gateway's forwards of a container (its LABEL.gatewayPorts): container port → gateway port. */
export function gatewayPortsOf(labels: Record<string, string> | undefined | null): Map<number, number> {
  const out = new Map<number, number>();
  for (const pair of (labels?.[LABEL.gatewayPorts] ?? '').split(',')) {
    const [c, g] = pair.split('=').map(Number);
    if (c && g) out.set(c, g);
  }
  return out;
}

/** Sets each plan's engine and the engine labels, and routes the ports of components off the first engine through the gateway; a single-engine plan is left as it is. */
export function placeOnEngines(spec: ClusterSpec, plans: ContainerPlan[]): void {
  if (!spansEngines(spec)) return;
  const all = enginesLabel(spec);
  const gateway = plans.find((p) => p.role === 'gateway');
  let next = GATEWAY_FORWARD_BASE;
  for (const plan of plans) {
    const at = engineIndexOf(spec, plan.role, plan.index);
    const engine = spec.engines[at]!.endpoint;
    plan.engine = engine;
    plan.labels = { ...plan.labels, [LABEL.engine]: engine, [LABEL.engines]: all };
    // On an overlay, published ports reach a container through docker_gwbridge,
    // another interface than its cluster address: a master bound to that address
    // alone would not answer the host. It binds every interface and advertises
    // its cluster address instead (--advertise_ip).
    if (plan.role === 'master' && plan.env.MESOS_IP) {
      plan.env = { ...plan.env, MESOS_IP: '0.0.0.0', MESOS_ADVERTISE_IP: plan.env.MESOS_IP };
    }
    if (at === 0 || plan.role === 'agent' || !plan.ports.length || !gateway || !plan.ip) continue;
    // The same host ports (fixed ones too), published by the gateway instead.
    const forwards = plan.ports.map((b) => ({ binding: b, via: next++ }));
    gateway.ports = [...gateway.ports, ...forwards.map((f) => ({ ...f.binding, container: f.via }))];
    const text = forwards.map((f) => `${f.via}=${plan.ip}:${f.binding.container}`);
    gateway.env = { ...gateway.env, GATEWAY_FORWARDS: [gateway.env.GATEWAY_FORWARDS, ...text].filter(Boolean).join(',') };
    plan.labels[LABEL.gatewayPorts] = forwards.map((f) => `${f.binding.container}=${f.via}`).join(',');
    plan.ports = [];
  }
}

/** Every engine a cluster spans, from the labels on what it has on the first (none: one engine). */
export function enginesFromLabels(items: Array<{ Labels?: Record<string, string> | null }>): string[] {
  for (const item of items) {
    const text = item.Labels?.[LABEL.engines];
    if (!text) continue;
    try {
      const list = JSON.parse(text) as unknown;
      if (Array.isArray(list) && list.every((e) => typeof e === 'string')) return list as string[];
    } catch {
      // (a label someone else wrote: not ours to read)
    }
  }
  return [];
}
