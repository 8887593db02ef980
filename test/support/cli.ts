// Runs the built CLI exactly as a user would (node bin/mesos-up.js …).
import { execa, type ResultPromise } from 'execa';
import path from 'node:path';

export const BIN = path.resolve(import.meta.dirname, '../../bin/mesos-up.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export async function cli(args: string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number; input?: string } = {}): Promise<CliResult> {
  const t0 = Date.now();
  const r = await execa(process.execPath, [BIN, ...args], {
    reject: false,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    env: { CI: 'true', ...opts.env },
    cwd: opts.cwd ?? path.resolve(import.meta.dirname, 'empty-cwd'),
    timeout: opts.timeoutMs ?? 300_000,
  });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

/** Starts the CLI without waiting, for interrupt tests. */
export function spawnCli(args: string[], opts: { env?: Record<string, string> } = {}): ResultPromise {
  return execa(process.execPath, [BIN, ...args], { reject: false, env: { CI: 'true', ...opts.env }, cwd: path.resolve(import.meta.dirname, 'empty-cwd') });
}

export const json = <T = Record<string, unknown>>(r: CliResult): T => JSON.parse(r.stdout) as T;
