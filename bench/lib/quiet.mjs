// The machine may be shared (other builds and test suites on the same CPUs and
// engine). Before each measured round the bench waits, for a bounded time, until
// the CPUs are mostly idle, and records how busy they were when the round began.
import os from 'node:os';
import { sleep } from './proc.mjs';

function cpuTimes() {
  let idle = 0;
  let total = 0;
  for (const c of os.cpus()) {
    idle += c.times.idle;
    total += c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle;
  }
  return { idle, total };
}

/** Share of CPU time busy over the next `ms` milliseconds (0..1). */
export async function busy(ms = 500) {
  const a = cpuTimes();
  await sleep(ms);
  const b = cpuTimes();
  const total = b.total - a.total;
  return total > 0 ? 1 - (b.idle - a.idle) / total : 0;
}

// All waits together are capped, so a machine that never quiets down costs at
// most this much extra (the figures then say how busy it was).
let budgetMs = Number(process.env.BENCH_QUIET_BUDGET_MS ?? 6 * 60_000);
export const quietWaited = { ms: 0 };

/** Waits until the CPUs are below `threshold` busy (or `maxMs` passed); returns the last reading. */
export async function waitQuiet({ threshold = 0.35, maxMs = 20_000 } = {}) {
  const t0 = Date.now();
  const deadline = t0 + Math.min(maxMs, budgetMs);
  try {
    for (;;) {
      const b = await busy(500);
      if (b < threshold || Date.now() >= deadline) return b;
      await sleep(1000);
    }
  } finally {
    const waited = Math.max(0, Date.now() - t0 - 500);
    budgetMs = Math.max(0, budgetMs - waited);
    quietWaited.ms += waited;
  }
}
