import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { offersFlowing } from '../../../src/probes/offers.js';

/** A fake master and Marathon on 127.0.0.1 answering from `answers`; records the paths asked. */
async function fake(answers: Record<string, unknown>): Promise<{ url: string; asked: string[]; close: () => Promise<void> }> {
  const asked: string[] = [];
  const server = http.createServer((req, res) => {
    asked.push(req.url!);
    const body = answers[req.url!];
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked, close: () => new Promise((r) => server.close(() => r())) };
}

const fw = 'f-0001';
const state = (active: number, frameworkActive = true) => ({
  slaves: Array.from({ length: active }, (_, i) => ({ id: `a${i}`, active: true })),
  frameworks: [{ id: fw, name: 'marathon', active: frameworkActive, tasks: [], offers: [] }],
});
const metrics = (agents: number, offers: number) => ({ 'master/elected': 1, 'master/slaves_active': agents, [`master/frameworks/marathon/${fw}/offers/sent`]: offers });

let closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.map((c) => c()));
  closers = [];
});

async function probe(master: Record<string, unknown>, agents = 2) {
  const m = await fake({ '/health': {}, ...master });
  const marathon = await fake({ '/v2/info': { frameworkId: fw, leader: null, elected: true, version: '1.7' } });
  closers.push(m.close, marathon.close);
  const result = await offersFlowing({ masters: [{ name: 'm1', url: m.url, ip: '10.0.0.2' }], marathonUrl: marathon.url, agents })(new AbortController().signal);
  return { result, asked: m.asked };
}

describe('offersFlowing', () => {
  it('reads the master state only once the metrics show every agent and offers sent', async () => {
    const early = await probe({ '/metrics/snapshot': metrics(1, 0), '/master/state': state(1) });
    expect(early.result).toEqual({ ok: false, detail: '1 of 2 agents active in the leading master m1' });
    expect(early.asked).not.toContain('/master/state');
    expect(early.asked.filter((p) => p === '/metrics/snapshot')).toHaveLength(1);

    const noOffers = await probe({ '/metrics/snapshot': metrics(2, 0), '/master/state': state(2) });
    expect(noOffers.result.detail).toBe(`no offers sent to Marathon (${fw}) yet`);
    expect(noOffers.asked).not.toContain('/master/state');

    const flowing = await probe({ '/metrics/snapshot': metrics(2, 3), '/master/state': state(2) });
    expect(flowing.result).toEqual({ ok: true, detail: 'offers flowing to Marathon from m1' });
    expect(flowing.asked).toContain('/master/state');
  });

  it('still holds to the state: agents and the framework active there', async () => {
    const fewer = await probe({ '/metrics/snapshot': metrics(2, 1), '/master/state': state(1) });
    expect(fewer.result).toEqual({ ok: false, detail: '1 of 2 agents active in the leading master m1' });
    const inactive = await probe({ '/metrics/snapshot': metrics(2, 1), '/master/state': state(2, false) });
    expect(inactive.result.detail).toBe(`Marathon's framework ${fw} is not active in m1`);
  });

  it('finds no leader while no master reports master/elected', async () => {
    const r = await probe({ '/metrics/snapshot': { 'master/elected': 0 } });
    expect(r.result).toEqual({ ok: false, detail: 'no master is elected yet' });
  });
});
