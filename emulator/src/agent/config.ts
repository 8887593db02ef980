// The agent's flags as mesos-agent 1.7 reads them: the same names, defaults,
// start-up refusals, and the same string rendering in `/flags` and `/state`.
import fs from 'node:fs';
import os from 'node:os';
import { flagBool, FlagError, normaliseFlag, parseDurationMs, type Flags } from '../common/flags.js';
import { add, fromQuantities, parseResources, type ResList } from '../common/resource-list.js';
import { roleError } from '../common/role-name.js';
import type { Resources } from '../common/resources.js';

export const MESOS_VERSION = '1.7.1';
/** Reported as build_user so tools can tell the stand-in from a real agent. */
export const BUILD_USER = 'mesos-up-emulator';
export const BUILD_DATE = '2019-01-07 20:16:24';
export const BUILD_TIME = 1546892184;

/** Defaults a 1.7.1 agent on Linux reports for flags the user did not set (src/slave/flags.cpp, src/logging/flags.cpp). */
const DEFAULTS: Record<string, string> = {
  appc_simple_discovery_uri_prefix: 'http://',
  appc_store_dir: '/tmp/mesos/store/appc',
  authenticate_http_executors: 'false',
  authenticate_http_readonly: 'false',
  authenticate_http_readwrite: 'false',
  authenticatee: 'crammd5',
  authentication_backoff_factor: '1secs',
  authentication_timeout_max: '1mins',
  authentication_timeout_min: '5secs',
  authorizer: 'local',
  cgroups_cpu_enable_pids_and_tids_count: 'false',
  cgroups_destroy_timeout: '1mins',
  cgroups_enable_cfs: 'false',
  cgroups_hierarchy: '/sys/fs/cgroup',
  cgroups_limit_swap: 'false',
  cgroups_root: 'mesos',
  check_agent_port_range_only: 'false',
  container_disk_watch_interval: '15secs',
  containerizers: 'mesos',
  default_role: '*',
  disallow_sharing_agent_pid_namespace: 'false',
  disk_watch_interval: '1mins',
  docker: 'docker',
  docker_kill_orphans: 'true',
  docker_registry: 'https://registry-1.docker.io',
  docker_remove_delay: '6hrs',
  docker_socket: '/var/run/docker.sock',
  docker_stop_timeout: '0ns',
  docker_store_dir: '/tmp/mesos/store/docker',
  docker_volume_checkpoint_dir: '/var/run/mesos/isolators/docker/volume',
  enforce_container_disk_quota: 'false',
  executor_registration_timeout: '1mins',
  executor_reregistration_timeout: '2secs',
  executor_shutdown_grace_period: '5secs',
  fetcher_cache_dir: '/tmp/mesos/fetch',
  fetcher_cache_size: '2GB',
  fetcher_stall_timeout: '1mins',
  frameworks_home: '',
  gc_delay: '1weeks',
  gc_disk_headroom: '0.1',
  gc_non_executor_container_sandboxes: 'false',
  hadoop_home: '',
  help: 'false',
  hostname_lookup: 'true',
  http_command_executor: 'false',
  http_heartbeat_interval: '30secs',
  initialize_driver_logging: 'true',
  isolation: 'posix/cpu,posix/mem',
  launcher: 'posix',
  launcher_dir: '/usr/libexec/mesos',
  logbufsecs: '0',
  logging_level: 'INFO',
  max_completed_executors_per_framework: '150',
  memory_profiling: 'false',
  network_cni_metrics: 'true',
  network_cni_root_dir_persist: 'false',
  oversubscribed_resources_interval: '15secs',
  perf_duration: '10secs',
  perf_interval: '1mins',
  port: '5051',
  qos_correction_interval_min: '0ns',
  quiet: 'false',
  reconfiguration_policy: 'equal',
  recover: 'reconnect',
  recovery_timeout: '15mins',
  registration_backoff_factor: '1secs',
  revocable_cpu_low_priority: 'true',
  runtime_dir: '/var/run/mesos',
  sandbox_directory: '/mnt/mesos/sandbox',
  strict: 'true',
  switch_user: 'true',
  systemd_enable_support: 'true',
  systemd_runtime_directory: '/run/systemd/system',
  version: 'false',
  zk_session_timeout: '10secs',
};

