// Tests that put the host engine in swarm mode (a cluster over several engines)
// and tests that check the host engine's swarm state does not change must not
// overlap: they take this lock, a directory made atomically in the temp dir.
// A lock whose owning process is gone is taken over. Plain JavaScript, so the
// bench (bench/lib/engines.mjs) takes the same lock.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const LOCK = path.join(os.tmpdir(), 'mesos-up-test-host-swarm.lock');

const alive = (/** @type {number} */ pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM';
  }
};

/**
 * Waits for the lock (up to `timeoutMs`) and returns its release.
 * @param {number} [timeoutMs]
 * @returns {Promise<() => void>}
 */
export async function lockHostSwarm(timeoutMs = 20 * 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(path.join(LOCK, 'pid'), String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EEXIST') throw err;
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(path.join(LOCK, 'pid'), 'utf8'));
    } catch {
      // (being made or removed right now)
    }
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) rmSync(LOCK, { recursive: true, force: true });
    if (Date.now() > deadline) throw new Error(`the host-swarm lock ${LOCK} is held by process ${owner} for too long`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
