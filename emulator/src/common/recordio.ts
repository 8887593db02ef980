// Reading RecordIO framing of the Mesos v1 streaming APIs (`<length>\n<bytes>`,
// length in bytes); proto/wire.ts writes the records.

/** Incremental decoder: feed chunks, get whole records back (push: as JSON, pushRaw: as bytes). */
export class RecordDecoder {
  private buf = Buffer.alloc(0);

  push(chunk: Buffer | string): unknown[] {
    return this.pushRaw(chunk).map((r) => JSON.parse(r.toString('utf8')));
  }

  pushRaw(chunk: Buffer | string): Buffer[] {
    this.buf = Buffer.concat([this.buf, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
    const out: Buffer[] = [];
    for (;;) {
      const nl = this.buf.indexOf(10);
      if (nl < 0) break;
      const len = Number(this.buf.subarray(0, nl).toString('ascii'));
      if (!Number.isInteger(len) || len < 0) throw new Error(`Bad RecordIO length '${this.buf.subarray(0, nl).toString()}'`);
      if (this.buf.length < nl + 1 + len) break;
      out.push(this.buf.subarray(nl + 1, nl + 1 + len));
      this.buf = this.buf.subarray(nl + 1 + len);
    }
    return out;
  }
}
