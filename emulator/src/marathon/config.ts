// Marathon's command-line flags (and MARATHON_* env) with the 1.7 defaults,
// plus the config blocks /v2/info reports.
import { flagInt, type Flags } from '../common/flags.js';
import { firstIpv4 } from './util.js';

/** The Marathon generation this stand-in speaks. */
export const MARATHON_VERSION = '1.7.50';
/** Reported as /v2/info `buildref`: says which build answered (the real one is a git sha). */
export const BUILDREF = 'mesos-up-emulator';

export interface MarathonConfig {
  master: string;
  zk: string;
  httpPort: number;
  httpsPort: number;
  httpAddress: string | undefined;
  hostname: string;
  ha: boolean;
  frameworkName: string;
  mesosUser: string;
  mesosRole: string | undefined;
  /** FrameworkInfo.principal, and the principal of resident tasks' reservations and volumes */
  mesosAuthenticationPrincipal: string | undefined;
  /** how long a new reservation waits to be offered back before it is dropped (ms) */
  taskReservationTimeout: number;
  webuiUrl: string | undefined;
  localPortMin: number;
  localPortMax: number;
  taskLaunchTimeout: number;
  taskLaunchConfirmTimeout: number;
  failoverTimeout: number;
  checkpoint: boolean;
  executor: string;
  declineOfferDuration: number;
  minReviveOffersInterval: number;
  maxInstancesPerOffer: number;
  offerMatchingTimeout: number;
  reconciliationInitialDelay: number;
  reconciliationInterval: number;
  scaleAppsInitialDelay: number;
  scaleAppsInterval: number;
  zkTimeout: number;
  zkSessionTimeout: number;
  zkConnectionTimeout: number;
  zkMaxVersions: number;
  features: string[];
  envVarsPrefix: string | undefined;
  storeBackend: 'zk' | 'mem';
  heartbeatInterval: number;
  heartbeatFailureThreshold: number;
  defaultAcceptedResourceRoles: string[] | undefined;
  accessControlAllowOrigin: string[] | undefined;
  killRetryTimeout: number;
  maxRunningDeployments: number;
  /** --metrics_name_prefix (MetricsConf) */
  metricsNamePrefix: string;
  /** --metrics_prometheus: serve /metrics/prometheus */
  metricsPrometheus: boolean;
}

function toggle(flags: Flags, name: string, fallback: boolean): boolean {
  // Scallop toggles: --name / --disable_name (a value may also be given explicitly).
  const on = flags.get(name);
  const off = flags.get(`disable_${name}`);
  if (off !== undefined && off !== 'false') return false;
  if (on !== undefined) return on !== 'false' && on !== '0';
  return fallback;
}

export function loadConfig(flags: Flags): MarathonConfig {
  const master = flags.get('master');
  if (!master || master === 'true') {
    // Scallop's wording when a required option is missing.
    throw new Error("Required option 'master' not found");
  }
  const httpPort = flagInt(flags, 'http_port', 8080);
  const list = (name: string) =>
    flags.get(name)?.split(',').map((s) => s.trim()).filter(Boolean);
  return {
    master,
    zk: flags.get('zk') ?? 'zk://localhost:2181/marathon',
    httpPort,
    httpsPort: flagInt(flags, 'https_port', 8443),
    httpAddress: flags.get('http_address'),
    hostname: flags.get('hostname') ?? firstIpv4(),
    ha: toggle(flags, 'ha', true),
    frameworkName: flags.get('framework_name') ?? 'marathon',
    // The 1.7 image runs Marathon as root, and the JVM's user.name is the default.
    mesosUser: flags.get('mesos_user') ?? 'root',
    mesosRole: flags.get('mesos_role'),
    mesosAuthenticationPrincipal: flags.get('mesos_authentication_principal'),
    taskReservationTimeout: flagInt(flags, 'task_reservation_timeout', 20000),
    webuiUrl: flags.get('webui_url'),
    localPortMin: flagInt(flags, 'local_port_min', 10000),
    localPortMax: flagInt(flags, 'local_port_max', 20000),
    taskLaunchTimeout: flagInt(flags, 'task_launch_timeout', 300000),
    taskLaunchConfirmTimeout: flagInt(flags, 'task_launch_confirm_timeout', 300000),
    failoverTimeout: flagInt(flags, 'failover_timeout', 604800),
    checkpoint: toggle(flags, 'checkpoint', true),
    executor: flags.get('executor') ?? '//cmd',
    declineOfferDuration: flagInt(flags, 'decline_offer_duration', 120000),
    minReviveOffersInterval: flagInt(flags, 'min_revive_offers_interval', 5000),
    maxInstancesPerOffer: flagInt(flags, 'max_instances_per_offer', 5),
    offerMatchingTimeout: flagInt(flags, 'offer_matching_timeout', 3000),
    reconciliationInitialDelay: flagInt(flags, 'reconciliation_initial_delay', 15000),
    reconciliationInterval: flagInt(flags, 'reconciliation_interval', 600000),
    scaleAppsInitialDelay: flagInt(flags, 'scale_apps_initial_delay', 15000),
    scaleAppsInterval: flagInt(flags, 'scale_apps_interval', 300000),
    zkTimeout: flagInt(flags, 'zk_timeout', 10000),
    zkSessionTimeout: flagInt(flags, 'zk_session_timeout', 10000),
    zkConnectionTimeout: flagInt(flags, 'zk_connection_timeout', 10000),
    zkMaxVersions: flagInt(flags, 'zk_max_versions', 50),
    features: list('enable_features') ?? [],
    envVarsPrefix: flags.get('env_vars_prefix'),
    storeBackend: flags.get('internal_store_backend') === 'mem' ? 'mem' : 'zk',
    heartbeatInterval: flagInt(flags, 'mesos_heartbeat_interval', 15000),
    heartbeatFailureThreshold: flagInt(flags, 'mesos_heartbeat_failure_threshold', 5),
    defaultAcceptedResourceRoles: list('default_accepted_resource_roles'),
    accessControlAllowOrigin: list('access_control_allow_origin'),
    killRetryTimeout: flagInt(flags, 'kill_retry_timeout', 10000),
    maxRunningDeployments: flagInt(flags, 'max_running_deployments', 100),
    metricsNamePrefix: flags.get('metrics_name_prefix') ?? 'marathon',
    metricsPrometheus: toggle(flags, 'metrics_prometheus', false),
  };
}

