// GET /v1/metrics: a few of Metronome's Dropwizard metrics (the job counters
// and gauges its docs name), in the registry's JSON shape.

export class MetronomeMetrics {
  private readonly startedAt = Date.now();
  readonly counters = new Map<string, number>([
    ['jobs.started', 0],
    ['jobs.failed', 0],
    ['mesos.calls.revive', 0],
    ['mesos.offer-operations.launch', 0],
  ]);

  inc(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  json(activeRuns: number, prefix = 'metronome'): Record<string, unknown> {
    const counters: Record<string, { count: number }> = {};
    for (const [k, v] of this.counters) counters[`${prefix}.${k}.counter`] = { count: v };
    return {
      version: '4.0.0',
      counters,
      gauges: {
        [`${prefix}.jobs.active.gauge`]: { value: activeRuns },
        [`${prefix}.uptime.gauge.seconds`]: { value: Math.floor((Date.now() - this.startedAt) / 1000) },
      },
      histograms: {},
      meters: {},
      timers: {},
    };
  }
}
