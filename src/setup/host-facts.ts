// What this machine is, as far as setting up a Docker Engine goes: the
// platform and distribution, the package manager, root or sudo, systemd.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { onPath } from '../util/on-path.js';

export interface HostFacts {
  platform: NodeJS.Platform;
  /** ID and ID_LIKE of /etc/os-release, e.g. ['ubuntu', 'debian'] */
  distro: string[];
  /** PRETTY_NAME of /etc/os-release, for messages */
  distroName: string;
  root: boolean;
  sudo: boolean;
  apt: boolean;
  /** systemd is the init system (it manages the docker service) */
  systemd: boolean;
  has: { dockerd: boolean; debootstrap: boolean };
  user: string;
}

export function readOsRelease(text: string): { distro: string[]; distroName: string } {
  const field = (k: string) => new RegExp(`^${k}="?([^"\\n]*)"?$`, 'm').exec(text)?.[1];
  return {
    distro: [field('ID'), ...(field('ID_LIKE') ?? '').split(/\s+/)].filter((x): x is string => !!x),
    distroName: field('PRETTY_NAME') ?? field('ID') ?? 'Linux',
  };
}

export function hostFacts(env: NodeJS.ProcessEnv = process.env): HostFacts {
  const platform = process.platform;
  let release: { distro: string[]; distroName: string } = { distro: [], distroName: platform };
  try {
    release = readOsRelease(readFileSync('/etc/os-release', 'utf8'));
  } catch {
    /* not Linux, or a minimal system: no distribution to name */
  }
  return {
    platform,
    ...release,
    root: process.getuid?.() === 0,
    sudo: onPath('sudo', env),
    apt: onPath('apt-get', env),
    systemd: existsSync('/run/systemd/system'),
    has: { dockerd: onPath('dockerd', env), debootstrap: onPath('debootstrap', env) },
    user: env.SUDO_USER || env.USER || os.userInfo().username,
  };
}
