// Where the host reaches agents and task ports: the gateway's routes (pool
// port → agent API or task port) joined with the host ports the engine
// published for its pool.
import { gatewayRoutes } from '../probes/gateway.js';
import { GATEWAY_CONTROL_PORT } from '../plan/gateway.js';
import type { ClusterMember, ClusterView } from './discover.js';

export interface TaskEndpoint {
  taskId: string;
  frameworkId: string;
  /** the agent's container name (its address when no container matches) */
  agent: string;
  /** the port the task was given */
  port: number;
  /** `127.0.0.1:<hostPort>`: where the host reaches it */
  address: string;
  hostPort: number;
}

/** A service port of the Marathon-LB add-on, reached through the gateway. */
export interface ServiceEndpoint {
  /** Marathon-LB's frontend for it, `<app id with / as _>_<port>` */
  name: string;
  port: number;
  address: string;
  hostPort: number;
}

export interface Reach {
  /** agent address on the cluster network → its API from the host */
  agentUrls: Map<string, string>;
  tasks: TaskEndpoint[];
  services: ServiceEndpoint[];
  /** task ports the gateway's pool had no room for */
  unrouted: Array<{ taskId: string; port: number }>;
  /** Marathon-LB service ports the pool had no room for */
  unroutedServices: Array<{ name: string; port: number }>;
}

const runningGateway = (view: ClusterView) => view.members.find((m) => m.role === 'gateway' && m.state === 'running');

const controlUrl = (gw: ClusterMember | undefined): string | undefined => {
  const port = gw?.ports.get(GATEWAY_CONTROL_PORT);
  return port ? `http://127.0.0.1:${port}` : undefined;
};

export const gatewayControlUrl = (view: ClusterView): string | undefined => controlUrl(runningGateway(view));

/** undefined when the cluster has no running gateway. */
export async function reachOf(view: ClusterView, opts: { refresh?: boolean; signal?: AbortSignal } = {}): Promise<Reach | undefined> {
  const gw = runningGateway(view);
  const url = controlUrl(gw);
  if (!gw || !url) return undefined;
  const answer = await gatewayRoutes(url, opts);
  const agentName = new Map(view.members.filter((m) => m.role === 'agent').map((m) => [m.ip, m.name]));
  const reach: Reach = { agentUrls: new Map(), tasks: [], services: [], unrouted: [], unroutedServices: [] };
  for (const r of answer.routes) {
    const hostPort = gw.ports.get(r.poolPort);
    if (!hostPort) continue;
    if (r.kind === 'service') {
      reach.services.push({ name: r.service!, port: r.port, address: `127.0.0.1:${hostPort}`, hostPort });
      continue;
    }
    const ip = r.agent!.split(':')[0]!;
    if (r.kind === 'agent') reach.agentUrls.set(ip, `http://127.0.0.1:${hostPort}`);
    else reach.tasks.push({ taskId: r.taskId!, frameworkId: r.frameworkId!, agent: agentName.get(ip) ?? ip, port: r.port, address: `127.0.0.1:${hostPort}`, hostPort });
  }
  for (const u of answer.unrouted) {
    if (u.kind === 'task') reach.unrouted.push({ taskId: u.taskId!, port: u.port });
    if (u.kind === 'service') reach.unroutedServices.push({ name: u.service!, port: u.port });
  }
  return reach;
}
