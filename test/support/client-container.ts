// Clients written by others, built into local images from Debian packages (no
// registry needed) and run as one-shot containers on a cluster's own network,
// where they reach the components at their bridge addresses.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { demux } from '../../src/engine/containers.js';
import { docker } from './docker.js';

/**
 * Builds `Dockerfile` with `files` beside it, tagged by the hash of both, so an
 * unchanged client is built once per engine.
 */
export async function buildClientImage(name: string, dockerfile: string, files: Record<string, string>): Promise<string> {
  const hash = createHash('sha256').update(dockerfile);
  for (const [f, src] of Object.entries(files).sort()) hash.update(f).update(readFileSync(src));
  const tag = `mesos-up-test/${name}:${hash.digest('hex').slice(0, 12)}`;
  const d = await docker();
  if (await d.getImage(tag).inspect().then(() => true, () => false)) return tag;
  const ctx = mkdtempSync(path.join(os.tmpdir(), `mesos-up-${name}-`));
  writeFileSync(path.join(ctx, 'Dockerfile'), dockerfile);
  for (const [f, src] of Object.entries(files)) writeFileSync(path.join(ctx, f), readFileSync(src));
  const stream = await d.buildImage({ context: ctx, src: ['Dockerfile', ...Object.keys(files)] }, { t: tag, forcerm: true });
  await new Promise<void>((resolve, reject) =>
    d.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => {
      const failed = out?.find((o) => o.error);
      if (err) reject(err);
      else if (failed) reject(new Error(`building ${tag}: ${failed.error}`));
      else resolve();
    }),
  );
  return tag;
}

/** Runs `cmd` in `image` on `network` until it exits; its output, and the container is gone. */
export async function runOnNetwork(image: string, network: string, cmd: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const d = await docker();
  const c = await d.createContainer({ Image: image, Cmd: cmd, HostConfig: { NetworkMode: network } });
  try {
    await c.start();
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    const [stdout, stderr] = await Promise.all(
      (['stdout', 'stderr'] as const).map(async (s) => demux((await c.logs({ [s]: true, follow: false })) as unknown as Buffer)),
    );
    return { exitCode: StatusCode, stdout: stdout!, stderr: stderr! };
  } finally {
    await c.remove({ force: true, v: true });
  }
}
