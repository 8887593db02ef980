// Ctrl-C at random points of `up` leaves nothing behind and exits 130; a second
// Ctrl-C during cleanup and a third (leave now) never leave a state `down` cannot clear.
import { describe, expect, it } from 'vitest';
import { cli, spawnCli } from '../support/cli.js';
import { clusterObjects } from '../support/docker.js';

const ROUNDS = 20;
const BATCH = 4;

/** Deterministic pseudo-random delays, so a failing point can be replayed. */
function delays(seed: number, n: number, maxMs: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return Math.round((x / 2 ** 31) * maxMs);
  });
}

async function interruptAt(name: string, ms: number, signals: number): Promise<{ exitCode: number; stderr: string }> {
  const child = spawnCli(['up', '--name', name, '--images', 'emulated']);
  await new Promise((r) => setTimeout(r, ms));
  for (let i = 0; i < signals; i++) {
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 150));
  }
  const r = await child;
  // A Ctrl-C before the CLI has loaded kills it by the signal itself, which a shell
  // reports as 130 too (128 + SIGINT); nothing has been created by then.
  const exitCode = r.exitCode ?? (r.signal === 'SIGINT' ? 130 : -1);
  return { exitCode, stderr: r.exitCode === undefined && r.signal === 'SIGINT' ? 'Interrupted (by the signal, before start-up finished)' : String(r.stderr) };
}

describe('interrupting up', () => {
  const seed = Number(process.env.MESOS_UP_INTERRUPT_SEED ?? Date.now() % 100_000);
  const points = delays(seed, ROUNDS, 4000);

  it(`leaves nothing behind at ${ROUNDS} random points (seed ${seed})`, async () => {
    const outcomes: string[] = [];
    let leftovers = 0;
    for (let b = 0; b < ROUNDS; b += BATCH) {
      await Promise.all(
        points.slice(b, b + BATCH).map(async (ms, j) => {
          const name = `it-int-${b + j}`;
          const r = await interruptAt(name, ms, 1);
          if (r.exitCode === 0) {
            // up finished before the signal: not an interrupt, but it must still be removable
            outcomes.push(`${ms}ms: finished first`);
            await cli(['down', '--name', name]);
          } else {
            expect(r.exitCode, `${name} at ${ms} ms: ${r.stderr}`).toBe(130);
            expect(r.stderr).toContain('Interrupted');
            outcomes.push(`${ms}ms: 130`);
          }
          const left = await clusterObjects(name);
          leftovers += left.length;
          expect(left, `${name} interrupted at ${ms} ms left ${left.join(', ')}`).toEqual([]);
        }),
      );
    }
    expect(leftovers).toBe(0);
    expect(outcomes.filter((o) => o.endsWith('130')).length).toBeGreaterThanOrEqual(ROUNDS / 2);
  });

  it('Ctrl-C during an image build leaves usable images and no build containers behind', async () => {
    const d = await (await import('../support/docker.js')).docker();
    // Build steps run in unlabelled intermediate containers; an interrupted build must not strand them.
    const stranded = async () =>
      (await d.listContainers({ all: true, filters: { status: ['created', 'exited'] } })).filter((c) => !Object.keys(c.Labels ?? {}).some((k) => k.startsWith('io.mesos-up.'))).map((c) => c.Id);
    const before = new Set(await stranded());
    for (const ms of delays(seed + 1, 3, 1500)) {
      const child = spawnCli(['images', 'build', '--force']);
      await new Promise((r) => setTimeout(r, ms));
      child.kill('SIGINT');
      const r = await child;
      expect(r.exitCode === 130 || r.signal === 'SIGINT' || r.exitCode === 0, `images build at ${ms} ms: ${String(r.stderr)}`).toBe(true);
    }
    // the next build repairs whatever the interrupted one left half done
    const again = await cli(['images', 'build', '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect((await stranded()).filter((id) => !before.has(id))).toEqual([]);
  });

  it('a second Ctrl-C during cleanup still ends with nothing left; a third leaves at once and down clears the rest', async () => {
    const twice = await interruptAt('it-int-twice', 1500, 2);
    expect(twice.exitCode).toBe(130);
    expect(await clusterObjects('it-int-twice')).toEqual([]);

    const thrice = await interruptAt('it-int-thrice', 1500, 3);
    expect(thrice.exitCode).toBe(130);
    // whatever the early exit left is found by its labels (give the engine a moment to finish in-flight creates)
    await new Promise((r) => setTimeout(r, 1000));
    expect((await cli(['down', '--name', 'it-int-thrice'])).exitCode).toBe(0);
    expect(await clusterObjects('it-int-thrice')).toEqual([]);
  });
});
