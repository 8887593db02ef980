// The operator API's event streams (SUBSCRIBE on /api/v1): each subscriber
// gets SUBSCRIBED with the whole state, a HEARTBEAT at once and every 15 s
// after, and the master's events as they happen, in the encoding it accepted
// (Master::Subscribers in src/master/master.cpp, 1.7.1).
import type http from 'node:http';
import { record, type ContentType } from '../common/proto/wire.js';
import type { Pb } from './types.js';

const EVENT = 'mesos.v1.master.Event';
/** DEFAULT_HEARTBEAT_INTERVAL of src/master/constants.hpp */
export const OPERATOR_HEARTBEAT_SECONDS = 15;

interface Subscriber {
  res: http.ServerResponse;
  contentType: ContentType;
  heartbeat: NodeJS.Timeout;
}

export class OperatorSubscribers {
  private readonly subscribed = new Set<Subscriber>();

  get size(): number {
    return this.subscribed.size;
  }

  /** Starts a stream: `subscribed` is the SUBSCRIBED event, built now so no event can come between. */
  add(res: http.ServerResponse, contentType: ContentType, subscribed: Pb): void {
    res.writeHead(200, { 'Content-Type': contentType });
    const sub: Subscriber = {
      res,
      contentType,
      heartbeat: setInterval(() => this.write(sub, { type: 'HEARTBEAT' }), OPERATOR_HEARTBEAT_SECONDS * 1000),
    };
    this.write(sub, subscribed);
    this.write(sub, { type: 'HEARTBEAT' });
    // (the client may have gone while the call was being read)
    if (res.destroyed) return this.remove(sub);
    this.subscribed.add(sub);
    res.on('close', () => this.remove(sub));
  }

  /** Sends an event to every subscriber; `event` is only built when someone listens. */
  send(event: () => Pb): void {
    if (this.subscribed.size === 0) return;
    const e = event();
    for (const sub of this.subscribed) this.write(sub, e);
  }

  stop(): void {
    for (const sub of [...this.subscribed]) {
      this.remove(sub);
      sub.res.end();
    }
  }

  private write(sub: Subscriber, event: Pb): void {
    if (!sub.res.writableEnded) sub.res.write(record(EVENT, sub.contentType, event));
  }

  private remove(sub: Subscriber): void {
    clearInterval(sub.heartbeat);
    this.subscribed.delete(sub);
  }
}
