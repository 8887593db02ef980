// Static addresses on the cluster network, so every flag that names an IP
// (MESOS_IP, MESOS_HOSTNAME, --hostname, the --zk and --master URLs) is known
// before a container starts, and every container can start at once. Task
// containers and the gateway take engine-assigned addresses from the bottom of
// the subnet; ours sit at fixed offsets near .200 out of their way.

import { parseCidr, toIp } from './subnets.js';

export interface Addresses {
  /** the network's gateway: the engine's host as the containers see it (Docker gives a bridge network its first address) */
  engineHost: string;
  zookeeper: string;
  marathon: string;
  masters: string[];
  agents: string[];
  /** the Mesos-DNS add-on (agents name it as their DNS server) */
  mesosDns: string;
  /** the Marathon-LB add-on */
  marathonLb: string;
  /** the Metronome add-on */
  metronome: string;
}

/** Addresses in `subnet` (a.b.c.d/len, len ≤ 24) for the given counts. */
export function assignAddresses(subnet: string, masters: number, agents: number): Addresses {
  const cidr = parseCidr(subnet);
  if (!cidr) throw new Error(`cannot read subnet "${subnet}"`);
  if (cidr.prefix > 24) throw new Error(`subnet ${subnet} is smaller than a /24; mesos-up needs room for 250 addresses`);
  const base = cidr.base;
  return {
    engineHost: toIp(base + 1),
    zookeeper: toIp(base + 198),
    marathon: toIp(base + 200),
    masters: Array.from({ length: masters }, (_, i) => toIp(base + 201 + i)),
    agents: Array.from({ length: agents }, (_, i) => toIp(base + 210 + i)),
    mesosDns: toIp(base + 199),
    marathonLb: toIp(base + 197),
    metronome: toIp(base + 196),
  };
}

/** Placeholders for --dry-run, before the network (and so the subnet) exists. */
export function placeholderAddresses(masters: number, agents: number): Addresses {
  return {
    engineHost: '<network-gateway-ip>',
    zookeeper: '<zookeeper-ip>',
    marathon: '<marathon-ip>',
    masters: Array.from({ length: masters }, (_, i) => `<master${i + 1}-ip>`),
    agents: Array.from({ length: agents }, (_, i) => `<agent${i + 1}-ip>`),
    mesosDns: '<mesos-dns-ip>',
    marathonLb: '<marathon-lb-ip>',
    metronome: '<metronome-ip>',
  };
}
