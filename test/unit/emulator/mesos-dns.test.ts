// The emulated Mesos-DNS' record rules and DNS answers against v0.7.0-rc2's
// (records/generator.go, resolver/resolver.go and their tests' vectors).
import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { answerMesos, type DnsOptions } from '../../../emulator/src/mesos-dns/dns.js';
import { buildRecords, domainFrag, hashString, label, slaveIdTail, type MasterState } from '../../../emulator/src/mesos-dns/records.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const STATE: MasterState = {
  leader: 'master@10.0.0.1:5050',
  slaves: [
    { id: 'abc-S0', pid: 'slave(1)@10.0.0.2:5051' },
    { id: 'abc-S1', pid: 'slave(1)@10.0.0.3:5051' },
  ],
  frameworks: [
    {
      name: 'marathon',
      pid: 'scheduler-x@10.0.0.5:45000',
      tasks: [
        // an app /group/web task, host networking, DiscoveryInfo as Marathon sends it
        {
          id: 'group_web.8a6b7c0e-1b2c-11e9-9c3f-0242ac110002', name: 'web.group', framework_id: 'F', slave_id: 'abc-S1', state: 'TASK_RUNNING',
          resources: { ports: '[31005-31005]' },
          statuses: [{ state: 'TASK_RUNNING', timestamp: 1, container_status: { network_infos: [{ ip_addresses: [{ ip_address: '10.0.0.3' }] }] } }],
          discovery: { name: 'web.group', ports: { ports: [{ number: 31005, protocol: 'tcp', name: 'http' }] } },
        },
        // a task without DiscoveryInfo, and one not running (no records)
        { id: 'car.store-1', name: 'car.store', framework_id: 'F', slave_id: 'abc-S0', state: 'TASK_RUNNING', resources: { ports: '[31364-31364]' }, statuses: [] },
        { id: 'gone-1', name: 'gone', framework_id: 'F', slave_id: 'abc-S0', state: 'TASK_STAGING' },
      ],
    },
  ],
};

const opts = { domain: 'mesos', soaMname: 'ns1.mesos.', listenerIps: ['10.0.0.9'], masters: ['10.0.0.1:5050'], ipSources: ['netinfo', 'mesos', 'host'], enforceRfc952: false };
const values = (m: Map<string, Set<string>>, k: string) => [...(m.get(k) ?? [])].sort();

describe('Mesos-DNS records', () => {
  it('names as its labels package does', () => {
    expect(hashString('test')).toBe('iffe9');
    expect(hashString('nginx.48dccce7-90bc-11e6-ae70-70b3d5800001')).toBe('jhy6r');
    expect(label('app.group')).toBe('app-group');
    expect(label('My_App')).toBe('my-app');
    expect(label('2048-game', true)).toBe('game');
    expect(label('ünïcode-app')).toBe('ncode-app');
    expect(label('a'.repeat(70))).toBe('a'.repeat(63));
    expect(domainFrag('chronos with a space AND MIXED CASE-2.0.1')).toBe('chronoswithaspaceandmixedcase-2.0.1');
    expect(slaveIdTail('2d7b1d2c-aaaa-S1')).toBe('s1');
  });

  it('makes the leader, masters, agents, framework and task records', () => {
    const r = buildRecords(STATE, opts);
    expect(values(r.as, 'leader.mesos.')).toEqual(['10.0.0.1']);
    expect(values(r.as, 'master0.mesos.')).toEqual(['10.0.0.1']);
    expect(values(r.srvs, '_leader._tcp.mesos.')).toEqual(['leader.mesos.:5050']);
    expect(values(r.as, 'slave.mesos.')).toEqual(['10.0.0.2', '10.0.0.3']);
    expect(values(r.srvs, '_slave._tcp.mesos.')).toEqual(['slave.mesos.:5051']);
    expect(values(r.as, 'marathon.mesos.')).toEqual(['10.0.0.5']);
    expect(values(r.srvs, '_framework._tcp.marathon.mesos.')).toEqual(['marathon.mesos.:45000']);
    expect(values(r.as, 'ns1.mesos.')).toEqual(['10.0.0.9']);
    // the app task: sanitised and raw DiscoveryInfo names, canonical names, .slave. variants
    const h = hashString('group_web.8a6b7c0e-1b2c-11e9-9c3f-0242ac110002');
    expect(values(r.as, 'web-group.marathon.mesos.')).toEqual(['10.0.0.3']);
    expect(values(r.as, 'web.group.marathon.mesos.')).toEqual(['10.0.0.3']);
    expect(values(r.as, `web-group-${h}-s1.marathon.slave.mesos.`)).toEqual(['10.0.0.3']);
    // DiscoveryInfo ports: the non-slave canonical name, tcp only, by port name too; port resources under .slave. only
    expect(values(r.srvs, '_web-group._tcp.marathon.mesos.')).toEqual([`web-group-${h}-s1.marathon.mesos.:31005`]);
    expect(values(r.srvs, '_http._web-group._tcp.marathon.mesos.')).toEqual([`web-group-${h}-s1.marathon.mesos.:31005`]);
    expect(r.srvs.has('_web-group._udp.marathon.mesos.')).toBe(false);
    expect(values(r.srvs, '_web-group._udp.marathon.slave.mesos.')).toEqual([`web-group-${h}-s1.marathon.slave.mesos.:31005`]);
    // without DiscoveryInfo: port resources under the framework too, both protocols
    const c = hashString('car.store-1');
    expect(values(r.srvs, '_car-store._udp.marathon.mesos.')).toEqual([`car-store-${c}-s0.marathon.slave.mesos.:31364`]);
    expect(r.as.has('gone.marathon.mesos.')).toBe(false);
    expect(r.enumerate[0]!.tasks.map((t) => t.name)).toEqual(['web.group', 'car.store']);
  });
});

