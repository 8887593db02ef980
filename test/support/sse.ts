// A client of Marathon's /v2/events (server-sent events) for the tests.
import http from 'node:http';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

/** An SSE client on /v2/events collecting `{event, data}` frames. */
export class EventStream {
  events: Array<{ event: string; data: Json }> = [];
  raw = '';
  /**
   * Resolves with the response: Marathon subscribes a client before it sends the
   * headers, so from then on no event is missed (a sleep would be a race).
   */
  readonly ready: Promise<http.IncomingMessage>;
  private req: http.ClientRequest;
  constructor(url: string) {
    let answered: (res: http.IncomingMessage) => void = () => undefined;
    let failed: (err: Error) => void = () => undefined;
    this.ready = new Promise((resolve, reject) => {
      answered = resolve;
      failed = reject;
    });
    this.req = http.get(url, { headers: { Accept: 'text/event-stream' } }, (res) => {
      answered(res);
      let buf = '';
      res.on('data', (c: Buffer) => {
        this.raw += c.toString();
        buf += c.toString();
        let i: number;
        while ((i = buf.indexOf('\r\n\r\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 4);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event && data) this.events.push({ event: event.trim(), data: JSON.parse(data) });
        }
      });
    });
    this.req.on('error', (err) => failed(err));
  }
  find(pred: (e: { event: string; data: Json }) => boolean) {
    return this.events.find(pred);
  }
  close(): void {
    this.req.destroy();
  }
}
