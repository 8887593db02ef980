// Response helpers shared by the route modules.
import type http from 'node:http';
import { sendJson } from '../../common/http.js';
import type { Plan } from '../deployments.js';

export function json(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  sendJson(res, status, body, headers);
}

/** RestResource.deploymentResult: `{version, deploymentId}` + Marathon-Deployment-Id. */
export function deploymentResult(res: http.ServerResponse, plan: Plan, status = 200, headers: http.OutgoingHttpHeaders = {}): void {
  json(res, status, { version: plan.version, deploymentId: plan.id }, { 'Marathon-Deployment-Id': plan.id, ...headers });
}

/** Jersey's boolean query params: "true" (any case) is true, everything else false; absent → default. */
export function boolParam(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const v = query.get(name);
  if (v === null) return fallback;
  return v.toLowerCase() === 'true';
}

/** Media types in an Accept header with their q values. */
export function parseAccept(header: string | undefined): Array<{ type: string; q: number }> {
  if (!header) return [{ type: '*/*', q: 1 }];
  return header.split(',').map((part) => {
    const [type, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return { type: (type ?? '').trim().toLowerCase(), q: q ? Number(q.slice(2)) : 1 };
  });
}

/** Picks the server variant the client prefers (Jersey selectVariant, simplified): highest q, server order on ties. */
export function selectVariant(header: string | undefined, variants: string[]): string | undefined {
  const accepts = parseAccept(header);
  let best: { v: string; q: number } | undefined;
  for (const v of variants) {
    const [vt, vs] = v.split('/');
    let q = -1;
    for (const a of accepts) {
      const [at, as] = a.type.split('/');
      const match = (at === '*' || at === vt) && (as === '*' || as === vs || vs === '*');
      if (match) q = Math.max(q, a.q);
    }
    if (q > 0 && (!best || q > best.q)) best = { v, q };
  }
  return best?.v;
}

/** True when the client asked for text/plain over JSON (endpoints with a TEXT_PLAIN_LOW variant). */
export function wantsText(req: http.IncomingMessage): boolean {
  return selectVariant(req.headers.accept, ['application/json', 'text/plain']) === 'text/plain' && !(req.headers.accept ?? '*/*').includes('*/*');
}
