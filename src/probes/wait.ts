// One way to wait: poll a probe until it holds, the deadline passes, a
// fail-fast check trips (e.g. a container exited) or the run is interrupted.
import { setMaxListeners } from 'node:events';
import { MesosUpError } from '../errors.js';
import { formatDuration } from '../config/duration.js';

export interface ProbeResult {
  ok: boolean;
  /** the condition that is still false, for progress lines and the deadline error */
  detail: string;
}

export type Probe = (signal: AbortSignal) => Promise<ProbeResult>;

/** Throws to stop waiting at once (e.g. a container exited); returns nothing otherwise. */
export type FailFast = () => Promise<void>;

export interface WaitOptions {
  deadline: number;
  signal: AbortSignal;
  failFast?: FailFast;
  intervalMs?: number;
  onProgress?: (detail: string) => void;
  what: string;
}

/**
 * Rounds overlap: one waiting on a slow answer does not hold up the next. A
 * connection to a port whose container is still setting up its network can sit
 * unanswered for a second (a dropped SYN is retried after 1 s), which would
 * otherwise delay noticing a component that is ready by that long.
 */
const MAX_ROUNDS_IN_FLIGHT = 3;

export async function waitUntil(probe: Probe, opts: WaitOptions): Promise<void> {
  const started = Date.now();
  const interval = opts.intervalMs ?? 250;
  let last = 'not checked yet';
  let outcome: { ok: true } | { error: unknown } | undefined;
  let wake = () => undefined as void;
  // Rounds still running when the wait ends are cut off, so their requests keep nothing alive.
  const rounds = new AbortController();
  // Overlapping rounds to several masters hold more than Node's default of 10 abort listeners.
  setMaxListeners(100, rounds.signal);
  const stopRounds = () => rounds.abort();
  opts.signal.addEventListener('abort', stopRounds, { once: true });
  let inFlight = 0;
  const round = async () => {
    inFlight++;
    // The fail-fast check runs beside the probe, not before it; its verdict wins.
    const failed = opts.failFast?.().then(
      () => undefined,
      (err: unknown) => err,
    );
    let result: ProbeResult | undefined;
    try {
      result = await probe(rounds.signal);
    } catch (err) {
      if (!rounds.signal.aborted) last = (err as Error).message;
    }
    const failure = await failed;
    inFlight--;
    if (outcome) return;
    if (failure) outcome = { error: failure };
    else if (result?.ok) outcome = { ok: true };
    else if (result) {
      if (result.detail !== last) opts.onProgress?.(result.detail);
      last = result.detail;
    }
    if (outcome) wake();
  };
  try {
    for (;;) {
      if (inFlight < MAX_ROUNDS_IN_FLIGHT) void round();
      // A round that settles the wait ends the pause and its timer: a timer
      // left pending would hold the CLI's exit back by up to one interval.
      const p = pause(interval, opts.signal);
      wake = p.end;
      await p.done;
      if (opts.signal.aborted) throw new MesosUpError('INTERRUPTED', 'interrupted');
      if (outcome) {
        if ('error' in outcome) throw outcome.error;
        return;
      }
      if (Date.now() >= opts.deadline) {
        throw new MesosUpError('DEADLINE', `Gave up waiting for ${opts.what} after ${formatDuration(Date.now() - started)}: ${last}`, {
          hint: 'look at the logs (mesos-up logs ROLE), or give it longer with --wait 5m; --retain keeps the containers for a look',
        });
      }
    }
  } finally {
    opts.signal.removeEventListener('abort', stopRounds);
    stopRounds();
  }
}

/** A sleep that `end()` (or `signal`) cuts short, clearing its timer. */
function pause(ms: number, signal?: AbortSignal): { done: Promise<void>; end: () => void } {
  let end = () => undefined as void;
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(() => end(), ms);
    end = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', end);
      resolve();
    };
    signal?.addEventListener('abort', end, { once: true });
    if (signal?.aborted) end();
  });
  return { done, end };
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return pause(ms, signal).done;
}