/** `zk://user:pass@h/p` with the credentials masked, as /v2/info shows URLs. */
export function redact(url: string): string {
  return url.replace(/^(zk:\/\/)[^@/]+@/, '$1xxxxxxxx:xxxxxxxx@');
}

/** /v2/info `marathon_config` (InfoResource), `mesos_leader_ui_url` filled in by the caller. */
export function marathonConfigJson(c: MarathonConfig, mesosLeaderUiUrl: string | null): Record<string, unknown> {
  return {
    access_control_allow_origin: c.accessControlAllowOrigin ?? null,
    checkpoint: c.checkpoint,
    decline_offer_duration: c.declineOfferDuration,
    default_network_name: null,
    env_vars_prefix: c.envVarsPrefix ?? null,
    executor: c.executor,
    failover_timeout: c.failoverTimeout,
    features: c.features,
    framework_name: c.frameworkName,
    ha: c.ha,
    hostname: c.hostname,
    launch_token: 100,
    launch_token_refresh_interval: 30000,
    leader_proxy_connection_timeout_ms: 5000,
    leader_proxy_read_timeout_ms: 10000,
    local_port_max: c.localPortMax,
    local_port_min: c.localPortMin,
    master: redact(c.master),
    max_instances_per_offer: c.maxInstancesPerOffer,
    mesos_bridge_name: 'mesos-bridge',
    mesos_heartbeat_failure_threshold: c.heartbeatFailureThreshold,
    mesos_heartbeat_interval: c.heartbeatInterval,
    mesos_leader_ui_url: mesosLeaderUiUrl,
    mesos_role: c.mesosRole ?? null,
    mesos_user: c.mesosUser,
    min_revive_offers_interval: c.minReviveOffersInterval,
    offer_matching_timeout: c.offerMatchingTimeout,
    on_elected_prepare_timeout: 180000,
    reconciliation_initial_delay: c.reconciliationInitialDelay,
    reconciliation_interval: c.reconciliationInterval,
    revive_offers_for_new_apps: true,
    revive_offers_repetitions: 3,
    scale_apps_initial_delay: c.scaleAppsInitialDelay,
    scale_apps_interval: c.scaleAppsInterval,
    store_cache: true,
    task_launch_confirm_timeout: c.taskLaunchConfirmTimeout,
    task_launch_timeout: c.taskLaunchTimeout,
    task_lost_expunge_initial_delay: 300000,
    task_lost_expunge_interval: 30000,
    task_reservation_timeout: c.taskReservationTimeout,
    webui_url: c.webuiUrl ?? null,
  };
}

export function zookeeperConfigJson(c: MarathonConfig): Record<string, unknown> {
  return {
    zk: redact(c.zk),
    zk_compression: true,
    zk_compression_threshold: 65536,
    zk_connection_timeout: c.zkConnectionTimeout,
    zk_max_node_size: 1024000,
    zk_max_versions: c.zkMaxVersions,
    zk_session_timeout: c.zkSessionTimeout,
    zk_timeout: c.zkTimeout,
  };
}

/** The advertised `host:port` (leader string, latch participant id). */
export function hostPort(c: MarathonConfig): string {
  return `${c.hostname}:${c.httpPort}`;
}
