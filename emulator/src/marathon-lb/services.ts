// Marathon apps → the services HAProxy serves, by Marathon-LB v1.15.0's rules
// (marathon_lb.py get_apps, utils.py; README.md here lists them): one service
// per service port of an app in one of our groups, labels applied per port
// index, and as backends the tasks that may take traffic.
import { type HealthCheck, type MarathonApp, type MarathonTask, labelOn, networkingMode } from './marathon-types.js';

export interface Backend {
  /** the task's `host` (an agent's hostname) */
  host: string;
  /** where HAProxy connects: the host resolved, or the task's own address with IP-per-task */
  ip: string;
  port: number;
}

export interface Service {
  appId: string;
  /** the port HAProxy binds for it (HAPROXY_{n}_PORT, else Marathon's service port) */
  servicePort: number;
  /** `<app id without the first slash, / as _>_<servicePort>`: its frontend's and backend's name */
  backend: string;
  groups: string[];
  mode: 'http' | 'tcp';
  vhosts: string[];
  path?: string;
  redirectToHttps: boolean;
  sticky: boolean;
  balance: string;
  bindAddr: string;
  bindOptions: string;
  sslCert?: string;
  weight: number;
  healthCheck?: HealthCheck;
  backends: Backend[];
}

export interface Options {
  /** --group (repeatable); `*` takes every app, with a group or not */
  groups: string[];
  /** --health-check: with Marathon health checks, only tasks Marathon saw alive */
  healthCheck: boolean;
  /** --strict-mode: only ports labelled HAPROXY_{n}_ENABLED=true */
  strictMode: boolean;
  /** FRAMEWORK_NAME: the app with this id (no leading slash) is the load balancer itself */
  frameworkName?: string;
}

/** A task's state that takes no traffic (marathon_lb.py's EXCLUDED_TASK_STATES; RUNNING, LOST and UNREACHABLE stay). */
const EXCLUDED = new Set([
  'TASK_STAGING', 'TASK_STARTING', 'TASK_KILLING', 'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED',
  'TASK_ERROR', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN',
]);

const SEEN_ALIVE_CAPACITY = 1000;

const truthy = (v: string | undefined): boolean => !!v && ['true', 't', 'yes', 'y'].includes(v.toLowerCase());
const splitList = (v: string): string[] => v.split(',');
export const cleanName = (s: string): string => s.replace(/[^a-zA-Z0-9-]/g, '_');

/** utils.py get_app_port_mappings: Docker's port mappings when it has any, else the container's. */
const portMappingsOf = (app: MarathonApp) => (app.container?.docker?.portMappings?.length ? app.container.docker.portMappings : app.container?.portMappings ?? []);
const definedPorts = (app: MarathonApp) => (app.portDefinitions ?? []).map((d) => d.port).filter((p): p is number => typeof p === 'number');

/** utils.py get_service_ports: portMappings' service ports with container networking, else portDefinitions' ports. */
export function servicePortsOf(app: MarathonApp): number[] {
  const mode = networkingMode(app);
  if (mode === 'container' || mode === 'container/bridge') {
    const ports = portMappingsOf(app).map((m) => m.servicePort).filter((p): p is number => typeof p === 'number');
    if (ports.length) return ports;
  }
  return definedPorts(app);
}

/** utils.py get_task_ip_and_ports: where a task's ports are reached, by networking mode; none without an address or ports. */
function taskAddress(app: MarathonApp, task: MarathonTask, resolve: (host: string) => string | undefined): { ip: string; ports: number[] } | undefined {
  const mode = networkingMode(app);
  const mapped = () => portMappingsOf(app).map((m) => m.containerPort ?? 0);
  let ip: string | undefined;
  let ports: number[];
  if (mode === 'container') {
    ip = task.ipAddresses?.[0]?.ipAddress;
    const discovery = app.ipAddress?.discovery?.ports?.map((p) => p.number) ?? [];
    ports = discovery.length ? discovery : mapped();
  } else {
    ip = resolve(task.host);
    ports = task.ports?.length ? task.ports : definedPorts(app);
    if (!ports.length && mode === 'container/bridge') ports = mapped();
  }
  return ip && ports.length ? { ip, ports } : undefined;
}

