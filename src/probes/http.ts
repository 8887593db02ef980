// HTTP for probes: short timeouts, no redirects followed (a 307 from a standby
// master is an answer, not a hop), bodies parsed as JSON when they are JSON.

export interface HttpAnswer {
  status: number;
  body: unknown;
  headers: Headers;
}

export async function httpGet(url: string, opts: { timeoutMs?: number; signal?: AbortSignal; accept?: string } = {}): Promise<HttpAnswer> {
  const signals = [AbortSignal.timeout(opts.timeoutMs ?? 2000), ...(opts.signal ? [opts.signal] : [])];
  const res = await fetch(url, {
    redirect: 'manual',
    headers: { Accept: opts.accept ?? 'application/json' },
    signal: AbortSignal.any(signals),
  });
  const text = await res.text();
  let body: unknown = text;
  if (text && /json/.test(res.headers.get('content-type') ?? '')) body = JSON.parse(text);
  return { status: res.status, body, headers: res.headers };
}

export async function getJson<T>(url: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<T> {
  const a = await httpGet(url, opts);
  if (a.status !== 200) throw new Error(`GET ${url} answered ${a.status}`);
  return (typeof a.body === 'string' ? JSON.parse(a.body) : a.body) as T;
}
