// A small image for Docker tasks in tests: Debian with netcat, built locally
// (no registry needed) from the same base the emulated images use.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { docker } from './docker.js';

export const TASK_IMAGE = 'mesos-up-test/nc:1';

export async function buildTaskImage(): Promise<string> {
  const d = await docker();
  const ctx = mkdtempSync(path.join(os.tmpdir(), 'mesos-up-task-image-'));
  writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends netcat-openbsd && rm -rf /var/lib/apt/lists/*\n');
  const stream = await d.buildImage({ context: ctx, src: ['Dockerfile'] }, { t: TASK_IMAGE });
  await new Promise<void>((resolve, reject) =>
    d.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => {
      const failed = out?.find((o) => o.error);
      if (err) reject(err);
      else if (failed) reject(new Error(failed.error));
      else resolve();
    }),
  );
  return TASK_IMAGE;
}
