// The records Mesos-DNS (v0.7.0-rc2, records/generator.go) makes from the
// leading master's /master/state: the leader and masters, Mesos-DNS itself,
// agents, frameworks, and every running task (short and canonical names, the
// `.slave.` variants, SRVs from port resources and from DiscoveryInfo, the
// raw-then-sanitised DiscoveryInfo double pass). Pure: state in, maps out.
import { createHash } from 'node:crypto';
import net from 'node:net';
import { portsOf } from '../common/resources.js';

export interface StateTask {
  id: string;
  name: string;
  framework_id: string;
  slave_id: string;
  state: string;
  resources?: { ports?: string };
  statuses?: Array<{
    state: string;
    timestamp?: number;
    labels?: Array<{ key: string; value?: string }>;
    container_status?: { network_infos?: Array<{ ip_addresses?: Array<{ ip_address?: string }>; ip_address?: string }> };
  }>;
  discovery?: { name?: string; ports?: { ports?: Array<{ number: number; name?: string; protocol?: string }> } };
}

export interface MasterState {
  leader?: string;
  slaves?: Array<{ id: string; pid?: string; hostname?: string }>;
  frameworks?: Array<{ id?: string; name: string; pid?: string; hostname?: string; tasks?: StateTask[] }>;
}

export interface RecordOptions {
  /** lowercase, no trailing dot */
  domain: string;
  /** `ns1.mesos.` */
  soaMname: string;
  /** the addresses Mesos-DNS answers as (its Listener's, or every local one for 0.0.0.0) */
  listenerIps: string[];
  /** the masters list: leader first when known (`ip:port`) */
  masters: string[];
  ipSources: string[];
  enforceRfc952: boolean;
}

/** name → set of values (IPs, or `target:port` for SRV) */
export type RecordMap = Map<string, Set<string>>;

export interface Records {
  as: RecordMap;
  aaaas: RecordMap;
  srvs: RecordMap;
  /** what /v1/enumerate lists: every framework, its tasks and the records each added first */
  enumerate: Array<{ name: string; tasks: Array<{ name: string; id: string; records: Array<{ name: string; host: string; rtype: string }> }> }>;
}

// ---- names ----

/** One DNS label from any text: lower-cased, `-._` as `-`, anything else dropped, trimmed to 63 (RFC 1123) or 24 (RFC 952, no leading digits). */
export function label(text: string, rfc952 = false): string {
  let s = '';
  for (const ch of text) {
    if (ch >= 'A' && ch <= 'Z') s += ch.toLowerCase();
    else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) s += ch;
    else if (ch === '-' || ch === '.' || ch === '_') s += '-';
  }
  const max = rfc952 ? 24 : 63;
  s = s.replace(rfc952 ? /^[-0-9]+/ : /^-+/, '');
  return trimCut(s, max);
}

/** Cuts to `max`; trailing dashes of the cut are dropped and refilled from what follows (labels.go's trimCut). */
function trimCut(s: string, max: number): string {
  if (s.length <= max) return s.replace(/-+$/, '');
  const head = s.slice(0, max).replace(/-+$/, '');
  if (head.length === max) return head;
  const rest = s.slice(max).replace(/^-+/, '');
  return (head + rest).slice(0, max);
}

/** A framework name as a domain fragment: each dot-separated piece a label, empty ones dropped. */
export const domainFrag = (name: string, rfc952 = false): string =>
  name.split('.').map((p) => label(p, rfc952)).filter(Boolean).join('.');

const ZBASE32 = 'ybndrfg8ejkmcpqxot1uwisza345h769';

/** The first 5 characters of z-base-32(SHA-1(text)): the hash in a task's canonical name. */
export function hashString(text: string): string {
  const digest = createHash('sha1').update(text).digest();
  // 25 bits: the first four bytes are enough
  const bits = digest.readUInt32BE(0);
  let out = '';
  for (let i = 0; i < 5; i++) out += ZBASE32[(bits >>> (27 - 5 * i)) & 31];
  return out;
}

/** The agent id after its last `-`, lower-cased: `…-S1` → `s1`. */
export const slaveIdTail = (id: string): string => id.slice(id.lastIndexOf('-') + 1).toLowerCase();

