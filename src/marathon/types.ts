// The parts of Marathon's REST API shapes (v1.x) that mesos-up and fixture users read.
// Responses carry more fields; these types name the ones we rely on.

export interface PortMapping {
  containerPort: number;
  hostPort?: number;
  servicePort?: number;
  protocol?: string;
  name?: string;
  labels?: Record<string, string>;
}

export interface AppDefinition {
  id: string;
  cmd?: string | null;
  args?: string[] | null;
  cpus?: number;
  mem?: number;
  disk?: number;
  instances?: number;
  env?: Record<string, string>;
  labels?: Record<string, string>;
  requirePorts?: boolean;
  portDefinitions?: Array<{ port: number; protocol?: string; name?: string; labels?: Record<string, string> }>;
  container?: {
    type: 'DOCKER' | 'MESOS';
    docker?: { image: string; network?: 'BRIDGE' | 'HOST' | 'USER'; portMappings?: PortMapping[]; forcePullImage?: boolean; privileged?: boolean };
    portMappings?: PortMapping[];
    volumes?: unknown[];
  } | null;
  healthChecks?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

export interface HealthCheckResult {
  alive: boolean;
  consecutiveFailures: number;
  firstSuccess: string | null;
  lastFailure: string | null;
  lastSuccess: string | null;
  taskId: string;
}

export interface Task {
  id: string;
  appId: string;
  host: string;
  ports: number[];
  servicePorts?: number[];
  slaveId: string;
  state: string;
  stagedAt: string;
  startedAt?: string | null;
  version: string;
  ipAddresses?: Array<{ ipAddress: string; protocol: string }>;
  healthCheckResults?: HealthCheckResult[];
}

export interface App extends AppDefinition {
  version: string;
  tasksStaged: number;
  tasksRunning: number;
  tasksHealthy: number;
  tasksUnhealthy: number;
  deployments: Array<{ id: string }>;
  tasks?: Task[];
  lastTaskFailure?: { message: string; state: string; taskId: string; timestamp: string; host: string; version: string };
}

export interface DeploymentResult {
  deploymentId: string;
  version: string;
}

export interface Deployment {
  id: string;
  version: string;
  affectedApps: string[];
  affectedPods?: string[];
  currentStep: number;
  totalSteps: number;
  currentActions: Array<{ action: string; app?: string; pod?: string }>;
}

/** A group as GET /v2/groups/{id} answers (apps, pods and subgroups embedded). */
export interface Group {
  id: string;
  version: string;
  dependencies: string[];
  apps: App[];
  /** each pod's status, its definition under `spec` */
  pods: PodStatus[];
  groups: Group[];
}

/** A pod (the raml Pod; only what the CLI reads is typed). */
export interface Pod {
  id: string;
  version: string;
  containers: Array<{ name: string; resources: { cpus: number; mem: number }; endpoints?: Array<{ name: string; hostPort?: number; containerPort?: number }> }>;
  scaling: { kind: string; instances: number };
  [key: string]: unknown;
}

export interface PodStatus {
  id: string;
  spec: Pod;
  status: 'STABLE' | 'DEGRADED' | 'TERMINAL';
  statusSince: string;
  instances: Array<{
    id: string;
    status: string;
    agentHostname: string;
    containers: Array<{ name: string; status: string; endpoints: Array<{ name: string; allocatedHostPort?: number; healthy?: boolean }> }>;
  }>;
}

export interface Info {
  name: string;
  version: string;
  elected: boolean;
  leader: string | null;
  frameworkId: string | null;
  marathon_config: Record<string, unknown>;
}

export interface MarathonEvent {
  eventType: string;
  timestamp: string;
  [key: string]: unknown;
}
