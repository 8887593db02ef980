// Shared plumbing of the commands: the cluster name, errors to exit codes,
// Ctrl-C into an AbortSignal.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseYaml } from '../util/parse-yaml.js';
import { DEFAULT_NAME } from '../config/defaults.js';
import { exitCodeFor, MesosUpError } from '../errors.js';

/**
 * The engines a cluster file lists (`engines[].endpoint`), for down: it then
 * reaches engines the labels can no longer name (one that was away during an
 * earlier down). Empty without a file or a list; the file's name must match.
 */
export function enginesFromFile(opts: { name?: string; config?: string }, cluster: string): string[] {
  const file = opts.config ? path.resolve(opts.config) : path.resolve('cluster.yaml');
  if (!existsSync(file)) return [];
  try {
    const doc = parseYaml(readFileSync(file, 'utf8')) as { name?: unknown; engines?: unknown } | null;
    if (!doc || (doc.name ?? DEFAULT_NAME) !== cluster || !Array.isArray(doc.engines)) return [];
    return doc.engines.map((e: { endpoint?: unknown }) => e?.endpoint).filter((e): e is string => typeof e === 'string');
  } catch {
    return [];
  }
}

/** --name, else the name in ./cluster.yaml (or -f), else the default. Lenient: down must work even with a broken file. */
export function clusterNameFrom(opts: { name?: string; config?: string }): string {
  if (opts.name) return opts.name;
  const file = opts.config ? path.resolve(opts.config) : path.resolve('cluster.yaml');
  if (existsSync(file)) {
    try {
      const doc = parseYaml(readFileSync(file, 'utf8')) as { name?: unknown } | null;
      if (doc && typeof doc.name === 'string') return doc.name;
    } catch {
      /* unreadable file: the default name it is */
    }
  }
  return DEFAULT_NAME;
}

export function printError(err: unknown, json: boolean): void {
  const e = err instanceof MesosUpError ? err : undefined;
  if (json) {
    const body = { error: { code: e?.code ?? 'INTERNAL', message: (err as Error).message ?? String(err), ...(e?.hint ? { hint: e.hint } : {}), ...(e?.logs ? { logs: e.logs } : {}) } };
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return;
  }
  process.stderr.write(`\nError: ${(err as Error).message ?? String(err)}\n`);
  if (e?.logs) process.stderr.write(`${e.logs.trimEnd().split('\n').map((l) => `  | ${l}`).join('\n')}\n`);
  if (e?.hint) process.stderr.write(`Hint: ${e.hint}\n`);
  if (!e && process.env.MESOS_UP_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
}

/** Runs a command body; maps errors to messages and exit codes. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const opts = args.find((a) => a && typeof a === 'object' && !Array.isArray(a) && 'json' in (a as object)) as { json?: boolean } | undefined;
    try {
      await fn(...args);
    } catch (err) {
      printError(err, !!opts?.json);
      process.exitCode = exitCodeFor(err);
    }
  };
}

/**
 * Ctrl-C / SIGTERM: the first aborts (cleanup follows), the second says cleanup
 * is still under way, the third leaves at once (labels let `down` finish the job).
 */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let count = 0;
  const onSignal = () => {
    count++;
    if (count === 1) {
      process.stderr.write('\nInterrupted: removing what this run created…\n');
      controller.abort();
    } else if (count === 2) {
      process.stderr.write('Still cleaning up; press Ctrl-C once more to leave now (then run mesos-up down).\n');
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
