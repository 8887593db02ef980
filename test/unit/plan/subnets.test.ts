import { describe, expect, it } from 'vitest';
import { DEFAULT_POOLS, firstFreePool, looksLikeDefaultPools, overlaps, parseCidr, routesFromProcNetRoute } from '../../../src/plan/subnets.js';

describe('choosing the cluster subnet as the engine would', () => {
  it("lists the engine's default pools in its order", () => {
    expect(DEFAULT_POOLS.slice(0, 2)).toEqual(['172.17.0.0/16', '172.18.0.0/16']);
    expect(DEFAULT_POOLS).toContain('172.31.0.0/16');
    expect(DEFAULT_POOLS).not.toContain('172.32.0.0/16');
    expect(DEFAULT_POOLS.slice(15, 17)).toEqual(['192.168.0.0/20', '192.168.16.0/20']);
    expect(DEFAULT_POOLS.at(-1)).toBe('192.168.240.0/20');
  });

  it('takes the first pool no network or route overlaps', () => {
    expect(firstFreePool(['172.17.0.0/16'])).toBe('172.18.0.0/16');
    expect(firstFreePool(['172.17.0.0/16', '172.18.0.0/16', '172.19.5.0/24'])).toBe('172.20.0.0/16');
    // a wide VPN route covers every 172 pool
    expect(firstFreePool(['172.16.0.0/12'])).toBe('192.168.0.0/20');
    expect(firstFreePool(['172.16.0.0/12', '192.168.0.0/16'])).toBeUndefined();
    expect(firstFreePool(['not a subnet', 'fd00::/64'])).toBe('172.17.0.0/16');
  });

  it('compares subnets of any size', () => {
    expect(overlaps(parseCidr('10.0.0.0/8')!, parseCidr('10.20.30.0/24')!)).toBe(true);
    expect(overlaps(parseCidr('172.18.0.0/16')!, parseCidr('172.19.0.0/16')!)).toBe(false);
    expect(parseCidr('172.18.3.4/16')).toEqual(parseCidr('172.18.0.0/16'));
    expect(parseCidr('300.1.1.1/16')).toBeUndefined();
  });

  it('trusts the default pools only when the default bridge sits on the first one', () => {
    expect(looksLikeDefaultPools(['172.17.0.0/16'])).toBe(true);
    expect(looksLikeDefaultPools(['10.200.0.0/24'])).toBe(false);
    expect(looksLikeDefaultPools(['172.17.0.0/24'])).toBe(false);
    expect(looksLikeDefaultPools([])).toBe(false);
  });

  it('reads the routes of /proc/net/route, leaving out the default route', () => {
    const text = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
      'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
      'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
      'tun0\t000010AC\t00000000\t0001\t0\t0\t0\t0000F0FF\t0\t0\t0',
    ].join('\n');
    expect(routesFromProcNetRoute(text)).toEqual(['172.17.0.0/16', '192.0.2.0/24', '172.16.0.0/12']);
  });
});
