// The base of the emulated images, debian:bookworm-slim: pulled when a registry
// answers, else made from Debian packages with debootstrap (as CI does), so a
// machine that reaches only a Debian mirror still gets a cluster.
import type Docker from 'dockerode';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MesosUpError } from '../errors.js';
import { onPath } from '../util/on-path.js';
import { imagePresent, pullImage, type Progress } from './images.js';

export const BASE_IMAGE = 'debian:bookworm-slim';

/** The Debian mirror apt already uses (deb822 or one-line sources), else deb.debian.org. */
export function aptMirror(): string {
  const files = ['/etc/apt/sources.list', ...(existsSync('/etc/apt/sources.list.d') ? readdirSync('/etc/apt/sources.list.d').map((f) => `/etc/apt/sources.list.d/${f}`) : [])];
  for (const f of files) {
    let text = '';
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const m of text.matchAll(/^(?:URIs:|deb)\s+(\S+)/gm)) {
      if (/\/debian\/?$/.test(m[1]!) && !m[1]!.includes('-security')) return m[1]!;
    }
  }
  return 'http://deb.debian.org/debian';
}

export async function ensureBaseImage(docker: Docker, progress: Progress, ref = BASE_IMAGE): Promise<'present' | 'pulled' | 'debootstrapped'> {
  if (await imagePresent(docker, ref)) return 'present';
  let pullError: string;
  try {
    await pullImage(docker, ref, progress);
    return 'pulled';
  } catch (err) {
    pullError = (err as Error).message.split('\n')[0]!;
  }
  const debootstrap = onPath('debootstrap');
  if (!debootstrap || process.getuid?.() !== 0) {
    throw new MesosUpError('IMAGE', `${ref} is missing and cannot be pulled (${pullError})`, {
      hint: `${debootstrap ? 'run mesos-up images build as root' : 'install debootstrap (apt-get install debootstrap) and run mesos-up images build as root'} to make it from Debian packages, or load it with docker load`,
    });
  }
  const mirror = aptMirror();
  progress(`No registry answered for ${ref}; making it from Debian packages with debootstrap from ${mirror} (about a minute)`);
  // execa is loaded only here: most runs never make the base image.
  const { execa } = await import('execa');
  const rootfs = mkdtempSync(path.join(os.tmpdir(), 'mesos-up-rootfs-'));
  try {
    const run = await execa('debootstrap', ['--variant=minbase', 'bookworm', rootfs, mirror], { reject: false, all: true });
    if (run.exitCode !== 0) {
      throw new MesosUpError('IMAGE', `debootstrap of ${ref} from ${mirror} failed: ${String(run.all).split('\n').slice(-5).join(' | ')}`, {
        hint: 'check that this machine reaches the Debian mirror (apt-get update)',
      });
    }
    // Slim it like the official image: no package lists, docs or man pages.
    for (const dir of ['var/lib/apt/lists', 'usr/share/doc', 'usr/share/man']) {
      for (const entry of readdirSync(path.join(rootfs, dir))) rmSync(path.join(rootfs, dir, entry), { recursive: true, force: true });
    }
    const [repo, tag] = ref.split(':') as [string, string | undefined];
    const tar = execa('tar', ['-C', rootfs, '-c', '.'], { buffer: false });
    const stream = await docker.importImage(tar.stdout!, { repo, tag: tag ?? 'latest', changes: ['CMD ["bash"]'] } as object);
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
    await tar;
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
  if (!(await imagePresent(docker, ref))) throw new MesosUpError('IMAGE', `importing ${ref} did not produce the image`);
  return 'debootstrapped';
}
