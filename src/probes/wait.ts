// One way to wait: poll a probe until it holds, the deadline passes, a
// fail-fast check trips (e.g. a container exited) or the run is interrupted.
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

export async function waitUntil(probe: Probe, opts: WaitOptions): Promise<void> {
  const started = Date.now();
  let last = 'not checked yet';
  for (;;) {
    if (opts.signal.aborted) throw new MesosUpError('INTERRUPTED', 'interrupted');
    // The fail-fast check runs beside the probe, not before it; its verdict wins.
    const failed = opts.failFast?.().then(
      () => undefined,
      (err: unknown) => err,
    );
    let result: ProbeResult | undefined;
    try {
      result = await probe(opts.signal);
    } catch (err) {
      if (opts.signal.aborted) throw new MesosUpError('INTERRUPTED', 'interrupted');
      last = (err as Error).message;
    }
    const failure = await failed;
    if (failure) throw failure;
    if (result?.ok) return;
    if (result) {
      if (result.detail !== last) opts.onProgress?.(result.detail);
      last = result.detail;
    }
    if (Date.now() >= opts.deadline) {
      throw new MesosUpError('DEADLINE', `Gave up waiting for ${opts.what} after ${formatDuration(Date.now() - started)}: ${last}`, {
        hint: 'look at the logs (mesos-up logs ROLE), or give it longer with --wait 5m; --retain keeps the containers for a look',
      });
    }
    await sleep(opts.intervalMs ?? 250, opts.signal);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
