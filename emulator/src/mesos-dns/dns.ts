// Mesos-DNS' DNS server (resolver/resolver.go): names in the Mesos domain
// answered from the records (AA, TTL, SOA and NS in AUTHORITY, NXDOMAIN or
// NOERROR as HandleMesos decides, SRV targets' addresses as ADDITIONAL,
// answers shuffled, UDP answers kept under 512 bytes with TC), every other
// name forwarded unchanged to the resolvers over the client's transport.
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type Answer, type Packet } from 'dns-packet';
import type { Records } from './records.js';

export interface DnsOptions {
  domain: string;
  ttl: number;
  soa: { mname: string; rname: string; refresh: number; retry: number; expire: number };
  /** the SOA serial: the unix time of the last reload */
  serial: () => number;
  srvWeight: number;
  recurseOn: boolean;
  externalOn: boolean;
  setTruncateBit: boolean;
  /** `ip` or `ip:port` */
  resolvers: string[];
  timeoutMs: number;
}

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
const bare = (name: string) => name.replace(/\.$/, '');

/** The answer to one query in the Mesos domain (HandleMesos). */
export function answerMesos(query: Packet, records: Records, o: DnsOptions, udp: boolean): Buffer {
  const q = query.questions![0]!;
  const name = `${q.name.toLowerCase().split('.*').join('')}.`.replace(/\.\.$/, '.');
  const answers: Answer[] = [];
  const authorities: Answer[] = [];
  const additionals: Answer[] = [];
  const ttl = o.ttl;
  const soa = (): Answer => ({
    type: 'SOA', name: q.name, ttl, class: 'IN',
    data: { mname: bare(o.soa.mname), rname: bare(o.soa.rname), serial: o.serial(), refresh: o.soa.refresh, retry: o.soa.retry, expire: o.soa.expire, minimum: ttl },
  });
  const addresses = (type: 'A' | 'AAAA', owner: string, into: Answer[], first = false) => {
    const values = [...((type === 'A' ? records.as : records.aaaas).get(owner) ?? [])].filter((ip) => (type === 'A' ? net.isIPv4(ip) : net.isIPv6(ip)));
    for (const ip of first ? values.slice(0, 1) : values) into.push({ type, name: bare(owner), ttl, class: 'IN', data: ip });
  };
  const srv = () => {
    const targets = new Set<string>();
    for (const value of records.srvs.get(name) ?? []) {
      const i = value.lastIndexOf(':');
      const target = value.slice(0, i);
      answers.push({ type: 'SRV', name: q.name, ttl, class: 'IN', data: { priority: 0, weight: o.srvWeight, port: Number(value.slice(i + 1)), target: bare(target) } });
      targets.add(target);
    }
    for (const t of targets) {
      addresses('A', t, additionals, true);
      addresses('AAAA', t, additionals, true);
    }
  };
  switch (q.type as string) {
    case 'A':
    case 'AAAA':
      addresses(q.type as 'A' | 'AAAA', name, answers);
      break;
    case 'SRV':
      srv();
      break;
    case 'SOA':
      authorities.push(soa());
      break;
    case 'NS':
      authorities.push({ type: 'NS', name: q.name, ttl, class: 'IN', data: bare(o.soa.mname) });
      break;
    case 'ANY':
      addresses('A', name, answers);
      addresses('AAAA', name, answers);
      srv();
      authorities.push(soa(), { type: 'NS', name: q.name, ttl, class: 'IN', data: bare(o.soa.mname) });
      break;
    default:
      break;
  }
  let rcode: number = RCODE.NOERROR;
  if (!answers.length && q.type !== 'SOA' && q.type !== 'NS' && q.type !== 'SRV') {
    const known = records.as.has(name) || records.aaaas.has(name) || records.srvs.has(name);
    if (!known) rcode = RCODE.NXDOMAIN;
    authorities.push(soa());
  }
  shuffle(answers);
  const flags = dnsPacket.AUTHORITATIVE_ANSWER | (o.recurseOn ? dnsPacket.RECURSION_AVAILABLE : 0) | ((query.flags ?? 0) & (dnsPacket.RECURSION_DESIRED | dnsPacket.CHECKING_DISABLED)) | rcode;
  const reply: Packet = { type: 'response', id: query.id, flags, questions: query.questions, answers, authorities, additionals };
  return fit(reply, udp ? 512 : 65535, o.setTruncateBit);
}

