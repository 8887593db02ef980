// Which Docker engine each container runs on, when a cluster spans several
// (cluster.yaml `engines`, `--engine`). The control plane (ZooKeeper, masters,
// Marathon, the gateway and add-ons) stays on the first engine, whose ports the
// user's host reaches; agents fill the engines in the order they are listed.
import type { ClusterSpec } from '../config/schema.js';
import { LABEL } from './labels.js';
import type { ContainerPlan } from './types.js';

/** One engine listed is today's single-engine cluster. */
export const spansEngines = (spec: ClusterSpec): boolean => spec.engines.length > 1;

/** The 0-based engine that agent `index` (1-based) runs on. */
export function agentEngine(spec: ClusterSpec, index: number): number {
  let last = 0;
  for (let e = 0; e < spec.engines.length; e++) {
    last += spec.engines[e]!.agents;
    if (index <= last) return e;
  }
  return 0;
}

/** What goes on every container of a cluster spanning engines: its engine, and all of them (for down and status). */
export const enginesLabel = (spec: ClusterSpec): string => JSON.stringify(spec.engines.map((e) => e.endpoint));

/** Sets each plan's engine and the engine labels; a single-engine plan is left as it is. */
export function placeOnEngines(spec: ClusterSpec, plans: ContainerPlan[]): void {
  if (!spansEngines(spec)) return;
  const all = enginesLabel(spec);
  for (const plan of plans) {
    const engine = spec.engines[plan.role === 'agent' ? agentEngine(spec, plan.index) : 0]!.endpoint;
    plan.engine = engine;
    plan.labels = { ...plan.labels, [LABEL.engine]: engine, [LABEL.engines]: all };
    // On an overlay, published ports reach a container through docker_gwbridge,
    // another interface than its cluster address: a master bound to that address
    // alone would not answer the host. It binds every interface and advertises
    // its cluster address instead (--advertise_ip).
    if (plan.role === 'master' && plan.env.MESOS_IP) {
      plan.env = { ...plan.env, MESOS_IP: '0.0.0.0', MESOS_ADVERTISE_IP: plan.env.MESOS_IP };
    }
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
