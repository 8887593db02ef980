// Reading RecordIO framing of the Mesos v1 streaming APIs (`<length>\n<json>`,
// length in bytes) as a JSON client; proto/wire.ts writes the records.

/** Incremental decoder: feed chunks, get whole records back. */
export class RecordDecoder {
  private buf = Buffer.alloc(0);

  push(chunk: Buffer | string): unknown[] {
    this.buf = Buffer.concat([this.buf, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
    const out: unknown[] = [];
    for (;;) {
      const nl = this.buf.indexOf(10);
      if (nl < 0) break;
      const len = Number(this.buf.subarray(0, nl).toString('ascii'));
      if (!Number.isInteger(len)) throw new Error(`Bad RecordIO length '${this.buf.subarray(0, nl).toString()}'`);
      if (this.buf.length < nl + 1 + len) break;
      out.push(JSON.parse(this.buf.subarray(nl + 1, nl + 1 + len).toString('utf8')));
      this.buf = this.buf.subarray(nl + 1 + len);
    }
    return out;
  }
}
