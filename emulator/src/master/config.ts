// The master's flags as mesos-master 1.7 reads them: the same names, the same
// defaults, the same start-up refusals, and the same string rendering in
// `/flags` and `/master/state` (every value a string, durations normalised).
import os from 'node:os';
import { FlagError, normaliseFlag, parseDurationMs, type Flags } from '../common/flags.js';

export const MESOS_VERSION = '1.7.1';
/** Version of this stand-in; reported as the build user so tools can tell it apart. */
export const EMULATOR_VERSION = '0.1.0';

/** Defaults a 1.7.1 master reports for flags the user did not set (src/master/flags.cpp, src/logging/flags.cpp). */
const DEFAULTS: Record<string, string> = {
  agent_ping_timeout: '15secs',
  agent_reregister_timeout: '10mins',
  allocation_interval: '1secs',
  allocator: 'hierarchical',
  authenticate_agents: 'false',
  authenticate_frameworks: 'false',
  authenticate_http_frameworks: 'false',
  authenticate_http_readonly: 'false',
  authenticate_http_readwrite: 'false',
  authentication_v0_timeout: '15secs',
  authenticators: 'crammd5',
  authorizers: 'local',
  filter_gpu_resources: 'true',
  framework_sorter: 'drf',
  help: 'false',
  hostname_lookup: 'true',
  http_authenticators: 'basic',
  initialize_driver_logging: 'true',
  log_auto_initialize: 'true',
  logbufsecs: '0',
  logging_level: 'INFO',
  max_agent_ping_timeouts: '5',
  max_completed_frameworks: '50',
  max_completed_tasks_per_framework: '1000',
  max_unreachable_tasks_per_framework: '1000',
  memory_profiling: 'false',
  min_allocatable_resources: 'cpus:0.01|mem:32',
  port: '5050',
  quiet: 'false',
  recovery_agent_removal_limit: '100%',
  registry: 'replicated_log',
  registry_fetch_timeout: '1mins',
  registry_gc_interval: '15mins',
  registry_max_agent_age: '2weeks',
  registry_max_agent_count: '102400',
  registry_store_timeout: '20secs',
  registry_strict: 'false',
  require_agent_domain: 'false',
  role_sorter: 'drf',
  root_submissions: 'true',
  version: 'false',
  webui_dir: '/usr/share/mesos/webui',
  zk_session_timeout: '10secs',
};

/** Flags without a default: reported only when set. */
const OPTIONAL = [
  'acls', 'advertise_ip', 'advertise_port', 'agent_removal_rate_limit', 'cluster', 'credentials', 'domain',
  'external_log_file', 'fair_sharing_excluded_resource_names', 'firewall_rules', 'hooks', 'hostname',
  'http_framework_authenticators', 'ip', 'ip_discovery_command', 'log_dir', 'master_contender', 'master_detector',
  'max_executors_per_agent', 'modules', 'modules_dir', 'offer_timeout', 'quorum', 'rate_limits', 'roles', 'weights',
  'whitelist', 'work_dir', 'zk',
];

/** Names 1.x still accepts (with a warning) for renamed flags. */
const DEPRECATED: Record<string, string> = {
  slave_ping_timeout: 'agent_ping_timeout',
  max_slave_ping_timeouts: 'max_agent_ping_timeouts',
  slave_reregister_timeout: 'agent_reregister_timeout',
  recovery_slave_removal_limit: 'recovery_agent_removal_limit',
  slave_removal_rate_limit: 'agent_removal_rate_limit',
  authenticate_slaves: 'authenticate_agents',
  user_sorter: 'role_sorter',
};

const BOOLEAN = new Set(Object.entries(DEFAULTS).filter(([, v]) => v === 'true' || v === 'false').map(([k]) => k));
const DURATION = new Set([
  'agent_ping_timeout', 'agent_reregister_timeout', 'allocation_interval', 'authentication_v0_timeout',
  'offer_timeout', 'registry_fetch_timeout', 'registry_gc_interval', 'registry_max_agent_age',
  'registry_store_timeout', 'zk_session_timeout',
]);
const INTEGER = new Set(['port', 'advertise_port', 'quorum', 'max_agent_ping_timeouts', 'max_completed_frameworks',
  'max_completed_tasks_per_framework', 'max_unreachable_tasks_per_framework', 'registry_max_agent_count', 'logbufsecs']);

