// The base of the emulated images, debian:bookworm-slim: pulled when a registry
// answers, else made from Debian packages with debootstrap (as CI does), so a
// machine that reaches only a Debian mirror still gets a cluster.
import type Docker from 'dockerode';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { LogFile } from '../util/log-file.js';
import { rootArgv, runAsRoot } from '../util/run-as-root.js';
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

export async function ensureBaseImage(docker: Docker, progress: Progress, ref = BASE_IMAGE, log?: LogFile): Promise<'present' | 'pulled' | 'debootstrapped'> {
  if (await imagePresent(docker, ref)) return 'present';
  let pullError: string;
  try {
    await pullImage(docker, ref, progress);
    return 'pulled';
  } catch (err) {
    pullError = (err as Error).message.split('\n')[0]!;
  }
  const debootstrap = onPath('debootstrap');
  const root = process.getuid?.() === 0;
  // debootstrap needs root; without it, sudo when it answers without a prompt.
  const { execa } = await import('execa');
  const sudo = !root && onPath('sudo') && (await execa('sudo', ['-n', 'true'], { reject: false })).exitCode === 0;
  if (!debootstrap || !(root || sudo)) {
    throw new MesosUpError('IMAGE', `${ref} is missing and cannot be pulled (${pullError})`, {
      hint: `mesos-up doctor --fix ${debootstrap ? 'makes it' : 'installs debootstrap and makes it'} from Debian packages (it needs root or sudo), or load it with docker load`,
    });
  }
  const mirror = aptMirror();
  progress(`No registry answered for ${ref}; making it from Debian packages with debootstrap from ${mirror} (about a minute)`);
  const rootfs = mkdtempSync(path.join(os.tmpdir(), 'mesos-up-rootfs-'));
  const rm = () => (root ? rmSync(rootfs, { recursive: true, force: true }) : execa(...rootArgv(['rm', '-rf', rootfs], root), { reject: false }));
  try {
    const done = await runAsRoot(['debootstrap', '--variant=minbase', 'bookworm', rootfs, mirror], {
      root,
      tailLines: 5,
      ...(log ? { log } : {}),
      onLine: (line) => {
        // "I: Retrieving libc6 2.36-9", "I: Extracting …", "I: Installing core packages…"
        const m = /^I: (Retrieving|Validating|Extracting|Unpacking|Configuring|Installing|Base system)\b(.*)$/.exec(line);
        if (m) progress(`debootstrap: ${m[1]}${m[2]}`);
      },
    });
    if (done.exitCode !== 0) {
      throw new MesosUpError('IMAGE', `debootstrap of ${ref} from ${mirror} failed: ${done.tail.join(' | ')}`, {
        hint: `check that this machine reaches the Debian mirror (apt-get update)${log ? `; the full output is in ${log.path}` : ''}`,
      });
    }
    // Slim it like the official image: no downloaded packages (debootstrap keeps
    // them: 60 MB), package lists, docs, man pages or translations.
    await execa(...rootArgv(['sh', '-c', 'rm -rf "$0"/var/cache/apt/archives/*.deb "$0"/var/cache/apt/*.bin "$0"/var/lib/apt/lists/* "$0"/usr/share/doc/* "$0"/usr/share/man/* "$0"/usr/share/info/* "$0"/usr/share/locale/*', rootfs], root));
    const [repo, tag] = ref.split(':') as [string, string | undefined];
    const tar = execa(...rootArgv(['tar', '-C', rootfs, '-c', '.'], root), { buffer: false });
    const stream = await docker.importImage(tar.stdout!, { repo, tag: tag ?? 'latest', changes: ['CMD ["bash"]'] } as object);
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
    await tar;
  } finally {
    await rm();
  }
  if (!(await imagePresent(docker, ref))) throw new MesosUpError('IMAGE', `importing ${ref} did not produce the image`);
  return 'debootstrapped';
}
