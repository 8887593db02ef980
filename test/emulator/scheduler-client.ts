// A v1 HTTP scheduler for contract tests: the SUBSCRIBE stream decoded from
// RecordIO, events taken in order by predicate, calls with the stream id.
import http from 'node:http';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

/** A v1 HTTP scheduler: one SUBSCRIBE stream decoded from RecordIO, calls with the stream id. */
export class Scheduler {
  events: Json[] = [];
  streamId = '';
  frameworkId = '';
  status = 0;
  contentType = '';
  ended = false;
  private req: http.ClientRequest | undefined;
  private waiters: Array<() => void> = [];
  private consumed = 0;

  constructor(private readonly base: string) {}

  /** Each event as it arrives (after it is kept): a subclass may answer it. */
  protected onEvent(_event: Json): void {}

  /** Opens the event stream; resolves once the response headers are in. */
  subscribe(frameworkInfo: Json): Promise<void> {
    const body: Json = { type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo } };
    if (frameworkInfo.id) body.framework_id = frameworkInfo.id;
    return new Promise((resolve, reject) => {
      const req = http.request(`${this.base}/api/v1/scheduler`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        agent: false,
      });
      this.req = req;
      req.on('error', (err) => {
        this.ended = true;
        reject(err);
      });
      req.on('response', (res) => {
        this.status = res.statusCode ?? 0;
        this.streamId = String(res.headers['mesos-stream-id'] ?? '');
        this.contentType = String(res.headers['content-type'] ?? '');
        let buf = Buffer.alloc(0);
        res.on('data', (chunk: Buffer) => {
          buf = Buffer.concat([buf, chunk]);
          // RecordIO: "<decimal length>\n<that many bytes of JSON>" repeated.
          for (;;) {
            const nl = buf.indexOf(0x0a);
            if (nl < 0) break;
            const len = Number(buf.subarray(0, nl).toString('ascii'));
            if (!Number.isInteger(len) || len <= 0) throw new Error(`bad RecordIO length '${buf.subarray(0, nl).toString()}'`);
            if (buf.length < nl + 1 + len) break;
            const event = JSON.parse(buf.subarray(nl + 1, nl + 1 + len).toString('utf8'));
            buf = buf.subarray(nl + 1 + len);
            this.events.push(event);
            if (event.type === 'SUBSCRIBED') this.frameworkId = event.subscribed.framework_id.value;
            this.onEvent(event);
          }
          this.waiters.splice(0).forEach((w) => w());
        });
        res.on('close', () => {
          this.ended = true;
          this.waiters.splice(0).forEach((w) => w());
        });
        resolve();
      });
      req.end(JSON.stringify(body));
    });
  }

  /** The next not yet consumed event matching `pred` (events before it stay available); `timeoutMs` guards against a hang. */
  async next(pred: (e: Json) => boolean, timeoutMs = 30_000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const idx = this.events.findIndex((e, i) => i >= this.consumed && pred(e));
      if (idx >= 0) {
        const e = this.events[idx];
        this.events.splice(idx, 1);
        this.events.splice(this.consumed, 0, e);
        this.consumed++;
        return e;
      }
      if (Date.now() > deadline) throw new Error(`no matching event in ${timeoutMs} ms; got ${JSON.stringify(this.events.slice(this.consumed).map((e) => e.type))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 250);
      });
    }
  }

  /** Takes every event already received that matches `pred`. */
  drain(pred: (e: Json) => boolean): Json[] {
    const out: Json[] = [];
    for (;;) {
      const idx = this.events.findIndex((e, i) => i >= this.consumed && pred(e));
      if (idx < 0) return out;
      out.push(this.events[idx]);
      this.events.splice(idx, 1);
    }
  }

  async call(body: Json, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
    const res = await fetch(`${this.base}/api/v1/scheduler`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Mesos-Stream-Id': this.streamId, ...headers },
      body: JSON.stringify({ framework_id: { value: this.frameworkId }, ...body }),
      redirect: 'manual',
    });
    return { status: res.status, text: await res.text() };
  }

  close(): void {
    this.req?.destroy();
  }
}
