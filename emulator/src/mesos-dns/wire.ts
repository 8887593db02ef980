// Writes Mesos-DNS' answers in DNS wire format with name compression, as
// miekg/dns packs them (rc2 turns compression on for every reply): names
// point back at an earlier occurrence of the same suffix, so a reply's size,
// and with it where UDP answers get truncated, is what a client of the real
// one sees. Queries are read with dns-packet; only replies are written here.
import net from 'node:net';

export interface Rr {
  name: string;
  type: 'A' | 'AAAA' | 'SRV' | 'SOA' | 'NS';
  ttl: number;
  data: string | { priority: number; weight: number; port: number; target: string } | { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number };
}

export interface Reply {
  id: number;
  flags: number;
  question: { name: string; type: number; class: number };
  answers: Rr[];
  authorities: Rr[];
  additionals: Rr[];
}

const TYPE = { A: 1, NS: 2, SOA: 6, AAAA: 28, SRV: 33 } as const;

const labelsOf = (name: string) => name.replace(/\.$/, '').split('.').filter((l, i, all) => !(l === '' && all.length === 1));

/** A name every label of which can be written (1-63 bytes); the root is fine. */
export const encodable = (name: string): boolean => name === '' || name === '.' || labelsOf(name).every((l) => l.length > 0 && Buffer.byteLength(l) <= 63);

class Writer {
  private buf = Buffer.alloc(512);
  private len = 0;
  private readonly names = new Map<string, number>();

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf.writeUInt8(v, this.len++);
  }

  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.len);
    this.len += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.len);
    this.len += 4;
  }

  bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }

  /** A name, ending in a pointer to an earlier copy of its longest known suffix (matched as written, as miekg does). */
  name(name: string): void {
    const labels = name === '.' || name === '' ? [] : labelsOf(name);
    for (let i = 0; i < labels.length; i++) {
      const key = labels.slice(i).join('.');
      const at = this.names.get(key);
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (this.len < 0x3fff) this.names.set(key, this.len);
      const l = Buffer.from(labels[i]!);
      this.u8(l.length);
      this.bytes(l);
    }
    this.u8(0);
  }

  /** RDATA with its length written in front once it is known. */
  rdata(write: () => void): void {
    const at = this.len;
    this.u16(0);
    write();
    this.buf.writeUInt16BE(this.len - at - 2, at);
  }

  done(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

function rr(w: Writer, r: Rr): void {
  w.name(r.name);
  w.u16(TYPE[r.type]);
  w.u16(1);
  w.u32(r.ttl);
  w.rdata(() => {
    const d = r.data;
    if (r.type === 'A' || r.type === 'AAAA') {
      const ip = d as string;
      if (r.type === 'A') for (const part of ip.split('.')) w.u8(Number(part));
      else w.bytes(ipv6Bytes(ip));
    } else if (r.type === 'NS') w.name(d as string);
    else if (r.type === 'SRV') {
      const s = d as { priority: number; weight: number; port: number; target: string };
      w.u16(s.priority);
      w.u16(s.weight);
      w.u16(s.port);
      w.name(s.target);
    } else {
      const s = d as { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number };
      w.name(s.mname);
      w.name(s.rname);
      for (const v of [s.serial, s.refresh, s.retry, s.expire, s.minimum]) w.u32(v);
    }
  });
}

function ipv6Bytes(ip: string): Buffer {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16) || 0, i * 2));
  return out;
}

/** Records whose names or targets cannot be written are left out (miekg refuses to pack them). */
const writable = (r: Rr): boolean =>
  encodable(r.name) &&
  (r.type !== 'SRV' || encodable((r.data as { target: string }).target)) &&
  (r.type !== 'NS' || encodable(r.data as string)) &&
  (r.type !== 'A' || net.isIPv4(r.data as string)) &&
  (r.type !== 'AAAA' || net.isIPv6(r.data as string));

export function encodeReply(p: Reply): Buffer {
  const w = new Writer();
  const answers = p.answers.filter(writable);
  const authorities = p.authorities.filter(writable);
  const additionals = p.additionals.filter(writable);
  w.u16(p.id);
  w.u16(p.flags);
  w.u16(1);
  w.u16(answers.length);
  w.u16(authorities.length);
  w.u16(additionals.length);
  w.name(p.question.name);
  w.u16(p.question.type);
  w.u16(p.question.class);
  for (const r of [...answers, ...authorities, ...additionals]) rr(w, r);
  return w.done();
}
