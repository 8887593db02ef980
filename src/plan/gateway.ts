// The cluster's gateway: one container that publishes a pool of ports on
// 127.0.0.1 and forwards each to an agent's API or a running task's port,
// assigned as agents register and tasks start (emulator/src/gateway/).
//
// It replaces publishing task ports on every agent: Docker starts a proxy for
// each published port, so 8 agents × 11 ports made `up` three times slower than
// one agent, while a task Marathon put outside the published slice was out of
// reach. One pool reaches every task port, on Linux and on Docker Desktop
// (whose bridge addresses the host cannot route to) alike.
import type { Addresses } from './addresses.js';
import { base, MASTER_PORT, publish, type PlanContext } from './cluster.js';
import { agentEngine, spansEngines } from './engines.js';
import type { ContainerPlan } from './types.js';

export const GATEWAY_CONTROL_PORT = 7000;
/** first port of the pool inside the gateway container */
export const GATEWAY_POOL_BASE = 10000;

/** One pool port per agent (its API) plus the task ports asked for. */
export const gatewayPoolSize = (ctx: PlanContext): number => ctx.spec.agents.count + ctx.spec.gateway.taskPorts;

export function planGateway(ctx: PlanContext, addrs: Addresses): ContainerPlan {
  const size = gatewayPoolSize(ctx);
  const last = GATEWAY_POOL_BASE + size - 1;
  // A real agent's Docker tasks bind their ports on the engine's host (docker
  // run -p), not in the agent; the emulated agent serves them itself.
  const realDockerAgent = ctx.images.flavour === 'official' && ctx.spec.agents.containerizers.includes('docker');
  // Over several engines, on the host of the engine running that agent, at its
  // swarm address (an overlay's gateway address is not a host).
  // (an engine whose address is not known: its agents' tasks are looked for at the agent)
  const dockerHosts = () =>
    addrs.agents
      .flatMap((ip, i) => {
        const e = agentEngine(ctx.spec, i + 1);
        const host = ctx.engineHosts ? ctx.engineHosts[e] : `<engines[${e}] swarm address>`;
        return host ? [`${ip}=${host}`] : [];
      })
      .join(',');
  return {
    ...base(ctx, 'gateway', 1, ctx.images.gateway),
    cmd: [],
    env: {
      GATEWAY_MASTERS: addrs.masters.map((ip) => `${ip}:${MASTER_PORT}`).join(','),
      GATEWAY_POOL: `${GATEWAY_POOL_BASE}-${last}`,
      GATEWAY_CONTROL_PORT: String(GATEWAY_CONTROL_PORT),
      ...(realDockerAgent ? (spansEngines(ctx.spec) ? { GATEWAY_DOCKER_HOSTS: dockerHosts() } : { GATEWAY_DOCKER_HOST: addrs.engineHost }) : {}),
      // Marathon-LB's service ports get pool ports as it binds them
      ...(ctx.spec.addons.marathonLb ? { GATEWAY_LB: addrs.marathonLb } : {}),
    },
    ports: [publish(ctx, GATEWAY_CONTROL_PORT), ...Array.from({ length: size }, (_, i) => publish(ctx, GATEWAY_POOL_BASE + i))],
    binds: [],
    readiness: 'answers on its control port; every agent has a route',
  };
}
