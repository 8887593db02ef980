// Running commands with wall-clock timing; every child is remembered so Ctrl-C
// can wait for (or stop) it before the bench cleans up.
import { spawn } from 'node:child_process';

export const children = new Set();

/**
 * Runs `cmd args` and resolves with its exit code, output and timing.
 * `t0`/`t1` are wall-clock ms (Date.now()) just before spawn and at exit;
 * `ms` is the same interval from the monotonic clock.
 */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const h0 = process.hrtime.bigint();
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...(opts.env ?? {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: a Ctrl-C at the terminal reaches only the bench, which
      // then forwards it, so a mesos-up child cleans up as a user's would.
      detached: true,
    });
    children.add(child);
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', (e) => {
      children.delete(child);
      reject(e);
    });
    child.on('close', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - h0) / 1e6;
      const t1 = Date.now();
      children.delete(child);
      resolve({ code: code ?? (signal ? 128 : 1), signal, ms, t0, t1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** Like run(), but throws with the command's output when it fails. */
export async function runOk(cmd, args, opts = {}) {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    const e = new Error(`${cmd} ${args.join(' ')} exited with ${r.code}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
    e.result = r;
    throw e;
  }
  return r;
}

/** Sends `signal` to every running child's process group. */
export function signalChildren(signal = 'SIGINT') {
  for (const c of children) {
    try {
      process.kill(-c.pid, signal);
    } catch {
      /* gone */
    }
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
