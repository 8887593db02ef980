// Static addresses on the cluster network, so every flag that names an IP
// (MESOS_IP, MESOS_HOSTNAME, --hostname) is known before a container starts.
// ZooKeeper and task containers take engine-assigned addresses from the bottom
// of the subnet; ours sit at fixed offsets near .200 out of their way.

export interface Addresses {
  marathon: string;
  masters: string[];
  agents: string[];
}

function toInt(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0) >>> 0;
}

function toIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Addresses in `subnet` (a.b.c.d/len, len ≤ 24) for the given counts. */
export function assignAddresses(subnet: string, masters: number, agents: number): Addresses {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(subnet);
  if (!m) throw new Error(`cannot read subnet "${subnet}"`);
  const prefix = Number(m[2]);
  if (prefix > 24) throw new Error(`subnet ${subnet} is smaller than a /24; mesos-up needs room for 250 addresses`);
  const base = (toInt(m[1]!) & (prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0)) >>> 0;
  return {
    marathon: toIp(base + 200),
    masters: Array.from({ length: masters }, (_, i) => toIp(base + 201 + i)),
    agents: Array.from({ length: agents }, (_, i) => toIp(base + 210 + i)),
  };
}

/** Placeholders for --dry-run, before the network (and so the subnet) exists. */
export function placeholderAddresses(masters: number, agents: number): Addresses {
  return {
    marathon: '<marathon-ip>',
    masters: Array.from({ length: masters }, (_, i) => `<master${i + 1}-ip>`),
    agents: Array.from({ length: agents }, (_, i) => `<agent${i + 1}-ip>`),
  };
}
