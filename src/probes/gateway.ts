// The gateway's routes (emulator/src/gateway): which of its pool ports reaches
// which agent API or task port. Pool ports are the gateway's own; the caller
// maps them to the host ports the engine published.
import { httpRequest } from './http.js';

export interface GatewayRoute {
  kind: 'agent' | 'task' | 'service';
  /** (agents and tasks) */
  agentId?: string;
  /** the agent's API address on the cluster network, ip:port (agents and tasks) */
  agent?: string;
  taskId?: string;
  /** a Marathon-LB service port: its frontend's name, `<app>_<port>` */
  service?: string;
  frameworkId?: string;
  /** the task's port, or the agent's API port */
  port: number;
  /** where the gateway sends connections */
  address: string;
  poolPort: number;
}

export interface GatewayRoutes {
  routes: GatewayRoute[];
  /** agents and task ports the pool had no room for */
  unrouted: Array<Omit<GatewayRoute, 'poolPort'>>;
  error: string | null;
}

/** The routes; `refresh` makes the gateway read the master first, so a task that just started is there. */
export async function gatewayRoutes(controlUrl: string, opts: { refresh?: boolean; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<GatewayRoutes> {
  const res = await httpRequest(`${controlUrl}/routes`, {
    method: opts.refresh ? 'POST' : 'GET',
    timeoutMs: opts.timeoutMs ?? 5000,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (res.status !== 200 || typeof res.body !== 'object' || !res.body) throw new Error(`the gateway at ${controlUrl} answered ${res.status}: ${res.text.slice(0, 200)}`);
  return res.body as GatewayRoutes;
}
