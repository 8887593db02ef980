// Metronome's cron dialect (a cron-utils 9 definition: five fields plus an
// optional year; L, W and # in day-of-month and day-of-week; Sunday is 0 or 7;
// when both day fields are restricted a day must match BOTH) and the next
// run time in a schedule's time zone, computed with Intl so no tz database
// ships with us.

type Kind = 'minute' | 'hour' | 'dom' | 'month' | 'dow' | 'year';

const RANGES: Record<Kind, [number, number]> = {
  minute: [0, 59],
  hour: [0, 23],
  dom: [1, 31],
  month: [1, 12],
  dow: [0, 7],
  year: [1970, 2099],
};

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
// Monday is 1, Sunday 7 (then folded to 0 where cron-utils folds it).
const DAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];

/** One comma-separated element of a field. */
type Part =
  | { t: 'all' }
  | { t: 'values'; from: number; to: number; step: number; text: string }
  | { t: 'last'; offset: number } // dom: L, L-n
  | { t: 'lastWeekday' } // dom: LW
  | { t: 'weekday'; day: number } // dom: nW
  | { t: 'lastDow'; dow: number } // dow: nL (last such weekday of the month)
  | { t: 'nthDow'; dow: number; nth: number }; // dow: n#k

interface Field {
  parts: Part[];
  /** the field as cron-utils writes it back */
  text: string;
}

export interface Cron {
  minute: Field;
  hour: Field;
  dom: Field;
  month: Field;
  dow: Field;
  year?: Field;
}

class CronError extends Error {}

function toInt(kind: Kind, s: string): number {
  const up = s.toUpperCase();
  if (kind === 'month' && MONTHS.includes(up)) return MONTHS.indexOf(up) + 1;
  if (kind === 'dow' && DAYS.includes(up)) return DAYS.indexOf(up) + 1;
  if (!/^\d+$/.test(s)) throw new CronError(`invalid value ${s}`);
  const n = Number(s);
  const [lo, hi] = RANGES[kind];
  if (n < lo || n > hi) throw new CronError(`${s} out of range`);
  return n;
}

/** cron-utils folds a single day-of-week 7 to 0 (its int mapping) but not range ends. */
const single = (kind: Kind, s: string) => {
  const n = toInt(kind, s);
  return kind === 'dow' && n === 7 ? 0 : n;
};

