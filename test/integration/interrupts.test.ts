// Ctrl-C at random points of `up` leaves nothing behind and exits 130; a second
// Ctrl-C during cleanup and a third (leave now) never leave a state `down` cannot clear.
import { describe, expect, it } from 'vitest';
import { cli, spawnCli } from '../support/cli.js';
import { clusterObjects, describeEvent, engineEvents } from '../support/docker.js';
import { eventually } from '../emulator/harness.js';

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

/** Resolves once the child's stderr contains `text`; fails if it exits first. */
function stderrSays(child: ReturnType<typeof spawnCli>, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let said = '';
    const onData = (c: Buffer) => {
      said += c.toString();
      if (said.includes(text)) {
        child.stderr!.off('data', onData);
        resolve();
      }
    };
    child.stderr!.on('data', onData);
    void child.then((r) => reject(new Error(`up exited (${r.exitCode ?? r.signal}) before saying "${text}": ${String(r.stderr)}`)));
  });
}

/**
 * Ctrl-C `signals` times, each when the previous one has been acted on: the
 * first once the run has created containers (so its handler is installed and
 * cleanup has something to do), the next ones once it said what the last did.
 */
async function interruptDuringCleanup(name: string, signals: 2 | 3) {
  const child = spawnCli(['up', '--name', name, '--images', 'emulated']);
  try {
    // (120 s only guards against a hang; a loaded machine starts containers later)
    await eventually(`a container of ${name}`, async () => (await clusterObjects(name)).some((o) => o.startsWith('container')), 120_000, 100);
    child.kill('SIGINT');
    await stderrSays(child, 'Interrupted: removing what this run created');
    child.kill('SIGINT');
    await stderrSays(child, 'Still cleaning up; press Ctrl-C once more to leave now');
    if (signals === 3) child.kill('SIGINT');
  } catch (err) {
    child.kill('SIGKILL');
    await child;
    throw err;
  }
  const r = await child;
  return { exitCode: r.exitCode ?? -1, signal: r.signal, stderr: String(r.stderr) };
}

describe('interrupting up', () => {
  const seed = Number(process.env.MESOS_UP_INTERRUPT_SEED ?? Date.now() % 100_000);
  const points = delays(seed, ROUNDS, 4000);

  it(`leaves nothing behind at ${ROUNDS} random points (seed ${seed})`, async () => {
    const outcomes: string[] = [];
    const leftovers: string[] = [];
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
          leftovers.push(...left.map((o) => `${name} at ${ms} ms: ${o}`));
          expect(left, `${name} interrupted at ${ms} ms left ${left.join(', ')}`).toEqual([]);
        }),
      );
    }
    expect(leftovers).toEqual([]);
    // Most points must really interrupt a run (a loaded machine only makes up slower, so more do).
    expect(outcomes.filter((o) => o.endsWith('130')).length, JSON.stringify(outcomes)).toBeGreaterThanOrEqual(ROUNDS / 2);
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
      expect(r.exitCode === 130 || r.signal === 'SIGINT' || r.exitCode === 0, `images build at ${ms} ms: exit ${r.exitCode} signal ${r.signal}: ${String(r.stderr)}`).toBe(true);
    }
    // the next build repairs whatever the interrupted one left half done
    const again = await cli(['images', 'build', '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect((await stranded()).filter((id) => !before.has(id))).toEqual([]);
  });

  it('a second Ctrl-C during cleanup still ends with nothing left; a third leaves at once and down clears the rest', async () => {
    const twice = await interruptDuringCleanup('it-int-twice', 2);
    expect(twice.exitCode, twice.stderr).toBe(130);
    expect(await clusterObjects('it-int-twice')).toEqual([]);

    const N = 'it-int-thrice';
    // Every container and network event of that cluster, from before the run.
    const watch = await engineEvents({ type: ['container', 'network'] });
    const ours = () => watch.events.filter((e) => e.Actor.Attributes['io.mesos-up.cluster'] === N || e.Actor.Attributes.name === `mesos-up-${N}`);
    try {
      const thrice = await interruptDuringCleanup(N, 3);
      expect(thrice.exitCode, thrice.stderr).toBe(130);
      // It left mid-cleanup: requests it had already sent (a create, a start) may still
      // land after it exited. Whatever they make is found by its labels: down until a
      // whole round of down saw the engine create nothing more and nothing is left.
      const rounds: string[] = [];
      for (;;) {
        const seen = ours().length;
        const down = await cli(['down', '--name', N]);
        expect(down.exitCode, down.stderr).toBe(0);
        const left = await clusterObjects(N);
        const created = ours().slice(seen).filter((e) => e.Action === 'create');
        rounds.push(`down: ${down.stdout.trim()}; then created ${created.map(describeEvent).join(', ') || 'nothing'}; left ${left.join(', ') || 'nothing'}`);
        if (!created.length && !left.length) break;
        expect(rounds.length, rounds.join('\n')).toBeLessThan(5);
      }
    } finally {
      watch.stop();
    }
    expect(await clusterObjects(N)).toEqual([]);
  });
});
