// Mesos-DNS' DNS server (resolver/resolver.go): names in the Mesos domain
// answered from the records (AA, TTL, SOA and NS in AUTHORITY, NXDOMAIN or
// NOERROR as HandleMesos decides, SRV targets' addresses as ADDITIONAL,
// answers shuffled, UDP answers kept under 512 bytes with TC), every other
// name forwarded unchanged to the resolvers over the client's transport.
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type Packet } from 'dns-packet';
import type { Records } from './records.js';
import { encodeReply, type Reply, type Rr } from './wire.js';

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

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
const QR = 0x8000;
const OPCODE = 0x7800;
const bare = (name: string) => name.replace(/\.$/, '');

/** The question's type and class as numbers, straight from the message (types dns-packet has no name for included). */
function questionCodes(raw: Buffer): { type: number; class: number } {
  let i = 12;
  while (i < raw.length && raw[i] !== 0) i += (raw[i]! & 0xc0) === 0xc0 ? 1 : raw[i]! + 1;
  return { type: raw.readUInt16BE(i + 1), class: raw.readUInt16BE(i + 3) };
}

/** The header flags of a reply (miekg's SetReply: id, opcode, RD and CD copied) with these bits and rcode. */
const replyFlags = (query: Packet, bits: number, rcode: number) => QR | ((query.flags ?? 0) & (OPCODE | dnsPacket.RECURSION_DESIRED | dnsPacket.CHECKING_DISABLED)) | bits | rcode;

/** The answer to one query in the Mesos domain (HandleMesos). */
export function answerMesos(raw: Buffer, records: Records, o: DnsOptions, udp: boolean): Buffer {
  const query = dnsPacket.decode(raw);
  const q = query.questions![0]!;
  const name = `${q.name.toLowerCase().split('.*').join('')}.`.replace(/\.\.$/, '.');
  const answers: Rr[] = [];
  const authorities: Rr[] = [];
  const additionals: Rr[] = [];
  const ttl = o.ttl;
  const soa = (): Rr => ({
    type: 'SOA', name: q.name, ttl,
    data: { mname: o.soa.mname, rname: o.soa.rname, serial: o.serial(), refresh: o.soa.refresh, retry: o.soa.retry, expire: o.soa.expire, minimum: ttl },
  });
  const ns = (): Rr => ({ type: 'NS', name: q.name, ttl, data: o.soa.mname });
  const addresses = (type: 'A' | 'AAAA', owner: string, into: Rr[], first = false) => {
    const values = [...((type === 'A' ? records.as : records.aaaas).get(owner) ?? [])].filter((ip) => (type === 'A' ? net.isIPv4(ip) : net.isIPv6(ip)));
    for (const ip of first ? values.slice(0, 1) : values) into.push({ type, name: owner, ttl, data: ip });
  };
  const srv = () => {
    const targets = new Set<string>();
    for (const value of records.srvs.get(name) ?? []) {
      const i = value.lastIndexOf(':');
      const target = value.slice(0, i);
      answers.push({ type: 'SRV', name: q.name, ttl, data: { priority: 0, weight: o.srvWeight, port: Number(value.slice(i + 1)), target } });
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
      authorities.push(ns());
      break;
    case 'ANY':
      addresses('A', name, answers);
      addresses('AAAA', name, answers);
      srv();
      authorities.push(soa(), ns());
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
  const reply: Reply = {
    id: query.id ?? 0,
    flags: replyFlags(query, dnsPacket.AUTHORITATIVE_ANSWER | (o.recurseOn ? dnsPacket.RECURSION_AVAILABLE : 0), rcode),
    question: { name: q.name, ...questionCodes(raw) },
    answers,
    authorities,
    additionals,
  };
  return fit(reply, udp ? 512 : 65535, o.setTruncateBit);
}

function shuffle<T>(list: T[]): void {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
}

/** Over the limit: the ADDITIONAL section goes, then answers from the end until it is below (with TC). */
function fit(reply: Reply, limit: number, setTc: boolean): Buffer {
  let buf = encodeReply(reply);
  if (buf.length <= limit) return buf;
  reply.additionals = [];
  buf = encodeReply(reply);
  while (buf.length >= limit && reply.answers.length) {
    reply.answers.pop();
    buf = encodeReply(reply);
  }
  if (setTc) reply.flags |= dnsPacket.TRUNCATED_RESPONSE;
  return encodeReply(reply);
}

/** A reply with only a header and the question (FORMERR, REFUSED, SERVFAIL). */
function errorReply(query: Packet, raw: Buffer, rcode: number): Buffer {
  const q = query.questions?.[0];
  const head = Buffer.alloc(12);
  head.writeUInt16BE(query.id ?? 0, 0);
  head.writeUInt16BE(replyFlags(query, 0, rcode), 2);
  if (!q) return head;
  head.writeUInt16BE(1, 4);
  // the question as the client wrote it
  let i = 12;
  while (i < raw.length && raw[i] !== 0) i += raw[i]! + 1;
  return Buffer.concat([head, raw.subarray(12, i + 5)]);
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
  if (!q) return errorReply(query, raw, RCODE.FORMERR);
  const name = q.name.toLowerCase();
  if (name === o.domain || name.endsWith(`.${o.domain}`)) {
    try {
      return answerMesos(raw, records(), o, udp);
    } catch {
      return errorReply(query, raw, RCODE.SERVFAIL);
    }
  }
  if (!o.externalOn || !o.resolvers.length) return errorReply(query, raw, RCODE.REFUSED);
  return (await forward(raw, o, udp)) ?? errorReply(query, raw, RCODE.SERVFAIL);
}

/** Serves DNS on UDP and TCP at `listener:port`. */
export async function serveDns(listener: string, port: number, records: () => Records, o: DnsOptions): Promise<void> {
  const udp = dgram.createSocket(net.isIPv6(listener) ? 'udp6' : 'udp4');
  udp.on('message', (msg, rinfo) => {
    handle(msg, records, o, true)
      .then((reply) => {
        if (reply) udp.send(reply, rinfo.port, rinfo.address, () => undefined);
      })
      .catch(() => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(port, listener, () => {
      udp.off('error', reject);
      // (a failed send to one client must not take the server down)
      udp.on('error', () => undefined);
      resolve();
    });
  });
  const tcp = net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        handle(Buffer.from(msg), records, o, false)
          .then((reply) => {
            if (!reply || sock.destroyed) return;
            const len = Buffer.alloc(2);
            len.writeUInt16BE(reply.length);
            sock.write(Buffer.concat([len, reply]));
          })
          .catch(() => undefined);
      }
    });
    sock.on('error', () => undefined);
    sock.setTimeout(30_000, () => sock.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, listener, () => {
      tcp.off('error', reject);
      tcp.on('error', () => undefined);
      resolve();
    });
  });
}
