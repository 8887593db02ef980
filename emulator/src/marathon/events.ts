// Marathon's event bus and the /v2/events Server-Sent-Events stream, framed
// the way Jetty's EventSourceServlet does it (CRLF lines, CRLF heartbeats).
import type http from 'node:http';
import { timestamp } from './util.js';

export interface MarathonEvent {
  eventType: string;
  /** the JSON written to subscribers */
  json: Record<string, unknown>;
  /** the `plan-format=light` variant (deployment events) */
  light?: Record<string, unknown>;
}

type Listener = (e: MarathonEvent) => void;

export class EventBus {
  private listeners = new Set<Listener>();

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  publish(e: MarathonEvent): void {
    for (const fn of [...this.listeners]) {
      try {
        fn(e);
      } catch {
        /* a broken subscriber must not stop the others */
      }
    }
  }

  /**
   * Builds and publishes `{...fields, eventType, timestamp}` (the order of
   * Marathon's case-class writers). An event whose writer places them elsewhere
   * (Formats.scala's hand-written ones) names `eventType` and/or `timestamp` in
   * `fields` with any value: they keep that position and get their values here.
   */
  emit(eventType: string, fields: Record<string, unknown>, light?: Record<string, unknown>): void {
    const ts = timestamp();
    const json = { ...fields, eventType, timestamp: ts };
    this.publish({ eventType, json, light: light ? { ...light, eventType, timestamp: ts } : undefined });
  }
}

const CRLF = '\r\n';
const HEARTBEAT_MS = 10_000;

export function remoteAddress(req: http.IncomingMessage): string {
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

/** Jetty's 405 page for a GET without `Accept: text/event-stream` (HttpServlet.doGet). */
function methodNotAllowed(req: http.IncomingMessage, res: http.ServerResponse): void {
  const reason = 'HTTP method GET is not supported by this URL';
  const body =
    `<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1"/>\n<title>Error 405 ${reason}</title>\n</head>\n` +
    `<body><h2>HTTP ERROR 405</h2>\n<p>Problem accessing ${req.url?.split('?')[0]}. Reason:\n<pre>    ${reason}</pre></p>\n</body>\n</html>\n`;
  res.writeHead(405, { 'Content-Type': 'text/html;charset=iso-8859-1', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** What the stream reports to the metrics (HttpEventStreamActor's gauge, HttpEventStreamServlet's byte counter). */
export interface EventStreamMetrics {
  opened(): void;
  closed(): void;
  sent(bytes: number): void;
}

/** Serves one `/v2/events` client until it disconnects. */
export function serveEvents(bus: EventBus, req: http.IncomingMessage, res: http.ServerResponse, query: URLSearchParams, metrics?: EventStreamMetrics): void {
  // Jetty compares each Accept header value with "text/event-stream" as a whole.
  const accepts: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === 'accept') accepts.push(req.rawHeaders[i + 1]!.trim());
  }
  if (!accepts.includes('text/event-stream')) return methodNotAllowed(req, res);

  const types = new Set(query.getAll('event_type'));
  const light = query.getAll('plan-format').includes('light');
  res.useChunkedEncodingByDefault = false;
  res.writeHead(200, { 'Content-Type': 'text/event-stream;charset=utf-8', Connection: 'close' });
  res.flushHeaders();
  req.socket.setNoDelay(true);

  const send = (e: MarathonEvent) => {
    if (types.size && !types.has(e.eventType)) return;
    const payload = JSON.stringify(light && e.light ? e.light : e.json);
    const frame = `event: ${e.eventType}${CRLF}data: ${payload}${CRLF}${CRLF}`;
    metrics?.sent(Buffer.byteLength(frame));
    res.write(frame);
  };
  const unsubscribe = bus.subscribe(send);
  const heartbeat = setInterval(() => {
    metrics?.sent(CRLF.length);
    res.write(CRLF);
  }, HEARTBEAT_MS);
  metrics?.opened();
  const address = remoteAddress(req);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    unsubscribe();
    metrics?.closed();
    bus.emit('event_stream_detached', { remoteAddress: address });
  };
  req.on('close', close);
  res.on('close', close);
  res.on('error', close);
  bus.emit('event_stream_attached', { remoteAddress: address });
}
