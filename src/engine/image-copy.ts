// Copying an image from one engine to another without a registry: the source
// engine's `GET /images/{name}/get` (a `docker save` tar) streamed straight into
// the target's `POST /images/load`, never stored on this machine. Each copy
// sends the whole image, whatever layers the target has already; an image the
// target has under the same ID is not sent at all.
import type Docker from 'dockerode';
import { pipeline, Transform } from 'node:stream';
import { MesosUpError } from '../errors.js';
import { engineMessage, statusOf } from './errors.js';
import type { Progress } from './images.js';
import { endpointOf } from './swarm.js';

export interface CopyResult {
  /** the image ID on both engines */
  id: string;
  /** false when the target had the image already */
  copied: boolean;
  /** bytes of the tar sent (0 when not copied) */
  bytes: number;
  ms: number;
}

const mb = (n: number) => (n / 1e6).toFixed(1);

async function inspectOn(docker: Docker, ref: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(ref).inspect();
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

/**
 * Copies `ref` from engine `from` to engine `to`, tags included. `progress` gets
 * a line at most every `progressEveryMs` ("debian:bookworm-slim: 31.2/74.8 MB to
 * tcp://…") and one when the copy is done.
 */
export async function copyImage(
  from: Docker,
  to: Docker,
  ref: string,
  opts: { progress?: Progress; progressEveryMs?: number; signal?: AbortSignal; force?: boolean } = {},
): Promise<CopyResult> {
  const t0 = Date.now();
  const src = endpointOf(from);
  const dst = endpointOf(to);
  const progress = opts.progress ?? (() => undefined);
  const source = await inspectOn(from, ref);
  if (!source) {
    throw new MesosUpError('IMAGE', `Cannot copy ${ref}: the engine at ${src} does not have it`, {
      hint: `pull or build it there first (docker -H ${src} image ls ${ref})`,
    });
  }
  if (!opts.force && (await inspectOn(to, ref))?.Id === source.Id) {
    progress(`${ref}: already on ${dst}`);
    return { id: source.Id, copied: false, bytes: 0, ms: Date.now() - t0 };
  }

  // The tar is about the image's size; it is only an estimate for the progress line.
  const total = source.Size;
  let bytes = 0;
  let lastReport = 0;
  const every = opts.progressEveryMs ?? 500;
  // Counts as it passes the bytes on (a 'data' listener would start the flow before the upload reads it).
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      const now = Date.now();
      if (now - lastReport >= every) {
        lastReport = now;
        progress(`${ref}: ${mb(bytes)}/${mb(total)} MB to ${dst}`);
      }
      done(null, chunk);
    },
  });

  const fail = (what: string, err: unknown) =>
    new MesosUpError('IMAGE', `Copying ${ref} from ${src} to ${dst} failed while ${what}: ${engineMessage(err)}`, {
      hint: opts.signal?.aborted ? 'the copy was interrupted' : `check that both engines still answer (docker -H ${src} info, docker -H ${dst} info) and that ${dst} has disk space for the image`,
      cause: err,
    });

  let tar: NodeJS.ReadableStream;
  try {
    tar = (await from.getImage(ref).get()) as NodeJS.ReadableStream;
  } catch (err) {
    throw fail(`reading it from ${src}`, err);
  }
  let sourceError: unknown;
  pipeline(tar, counter, (err) => {
    if (err) sourceError = err;
  });
  const onAbort = () => {
    const reason = opts.signal?.reason ?? new Error('aborted');
    (tar as NodeJS.ReadableStream & { destroy(e?: Error): void }).destroy(reason as Error);
    counter.destroy(reason as Error);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    let loaded: NodeJS.ReadableStream;
    try {
      loaded = (await to.loadImage(counter, { quiet: false, ...(opts.signal ? { abortSignal: opts.signal } : {}) })) as NodeJS.ReadableStream;
    } catch (err) {
      throw fail(`loading it into ${dst}`, sourceError ?? err);
    }
    // The answer is a stream of JSON messages; a failed load says so in one of them.
    await new Promise<void>((resolve, reject) => {
      let failure: string | undefined;
      to.modem.followProgress(
        loaded,
        (err: Error | null) => {
          if (err) reject(fail(`loading it into ${dst}`, sourceError ?? err));
          else if (failure) reject(fail(`loading it into ${dst}`, new Error(failure)));
          else resolve();
        },
        (e: { error?: string; errorDetail?: { message?: string } }) => {
          if (e.error) failure = e.errorDetail?.message ?? e.error;
        },
      );
    });
  } catch (err) {
    // (a failed load leaves the save streaming: end it, so neither engine keeps a socket open)
    (tar as NodeJS.ReadableStream & { destroy(e?: Error): void }).destroy();
    counter.destroy();
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  if (sourceError) throw fail(`reading it from ${src}`, sourceError);

  const target = await inspectOn(to, ref);
  if (target?.Id !== source.Id) {
    throw new MesosUpError('IMAGE', `Copying ${ref} from ${src} to ${dst} ended, but ${dst} ${target ? `has ${ref} as ${target.Id}, not ${source.Id}` : `has no ${ref}`}`, {
      hint: `see docker -H ${dst} image ls`,
    });
  }
  const ms = Date.now() - t0;
  progress(`${ref}: ${mb(bytes)} MB copied to ${dst} in ${(ms / 1000).toFixed(1)}s`);
  return { id: source.Id, copied: true, bytes, ms };
}
