// The Marathon-LB add-on: HAProxy in front of the apps whose HAPROXY_GROUP
// label names the add-on's group, configured from Marathon's apps and event
// stream. Both flavours take the real image's arguments (`sse -m <marathon>
// --health-check --group <group>`). Its vhost port (80), HTTPS (443), the
// app-id port (9091) and the stats port (9090) are published on 127.0.0.1;
// service ports come and go with apps, so the gateway routes each one it
// finds in the running configuration (its /_haproxy_getconfig) through a pool port.
import type { Addresses } from './addresses.js';
import { base, MARATHON_PORT, publish, type PlanContext } from './cluster.js';
import { LABEL } from './labels.js';
import type { ContainerPlan } from './types.js';

export const MARATHON_LB_HTTP_PORT = 80;
export const MARATHON_LB_HTTPS_PORT = 443;
export const MARATHON_LB_STATS_PORT = 9090;
export const MARATHON_LB_APPID_PORT = 9091;

export function planMarathonLb(ctx: PlanContext, addrs: Addresses, group: string): ContainerPlan {
  const b = base(ctx, 'marathon-lb', 1, ctx.images.marathonLb);
  return {
    ...b,
    labels: { ...b.labels, [LABEL.lbGroup]: group },
    ip: addrs.marathonLb,
    cmd: ['sse', '-m', `http://${addrs.marathon}:${MARATHON_PORT}`, '--health-check', '--group', group],
    // (the real image's run script exits when PORTS is unset; the value is only logged)
    env: { PORTS: String(MARATHON_LB_STATS_PORT) },
    ports: [MARATHON_LB_HTTP_PORT, MARATHON_LB_HTTPS_PORT, MARATHON_LB_STATS_PORT, MARATHON_LB_APPID_PORT].map((p) => publish(ctx, p)),
    binds: [],
    readiness: 'GET :9090/_haproxy_health_check answers 200 (HAProxy runs its first configuration from Marathon)',
  };
}
