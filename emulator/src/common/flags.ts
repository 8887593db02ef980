// Flag parsing as the real binaries do it, so the emulated images accept the
// same command lines and environment as mesosphere/* images.

export type Flags = Map<string, string>;

/**
 * Mesos style: `--name=value`, `--name` (true), `--no-name` (false); env `MESOS_NAME`
 * supplies defaults; the command line beats the environment.
 */
export function parseMesosFlags(argv: string[], env: NodeJS.ProcessEnv): Flags {
  const flags: Flags = new Map();
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('MESOS_') && value !== undefined) flags.set(key.slice(6).toLowerCase(), value);
  }
  for (const arg of argv) {
    if (!arg.startsWith('--')) continue;
    const body = arg.slice(2);
    const eq = body.indexOf('=');
    if (eq >= 0) flags.set(body.slice(0, eq), body.slice(eq + 1));
    else if (body.startsWith('no-')) flags.set(body.slice(3), 'false');
    else flags.set(body, 'true');
  }
  return flags;
}

/**
 * Marathon style: `--name value`, `--name=value`, or a bare switch `--name`;
 * env `MARATHON_NAME=value` (empty value = switch); `MARATHON_APP_*` is ignored
 * because Marathon sets those for tasks.
 */
export function parseMarathonFlags(argv: string[], env: NodeJS.ProcessEnv): Flags {
  const flags: Flags = new Map();
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith('MARATHON_') || key.startsWith('MARATHON_APP') || value === undefined) continue;
    flags.set(key.slice(9).toLowerCase(), value === '' ? 'true' : value);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) continue;
    const body = arg.slice(2);
    const eq = body.indexOf('=');
    if (eq >= 0) {
      flags.set(body.slice(0, eq), body.slice(eq + 1));
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      flags.set(body, next);
      i++;
    } else {
      flags.set(body, 'true');
    }
  }
  return flags;
}

export function flagBool(flags: Flags, name: string, fallback: boolean): boolean {
  const v = flags.get(name);
  if (v === undefined) return fallback;
  return v === 'true' || v === '1' || v === 'yes';
}

export function flagInt(flags: Flags, name: string, fallback: number): number {
  const v = flags.get(name);
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`Failed to load flag '${name}': Failed to parse value '${v}'`);
  return n;
}

/** Mesos durations: `10secs`, `5mins`, `100ms`, `1hrs`, `2days` (also `s`, `m`, `h`). Returns ms. */
export function parseDurationMs(text: string): number {
  const m = /^([0-9.]+)\s*(ns|us|ms|secs|s|mins|m|hrs|h|days|d|weeks|w)?$/.exec(text.trim());
  if (!m) throw new Error(`Invalid duration '${text}'`);
  const n = Number(m[1]);
  const unit = m[2] ?? 'secs';
  const scale: Record<string, number> = {
    ns: 1e-6, us: 1e-3, ms: 1, secs: 1000, s: 1000, mins: 60_000, m: 60_000,
    hrs: 3_600_000, h: 3_600_000, days: 86_400_000, d: 86_400_000, weeks: 604_800_000, w: 604_800_000,
  };
  return n * scale[unit]!;
}

/** A flag a real binary would refuse; the message is Mesos' own. */
export class FlagError extends Error {}

/** Stout prints a Duration in the largest unit it reaches (90secs → `1.5mins`, 60secs → `1mins`). */
export function stringifyDuration(ms: number): string {
  const units: Array<[string, number]> = [
    ['weeks', 604_800_000], ['days', 86_400_000], ['hrs', 3_600_000], ['mins', 60_000], ['secs', 1000], ['ms', 1], ['us', 1e-3], ['ns', 1e-6],
  ];
  for (const [name, size] of units) {
    if (ms >= size || name === 'ns') return `${Number((ms / size).toPrecision(6))}${name}`;
  }
  return `${ms}ms`;
}

export interface FlagKinds {
  boolean: Set<string>;
  duration: Set<string>;
  integer: Set<string>;
}

/** A flag's value as Mesos renders it in /flags, or the FlagError Mesos would exit with. */
export function normaliseFlag(kinds: FlagKinds, name: string, value: string): string {
  if (kinds.boolean.has(name)) {
    if (value === 'true' || value === '1') return 'true';
    if (value === 'false' || value === '0') return 'false';
    throw new FlagError(`Failed to load flag '${name}': Failed to load value '${value}': Expecting a boolean (e.g., true or false)`);
  }
  if (kinds.duration.has(name)) {
    try {
      return stringifyDuration(parseDurationMs(value));
    } catch {
      throw new FlagError(`Failed to load flag '${name}': Failed to load value '${value}': Invalid duration '${value}'`);
    }
  }
  if (kinds.integer.has(name)) {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new FlagError(`Failed to load flag '${name}': Failed to load value '${value}': Failed to convert into required integer`);
    return String(n);
  }
  return value;
}