describe('Mesos-DNS answers', () => {
  const records = buildRecords(STATE, opts);
  const o: DnsOptions = {
    domain: 'mesos', ttl: 60, soa: { mname: 'ns1.mesos.', rname: 'root.ns1.mesos.', refresh: 60, retry: 600, expire: 86400 }, serial: () => 7,
    srvWeight: 1, recurseOn: true, externalOn: true, setTruncateBit: true, resolvers: [], timeoutMs: 1000,
  };
  const ask = (name: string, type: string): Json => {
    const query = dnsPacket.encode({ type: 'query', id: 9, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A' }] });
    return dnsPacket.decode(answerMesos(query, records, o, true));
  };

  it('answers A with AA and RA, the owner lower-cased', () => {
    const r = ask('WEB-group.Marathon.mesos', 'A');
    expect(r).toMatchObject({ id: 9, rcode: 'NOERROR', flag_aa: true, flag_ra: true, flag_rd: true });
    expect(r.answers.map((a: Json) => [a.name, a.data, a.ttl])).toEqual([['web-group.marathon.mesos', '10.0.0.3', 60]]);
  });

  it('answers SRV with weight 1 and the targets in ADDITIONAL', () => {
    const r = ask('_web-group._tcp.marathon.mesos', 'SRV');
    expect(r.answers[0].data).toMatchObject({ priority: 0, weight: 1, port: 31005 });
    expect(r.additionals.map((a: Json) => [a.name, a.type, a.data])).toEqual([[r.answers[0].data.target, 'A', '10.0.0.3']]);
  });

  it('NXDOMAIN with the SOA for a name that does not exist, NOERROR for one with other records, an empty NOERROR for unknown SRV', () => {
    const missing = ask('missing.mesos', 'A');
    expect(missing.rcode).toBe('NXDOMAIN');
    expect(missing.authorities.map((a: Json) => [a.type, a.name, a.data.mname, a.data.serial, a.data.minimum])).toEqual([['SOA', 'missing.mesos', 'ns1.mesos', 7, 60]]);
    const nodata = ask('_car-store._udp.marathon.mesos', 'A');
    expect([nodata.rcode, nodata.answers.length, nodata.authorities[0].type]).toEqual(['NOERROR', 0, 'SOA']);
    const srv = ask('_nothing._tcp.marathon.mesos', 'SRV');
    expect([srv.rcode, srv.answers.length, srv.authorities.length]).toEqual(['NOERROR', 0, 0]);
    // SOA and NS go to AUTHORITY
    const soa = ask('mesos', 'SOA');
    expect([soa.rcode, soa.answers.length, soa.authorities[0].type]).toEqual(['NOERROR', 0, 'SOA']);
    expect(ask('x.mesos', 'NS').authorities[0]).toMatchObject({ type: 'NS', data: 'ns1.mesos' });
  });

  it('compresses names, so a UDP answer holds what the real one does; past 512 bytes it drops ADDITIONAL, then answers, and sets TC', () => {
    const tasks = (n: number) => Array.from({ length: n }, (_, i) => ({
      id: `shop_api.${i}`, name: 'api.shop', framework_id: 'F', slave_id: 'abc-S0', state: 'TASK_RUNNING', resources: { ports: `[${31000 + i}-${31000 + i}]` }, statuses: [],
    }));
    const withTasks = (n: number) => buildRecords({ ...STATE, frameworks: [{ name: 'marathon', pid: 'scheduler-x@10.0.0.5:45000', tasks: tasks(n) }] }, opts);
    const query = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: '_api-shop._tcp.marathon.mesos', type: 'SRV' }] });
    // 8 SRV records and their targets' addresses: about 490 bytes compressed (more than 800 without)
    const eight = answerMesos(query, withTasks(8), o, true);
    expect(eight.length).toBeLessThan(512);
    const fits = dnsPacket.decode(eight) as Json;
    expect([fits.answers.length, fits.additionals.length, fits.flag_tc]).toEqual([8, 8, false]);
    // 40: the additionals go, then answers, TC set; over TCP everything
    const cut = dnsPacket.decode(answerMesos(query, withTasks(40), o, true)) as Json;
    expect(cut.flag_tc).toBe(true);
    expect(cut.additionals).toEqual([]);
    expect(cut.answers.length).toBeGreaterThan(8);
    expect(cut.answers.length).toBeLessThan(40);
    const tcp = dnsPacket.decode(answerMesos(query, withTasks(40), o, false)) as Json;
    expect([tcp.answers.length, tcp.additionals.length, tcp.flag_tc]).toEqual([40, 40, false]);
  });
});
