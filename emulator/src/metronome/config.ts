// Metronome's settings as its launcher takes them: `-D<property>=<value>`
// arguments (JVM system properties, which win) over `METRONOME_*`
// environment variables (the ${?ENV} substitutions of application.conf)
// over the defaults of MetronomeConfig.
import os from 'node:os';

export const METRONOME_VERSION = '0.6.44';
/** the Marathon library version 0.6.44 is built on */
export const MARATHON_LIB_VERSION = '1.7.202';

export interface MetronomeConfig {
  httpPort: number;
  httpAddress?: string;
  zkUrl: string;
  master: string;
  frameworkName: string;
  mesosRole?: string;
  mesosUser: string;
  principal?: string;
  hostname: string;
  webUiUrl: string;
  /** seconds: 7 days (upstream's intent; see the README) */
  failoverTimeoutSeconds: number;
  historyCount: number;
  reconciliationIntervalMs: number;
  features: string[];
  zkSessionTimeoutMs: number;
  zkTimeoutMs: number;
}

/** property → environment variable, as application.conf maps them */
const ENV: Record<string, string> = {
  'play.server.http.port': 'METRONOME_PLAY_SERVER_HTTP_PORT',
  'metronome.zk.url': 'METRONOME_ZK_URL',
  'metronome.mesos.master.url': 'METRONOME_MESOS_MASTER_URL',
  'metronome.framework.name': 'METRONOME_FRAMEWORK_NAME',
  'metronome.mesos.role': 'METRONOME_MESOS_ROLE',
  'metronome.mesos.user': 'METRONOME_MESOS_USER',
  'metronome.mesos.authentication.principal': 'METRONOME_MESOS_AUTHENTICATION_PRINCIPAL',
  'metronome.mesos.failover.timeout': 'METRONOME_MESOS_FAILOVER_TIMEOUT',
  'metronome.leader.election.hostname': 'METRONOME_LEADER_ELECTION_HOSTNAME',
  'metronome.web.ui.url': 'METRONOME_WEB_UI_URL',
  'metronome.history.count': 'METRONOME_HISTORY_COUNT',
  'metronome.scheduler.reconciliation.interval': 'METRONOME_SCHEDULER_RECONCILIATION_INTERVAL',
  'metronome.features.enable': 'METRONOME_FEATURES_ENABLE',
  'metronome.gpu_scheduling_behavior': 'METRONOME_GPU_SCHEDULING_BEHAVIOR',
  'metronome.zk.session_timeout': 'METRONOME_ZK_SESSION_TIMEOUT',
  'metronome.zk.timeout': 'METRONOME_ZK_TIMEOUT',
};

/** Properties from `-Dname=value` arguments; the launcher's other switches (-d, -v, -J…) are ignored. */
function systemProperties(argv: string[]): Map<string, string> {
  const props = new Map<string, string>();
  for (const arg of argv) {
    const m = /^-D([^=]+)=(.*)$/.exec(arg);
    if (m) props.set(m[1]!, m[2]!);
  }
  return props;
}

/** HOCON durations: a number (ms) or `15 minutes`, `10s`, `7 days`… Returns ms. */
export function parseHoconDuration(text: string): number {
  const m = /^\s*([0-9.]+)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) throw new Error(`Invalid duration '${text}'`);
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  const scale: Record<string, number> = {
    '': 1, ms: 1, milli: 1, millis: 1, millisecond: 1, milliseconds: 1,
    s: 1000, second: 1000, seconds: 1000, m: 60_000, minute: 60_000, minutes: 60_000,
    h: 3_600_000, hour: 3_600_000, hours: 3_600_000, d: 86_400_000, day: 86_400_000, days: 86_400_000,
  };
  if (!(unit in scale)) throw new Error(`Invalid duration '${text}'`);
  return n * scale[unit]!;
}

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): MetronomeConfig {
  const props = systemProperties(argv);
  const get = (name: string): string | undefined => {
    const v = props.get(name) ?? (ENV[name] ? env[ENV[name]!] : undefined);
    return v === '' ? undefined : v;
  };
  const int = (name: string, fallback: number): number => {
    const v = get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`${name} has type STRING rather than NUMBER`);
    return n;
  };
  const duration = (name: string, fallbackMs: number) => {
    const v = get(name);
    return v === undefined ? fallbackMs : parseHoconDuration(v);
  };
  const httpPort = int('play.server.http.port', 9000);
  const hostname = get('metronome.leader.election.hostname') ?? os.hostname();
  const features = (get('metronome.features.enable') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (get('metronome.gpu_scheduling_behavior')) features.push('gpu_resources');
  let user = get('metronome.mesos.user');
  if (!user) {
    try {
      user = os.userInfo().username;
    } catch {
      user = 'root';
    }
  }
  const address = get('play.server.http.address');
  return {
    httpPort,
    ...(address ? { httpAddress: address } : {}),
    zkUrl: get('metronome.zk.url') ?? 'zk://localhost:2181/metronome',
    master: get('metronome.mesos.master.url') ?? 'localhost:5050',
    frameworkName: get('metronome.framework.name') ?? 'metronome',
    ...(get('metronome.mesos.role') ? { mesosRole: get('metronome.mesos.role') } : {}),
    mesosUser: user,
    ...(get('metronome.mesos.authentication.principal') ? { principal: get('metronome.mesos.authentication.principal') } : {}),
    hostname,
    webUiUrl: get('metronome.web.ui.url') ?? `http://${hostname}:${httpPort}`,
    // The setting is in ms; upstream hands that number to Marathon as seconds. We register the intended 7 days.
    failoverTimeoutSeconds: Math.round(duration('metronome.mesos.failover.timeout', 7 * 86_400_000) / 1000),
    historyCount: int('metronome.history.count', 1000),
    reconciliationIntervalMs: duration('metronome.scheduler.reconciliation.interval', 15 * 60_000),
    features,
    zkSessionTimeoutMs: duration('metronome.zk.session_timeout', 10_000),
    zkTimeoutMs: duration('metronome.zk.timeout', 10_000),
  };
}