/** `slave(1)@10.0.0.2:5051` → host and port. */
function pidHostPort(pid: string | undefined): { host: string; port?: string } | undefined {
  const m = /@(.+):(\d+)$/.exec(pid ?? '');
  if (!m) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: m[2]! };
}


// ---- building ----

class Builder {
  readonly records: Records = { as: new Map(), aaaas: new Map(), srvs: new Map(), enumerate: [] };
  /** the task whose records are being added, for /v1/enumerate */
  private current: Array<{ name: string; host: string; rtype: string }> | undefined;

  constructor(private readonly domain: string) {}

  /** Names are kept as given (a raw DiscoveryInfo name with capitals is then never found: queries are lower-cased). */
  private add(map: RecordMap, rtype: string, name: string, value: string): void {
    if (!value) return;
    const key = name;
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    if (set.has(value)) return;
    set.add(value);
    this.current?.push({ name: key, host: value, rtype });
  }

  /** A or AAAA by the address' family; a value that is no IP is kept as A (as Mesos-DNS does with an unresolved host). */
  address(name: string, ip: string): void {
    if (net.isIPv6(ip)) this.add(this.records.aaaas, 'AAAA', this.fq(name), ip);
    else this.add(this.records.as, 'A', this.fq(name), ip);
  }

  srv(name: string, target: string, port: number | string): void {
    this.add(this.records.srvs, 'SRV', this.fq(name), `${this.fq(target)}:${port}`);
  }

  /** `leader` → `leader.mesos.` */
  fq(name: string): string {
    return name.endsWith('.') ? name : `${name}.${this.domain}.`;
  }

  collect(into: Array<{ name: string; host: string; rtype: string }> | undefined): void {
    this.current = into;
  }
}

/** At most the first IPv4 and the first IPv6 of a list (ipsTo4And6). */
function fourAndSix(ips: string[]): string[] {
  const v4 = ips.find((ip) => net.isIPv4(ip));
  const v6 = ips.find((ip) => net.isIPv6(ip));
  return [v4, v6].filter((x): x is string => !!x);
}

/** A host from a pid: kept when an IP; a name is not looked up, so it gives no address (and no records). */
const hostIps = (host: string | undefined): string[] => (host && net.isIP(host) ? [host] : []);

const list = <T>(x: T[] | undefined): T[] => (Array.isArray(x) ? x : []);

/** The task's IPs from the newest TASK_RUNNING status, by IPSources' order. */
function taskIps(task: StateTask, agentIps: string[], sources: string[]): string[] {
  const running = list(task.statuses).filter((s) => s.state === 'TASK_RUNNING').sort((a, b) => (b.timestamp ?? 0) - (a.timestamp ?? 0))[0];
  const out: string[] = [];
  for (const source of sources) {
    if (source === 'host') out.push(...agentIps);
    if (!running) continue;
    if (source === 'netinfo') {
      for (const n of running.container_status?.network_infos ?? []) {
        const list = (n.ip_addresses ?? []).map((a) => a.ip_address ?? '').filter(Boolean);
        out.push(...(list.length ? list : n.ip_address ? [n.ip_address] : []));
      }
    }
    const labelKey = source === 'mesos' ? 'MesosContainerizer.NetworkSettings.IPAddress' : source === 'docker' ? 'Docker.NetworkSettings.IPAddress' : undefined;
    if (labelKey) out.push(...(running.labels ?? []).filter((l) => l.key === labelKey).map((l) => l.value ?? ''));
  }
  return fourAndSix(out.filter((ip) => net.isIP(ip)));
}

