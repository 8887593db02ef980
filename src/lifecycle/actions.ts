// kind-style actions: small named steps run in order over one context. The
// same list runs under listr2 (a TTY), as plain lines, or silently (--json, API).

export interface Step {
  /** a progress line under the step's title (pull/build progress, what is awaited) */
  progress(line: string): void;
  /** a line worth keeping in the output, e.g. which image flavour was chosen */
  note(line: string): void;
}

export interface Action<C> {
  title: string;
  run(ctx: C, step: Step): Promise<void>;
}

export interface Timing {
  title: string;
  startMs: number;
  endMs: number;
}

export interface Reporter {
  /** runs the actions in order; rejects with the first failure */
  run<C>(actions: Array<Action<C>>, ctx: C): Promise<Timing[]>;
}

/** Runs actions one after another, telling `on` what happens. */
export async function runSequence<C>(
  actions: Array<Action<C>>,
  ctx: C,
  on: { start?(title: string): void; done?(title: string, ms: number): void; fail?(title: string, err: unknown): void; progress?(title: string, line: string): void; note?(line: string): void } = {},
): Promise<Timing[]> {
  const timings: Timing[] = [];
  for (const a of actions) {
    const startMs = Date.now();
    on.start?.(a.title);
    try {
      await a.run(ctx, { progress: (l) => on.progress?.(a.title, l), note: (l) => on.note?.(l) });
    } catch (err) {
      on.fail?.(a.title, err);
      throw err;
    }
    const endMs = Date.now();
    timings.push({ title: a.title, startMs, endMs });
    on.done?.(a.title, endMs - startMs);
  }
  return timings;
}

/** Prints nothing: for --json and the programmatic API. */
export const silentReporter = (onNote?: (line: string) => void): Reporter => ({
  run: (actions, ctx) => runSequence(actions, ctx, { ...(onNote ? { note: onNote } : {}) }),
});
