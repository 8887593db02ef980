// MasterInfo as Mesos writes it to ZooKeeper (`json.info_<seq>` znodes) and
// how detectors pick the leader: the lowest sequence number wins.

export interface MasterInfoJson {
  id: string;
  ip: number;
  port: number;
  pid: string;
  hostname: string;
  version: string;
  address: { hostname: string; ip: string; port: number };
  capabilities?: Array<{ type: string }>;
}

/** IPv4 packed the way Mesos stores it: the bytes read little-endian. */
export function ipToUint32(ip: string): number {
  const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number];
  return (a + b * 256 + c * 65536 + d * 16777216) >>> 0;
}

export function uint32ToIp(n: number): string {
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join('.');
}

/** Children that are master candidates, lowest sequence first. */
export function sortCandidates(children: string[]): string[] {
  const seq = (name: string) => {
    const tail = name.slice(name.lastIndexOf('_') + 1);
    return /^[0-9]+$/.test(tail) ? Number(tail) : NaN;
  };
  return children
    .filter((c) => c.startsWith('json.info_') && !Number.isNaN(seq(c)))
    .sort((x, y) => seq(x) - seq(y));
}