function shuffle<T>(list: T[]): void {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
}

/** Over the limit: the ADDITIONAL section goes, then answers from the end until it is below (with TC). */
function fit(reply: Packet, limit: number, setTc: boolean): Buffer {
  let buf = dnsPacket.encode(reply);
  if (buf.length <= limit) return buf;
  reply.additionals = [];
  buf = dnsPacket.encode(reply);
  while (buf.length >= limit && reply.answers!.length) {
    reply.answers!.pop();
    buf = dnsPacket.encode(reply);
  }
  if (setTc) reply.flags = (reply.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE;
  return dnsPacket.encode(reply);
}

/** A reply with only a header and the question (REFUSED, SERVFAIL, FORMERR). */
function errorReply(query: Packet, rcode: number): Buffer {
  return dnsPacket.encode({ type: 'response', id: query.id, flags: ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | rcode, questions: query.questions });
}

const hostPort = (r: string): [string, number] => {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(r);
  return [m?.[1] ?? r, m?.[2] ? Number(m[2]) : 53];
};

/** Sends the query as it came to each resolver in turn, over the client's transport; the first answer wins. */
async function forward(raw: Buffer, o: DnsOptions, udp: boolean): Promise<Buffer | undefined> {
  for (const r of o.resolvers) {
    const [host, port] = hostPort(r);
    const reply = await (udp ? forwardUdp(raw, host, port, o.timeoutMs) : forwardTcp(raw, host, port, o.timeoutMs)).catch(() => undefined);
    if (reply) return reply;
  }
  return undefined;
}

function forwardUdp(raw: Buffer, host: string, port: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error('timeout'));
    }, timeoutMs);
    sock.once('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(msg);
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      sock.close();
      reject(err);
    });
    sock.send(raw, port, host);
  });
}

function forwardTcp(raw: Buffer, host: string, port: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error('timeout')));
    let buf = Buffer.alloc(0);
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        sock.end();
      }
    });
    sock.on('error', reject);
    sock.on('close', () => reject(new Error('closed')));
    const len = Buffer.alloc(2);
    len.writeUInt16BE(raw.length);
    sock.write(Buffer.concat([len, raw]));
  });
}

/** Answers one message: the Mesos domain from the records, anything else forwarded (REFUSED when external lookups are off). */
export async function handle(raw: Buffer, records: () => Records, o: DnsOptions, udp: boolean): Promise<Buffer | undefined> {
  let query: Packet;
  try {
    query = dnsPacket.decode(raw);
  } catch {
    return undefined;
  }
  const q = query.questions?.[0];
  if (!q) return errorReply(query, 1);
  const name = q.name.toLowerCase();
  if (name === o.domain || name.endsWith(`.${o.domain}`)) {
    try {
      return answerMesos(query, records(), o, udp);
    } catch {
      return errorReply(query, RCODE.SERVFAIL);
    }
  }
  if (!o.externalOn || !o.resolvers.length) return errorReply(query, RCODE.REFUSED);
  return (await forward(raw, o, udp)) ?? errorReply(query, RCODE.SERVFAIL);
}

/** Serves DNS on UDP and TCP at `listener:port`. */
export async function serveDns(listener: string, port: number, records: () => Records, o: DnsOptions): Promise<void> {
  const udp = dgram.createSocket(net.isIPv6(listener) ? 'udp6' : 'udp4');
  udp.on('message', (msg, rinfo) => {
    void handle(msg, records, o, true).then((reply) => {
      if (reply) udp.send(reply, rinfo.port, rinfo.address);
    });
  });
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(port, listener, () => resolve());
  });
  const tcp = net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        void handle(Buffer.from(msg), records, o, false).then((reply) => {
          if (!reply || sock.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(reply.length);
          sock.write(Buffer.concat([len, reply]));
        });
      }
    });
    sock.on('error', () => undefined);
    sock.setTimeout(30_000, () => sock.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, listener, () => resolve());
  });
}
