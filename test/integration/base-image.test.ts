// Offline: when debian:bookworm-slim cannot be pulled, the base of the emulated
// images is made from Debian packages with debootstrap. Exercised under a test
// name (no registry has it, so the pull fails at once) to leave the real base alone.
import { afterAll, describe, expect, it } from 'vitest';
import { ensureBaseImage } from '../../src/engine/base-image.js';
import { execIn } from '../../src/engine/exec.js';
import { docker } from '../support/docker.js';

const REF = 'mesos-up-test/debootstrapped:bookworm';

afterAll(async () => {
  await (await docker()).getImage(REF).remove({ force: true }).catch(() => undefined);
});

describe('the base image without a registry', () => {
  it('is made with debootstrap, says so, and runs', async () => {
    const d = await docker();
    await d.getImage(REF).remove({ force: true }).catch(() => undefined);
    const lines: string[] = [];
    expect(await ensureBaseImage(d, (l) => lines.push(l), REF)).toBe('debootstrapped');
    expect(lines.some((l) => l.startsWith(`No registry answered for ${REF}; making it from Debian packages with debootstrap`))).toBe(true);
    const c = await d.createContainer({ Image: REF, Cmd: ['sleep', '30'], Labels: { 'io.mesos-up.test': 'base-image' } });
    try {
      await c.start();
      const r = await execIn(d, c.id, ['cat', '/etc/debian_version']);
      expect(r.output.trim()).toMatch(/^12\./);
    } finally {
      await c.remove({ force: true });
    }
    // present now: nothing more to do
    expect(await ensureBaseImage(d, () => undefined, REF)).toBe('present');
  }, 600_000);
});
