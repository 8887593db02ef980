// Marathon's /v2/events as an async stream of typed events, reconnecting when
// the connection drops (Marathon restarts, leader changes).
import { createParser } from 'eventsource-parser';
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
      const res = await fetch(url, { headers: { Accept: 'text/event-stream' }, ...(opts.signal ? { signal: opts.signal } : {}) });
      if (res.status !== 200 || !res.body) throw new Error(`GET ${url} answered ${res.status}`);
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }));
        while (queue.length) yield queue.shift()!;
      }
    } catch (err) {
      if (opts.signal?.aborted) return;
      opts.onError?.(err as Error);
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, retryMs);
      opts.signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
    });
  }
}
