// Runs a command once in a throwaway container and returns its output: how the
// preflight asks an image what it carries (the agent image's docker CLI)
// without starting any of its services.
import type Docker from 'dockerode';
import { demux } from './containers.js';
import { statusOf } from './errors.js';

export interface RunOnceResult {
  exitCode: number;
  /** stdout and stderr, interleaved */
  output: string;
}

/**
 * `docker run --rm --network none --entrypoint <entrypoint> <image> <cmd>`. The
 * container carries `labels`, so a down or rollback finds it should this process
 * die before removing it.
 */
export async function runOnce(docker: Docker, image: string, opts: { entrypoint: string[]; cmd: string[]; labels: Record<string, string> }): Promise<RunOnceResult> {
  const container = await docker.createContainer({
    Image: image,
    Entrypoint: opts.entrypoint,
    Cmd: opts.cmd,
    Labels: opts.labels,
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    return { exitCode: StatusCode, output: demux(logs).trim() };
  } finally {
    await container.remove({ force: true }).catch((err: unknown) => {
      if (statusOf(err) !== 404) throw err;
    });
  }
}
