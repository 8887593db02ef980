// The parts of Marathon's /v2/apps?embed=apps.tasks that Marathon-LB reads.

export interface HealthCheck {
  protocol: string;
  path?: string;
  portIndex?: number;
  port?: number;
  intervalSeconds?: number;
  timeoutSeconds?: number;
  maxConsecutiveFailures?: number;
}

interface PortMapping {
  containerPort?: number;
  hostPort?: number;
  servicePort?: number;
}

export interface MarathonTask {
  id: string;
  host: string;
  ports?: number[];
  state?: string;
  healthCheckResults?: Array<{ alive: boolean }>;
  ipAddresses?: Array<{ ipAddress: string }>;
}

export interface MarathonApp {
  id: string;
  labels?: Record<string, string>;
  portDefinitions?: Array<{ port?: number }>;
  container?: { type?: string; portMappings?: PortMapping[]; docker?: { network?: string; portMappings?: PortMapping[] } };
  networks?: Array<{ mode?: string }>;
  ipAddress?: { discovery?: { ports?: Array<{ number: number }> } };
  healthChecks?: HealthCheck[];
  tasks?: MarathonTask[];
}

/** A per-port label, `HAPROXY_{n}_<name>`. */
export const labelOn = (labels: Record<string, string>, index: number, name: string): string | undefined => labels[`HAPROXY_${index}_${name}`];

/** utils.py get_app_networking_mode: `host`, `container/bridge` or `container` (IP per task); the last network wins. */
export function networkingMode(app: MarathonApp): 'host' | 'container/bridge' | 'container' {
  let mode: 'host' | 'container/bridge' | 'container' = 'host';
  if (app.ipAddress) mode = 'container';
  const net = app.container?.docker?.network;
  if (net === 'USER') mode = 'container';
  else if (net === 'BRIDGE') mode = 'container/bridge';
  for (const n of app.networks ?? []) {
    if (n.mode === 'host' || n.mode === 'container/bridge' || n.mode === 'container') mode = n.mode;
  }
  return mode;
}