/** marathon_lb.py get_health_check: the first check naming a port, or for this port index (a COMMAND check has neither). */
function healthCheckFor(app: MarathonApp, index: number): HealthCheck | undefined {
  return (app.healthChecks ?? []).find((h) => !!h.port || h.portIndex === index);
}

/**
 * Whether a task may take traffic under --health-check: any result alive; a
 * task listed without results counts as Marathon last saw it (`seenAlive`).
 */
function healthy(app: MarathonApp, task: MarathonTask, seenAlive: Map<string, boolean>): boolean {
  if (!app.healthChecks?.length) return true;
  if (task.healthCheckResults === undefined) return seenAlive.get(task.id) ?? false;
  const alive = task.healthCheckResults.some((r) => r.alive);
  // (an LRU of 1000, as --lru-cache-capacity: a Map keeps insertion order)
  seenAlive.delete(task.id);
  seenAlive.set(task.id, alive);
  if (seenAlive.size > SEEN_ALIVE_CAPACITY) seenAlive.delete(seenAlive.keys().next().value!);
  return alive;
}

export function servicesOf(apps: MarathonApp[], opts: Options, resolve: (host: string) => string | undefined, seenAlive = new Map<string, boolean>()): Service[] {
  const out: Service[] = [];
  const everyGroup = opts.groups.includes('*');
  for (const app of apps) {
    if (opts.frameworkName && app.id.replace(/^\//, '') === opts.frameworkName) continue;
    const labels = app.labels ?? {};
    const appGroups = labels.HAPROXY_GROUP !== undefined ? splitList(labels.HAPROXY_GROUP) : [];
    const ports = servicePortsOf(app);
    const services = ports.map((marathonPort, i) => {
      const label = (name: string) => labelOn(labels, i, name);
      const hc = healthCheckFor(app, i);
      const groups = label('GROUP') !== undefined ? splitList(label('GROUP')!) : appGroups;
      const vhosts = label('VHOST') !== undefined ? splitList(label('VHOST')!.toLowerCase()) : [];
      const servicePort = label('PORT') !== undefined ? Number(label('PORT')) : marathonPort;
      // a MODE label wins over an HTTP health check; otherwise http with a vhost, tcp without
      const labelled = label('MODE')?.toLowerCase();
      const mode: 'http' | 'tcp' = labelled === 'http' || labelled === 'tcp' ? labelled : hc?.protocol === 'HTTP' || vhosts.length ? 'http' : 'tcp';
      const service: Service = {
        appId: app.id, servicePort, backend: `${app.id.slice(1).replace(/\//g, '_')}_${servicePort}`, groups, mode, vhosts,
        ...(label('PATH') !== undefined ? { path: label('PATH') } : {}),
        redirectToHttps: truthy(label('REDIRECT_TO_HTTPS')), sticky: truthy(label('STICKY')),
        balance: label('BALANCE') ?? 'roundrobin', bindAddr: label('BIND_ADDR') ?? '*', bindOptions: label('BIND_OPTIONS') ?? '',
        ...(label('SSL_CERT') !== undefined ? { sslCert: label('SSL_CERT') } : {}),
        weight: Number(label('BACKEND_WEIGHT') ?? 0) || (label('PATH') !== undefined ? 1 : 0),
        ...(hc ? { healthCheck: hc } : {}),
        backends: [],
      };
      const enabled = label('ENABLED') !== undefined ? truthy(label('ENABLED')) : !opts.strictMode;
      const wanted = enabled && (everyGroup || groups.some((g) => opts.groups.includes(g)));
      return wanted ? service : undefined;
    });
    if (!services.some(Boolean)) continue;
    for (const task of app.tasks ?? []) {
      if (!task.host || (task.state !== undefined && EXCLUDED.has(task.state))) continue;
      if (opts.healthCheck && !healthy(app, task, seenAlive)) continue;
      const addr = taskAddress(app, task, resolve);
      if (!addr) continue;
      // task ports and service ports pair up by index; extra ones on either side are left out
      addr.ports.forEach((port, i) => {
        const service = services[i];
        if (service && port) service.backends.push({ host: task.host, ip: addr.ip, port });
      });
    }
    // a service with no task to send to is left out altogether
    for (const s of services) if (s && s.backends.length) out.push(s);
  }
  // (Python's sort of (appId, servicePort): code-point order)
  return out.sort((a, b) => (a.appId < b.appId ? -1 : a.appId > b.appId ? 1 : a.servicePort - b.servicePort));
}
