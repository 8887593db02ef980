// How `up` shows its steps: a listr2 task tree on a terminal, plain lines when
// piped or in CI, nothing with --json (the result document says it all).
import { formatDuration } from '../config/duration.js';
import { runSequence, silentReporter, type Action, type Reporter, type Timing } from '../lifecycle/actions.js';

export function listrReporter(notes: string[]): Reporter {
  return {
    async run<C>(actions: Array<Action<C>>, ctx: C): Promise<Timing[]> {
      // Loaded only for an interactive terminal.
      const { Listr } = await import('listr2');
      const timings: Timing[] = [];
      const list = new Listr(
        actions.map((a) => ({
          title: a.title,
          task: async (_: unknown, task: { output: string; title: string }) => {
            const startMs = Date.now();
            await a.run(ctx, { progress: (l) => (task.output = l), note: (l) => notes.push(l) });
            const endMs = Date.now();
            timings.push({ title: a.title, startMs, endMs });
            task.title = `${a.title} (${formatDuration(endMs - startMs)})`;
          },
        })),
        { exitOnError: true, registerSignalListeners: false, rendererOptions: { collapseErrors: false } },
      );
      await list.run();
      return timings;
    },
  };
}

export function plainReporter(out: NodeJS.WritableStream): Reporter {
  let lastProgress = '';
  let lastShape = '';
  let lastAt = 0;
  return {
    run: (actions, ctx) =>
      runSequence(actions, ctx, {
        start: (t) => out.write(`• ${t}\n`),
        done: (t, ms) => out.write(`✓ ${t} (${formatDuration(ms)})\n`),
        fail: (t) => out.write(`✗ ${t}\n`),
        // Progress can be chatty (pull layers, build steps, package counts): a line
        // when its words change (at most one a second), else one every 10 s.
        progress: (_t, line) => {
          const now = Date.now();
          const shape = line.replace(/\d+/g, '#');
          if (line === lastProgress || now - lastAt < (shape === lastShape ? 10_000 : 1000)) return;
          lastProgress = line;
          lastShape = shape;
          lastAt = now;
          out.write(`    ${line}\n`);
        },
        note: (l) => out.write(`  ${l}\n`),
      }),
  };
}

/** listr2 on an interactive terminal outside CI, plain lines elsewhere, silence for --json. */
export function pickReporter(opts: { json?: boolean }, notes: string[]): Reporter {
  if (opts.json) return silentReporter((l) => notes.push(l));
  if (process.stdout.isTTY && !process.env.CI) return listrReporter(notes);
  return plainReporter(process.stdout);
}
