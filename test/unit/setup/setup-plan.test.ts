import { describe, expect, it } from 'vitest';
import { readOsRelease, type HostFacts } from '../../../src/setup/host-facts.js';
import { planSetup, shellLines, type EngineState } from '../../../src/setup/setup-plan.js';

const LOG = '/home/ann/.local/state/mesos-up/logs/dockerd.log';
const debian = readOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nID=debian\n');
const ubuntu = readOsRelease('PRETTY_NAME="Ubuntu 24.04.1 LTS"\nID=ubuntu\nID_LIKE=debian\n');
const fedora = readOsRelease('PRETTY_NAME="Fedora Linux 41 (Workstation Edition)"\nID=fedora\n');

function host(patch: Partial<HostFacts> = {}): HostFacts {
  return { platform: 'linux', ...debian, root: false, sudo: true, apt: true, systemd: true, has: { dockerd: false, debootstrap: false }, user: 'ann', ...patch };
}
const down: EngineState = { state: 'down', host: 'unix:///var/run/docker.sock', source: 'default' };
const wants = { baseImageMissing: false, dockerdLog: LOG };

describe('setting up a Docker Engine', () => {
  it('os-release: ID and ID_LIKE, and the name for messages', () => {
    expect(ubuntu).toEqual({ distro: ['ubuntu', 'debian'], distroName: 'Ubuntu 24.04.1 LTS' });
    expect(debian.distro).toEqual(['debian']);
  });

  it('fresh Debian with sudo and systemd: installs docker.io and debootstrap, starts the service, joins the docker group', () => {
    const plan = planSetup(host(), down, wants);
    expect(plan.manual).toEqual([]);
    expect(shellLines(plan.steps, false)).toEqual([
      'sudo apt-get update && sudo apt-get install -y --no-install-recommends docker.io debootstrap',
      'sudo systemctl start docker',
      'docker info    # until the engine answers',
      'sudo usermod -aG docker ann',
    ]);
    // The group change takes effect at the next login: the user is told, and the base image waits for it.
    expect(plan.after.join(' ')).toContain('log in again');
    expect(plan.steps.map((s) => s.kind)).not.toContain('base-image');
  });

  it('root in a container without systemd (CI): starts dockerd detached, then makes the base image', () => {
    const plan = planSetup(host({ root: true, sudo: false, systemd: false }), down, wants);
    expect(shellLines(plan.steps, true)).toEqual([
      'apt-get update && apt-get install -y --no-install-recommends docker.io debootstrap',
      `setsid dockerd >${LOG} 2>&1 &`,
      'docker info    # until the engine answers',
      'mesos-up images build    # makes debian:bookworm-slim from Debian packages when no registry answers',
    ]);
    expect(plan.after).toEqual([]);
  });

  it('Ubuntu with docker.io installed but stopped: only starts it', () => {
    const plan = planSetup(host({ ...ubuntu, root: true, has: { dockerd: true, debootstrap: true } }), down, wants);
    expect(plan.steps.map((s) => s.kind)).toEqual(['run', 'wait-engine', 'base-image']);
  });

  it('an engine that answers and a base image that is there: nothing to do', () => {
    const plan = planSetup(host({ has: { dockerd: true, debootstrap: false } }), { state: 'answers' }, wants);
    expect(plan).toEqual({ steps: [], manual: [], after: [] });
  });

  it('an engine that answers but no base image: debootstrap, then the base image', () => {
    const plan = planSetup(host({ has: { dockerd: true, debootstrap: false } }), { state: 'answers' }, { ...wants, baseImageMissing: true });
    expect(plan.steps).toEqual([{ kind: 'apt', packages: ['debootstrap'] }, { kind: 'base-image' }]);
  });

  it('the socket is there but denied: adds the user to the docker group, installs nothing', () => {
    const plan = planSetup(host({ has: { dockerd: true, debootstrap: true } }), { state: 'denied', host: 'unix:///var/run/docker.sock' }, wants);
    expect(shellLines(plan.steps, false)).toEqual(['sudo usermod -aG docker ann']);
  });

  it('DOCKER_HOST that does not answer: never installs a local engine, says what to do', () => {
    const plan = planSetup(host({ root: true }), { state: 'down', host: 'tcp://10.0.0.5:2375', source: 'DOCKER_HOST' }, wants);
    expect(plan.steps).toEqual([]);
    expect(plan.manual.join('\n')).toMatch(/tcp:\/\/10\.0\.0\.5:2375 \(from DOCKER_HOST\) does not answer[\s\S]*unset DOCKER_HOST/);
  });

  it('Debian without root or sudo: the same commands, to run as root', () => {
    const plan = planSetup(host({ sudo: false }), down, wants);
    expect(plan.steps).toEqual([]);
    expect(plan.manual).toContain('  apt-get update && apt-get install -y --no-install-recommends docker.io debootstrap');
    expect(plan.manual).toContain('  usermod -aG docker ann    # then log in again');
  });

  it('macOS, Windows and other distributions: the steps for that platform, nothing run', () => {
    const mac = planSetup(host({ platform: 'darwin', distro: [], apt: false }), down, wants);
    expect(mac.steps).toEqual([]);
    expect(mac.manual.join('\n')).toContain('Docker Desktop');
    const win = planSetup(host({ platform: 'win32', distro: [], apt: false }), down, wants);
    expect(win.manual.join('\n')).toContain('WSL 2');
    const fed = planSetup(host({ ...fedora, apt: false }), down, wants);
    expect(fed.steps).toEqual([]);
    expect(fed.manual).toContain('  sudo dnf install -y moby-engine');
    expect(fed.manual.join('\n')).toContain('rootless');
  });
});
