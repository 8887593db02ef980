// Marathon 1.7.50's default metrics (the Dropwizard "current" module; Kamon is
// the deprecated `--deprecated_features=kamon_metrics`): names built as
// `<--metrics_name_prefix>.<name>.<type>[.<unit>]`, served by GET /metrics as
// raml.MetricsConversion writes a MetricRegistry, and by GET
// /metrics/prometheus (`--metrics_prometheus`) as PrometheusReporter does.
// Counters, gauges, meters and timers behave as Dropwizard's: meters keep
// exponentially weighted 1/5/15-minute rates ticked every 5 s, timers a
// reservoir of recent durations (nanoseconds, written in seconds).

import type http from 'node:http';
import { javaDouble } from './util.js';

const TICK_MS = 5000;
/** The methods InstrumentedHandler times separately; the rest count as `other`. */
const JETTY_METHODS = new Set(['get', 'post', 'head', 'put', 'delete', 'options', 'trace', 'connect', 'move', 'other']);
const RESERVOIR = 1028;
/** Timers keep nanoseconds; both reports write seconds. */
const seconds = (ns: number) => ns / 1e9;

type Unit = 'bytes' | 'seconds' | undefined;

class Ewma {
  private rate = 0;
  private initialized = false;
  private uncounted = 0;
  constructor(private readonly alpha: number) {}
  update(n: number): void {
    this.uncounted += n;
  }
  tick(): void {
    const instant = this.uncounted / (TICK_MS / 1000);
    this.uncounted = 0;
    if (this.initialized) this.rate += this.alpha * (instant - this.rate);
    else {
      this.rate = instant;
      this.initialized = true;
    }
  }
  perSecond(): number {
    return this.rate;
  }
}

const alpha = (minutes: number) => 1 - Math.exp(-TICK_MS / 1000 / 60 / minutes);

/** Dropwizard's Meter: a count, its mean rate and 1/5/15-minute moving averages (events per second). */
export class Meter {
  count = 0;
  private readonly started = Date.now();
  private lastTick = this.started;
  private readonly m1 = new Ewma(alpha(1));
  private readonly m5 = new Ewma(alpha(5));
  private readonly m15 = new Ewma(alpha(15));

  mark(n = 1): void {
    this.tickIfNecessary();
    this.count += n;
    for (const e of [this.m1, this.m5, this.m15]) e.update(n);
  }

  private tickIfNecessary(): void {
    const now = Date.now();
    while (now - this.lastTick >= TICK_MS) {
      this.lastTick += TICK_MS;
      for (const e of [this.m1, this.m5, this.m15]) e.tick();
    }
  }

  rates(): { m1: number; m5: number; m15: number; mean: number } {
    this.tickIfNecessary();
    const elapsed = (Date.now() - this.started) / 1000;
    return { m1: this.m1.perSecond(), m5: this.m5.perSecond(), m15: this.m15.perSecond(), mean: this.count && elapsed > 0 ? this.count / elapsed : 0 };
  }
}

export interface Snapshot {
  min: number;
  mean: number;
  max: number;
  quantile: (q: number) => number;
  stddev: number;
}

/** Dropwizard's Timer: a meter of calls and a reservoir of the latest durations (ns). */
export class Timer extends Meter {
  private readonly values: number[] = [];
  private next = 0;

  update(nanos: number): void {
    this.mark();
    if (this.values.length < RESERVOIR) this.values.push(nanos);
    else this.values[this.next++ % RESERVOIR] = nanos;
  }

  /** Starts a measurement; call the result when done. */
  time(): () => void {
    const t0 = process.hrtime.bigint();
    return () => this.update(Number(process.hrtime.bigint() - t0));
  }

  snapshot(): Snapshot {
    const v = [...this.values].sort((a, b) => a - b);
    const n = v.length;
    const mean = n ? v.reduce((s, x) => s + x, 0) / n : 0;
    const variance = n > 1 ? v.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1) : 0;
    return {
      min: n ? v[0]! : 0,
      max: n ? v[n - 1]! : 0,
      mean,
      stddev: Math.sqrt(variance),
      quantile: (q) => {
        if (!n) return 0;
        const pos = q * (n + 1);
        if (pos < 1) return v[0]!;
        if (pos >= n) return v[n - 1]!;
        const lower = v[Math.floor(pos) - 1]!;
        return lower + (pos - Math.floor(pos)) * (v[Math.floor(pos)]! - lower);
      },
    };
  }
}

export class Counter {
  count = 0;
  inc(n = 1): void {
    this.count += n;
  }
}

const QUANTILES: Array<[string, number]> = [['0.5', 0.5], ['0.75', 0.75], ['0.95', 0.95], ['0.98', 0.98], ['0.99', 0.99], ['0.999', 0.999]];

export class MetricRegistry {
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, () => number>();
  private readonly meters = new Map<string, Meter>();
  private readonly timers = new Map<string, Timer>();

  constructor(private readonly prefix: string) {}

  private name(name: string, type: string, unit: Unit): string {
    return `${this.prefix}.${name}.${type}${unit ? `.${unit}` : ''}`;
  }

