// What it takes to give this machine a Docker Engine that mesos-up can use,
// as steps mesos-up can take itself (Debian/Ubuntu with root or sudo) or as
// the exact steps to take by hand (other platforms). Pure: facts in, plan out.
import type { HostFacts } from './host-facts.js';

export type EngineState =
  | { state: 'answers' }
  /** the socket is there but this user may not use it */
  | { state: 'denied'; host: string }
  | { state: 'down'; host: string; source: string };

export type SetupStep =
  | { kind: 'apt'; packages: string[] }
  | { kind: 'run'; title: string; argv: string[] }
  /** a daemon started detached, its output in `log` (no systemd to manage it) */
  | { kind: 'daemon'; title: string; argv: string[]; log: string }
  | { kind: 'wait-engine' }
  | { kind: 'base-image' };

export interface SetupPlan {
  /** steps mesos-up takes itself, as root (through sudo when not root) */
  steps: SetupStep[];
  /** when it cannot take them: what to do by hand */
  manual: string[];
  /** to tell once the steps ran */
  after: string[];
}

export interface SetupWants {
  /** debian:bookworm-slim is not on the engine (unknown when the engine does not answer) */
  baseImageMissing: boolean;
  /** where a dockerd started without systemd writes its log */
  dockerdLog: string;
}

const DEBIAN_FAMILY = ['debian', 'ubuntu'];

/** One shell line per step, as a user would type it. */
export function shellLines(steps: SetupStep[], root: boolean): string[] {
  const sudo = root ? '' : 'sudo ';
  return steps.map((s) => {
    switch (s.kind) {
      case 'apt':
        return `${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${s.packages.join(' ')}`;
      case 'run':
        return `${sudo}${s.argv.join(' ')}`;
      case 'daemon':
        return `${sudo}setsid ${s.argv.join(' ')} >${s.log} 2>&1 &`;
      case 'wait-engine':
        return 'docker info    # until the engine answers';
      case 'base-image':
        return 'mesos-up images build    # makes debian:bookworm-slim from Debian packages when no registry answers';
    }
  });
}

function otherPlatform(facts: HostFacts): string[] {
  if (facts.platform === 'darwin') {
    return [
      'Install Docker Desktop (https://docs.docker.com/desktop/setup/install/mac-install/, or: brew install --cask docker),',
      'start it (open -a Docker) and wait until `docker info` answers; Colima works too (brew install colima docker && colima start).',
    ];
  }
  if (facts.platform === 'win32') {
    return [
      'Install Docker Desktop with the WSL 2 backend (https://docs.docker.com/desktop/setup/install/windows-install/), start it,',
      'and run mesos-up where `docker info` answers (in PowerShell, or in your WSL 2 distribution with Docker Desktop\'s WSL integration on).',
    ];
  }
  const is = (...ids: string[]) => facts.distro.some((d) => ids.includes(d));
  const install = is('fedora')
    ? 'sudo dnf install -y moby-engine'
    : is('rhel', 'centos', 'rocky', 'almalinux')
      ? 'sudo dnf install -y docker-ce   # from https://download.docker.com/linux/rhel/docker-ce.repo'
      : is('arch', 'manjaro')
        ? 'sudo pacman -S --needed docker'
        : is('opensuse', 'suse', 'sles', 'opensuse-leap', 'opensuse-tumbleweed')
          ? 'sudo zypper install -y docker'
          : is('alpine')
            ? 'sudo apk add docker && sudo rc-update add docker && sudo service docker start'
            : `install Docker Engine for ${facts.distroName}: https://docs.docker.com/engine/install/`;
  return [
    `${facts.distroName}: mesos-up sets up Docker itself only on Debian and Ubuntu (apt). Run:`,
    `  ${install}`,
    ...(is('alpine') ? [] : ['  sudo systemctl enable --now docker']),
    `  sudo usermod -aG docker ${facts.user}    # then log in again`,
    'Without root: rootless Docker (https://docs.docker.com/engine/security/rootless/), then',
    '  export DOCKER_HOST=unix://$XDG_RUNTIME_DIR/docker.sock',
  ];
}

export function planSetup(facts: HostFacts, engine: EngineState, wants: SetupWants): SetupPlan {
  const canAct = facts.platform === 'linux' && facts.apt && facts.distro.some((d) => DEBIAN_FAMILY.includes(d)) && (facts.root || facts.sudo);
  const steps: SetupStep[] = [];
  const after: string[] = [];

  if (engine.state === 'down' && engine.source !== 'default') {
    // The user chose an engine; installing another one here would not help.
    return {
      steps: [],
      manual: [
        `${engine.host} (from ${engine.source}) does not answer: start the engine there,`,
        engine.source === 'DOCKER_HOST'
          ? 'or unset DOCKER_HOST to use (and let mesos-up doctor --fix set up) this machine\'s engine.'
          : 'or switch with `docker context use default` to use (and let mesos-up doctor --fix set up) this machine\'s engine.',
      ],
      after,
    };
  }
  if (engine.state !== 'answers' && !canAct) {
    const lines =
      facts.platform === 'linux' && facts.apt && facts.distro.some((d) => DEBIAN_FAMILY.includes(d))
        ? [`mesos-up needs root or sudo to set up Docker here. As root, run:`, ...shellLines(dockerSteps(facts, engine, wants), true).map((l) => `  ${l}`), `  usermod -aG docker ${facts.user}    # then log in again`]
        : otherPlatform(facts);
    return { steps: [], manual: lines, after };
  }
  if (engine.state !== 'answers') steps.push(...dockerSteps(facts, engine, wants));
  if (!facts.root && engine.state !== 'answers') {
    steps.push({ kind: 'run', title: `Adding ${facts.user} to the docker group`, argv: ['usermod', '-aG', 'docker', facts.user] });
    after.push(`${facts.user} is now in the docker group: log in again (or run \`newgrp docker\`) so that mesos-up reaches the engine without sudo.`);
  }
  // The base image is made once the engine answers to this user (root, or after the group change).
  if (wants.baseImageMissing || (engine.state !== 'answers' && facts.root)) {
    if (!facts.has.debootstrap && canAct && !steps.some((s) => s.kind === 'apt')) steps.push({ kind: 'apt', packages: ['debootstrap'] });
    if (facts.root || engine.state === 'answers') steps.push({ kind: 'base-image' });
  }
  return { steps, manual: [], after };
}

function dockerSteps(facts: HostFacts, engine: EngineState, wants: SetupWants): SetupStep[] {
  const steps: SetupStep[] = [];
  // debootstrap makes the base image offline; docker.io brings dockerd, containerd, runc and iptables.
  const packages = [...(facts.has.dockerd ? [] : ['docker.io']), ...(facts.has.debootstrap ? [] : ['debootstrap'])];
  if (packages.length) steps.push({ kind: 'apt', packages });
  if (engine.state === 'down') {
    steps.push(
      facts.systemd
        ? { kind: 'run', title: 'Starting the docker service', argv: ['systemctl', 'start', 'docker'] }
        : { kind: 'daemon', title: 'Starting dockerd', argv: ['dockerd'], log: wants.dockerdLog },
    );
    steps.push({ kind: 'wait-engine' });
  }
  return steps;
}
