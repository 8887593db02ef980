// Images: presence checks, pulls with per-layer progress, and builds of the
// emulated images from the build context shipped in this package.
import type Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { MesosUpError } from '../errors.js';
import { packageRoot } from '../version.js';
import { engineMessage, statusOf } from './errors.js';

export const CONTEXT_LABEL = 'io.mesos-up.context';

export interface Progress {
  /** one line of human progress, e.g. "a1b2c3: Downloading 12MB/40MB" or "Step 3/9 : RUN apt-get …" */
  (line: string): void;
}

export async function imagePresent(docker: Docker, ref: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(ref).inspect();
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

interface StreamEvent {
  id?: string;
  status?: string;
  progress?: string;
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

function follow(docker: Docker, stream: NodeJS.ReadableStream, onEvent: (e: StreamEvent) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: string | undefined;
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(err) : failure ? reject(new Error(failure)) : resolve()),
      (e: StreamEvent) => {
        if (e.error) failure = e.errorDetail?.message ?? e.error;
        onEvent(e);
      },
    );
  });
}

export async function pullImage(docker: Docker, ref: string, progress: Progress, signal?: AbortSignal): Promise<void> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await docker.pull(ref, { abortSignal: signal })) as NodeJS.ReadableStream;
  } catch (err) {
    throw new MesosUpError('IMAGE', `Cannot pull ${ref}: ${engineMessage(err)}`, {
      hint: 'check the image name and your registry access, or use the emulated images: mesos-up up --images emulated',
      cause: err,
    });
  }
  try {
    await follow(docker, stream, (e) => {
      if (e.status) progress(`${ref}: ${e.id ? `${e.id}: ` : ''}${e.status}${e.progress ? ` ${e.progress.replace(/^\[[=> ]*\]\s*/, '')}` : ''}`);
    });
  } catch (err) {
    throw new MesosUpError('IMAGE', `Cannot pull ${ref}: ${(err as Error).message}`, { cause: err });
  }
}

/** Directory with emulator/Dockerfile, rootfs/ and the bundled dist/*.cjs. */
export const emulatorContext = (): string => path.join(packageRoot, 'emulator');

/** Every file of the build context, in a stable order (the benchmark tars exactly these too). */
export function contextFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    if (!existsSync(path.join(dir, rel))) return;
    for (const entry of readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${entry}` : entry;
      if (statSync(path.join(dir, r)).isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk('rootfs');
  walk('dist');
  return ['Dockerfile', 'zookeeper.Dockerfile', ...out];
}

/** A hash of everything in the build context, so a stale image is rebuilt. */
export function contextHash(dir = emulatorContext()): string {
  const hash = createHash('sha256');
  for (const f of contextFiles(dir)) {
    hash.update(f).update('\0').update(readFileSync(path.join(dir, f))).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

export async function emulatedImageFresh(docker: Docker, ref: string, hash: string): Promise<boolean> {
  const info = await imagePresent(docker, ref);
  return info?.Config?.Labels?.[CONTEXT_LABEL] === hash;
}

/** ZooKeeper has its own Dockerfile (so it builds beside the Node targets); the rest share one. */
export const dockerfileFor = (target: string): string => (target === 'zookeeper' ? 'zookeeper.Dockerfile' : 'Dockerfile');

/** Builds one target of emulator/Dockerfile (or zookeeper.Dockerfile) as `ref`. */
export async function buildTarget(
  docker: Docker,
  target: string,
  ref: string,
  hash: string,
  progress: Progress,
  opts: { base?: string; untagged?: boolean } = {},
): Promise<void> {
  const dir = emulatorContext();
  if (!opts.untagged && target !== 'zookeeper' && !existsSync(path.join(dir, 'dist', `${target}.cjs`))) {
    throw new MesosUpError('IMAGE', `The emulator bundle ${target}.cjs is missing in ${dir}/dist`, { hint: 'run npm run build in the mesos-up checkout' });
  }
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(
      { context: dir, src: contextFiles(dir) },
      {
        ...(opts.untagged ? {} : { t: ref, labels: { [CONTEXT_LABEL]: hash } }),
        target,
        dockerfile: dockerfileFor(target),
        rm: true,
        forcerm: true,
        ...(opts.base ? { buildargs: { BASE: opts.base } } : {}),
      },
    );
  } catch (err) {
    throw new MesosUpError('IMAGE', `Cannot build ${ref}: ${engineMessage(err)}`, { cause: err });
  }
  const tail: string[] = [];
  try {
    await follow(docker, stream, (e) => {
      for (const line of (e.stream ?? '').split('\n').map((l) => l.trimEnd()).filter(Boolean)) {
        tail.push(line);
        if (tail.length > 15) tail.shift();
        progress(line);
      }
    });
  } catch (err) {
    const msg = (err as Error).message;
    throw new MesosUpError('IMAGE', `Building ${ref} failed: ${msg}`, {
      logs: tail.join('\n'),
      hint: /debian:bookworm-slim|pull access denied|not found/i.test(msg)
        ? 'the base image debian:bookworm-slim is missing and no registry answered: run mesos-up doctor --fix (it makes it with debootstrap; README, "Offline")'
        : 'the build needs Debian package mirrors (apt-get); check network access to them',
      cause: err,
    });
  }
}