function parsePart(kind: Kind, s: string): Part {
  if (s === '') throw new CronError('empty element');
  const dayField = kind === 'dom' || kind === 'dow';
  if (s === '*') return { t: 'all' };
  if (dayField && /[LW#]/i.test(s)) {
    const up = s.toUpperCase();
    if (kind === 'dom') {
      if (up === 'L') return { t: 'last', offset: 0 };
      let m = /^L-(\d+)$/.exec(up);
      if (m) return { t: 'last', offset: Number(m[1]) };
      if (up === 'LW') return { t: 'lastWeekday' };
      m = /^(\d+)W$/.exec(up);
      if (m) return { t: 'weekday', day: toInt('dom', m[1]!) };
    } else {
      // L alone in day-of-week is cron-utils' value 7, the last day of its week: every Sunday (folded to 0)
      if (up === 'L') return { t: 'values', from: 0, to: 0, step: 1, text: '0' };
      let m = /^(\w+)L$/.exec(up);
      if (m) return { t: 'lastDow', dow: single('dow', m[1]!) };
      m = /^(\w+)#([1-5])$/.exec(up);
      if (m) return { t: 'nthDow', dow: single('dow', m[1]!), nth: Number(m[2]) };
    }
    throw new CronError(`invalid element ${s}`);
  }
  const slash = s.split('/');
  if (slash.length > 2) throw new CronError(`invalid element ${s}`);
  const [base, stepText] = slash as [string, string | undefined];
  const step = stepText === undefined ? 1 : Number(stepText);
  if (stepText !== undefined && (!/^\d+$/.test(stepText) || step < 1)) throw new CronError(`invalid step ${s}`);
  const [lo, hi] = RANGES[kind];
  if (base === '*' || base === '') {
    if (stepText === undefined) return { t: 'all' };
    return { t: 'values', from: lo, to: kind === 'dow' ? 6 : hi, step, text: `*/${step}` };
  }
  const dash = base.split('-');
  if (dash.length > 2 || dash.some((x) => x === '')) throw new CronError(`invalid range ${s}`);
  if (dash.length === 2) {
    const from = toInt(kind, dash[0]!);
    const to = toInt(kind, dash[1]!);
    if (from > to) throw new CronError(`invalid range ${s}`);
    return { t: 'values', from, to, step, text: `${from}-${to}${stepText !== undefined ? `/${step}` : ''}` };
  }
  const from = single(kind, base);
  // `n/m`: every m starting at n, up to the field's end.
  if (stepText !== undefined) return { t: 'values', from, to: kind === 'dow' ? 7 : hi, step, text: `${from}/${step}` };
  return { t: 'values', from, to: from, step: 1, text: String(from) };
}

function partText(p: Part): string {
  switch (p.t) {
    case 'all':
      return '*';
    case 'values':
      return p.text;
    case 'last':
      return p.offset ? `L-${p.offset}` : 'L';
    case 'lastWeekday':
      return 'LW';
    case 'weekday':
      return `${p.day}W`;
    case 'lastDow':
      return `${p.dow}L`;
    case 'nthDow':
      return `${p.dow}#${p.nth}`;
  }
}

function parseField(kind: Kind, s: string): Field {
  if (s.includes('?')) throw new CronError('? is not supported');
  const parts = s.split(',').map((x) => parsePart(kind, x));
  if (parts.length > 1 && parts.some((p) => p.t === 'all')) throw new CronError(`invalid list ${s}`);
  return { parts, text: parts.map(partText).join(',') };
}

/** The days and months cron-utils' companion check (CronDaysInMonthValidation) reads: single values and ranges with their end left out, as upstream does. */
function plainValues(f: Field): number[] | undefined {
  if (f.parts.length !== 1) return undefined;
  const p = f.parts[0]!;
  if (p.t !== 'values' || p.step !== 1) return undefined;
  if (p.from === p.to) return [p.from];
  const out: number[] = [];
  for (let v = p.from; v < p.to; v++) out.push(v);
  return out;
}

const MAX_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Parses an expression; undefined when Metronome would refuse it. */
export function parseCron(expression: string): Cron | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return undefined;
  try {
    const cron: Cron = {
      minute: parseField('minute', fields[0]!),
      hour: parseField('hour', fields[1]!),
      dom: parseField('dom', fields[2]!),
      month: parseField('month', fields[3]!),
      dow: parseField('dow', fields[4]!),
      ...(fields[5] !== undefined ? { year: parseField('year', fields[5]) } : {}),
    };
    const days = plainValues(cron.dom);
    const months = plainValues(cron.month);
    // A day that no listed month has (0 0 31 2 *) would never fire.
    if (days?.length && months?.length && !months.some((m) => days.some((d) => d <= MAX_DAYS[m - 1]!))) return undefined;
    return cron;
  } catch (err) {
    if (err instanceof CronError) return undefined;
    throw err;
  }
}

/** The expression as Metronome echoes it (cron-utils' rendering: names become numbers). */
export function cronText(c: Cron): string {
  return [c.minute, c.hour, c.dom, c.month, c.dow, ...(c.year ? [c.year] : [])].map((f) => f.text).join(' ');
}

// ---- matching ----

const restricted = (f: Field) => !(f.parts.length === 1 && f.parts[0]!.t === 'all');

function matchValue(f: Field, v: number, dow = false): boolean {
  return f.parts.some((p) => {
    if (p.t === 'all') return true;
    if (p.t !== 'values') return false;
    // day-of-week ranges may end at 7, which is Sunday as well
    const hit = (x: number) => x >= p.from && x <= p.to && (x - p.from) % p.step === 0;
    return hit(v) || (dow && v === 0 && hit(7));
  });
}

const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
const weekday = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d)).getUTCDay(); // 0 = Sunday

/** The weekday (Mon–Fri) nearest to day `d` in the same month, as cron's W does. */
function nearestWeekday(y: number, m: number, d: number): number {
  const last = daysIn(y, m);
  const day = Math.min(d, last);
  const wd = weekday(y, m, day);
  if (wd === 6) return day === 1 ? 3 : day - 1;
  if (wd === 0) return day === last ? day - 2 : day + 1;
  return day;
}

