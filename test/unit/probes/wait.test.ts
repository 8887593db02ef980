import { describe, expect, it, vi } from 'vitest';
import { waitUntil, type Probe } from '../../../src/probes/wait.js';

const opts = (extra: Partial<Parameters<typeof waitUntil>[1]> = {}) => ({ deadline: Date.now() + 10_000, signal: new AbortController().signal, intervalMs: 5, what: 'the thing', ...extra });

describe('waitUntil', () => {
  it('is not held up by a round that never answers, and cuts it off when done', async () => {
    let calls = 0;
    let first: AbortSignal | undefined;
    const probe: Probe = (signal) => {
      calls++;
      if (calls === 1) {
        first = signal;
        return new Promise(() => undefined); // a request that hangs
      }
      return Promise.resolve({ ok: calls >= 3, detail: `round ${calls}` });
    };
    await waitUntil(probe, opts());
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(first?.aborted).toBe(true);
  });

  it('leaves no timer pending once the condition holds, so the CLI exits as soon as it printed', async () => {
    vi.useFakeTimers();
    try {
      // the probe holds at its first round, long before the interval would end
      await waitUntil(async () => ({ ok: true, detail: 'ready' }), opts({ intervalMs: 60_000 }));
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('names the condition still false when the deadline passes', async () => {
    const probe: Probe = async () => ({ ok: false, detail: 'agent1 is not registered yet' });
    await expect(waitUntil(probe, opts({ deadline: Date.now() + 30 }))).rejects.toThrow(/Gave up waiting for the thing after .*: agent1 is not registered yet/);
  });

  it('stops at once with the fail-fast error, even while the probe would succeed later', async () => {
    const failFast = async () => {
      throw new Error('Container x-master1 exited with code 1');
    };
    await expect(waitUntil(async () => ({ ok: false, detail: 'not yet' }), opts({ failFast }))).rejects.toThrow('x-master1 exited');
  });

  it('ends with INTERRUPTED when its signal aborts', async () => {
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 20);
    await expect(waitUntil(async () => ({ ok: false, detail: 'not yet' }), opts({ signal: ctl.signal }))).rejects.toMatchObject({ code: 'INTERRUPTED' });
  });

  it('keeps at most three rounds out at once', async () => {
    let out = 0;
    let most = 0;
    const pending: Array<() => void> = [];
    const probe: Probe = () =>
      new Promise((resolve) => {
        out++;
        most = Math.max(most, out);
        pending.push(() => {
          out--;
          resolve({ ok: true, detail: '' });
        });
      });
    const done = waitUntil(probe, opts());
    await new Promise((r) => setTimeout(r, 60));
    pending.shift()!();
    await done;
    expect(most).toBe(3);
  });
});
