// The canonical (1.5+ API) app definition as Marathon 1.7 stores and returns it.

export type Labels = Record<string, string>;

export interface PortDefinition {
  port: number;
  labels?: Labels;
  name?: string;
  protocol: string;
}

export interface PortMapping {
  containerPort: number;
  hostPort?: number;
  labels: Labels;
  name?: string;
  protocol: string;
  servicePort: number;
  networkNames?: string[];
}

export interface DockerSpec {
  credential?: { principal: string; secret?: string };
  pullConfig?: { secret: string };
  forcePullImage: boolean;
  image: string;
  network?: string;
  parameters: Array<{ key: string; value: string }>;
  portMappings?: PortMapping[];
  privileged: boolean;
}

export interface Container {
  type: 'DOCKER' | 'MESOS';
  docker?: DockerSpec;
  appc?: Record<string, unknown>;
  volumes: Array<Record<string, unknown>>;
  portMappings?: PortMapping[];
}

export interface Network {
  name?: string;
  mode: 'container' | 'container/bridge' | 'host';
  labels?: Labels;
}

export type HealthProtocol = 'HTTP' | 'HTTPS' | 'TCP' | 'COMMAND' | 'MESOS_TCP' | 'MESOS_HTTP' | 'MESOS_HTTPS';

export interface HealthCheck {
  command?: { value: string };
  gracePeriodSeconds: number;
  ignoreHttp1xx?: boolean;
  intervalSeconds: number;
  maxConsecutiveFailures: number;
  path?: string;
  port?: number;
  portIndex?: number;
  protocol: HealthProtocol;
  ipProtocol: 'IPv4' | 'IPv6';
  timeoutSeconds: number;
  delaySeconds: number;
}

export interface Artifact {
  uri: string;
  extract: boolean;
  executable: boolean;
  cache: boolean;
  destPath?: string;
}

export interface UpgradeStrategy {
  maximumOverCapacity: number;
  minimumHealthCapacity: number;
}

export type UnreachableStrategy = 'disabled' | { inactiveAfterSeconds: number; expungeAfterSeconds: number };

export type EnvValue = string | { secret: string };

export interface App {
  id: string;
  acceptedResourceRoles?: string[];
  args: string[];
  backoffFactor: number;
  backoffSeconds: number;
  cmd?: string;
  constraints: string[][];
  container?: Container;
  cpus: number;
  dependencies: string[];
  disk: number;
  env: Record<string, EnvValue>;
  executor: string;
  executorResources?: Record<string, unknown>;
  fetch: Artifact[];
  healthChecks: HealthCheck[];
  instances: number;
  labels: Labels;
  maxLaunchDelaySeconds: number;
  mem: number;
  gpus: number;
  networks: Network[];
  /** absent with non-host networking */
  portDefinitions?: PortDefinition[];
  readinessChecks: Array<Record<string, unknown>>;
  residency?: Record<string, unknown>;
  requirePorts: boolean;
  secrets: Record<string, { source: string }>;
  taskKillGracePeriodSeconds?: number;
  upgradeStrategy: UpgradeStrategy;
  user?: string;
  version: string;
  /** absent until the app is stored (a POST /v2/apps answer carries only `version`) */
  versionInfo?: { lastScalingAt: string; lastConfigChangeAt: string };
  killSelection: 'YOUNGEST_FIRST' | 'OLDEST_FIRST';
  unreachableStrategy: UnreachableStrategy;
  tty?: boolean;
}

/** True when the app uses container or bridge networking (Marathon's hasNonHostNetworking). */
export function nonHostNetworking(app: Pick<App, 'networks'>): boolean {
  return app.networks.some((n) => n.mode !== 'host');
}

export function isBridge(app: Pick<App, 'networks'>): boolean {
  return app.networks.some((n) => n.mode === 'container/bridge');
}

/** Port mappings when they define the ports, else the port definitions (AppDefinition.portIndices source). */
export function portSpecs(app: Pick<App, 'container' | 'portDefinitions'>): Array<{ name?: string; port: number; protocol: string; labels?: Labels; mapping?: PortMapping }> {
  const pm = app.container?.portMappings;
  if (pm && pm.length) return pm.map((m) => ({ name: m.name, port: m.containerPort, protocol: m.protocol, labels: m.labels, mapping: m }));
  return (app.portDefinitions ?? []).map((d) => ({ name: d.name, port: d.port, protocol: d.protocol, labels: d.labels }));
}

/** Service ports: the port definitions' ports, or the port mappings' service ports. */
export function servicePorts(app: App): number[] {
  const pm = app.container?.portMappings;
  if (pm && pm.length) return pm.map((m) => m.servicePort);
  return (app.portDefinitions ?? []).map((d) => d.port);
}

/** The config version: tasks launched from an older one are replaced on restart. */
export function configVersion(app: App): string {
  return app.versionInfo?.lastConfigChangeAt ?? app.version;
}