  /** DropwizardMetrics.counter: `<prefix>.<name>.counter[.<unit>]`, created once. */
  counter(name: string, unit?: Unit): Counter {
    const full = this.name(name, 'counter', unit);
    let c = this.counters.get(full);
    if (!c) this.counters.set(full, (c = new Counter()));
    return c;
  }

  /** closureGauge: read on every report; the first one registered under a name stays. */
  gauge(name: string, read: () => number, unit?: Unit): void {
    this.gaugeNamed(this.name(name, 'gauge', unit), read);
  }

  /** Jetty's InstrumentedHandler names its own (`<prefix>.http.…timer.seconds`, `….rate`). */
  timerNamed(full: string): Timer {
    let t = this.timers.get(full);
    if (!t) this.timers.set(full, (t = new Timer()));
    return t;
  }

  meterNamed(full: string): Meter {
    let m = this.meters.get(full);
    if (!m) this.meters.set(full, (m = new Meter()));
    return m;
  }

  gaugeNamed(full: string, read: () => number): void {
    if (!this.gauges.has(full)) this.gauges.set(full, read);
  }

  private static sorted<T>(m: Map<string, T>): Array<[string, T]> {
    return [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** MetricsConversion's DropwizardMetrics document (every section present, durations in seconds). */
  json(): Record<string, unknown> {
    const s = seconds;
    const section = <T>(m: Map<string, T>, f: (x: T) => Record<string, unknown>) =>
      Object.fromEntries(MetricRegistry.sorted(m).map(([k, v]) => [k, f(v)]));
    return {
      version: '4.0.0',
      counters: section(this.counters, (c) => ({ count: c.count })),
      gauges: section(this.gauges, (read) => {
        const v = read();
        return { value: Number.isNaN(v) ? 0 : v };
      }),
      histograms: {},
      meters: section(this.meters, (m) => {
        const r = m.rates();
        return { count: m.count, m1_rate: r.m1, m5_rate: r.m5, m15_rate: r.m15, mean_rate: r.mean, units: 'events/second' };
      }),
      timers: section(this.timers, (t) => {
        const snap = t.snapshot();
        const r = t.rates();
        return {
          count: t.count,
          min: s(snap.min),
          mean: s(snap.mean),
          max: s(snap.max),
          p50: s(snap.quantile(0.5)),
          p75: s(snap.quantile(0.75)),
          p95: s(snap.quantile(0.95)),
          p98: s(snap.quantile(0.98)),
          p99: s(snap.quantile(0.99)),
          p999: s(snap.quantile(0.999)),
          stddev: s(snap.stddev),
          m1_rate: r.m1,
          m5_rate: r.m5,
          m15_rate: r.m15,
          mean_rate: r.mean,
          duration_units: 'seconds',
          rate_units: 'calls/second',
        };
      }),
    };
  }

  /** PrometheusReporter.report: gauges, counters, meters, timers, each sorted, names with `_` for other characters. */
  prometheus(): string {
    const out: string[] = [];
    const clean = (n: string) => n.replace(/[^a-zA-Z0-9_]/g, '_');
    const type = (n: string, t: string) => out.push(`# TYPE ${n} ${t}`);
    const rates = (n: string, m: Meter) => {
      const r = m.rates();
      for (const [suffix, v] of [['mean_rate', r.mean], ['m1_rate', r.m1], ['m5_rate', r.m5], ['m15_rate', r.m15]] as const) {
        type(`${n}_${suffix}`, 'gauge');
        out.push(`${n}_${suffix} ${javaDouble(v)}`);
      }
    };
    for (const [name, read] of MetricRegistry.sorted(this.gauges)) {
      const n = clean(name);
      const v = read();
      type(n, 'gauge');
      // Every gauge here is a Long, as DropwizardSettableGauge and closureGauge are.
      out.push(`${n} ${Number.isNaN(v) ? 0 : Math.trunc(v)}`, '');
    }
    for (const [name, c] of MetricRegistry.sorted(this.counters)) {
      const n = clean(name);
      type(n, 'counter');
      out.push(`${n} ${c.count}`, '');
    }
    for (const [name, m] of MetricRegistry.sorted(this.meters)) {
      const n = clean(name);
      type(`${n}_count`, 'gauge');
      out.push(`${n}_count ${m.count}`);
      rates(n, m);
      out.push('');
    }
    for (const [name, t] of MetricRegistry.sorted(this.timers)) {
      const n = clean(name);
      const snap = t.snapshot();
      type(n, 'summary');
      for (const [label, q] of QUANTILES) out.push(`${n}{quantile="${label}"} ${seconds(snap.quantile(q)).toFixed(6)}`);
      out.push(`${n}_count ${t.count}`);
      for (const [suffix, v] of [['min', snap.min], ['mean', snap.mean], ['max', snap.max], ['stddev', snap.stddev]] as const) {
        type(`${n}_${suffix}`, 'gauge');
        out.push(`${n}_${suffix} ${javaDouble(seconds(v))}`);
      }
      rates(n, t);
      out.push('');
    }
    return out.map((l) => `${l}\n`).join('');
  }
}

/**
 * The metrics the emulated Marathon keeps, under 1.7.50's names: those every
 * instance registers at start, and (`onLeadership`) those the leader's actors
 * register when it is elected. Marathon's `debug.*` internals and the `jvm.*`
 * sets have no counterpart here and are left out.
 */
export class MarathonMetrics {
  readonly registry: MetricRegistry;
  readonly offersIncoming: Counter;
  readonly offersUsed: Counter;
  readonly offersDeclined: Counter;
  readonly tasksLaunched: Counter;
  readonly launchOperations: Counter;
  readonly deploymentsDismissed: Counter;
  deployments = new Counter();
  revives = new Counter();
  eventStreamBytes: Counter | undefined;
  private activeRequests = 0;
  private readonly requestBytes: Counter;
  private readonly responseBytes: Counter;
  private readonly requestTimer: Timer;
  private readonly methodTimers = new Map<string, Timer>();
  /** by status class, 1 to 5 */
  private readonly responseMeters = new Map<number, Meter>();

  constructor(prefix: string, sources: { tasksRunning: () => number; tasksStaged: () => number; eventStreams: () => number }) {
    const r = (this.registry = new MetricRegistry(prefix));
    this.offersIncoming = r.counter('mesos.offers.incoming');
    this.offersUsed = r.counter('mesos.offers.used');
    this.offersDeclined = r.counter('mesos.offers.declined');
    this.tasksLaunched = r.counter('tasks.launched');
    this.launchOperations = r.counter('mesos.offer-operations.launch');
    r.counter('mesos.offer-operations.launch-group');
    r.counter('mesos.offer-operations.reserve');
    this.deploymentsDismissed = r.counter('deployments.dismissed');
    r.gauge('tasks.running', sources.tasksRunning);
    r.gauge('tasks.staged', sources.tasksStaged);
    r.gauge('http.event-streams.active', sources.eventStreams);
    // Registered when the HTTP server starts: Jetty's handler and the transfer filter.
    this.requestTimer = r.timerNamed('marathon.http.requests.duration.timer.seconds');
    for (const m of JETTY_METHODS) this.methodTimers.set(m, r.timerNamed(`marathon.http.requests.${m}.duration.timer.seconds`));
    r.gaugeNamed('marathon.http.requests.active.gauge', () => this.activeRequests);
    for (const k of [1, 2, 3, 4, 5]) this.responseMeters.set(k, r.meterNamed(`marathon.http.responses.${k}xx.rate`));
    this.requestBytes = r.counter('http.requests.size', 'bytes');
    this.responseBytes = r.counter('http.responses.size', 'bytes');
    // Responses are never gzipped here.
    r.counter('http.responses.size.gzipped', 'bytes');
  }

  /** DeploymentManagerActor, GroupManagerImpl's gauges and ReviveOffersActor, created on election. */
  onLeadership(sources: { deploymentsActive: () => number; appsActive: () => number; groupsActive: () => number }): void {
    const r = this.registry;
    r.gauge('deployments.active', sources.deploymentsActive);
    this.deployments = r.counter('deployments');
    r.gauge('apps.active', sources.appsActive);
    r.gauge('groups.active', sources.groupsActive);
    this.revives = r.counter('mesos.calls.revive');
    r.counter('mesos.calls.suppress');
  }

  /**
   * One HTTP exchange, as Jetty's InstrumentedHandler (its own `marathon.` prefix:
   * request timers per method, active requests, response meters per status
   * class) and HttpTransferMetricsHandler (bytes in and out) count it.
   */
  httpExchange(req: http.IncomingMessage, res: http.ServerResponse): void {
    const method = (req.method ?? '').toLowerCase();
    const stops = [this.requestTimer, this.methodTimers.get(method) ?? this.methodTimers.get('other')!].map((t) => t.time());
    this.activeRequests++;
    // The declared body size: listening to the body here would start it flowing before its handler reads it.
    const bytesIn = Number(req.headers['content-length'] ?? 0) || 0;
    let bytesOut = 0;
    const write = res.write.bind(res);
    const end = res.end.bind(res);
    const count = (chunk: unknown, encoding: unknown) => {
      if (typeof chunk === 'string') bytesOut += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
      else if (chunk instanceof Uint8Array) bytesOut += chunk.length;
    };
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      count(chunk, rest[0]);
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (typeof chunk !== 'function') count(chunk, rest[0]);
      return (end as (...a: unknown[]) => http.ServerResponse)(chunk, ...rest);
    }) as typeof res.end;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.activeRequests--;
      for (const stop of stops) stop();
      this.responseMeters.get(Math.floor(res.statusCode / 100))?.mark();
      this.requestBytes.inc(bytesIn);
      this.responseBytes.inc(bytesOut);
    };
    res.on('finish', finish);
    res.on('close', finish);
  }

  /** HttpEventStreamServlet's byte counter, created with the first event stream. */
  eventStreamSent(bytes: number): void {
    (this.eventStreamBytes ??= this.registry.counter('http.responses.event-stream.size', 'bytes')).inc(bytes);
  }
}
