/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// fetch() with JSON in and out, and Marathon/Mesos error bodies turned into messages.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Marathon's validation details: "path: error" lines */
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

interface ErrorBody {
  message?: string;
  details?: Array<{ path?: string; errors?: string[] }>;
}

export async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      cache: 'no-store',
    });
  } catch (err) {
    throw new ApiError(0, `Cannot reach ${url}: ${(err as Error).message}`);
  }
  const text = await res.text();
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const e = (typeof data === 'object' && data !== null ? data : {}) as ErrorBody;
    const message = e.message ?? (typeof data === 'string' && data.trim() && !data.trim().startsWith('<') ? data.trim() : `${res.status} ${res.statusText}`);
    const details = (e.details ?? []).flatMap((d) => (d.errors ?? []).map((x) => (d.path && d.path !== '/' ? `${d.path}: ${x}` : x)));
    throw new ApiError(res.status, message, details);
  }
  return data as T;
}

export const get = <T>(url: string) => request<T>('GET', url);
