// Which image each role runs, for both flavours; cluster.yaml may override any.
import type { ClusterSpec, Role } from '../config/schema.js';
import type { Flavour, ImageSet } from './types.js';

/** The last published generation of the real images (see README). */
export const OFFICIAL_IMAGES: Record<Role, string> = {
  zookeeper: 'zookeeper:3.8',
  master: 'mesosphere/mesos-master:1.7.1',
  agent: 'mesosphere/mesos-slave:1.7.1',
  marathon: 'mesosphere/marathon:v1.7.50',
};

/** Dockerfile target of emulator/Dockerfile for each role. */
export const EMULATED_TARGETS: Record<Role, string> = {
  zookeeper: 'zookeeper',
  master: 'mesos-master',
  agent: 'mesos-agent',
  marathon: 'marathon',
};

export const emulatedImage = (role: Role, version: string): string => `mesos-up/${EMULATED_TARGETS[role]}:${version}`;

/** Mesos-DNS: the last published release of the real one, or our emulated image. */
export const OFFICIAL_MESOS_DNS_IMAGE = 'mesosphere/mesos-dns:v0.6.0';
export const emulatedMesosDnsImage = (version: string): string => `mesos-up/mesos-dns:${version}`;

/**
 * Marathon-LB: its last release (HAProxy 2.0, amd64 only), or our emulated
 * image (Debian's HAProxy 2.6 with our generator).
 */
export const OFFICIAL_MARATHON_LB_IMAGE = 'mesosphere/marathon-lb:v1.15.0';
export const emulatedMarathonLbImage = (version: string): string => `mesos-up/marathon-lb:${version}`;

/**
 * Metronome: ours in both flavours. Metronome 0.6 was published as a tarball,
 * never as an image (its CI notes say the Docker build was never set up), and
 * ours schedules through the v1 scheduler API, which real masters serve too.
 */
export const metronomeImage = (version: string): string => `mesos-up/metronome:${version}`;

/** The gateway's image: ours in both flavours (there is no official one). */
export const gatewayImage = (version: string): string => `mesos-up/gateway:${version}`;

export function imageSet(spec: ClusterSpec, flavour: Flavour, version: string): ImageSet {
  const pick = (role: Role) =>
    spec.imageOverrides[role] ?? (flavour === 'official' ? OFFICIAL_IMAGES[role] : emulatedImage(role, version));
  return { flavour, zookeeper: pick('zookeeper'), master: pick('master'), agent: pick('agent'), marathon: pick('marathon'), gateway: gatewayImage(version),
    mesosDns: flavour === 'official' ? OFFICIAL_MESOS_DNS_IMAGE : emulatedMesosDnsImage(version),
    marathonLb: flavour === 'official' ? OFFICIAL_MARATHON_LB_IMAGE : emulatedMarathonLbImage(version),
    metronome: metronomeImage(version),
  };
}