export function buildRecords(state: MasterState, o: RecordOptions): Records {
  const b = new Builder(o.domain);
  const agents = new Map<string, string[]>();

  // frameworks: `<name>.<domain>` and their scheduler's SRV
  for (const f of list(state.frameworks)) {
    const frag = domainFrag(String(f.name ?? ''), o.enforceRfc952);
    const hp = pidHostPort(f.pid);
    const ips = fourAndSix(hostIps(hp?.host ?? f.hostname));
    if (!frag || !ips.length) continue;
    for (const ip of ips) b.address(frag, ip);
    if (hp?.port) b.srv(`_framework._tcp.${frag}`, frag, hp.port);
  }
  // agents: all under slave.<domain>
  for (const s of list(state.slaves)) {
    const hp = pidHostPort(s.pid);
    if (!hp) continue;
    const ips = fourAndSix(hostIps(hp.host));
    agents.set(String(s.id ?? ''), ips);
    for (const ip of ips) b.address('slave', ip);
    if (hp.port) b.srv('_slave._tcp', 'slave', hp.port);
  }
  // Mesos-DNS itself, under SOAMname
  for (const ip of o.listenerIps) b.address(o.soaMname, ip);
  // the leader and the masters
  const leader = pidHostPort(state.leader);
  if (leader) {
    b.address('leader', leader.host);
    b.address('master', leader.host);
    if (leader.port) {
      b.srv('_leader._tcp', 'leader', leader.port);
      b.srv('_leader._udp', 'leader', leader.port);
    }
    const leaderEntry = `${leader.host}:${leader.port}`;
    const seen = new Set<string>([leader.host]);
    let index = 0;
    let leaderIndexed = false;
    for (const m of o.masters) {
      if (!m) continue;
      const host = m.slice(0, m.lastIndexOf(':')).replace(/^\[|\]$/g, '');
      if (m === leaderEntry) {
        b.address(`master${index++}`, leader.host);
        leaderIndexed = true;
        continue;
      }
      if (seen.has(host)) continue;
      seen.add(host);
      b.address('master', host);
      b.address(`master${index++}`, host);
    }
    if (!leaderIndexed) b.address(`master${index}`, leader.host);
  }
  // tasks: running ones on known agents
  for (const f of list(state.frameworks)) {
    const frag = domainFrag(String(f.name ?? ''), o.enforceRfc952);
    const listed: Records['enumerate'][number] = { name: String(f.name ?? ''), tasks: [] };
    b.records.enumerate.push(listed);
    for (const raw of list(f.tasks)) {
      const t: StateTask = { ...raw, id: String(raw.id ?? ''), name: String(raw.name ?? ''), slave_id: String(raw.slave_id ?? '') };
      const agentIps = agents.get(t.slave_id);
      if (t.state !== 'TASK_RUNNING' || !agentIps) continue;
      // (every such task is listed, with the records it was the first to add)
      const records: Array<{ name: string; host: string; rtype: string }> = [];
      listed.tasks.push({ name: t.name, id: t.id, records });
      b.collect(records);
      const di = t.discovery?.name;
      // with DiscoveryInfo: the raw name first, then the sanitised one (the "legacy" double pass)
      const names = di ? [di, label(di, o.enforceRfc952)] : [label(t.name, o.enforceRfc952)];
      for (const name of names) taskRecords(b, t, name, frag, agentIps, o, !!di);
      b.collect(undefined);
    }
  }
  return b.records;
}

function taskRecords(b: Builder, t: StateTask, name: string, frag: string, agentIps: string[], o: RecordOptions, discovery: boolean): void {
  const canonical = `${name}-${hashString(t.id)}-${slaveIdTail(t.slave_id)}`;
  const short = `${name}.${frag}`;
  const long = `${canonical}.${frag}`;
  for (const ip of taskIps(t, agentIps, o.ipSources)) {
    b.address(short, ip);
    b.address(long, ip);
  }
  for (const ip of agentIps) {
    b.address(`${short}.slave`, ip);
    b.address(`${long}.slave`, ip);
  }
  // port resources: the `.slave.` canonical name (the agent's address); also under the framework without DiscoveryInfo
  for (const port of portsOf(t.resources?.ports)) {
    for (const proto of ['tcp', 'udp']) {
      b.srv(`_${name}._${proto}.${frag}.slave`, `${long}.slave`, port);
      if (!discovery) b.srv(`_${name}._${proto}.${frag}`, `${long}.slave`, port);
    }
  }
  // DiscoveryInfo ports: the non-slave canonical name, per protocol, and per port name
  for (const p of list(t.discovery?.ports?.ports)) {
    const proto = label(p.protocol ?? '');
    const portName = label(p.name ?? '');
    for (const pr of proto ? [proto] : ['tcp', 'udp']) {
      b.srv(`_${name}._${pr}.${frag}`, long, p.number);
      if (portName) b.srv(`_${portName}._${name}._${pr}.${frag}`, long, p.number);
    }
  }
}
