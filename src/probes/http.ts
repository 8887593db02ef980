// HTTP for probes and the Marathon client, on node:http rather than fetch: under
// load, Node 20's fetch can leave a request to a just-published port pending with
// nothing keeping the process alive (its timeout timer is unref'd), and the CLI
// then exits with status 13 in the middle of a wait. Here every request has a
// ref'd deadline, and redirects are answers, not hops (a standby master's 307).
import http from 'node:http';

export interface HttpAnswer {
  status: number;
  body: unknown;
  text: string;
  headers: http.IncomingHttpHeaders;
}

export interface RequestOptions {
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
  accept?: string;
}

export function httpRequest(url: string, opts: RequestOptions = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const timeoutMs = opts.timeoutMs ?? 2000;
    const req = http.request(
      {
        host: u.hostname,
        port: u.port || 80,
        path: `${u.pathname}${u.search}`,
        method: opts.method ?? 'GET',
        headers: {
          Accept: opts.accept ?? 'application/json',
          ...(opts.body !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(opts.body)) } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          settle();
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          if (text && /json/.test(res.headers['content-type'] ?? '')) {
            try {
              body = JSON.parse(text);
            } catch {
              /* keep the text */
            }
          }
          resolve({ status: res.statusCode ?? 0, body, text, headers: res.headers });
        });
        res.on('error', fail);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer from ${u.host} within ${timeoutMs} ms`)), timeoutMs);
    const onAbort = () => req.destroy(new Error('aborted'));
    // Waits share one signal across hundreds of requests: each removes its listener when done.
    function settle() {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
    function fail(err: Error) {
      settle();
      reject(err);
    }
    req.on('error', fail);
    req.on('close', () => fail(new Error(`connection to ${u.host} closed before an answer`)));
    if (opts.signal) {
      if (opts.signal.aborted) req.destroy(new Error('aborted'));
      else opts.signal.addEventListener('abort', onAbort, { once: true });
    }
    req.end(opts.body);
  });
}

export const httpGet = (url: string, opts: Omit<RequestOptions, 'method' | 'body'> = {}): Promise<HttpAnswer> => httpRequest(url, opts);

export async function getJson<T>(url: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<T> {
  const a = await httpGet(url, opts);
  if (a.status !== 200) throw new Error(`GET ${url} answered ${a.status}`);
  return (typeof a.body === 'string' ? JSON.parse(a.body) : a.body) as T;
}
