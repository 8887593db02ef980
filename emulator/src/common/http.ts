// A tiny router over node:http: the emulators need exact control of status
// codes, headers and bodies, and nothing more.
import http from 'node:http';

export interface Request {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  method: string;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  /** the body as UTF-8 text, read on demand */
  body(): Promise<string>;
  /** the body's bytes (protobuf), read on demand */
  rawBody(): Promise<Buffer>;
}

export type Handler = (r: Request) => void | Promise<void>;

interface Route {
  method: string;
  regex: RegExp;
  names: string[];
  handler: Handler;
}

export class Router {
  private routes: Route[] = [];
  /** called when no route matched the path */
  notFound: Handler = (r) => {
    r.res.writeHead(404).end();
  };
  /** called when a route matched the path but not the method */
  methodNotAllowed: Handler = (r) => {
    r.res.writeHead(405).end();
  };

  /**
   * Pattern: `/v2/apps/:id*` style: `:name` matches one segment, `:name*` the rest
   * of the path (slashes included). Method `*` matches any method.
   */
  on(method: string, pattern: string, handler: Handler): this {
    const names: string[] = [];
    const source = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)(\*)?/g, (_m, name: string, rest?: string) => {
      names.push(name);
      return rest ? '(.+)' : '([^/]+)';
    });
    this.routes.push({ method, regex: new RegExp(`^${source}/?$`), names, handler });
    return this;
  }

  listener(): http.RequestListener {
    return (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const path = url.pathname;
      let bodyPromise: Promise<Buffer> | undefined;
      const rawBody = () =>
        (bodyPromise ??= new Promise<Buffer>((resolve, reject) => {
          const chunks: Buffer[] = [];
          req.on('data', (c: Buffer) => chunks.push(c));
          req.on('end', () => resolve(Buffer.concat(chunks)));
          req.on('error', reject);
        }));
      const body = async () => (await rawBody()).toString('utf8');
      const run = async () => {
        let pathMatched = false;
        for (const route of this.routes) {
          const m = route.regex.exec(path);
          if (!m) continue;
          pathMatched = true;
          if (route.method !== '*' && route.method !== req.method) continue;
          const params: Record<string, string> = {};
          route.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
          await route.handler({ req, res, method: req.method ?? 'GET', path, query: url.searchParams, params, body, rawBody });
          return;
        }
        if (pathMatched) {
          await this.methodNotAllowed({ req, res, method: req.method ?? 'GET', path, query: url.searchParams, params: {}, body, rawBody });
          return;
        }
        await this.notFound({ req, res, method: req.method ?? 'GET', path, query: url.searchParams, params: {}, body, rawBody });
      };
      run().catch((err: Error) => {
        console.error(`E ${req.method} ${path}: ${err.stack ?? err.message}`);
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(res.headersSent ? undefined : `${err.message}`);
      });
    };
  }
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * A 200 with a JSON body, wrapped as JSONP when `?jsonp=` names a callback, as
 * libprocess' OK(json, jsonp) does: `callback(<json>);` as text/javascript. The
 * Mesos and Marathon web UIs read agents this way.
 */
export function sendJsonOk(r: Request, body: unknown): void {
  const jsonp = r.query.get('jsonp');
  if (!jsonp) return sendJson(r.res, 200, body);
  const text = `${jsonp}(${JSON.stringify(body)});`;
  r.res.writeHead(200, { 'Content-Type': 'text/javascript', 'Content-Length': Buffer.byteLength(text) });
  r.res.end(text);
}

/** An answer with no body (libprocess' OK(), Accepted(), NotFound() …). */
export function sendEmpty(res: http.ServerResponse, status: number, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'Content-Length': 0, ...headers });
  res.end();
}

/** libprocess' MethodNotAllowed: 405 naming the methods allowed. */
export function sendMethodNotAllowed(res: http.ServerResponse, allowed: string[], method: string): void {
  sendText(res, 405, `Expecting one of { ${allowed.map((m) => `'${m}'`).join(', ')} }, but received '${method}'`, { Allow: allowed.join(', ') });
}

export function sendText(res: http.ServerResponse, status: number, body: string, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/**
 * POSTs JSON to another emulated component; resolves with status, parsed body
 * and headers. Over node:http rather than fetch: fetch loads undici, tens of
 * milliseconds of every agent's start-up CPU.
 */
export function postJson(
  url: string,
  body: unknown,
  opts: { timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown; headers: http.IncomingHttpHeaders }> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': Buffer.byteLength(data), ...opts.headers },
      timeout: opts.timeoutMs ?? 10_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          /* not JSON: keep the text */
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`POST ${url} timed out after ${opts.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    req.end(data);
  });
}