/** Flags without a default: reported only when set. */
const OPTIONAL = [
  'acls', 'advertise_ip', 'advertise_port', 'agent_features', 'agent_subsystems', 'allowed_devices', 'attributes',
  'bounding_capabilities', 'cgroups_net_cls_primary_handle', 'cgroups_net_cls_secondary_handles', 'container_logger',
  'credential', 'default_container_dns', 'default_container_info', 'disk_profile_adaptor', 'docker_config',
  'docker_mesos_image', 'domain', 'effective_capabilities', 'executor_environment_variables',
  'executor_reregistration_retry_interval', 'external_log_file', 'firewall_rules', 'hooks', 'hostname',
  'http_authenticators', 'http_credentials', 'image_gc_config', 'image_providers', 'image_provisioner_backend', 'ip',
  'ip6', 'ip6_discovery_command', 'ip_discovery_command', 'jwt_secret_key', 'log_dir', 'master', 'master_detector',
  'modules', 'modules_dir', 'network_cni_config_dir', 'network_cni_plugins_dir', 'nvidia_gpu_devices', 'perf_events',
  'qos_controller', 'resource_estimator', 'resource_provider_config_dir', 'resources', 'secret_resolver', 'work_dir',
];

/** Old names 1.x still accepts for renamed flags. */
const DEPRECATED: Record<string, string> = {
  slave_subsystems: 'agent_subsystems',
};

const BOOLEAN = new Set(Object.entries(DEFAULTS).filter(([, v]) => v === 'true' || v === 'false').map(([k]) => k));
const DURATION = new Set(
  Object.entries(DEFAULTS)
    .filter(([, v]) => /^[0-9.]+(ns|us|ms|secs|mins|hrs|days|weeks)$/.test(v))
    .map(([k]) => k)
    .concat(['executor_reregistration_retry_interval']),
);
const INTEGER = new Set(['port', 'advertise_port', 'max_completed_executors_per_framework', 'logbufsecs']);

export { FlagError };

const normalise = (name: string, value: string): string => normaliseFlag({ boolean: BOOLEAN, duration: DURATION, integer: INTEGER }, name, value);

export type AttributeValue = number | string;

/** `rack:a;zone:2;slots:[1-4];tags:{x,y}` → { rack: "a", zone: 2, slots: "[1-4]", tags: "{x,y}" } as /state shows it. */
export function parseAttributes(text: string | undefined): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  if (!text) return out;
  for (const part of text.split(';')) {
    if (!part.trim()) continue;
    const colon = part.indexOf(':');
    if (colon < 0) throw new FlagError(`Failed to parse attribute '${part}': expecting 'name:value'`);
    const name = part.slice(0, colon).trim();
    const value = part.slice(colon + 1).trim();
    // Same precedence as Attributes::parse: ranges, sets, scalars, else text.
    if (/^\[.*\]$|^\{.*\}$/.test(value)) {
      const items = value.slice(1, -1).split(',').map((x) => x.trim()).filter(Boolean);
      out[name] = `${value[0]}${items.join(', ')}${value[value.length - 1]}`;
    }
    else if (value !== '' && Number.isFinite(Number(value))) out[name] = Number(value);
    else out[name] = value;
  }
  return out;
}

/** The container's first non-internal IPv4 address: what libprocess picks without --ip. */
export function defaultIp(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return '127.0.0.1';
}

/** The resources an agent detects for the names --resources leaves out (Containerizer::resources). */
export function defaultResources(workDir: string): Resources {
  const MB = 1024 * 1024;
  const GB = 1024 * MB;
  const totalMem = os.totalmem();
  const mem = totalMem >= 2 * GB ? totalMem - GB : totalMem / 2;
  let disk = 10 * GB;
  try {
    const st = fs.statfsSync(workDir);
    const size = st.blocks * st.bsize;
    disk = size >= 10 * GB ? size - 5 * GB : size / 2;
  } catch {
    /* keep DEFAULT_DISK as Mesos does when the size is unknown */
  }
  return {
    cpus: os.cpus().length || 1,
    gpus: 0,
    mem: Math.floor(mem / MB),
    disk: Math.floor(disk / MB),
    ports: [{ begin: 31000, end: 32000 }],
  };
}

/**
 * --resources with --default_role (Containerizer::resources): what the flag
 * names, each without a role given the default role; then, for cpus, mem,
 * disk and ports that the flag does not name at all (under any role), the
 * detected amount, reserved to the default role too.
 */
/** Resources::validate's role checks and validateCommandLineResources (src/common/resources.cpp). */
function commandLineError(list: ResList): string | undefined {
  const types = new Map<string, string>();
  for (const r of list) {
    for (const x of r.reservations ?? []) {
      const err = roleError(x.role);
      if (err) return err;
      if (x.role === '*') return 'Invalid reservation: role "*" cannot be reserved';
    }
    if (r.disk?.persistence) return 'Persistent volumes cannot be specified at the command line';
    if (r.revocable) return "Revocable resources cannot be specified at the command line; do not include a 'revocable' key in the resources JSON";
    if (r.reservations?.some((x) => x.type === 'DYNAMIC')) return 'Dynamic reservations cannot be specified at the command line; do not include a reservation with DYNAMIC type in the resources JSON';
    if (types.has(r.name) && types.get(r.name) !== r.type) return `Resources with the same name ('${r.name}') but different types are not allowed`;
    types.set(r.name, r.type);
  }
  return undefined;
}