function matchDom(f: Field, y: number, m: number, d: number): boolean {
  const last = daysIn(y, m);
  return f.parts.some((p) => {
    switch (p.t) {
      case 'last':
        return d === last - p.offset;
      case 'lastWeekday':
        return d === nearestWeekday(y, m, last);
      case 'weekday':
        return p.day <= last && d === nearestWeekday(y, m, p.day);
      default:
        return matchValue({ parts: [p], text: '' }, d);
    }
  });
}

function matchDow(f: Field, y: number, m: number, d: number): boolean {
  const wd = weekday(y, m, d);
  return f.parts.some((p) => {
    switch (p.t) {
      case 'lastDow':
        return wd === p.dow % 7 && d + 7 > daysIn(y, m);
      case 'nthDow':
        return wd === p.dow % 7 && Math.ceil(d / 7) === p.nth;
      default:
        return matchValue({ parts: [p], text: '' }, wd, true);
    }
  });
}

export function matchesDay(c: Cron, y: number, m: number, d: number): boolean {
  if (c.year && !matchValue(c.year, y)) return false;
  if (!matchValue(c.month, m)) return false;
  // matchDayOfWeekAndDayOfMonth: each restricted day field must match (AND, not Vixie cron's OR).
  if (restricted(c.dom) && !matchDom(c.dom, y, m, d)) return false;
  if (restricted(c.dow) && !matchDow(c.dow, y, m, d)) return false;
  return true;
}

// ---- time zones ----

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Wall-clock fields of an instant in a zone. */
export function localFields(ms: number, zone: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { y: parts.year!, mo: parts.month!, d: parts.day!, h: parts.hour! % 24, mi: parts.minute!, s: parts.second! };
}

/** The zone's offset from UTC at an instant, in ms. */
function offsetAt(ms: number, zone: string): number {
  const f = localFields(ms, zone);
  const whole = Math.floor(ms / 1000) * 1000;
  return Date.UTC(f.y, f.mo - 1, f.d, f.h, f.mi, f.s) - whole;
}

/**
 * The instant of a wall-clock time, resolved as java.time does: in an overlap
 * the earlier offset, in a gap the time moved later by the gap's length.
 */
export function instantOf(zone: string, y: number, mo: number, d: number, h: number, mi: number): number {
  const local = Date.UTC(y, mo - 1, d, h, mi);
  const before = offsetAt(local - 86_400_000, zone);
  const after = offsetAt(local + 86_400_000, zone);
  const valid = [local - before, local - after].filter((t) => offsetAt(t, zone) === local - t);
  if (valid.length) return Math.min(...valid);
  return local - before;
}

/** Whether java.time.ZoneId would know this id (region ids only: offsets such as +01:00 are refused). */
export function isKnownZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) return false;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    // Intl ignores case; java.time does not.
    return resolved.toLowerCase() !== zone.toLowerCase() || resolved === zone || zone === 'UTC';
  } catch {
    return false;
  }
}

/** The first time the expression matches strictly after `afterMs`, read in `zone`; undefined when it never does again. */
export function nextExecution(c: Cron, zone: string, afterMs: number): number | undefined {
  const start = localFields(afterMs, zone);
  const hours = [...Array(24).keys()].filter((h) => matchValue(c.hour, h));
  const minutes = [...Array(60).keys()].filter((m) => matchValue(c.minute, m));
  if (!hours.length || !minutes.length) return undefined;
  // Walk the local calendar day by day (years up to cron-utils' 2099 bound).
  const day = new Date(Date.UTC(start.y, start.mo - 1, start.d));
  // A gap can put the earliest matching local time of a day before `afterMs`; the day after may still match.
  for (let i = 0; day.getUTCFullYear() <= 2099 && i < 366 * 130; i++, day.setUTCDate(day.getUTCDate() + 1)) {
    const y = day.getUTCFullYear();
    const mo = day.getUTCMonth() + 1;
    const d = day.getUTCDate();
    if (!matchesDay(c, y, mo, d)) continue;
    // On the first day, times well before the start cannot come after it (two hours covers any DST shift).
    const floor = i === 0 ? start.h * 60 + start.mi - 120 : -1;
    for (const h of hours) {
      for (const mi of minutes) {
        if (h * 60 + mi < floor) continue;
        const t = instantOf(zone, y, mo, d, h, mi);
        if (t > afterMs) return t;
      }
    }
  }
  return undefined;
}
