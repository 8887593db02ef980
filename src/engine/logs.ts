// Container logs: everything so far, or a live follow, split into lines.
import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import readline from 'node:readline';
import { demux } from './containers.js';

export async function readLogs(docker: Docker, id: string, opts: { follow: boolean; tail?: number; signal?: AbortSignal }, onLine: (line: string) => void): Promise<void> {
  const container = docker.getContainer(id);
  const tail = opts.tail ?? ('all' as unknown as number);
  if (!opts.follow) {
    const buf = (await container.logs({ stdout: true, stderr: true, follow: false, tail })) as unknown as Buffer;
    for (const line of demux(buf).split('\n')) if (line) onLine(line);
    return;
  }
  const stream = (await container.logs({ stdout: true, stderr: true, follow: true, tail })) as NodeJS.ReadableStream & { destroy(): void };
  const out = new PassThrough();
  docker.modem.demuxStream(stream, out, out);
  stream.on('end', () => out.end());
  opts.signal?.addEventListener('abort', () => { stream.destroy(); out.end(); }, { once: true });
  for await (const line of readline.createInterface({ input: out })) onLine(line);
}