export interface MasterConfig {
  /** flag name → string value exactly as /flags shows it */
  flags: Record<string, string>;
  /** address to bind (0.0.0.0 unless --ip) */
  bindIp: string;
  port: number;
  /** advertised address: in pid, MasterInfo, ZooKeeper */
  ip: string;
  advertisedPort: number;
  hostname: string;
  zk?: string;
  zkSessionTimeoutMs: number;
  cluster?: string;
  logDir?: string;
  externalLogFile?: string;
  allocationIntervalMs: number;
  offerTimeoutMs?: number;
  agentPingTimeoutMs: number;
  maxAgentPingTimeouts: number;
  maxCompletedFrameworks: number;
  maxCompletedTasksPerFramework: number;
  maxUnreachableTasksPerFramework: number;
  rootSubmissions: boolean;
  /** flags given that a real master would not know: warned about and ignored */
  unknown: string[];
}

export { FlagError };

const normalise = (name: string, value: string): string => normaliseFlag({ boolean: BOOLEAN, duration: DURATION, integer: INTEGER }, name, value);

/**
 * The address a master advertises when `--ip` is absent. Real Mesos resolves the
 * container's hostname; in a Docker container that is its first interface
 * address, which is what this returns without needing DNS.
 */
export function defaultIp(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return '127.0.0.1';
}

/** `env` supplies the LIBPROCESS_* fallbacks libprocess itself reads when the flags are absent. */
export function loadConfig(raw: Flags, env: NodeJS.ProcessEnv = {}): MasterConfig {
  const given = new Map<string, string>();
  const unknown: string[] = [];
  for (const [key, value] of raw) {
    const name = DEPRECATED[key] ?? key;
    if (name in DEFAULTS || OPTIONAL.includes(name)) given.set(name, value);
    else unknown.push(key);
  }
  const flags: Record<string, string> = { ...DEFAULTS };
  for (const [name, value] of given) flags[name] = normalise(name, value);

  const registry = flags.registry!;
  if (registry !== 'in_memory' && registry !== 'replicated_log') {
    throw new FlagError(`'${registry}' is not a supported option for registry persistence`);
  }
  // The same refusals as src/master/main.cpp, so a command line that fails on
  // the real image fails here too.
  if (registry === 'replicated_log') {
    if (!flags.work_dir) throw new FlagError('--work_dir needed for replicated log based registry');
    if (flags.zk && !flags.quorum) throw new FlagError('Need to specify --quorum for replicated log based registry when using ZooKeeper');
  }
  if (flags.zk && !flags.zk.startsWith('zk://')) {
    if (flags.zk.startsWith('file://')) throw new FlagError(`Failed to create a master contender: file:// ZooKeeper URLs are not supported by this emulator`);
    throw new FlagError(`Error parsing ZooKeeper URL: Expecting 'zk://' at the beginning of the URL`);
  }

  const port = Number(flags.port);
  const listenIp = flags.ip ?? env.LIBPROCESS_IP;
  const bindIp = listenIp ?? '0.0.0.0';
  const advertiseIp = flags.advertise_ip ?? env.LIBPROCESS_ADVERTISE_IP;
  const ip = advertiseIp ?? (listenIp && listenIp !== '0.0.0.0' ? listenIp : defaultIp());
  const advertisePort = flags.advertise_port ?? env.LIBPROCESS_ADVERTISE_PORT;
  const advertisedPort = advertisePort ? Number(advertisePort) : port;
  // Hostname: --hostname when given, otherwise the advertised IP. A real master
  // with --hostname_lookup (the default) would reverse-resolve the IP first; in
  // a container that usually yields an unstable name, and the IP is what
  // `--no-hostname_lookup` gives, so the stand-in always uses the IP.
  const hostname = flags.hostname ?? ip;

  return {
    flags,
    bindIp,
    port,
    ip,
    advertisedPort,
    hostname,
    zk: flags.zk,
    zkSessionTimeoutMs: parseDurationMs(flags.zk_session_timeout!),
    cluster: flags.cluster,
    logDir: flags.log_dir,
    externalLogFile: flags.external_log_file,
    allocationIntervalMs: Math.max(10, parseDurationMs(flags.allocation_interval!)),
    offerTimeoutMs: flags.offer_timeout ? parseDurationMs(flags.offer_timeout) : undefined,
    agentPingTimeoutMs: parseDurationMs(flags.agent_ping_timeout!),
    maxAgentPingTimeouts: Number(flags.max_agent_ping_timeouts),
    maxCompletedFrameworks: Number(flags.max_completed_frameworks),
    maxCompletedTasksPerFramework: Number(flags.max_completed_tasks_per_framework),
    maxUnreachableTasksPerFramework: Number(flags.max_unreachable_tasks_per_framework),
    rootSubmissions: flags.root_submissions === 'true',
    unknown,
  };
}

/** `{"flags": {...}}` as `/flags` answers: keys sorted, as stout's JSON::Object emits them. */
export function flagsObject(cfg: MasterConfig): Record<string, string> {
  return Object.fromEntries(Object.entries(cfg.flags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
