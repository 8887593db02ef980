// Marathon's /v2/events as an async stream of typed events, reconnecting when
// the connection drops (Marathon restarts, leader changes).
import http from 'node:http';
import { createParser } from 'eventsource-parser';
import { sleep } from '../probes/wait.js';
import type { MarathonEvent } from './types.js';

export interface EventStreamOptions {
  /** only these event types (Marathon's ?event_type= filter) */
  types?: string[];
  signal?: AbortSignal;
  /** wait before reconnecting; Marathon may also send `retry:` */
  retryMs?: number;
  /** called for each (re)connection attempt that failed */
  onError?: (err: Error) => void;
}

export async function* marathonEvents(baseUrl: string, opts: EventStreamOptions = {}): AsyncGenerator<MarathonEvent> {
  const qs = (opts.types ?? []).map((t) => `event_type=${encodeURIComponent(t)}`).join('&');
  const url = `${baseUrl.replace(/\/$/, '')}/v2/events${qs ? `?${qs}` : ''}`;
  let retryMs = opts.retryMs ?? 1000;
  while (!opts.signal?.aborted) {
    const queue: MarathonEvent[] = [];
    const parser = createParser({
      onEvent: (e) => {
        try {
          const data = JSON.parse(e.data) as MarathonEvent;
          queue.push({ ...data, eventType: data.eventType ?? e.event ?? 'message' });
        } catch {
          /* a keep-alive or a non-JSON line: nothing to report */
        }
      },
      onRetry: (ms) => (retryMs = ms),
    });
    try {
      // node:http, not fetch: the stream must keep the process alive while it waits (see probes/http.ts).
      let onAbort: (() => void) | undefined;
      const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.get(url, { headers: { Accept: 'text/event-stream' } }, resolve);
        req.on('error', reject);
        onAbort = () => req.destroy(new Error('aborted'));
        opts.signal?.addEventListener('abort', onAbort, { once: true });
      });
      res.on('close', () => onAbort && opts.signal?.removeEventListener('abort', onAbort));
      if (res.statusCode !== 200) {
        res.resume();
        throw new Error(`GET ${url} answered ${res.statusCode}`);
      }
      res.setEncoding('utf8');
      for await (const chunk of res as AsyncIterable<string>) {
        parser.feed(chunk);
        while (queue.length) yield queue.shift()!;
      }
    } catch (err) {
      if (opts.signal?.aborted) return;
      opts.onError?.(err as Error);
    }
    await sleep(retryMs, opts.signal);
  }
}