export function parseAgentResources(text: string | undefined, detected: Resources, defaultRole = '*'): ResList {
  let given: ResList = [];
  if (text && text.trim()) {
    try {
      given = parseResources(text, defaultRole);
    } catch (err) {
      throw new FlagError(`Failed to determine agent resources: ${(err as Error).message}`);
    }
    const invalid = commandLineError(given);
    if (invalid) throw new FlagError(`Failed to determine agent resources: ${invalid}`);
  }
  const named = new Set(given.map((r) => r.name));
  const reservations = defaultRole === '*' ? undefined : [{ type: 'STATIC' as const, role: defaultRole }];
  const missing = fromQuantities(detected, reservations).filter((r) => !named.has(r.name));
  return add(given, missing);
}

export interface AgentConfig {
  /** flag name → string value as /flags shows it */
  flags: Record<string, string>;
  master?: string;
  workDir?: string;
  bindIp: string;
  port: number;
  /** advertised address: in pid, registration, MESOS_AGENT_ENDPOINT */
  ip: string;
  advertisedPort: number;
  hostname: string;
  /** the agent's own resources (--resources, --default_role, detected), static reservations included */
  resources: ResList;
  attributes: Record<string, AttributeValue>;
  containerizers: string[];
  dockerSocket: string;
  switchUser: boolean;
  executorShutdownGraceMs: number;
  executorEnvironment?: Record<string, string>;
  sandboxDirectory: string;
  dockerStopTimeoutMs: number;
  maxCompletedExecutors: number;
  gcDelayMs: number;
  gcDiskHeadroom: number;
  logDir?: string;
  externalLogFile?: string;
  unknown: string[];
}

/**
 * Validates flags in the order mesos-agent does. Missing work_dir is a flag
 * load error; missing master is the check in main() that follows it.
 */
export function loadConfig(raw: Flags): AgentConfig {
  const given = new Map<string, string>();
  const unknown: string[] = [];
  for (const [key, value] of raw) {
    const name = DEPRECATED[key] ?? key;
    if (name in DEFAULTS || OPTIONAL.includes(name)) given.set(name, value);
    else unknown.push(key);
  }
  const flags: Record<string, string> = { ...DEFAULTS };
  for (const [name, value] of given) flags[name] = normalise(name, value);
  if (flags.work_dir === undefined) throw new FlagError("Flag 'work_dir' is required, but it was not provided");

  let executorEnvironment: Record<string, string> | undefined;
  if (flags.executor_environment_variables) {
    try {
      const obj = JSON.parse(flags.executor_environment_variables) as Record<string, unknown>;
      executorEnvironment = {};
      for (const [k, v] of Object.entries(obj)) {
        if (typeof v !== 'string') throw new Error(`'${k}' is not a string`);
        executorEnvironment[k] = v;
      }
    } catch (err) {
      throw new FlagError(`Failed to load flag 'executor_environment_variables': ${(err as Error).message}`);
    }
  }

  const port = Number(flags.port);
  const bindIp = flags.ip ?? '0.0.0.0';
  const ip = flags.advertise_ip ?? flags.ip ?? defaultIp();
  const advertisedPort = flags.advertise_port ? Number(flags.advertise_port) : port;
  // --hostname when given, else the advertised IP (as the emulated master
  // does; a real agent would reverse-resolve the IP when hostname_lookup is on).
  const hostname = flags.hostname ?? ip;
  const rawMap = new Map(Object.entries(flags));
  return {
    flags,
    master: flags.master,
    workDir: flags.work_dir,
    bindIp,
    port,
    ip,
    advertisedPort,
    hostname,
    resources: [],
    attributes: parseAttributes(flags.attributes),
    containerizers: flags.containerizers!.split(',').map((s) => s.trim()).filter(Boolean),
    dockerSocket: flags.docker_socket!,
    switchUser: flagBool(rawMap, 'switch_user', true),
    executorShutdownGraceMs: parseDurationMs(flags.executor_shutdown_grace_period!),
    executorEnvironment,
    sandboxDirectory: flags.sandbox_directory!,
    dockerStopTimeoutMs: parseDurationMs(flags.docker_stop_timeout!),
    maxCompletedExecutors: Number(flags.max_completed_executors_per_framework),
    gcDelayMs: parseDurationMs(flags.gc_delay!),
    gcDiskHeadroom: Number(flags.gc_disk_headroom),
    logDir: flags.log_dir,
    externalLogFile: flags.external_log_file,
    unknown,
  };
}

/** Keys sorted, as stout's JSON::Object emits them. */
export function sortedFlags(cfg: AgentConfig): Record<string, string> {
  return Object.fromEntries(Object.entries(cfg.flags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
