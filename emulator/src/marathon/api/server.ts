// The HTTP front: Marathon's servlet filters (leader proxy, CORS, no-cache)
// in front of the routes, and the exception mapper's error bodies.
import http from 'node:http';
import { Router, type Handler } from '../../common/http.js';
import { makeLogger } from '../../common/log.js';
import { hostPort } from '../config.js';
import type { Marathon } from '../core.js';
import { ApiError } from '../errors.js';
import { sleep } from '../util.js';
import { appRoutes } from './apps.js';
import { groupRoutes } from './groups.js';
import { pluginRoutes } from './plugins.js';
import { podRoutes } from './pods.js';
import { json } from './respond.js';
import { systemRoutes } from './system.js';
import { taskRoutes } from './tasks.js';
import { uiRoutes } from '../../ui/marathon/serve.js';

const log = makeLogger('HttpService');

/** Jetty's error page (response.sendError). */
function sendError(res: http.ServerResponse, status: number, reason: string, path: string): void {
  const body =
    `<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1"/>\n<title>Error ${status} ${reason}</title>\n</head>\n` +
    `<body><h2>HTTP ERROR ${status}</h2>\n<p>Problem accessing ${path}. Reason:\n<pre>    ${reason}</pre></p>\n</body>\n</html>\n`;
  res.writeHead(status, { 'Content-Type': 'text/html;charset=iso-8859-1', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function createHttpServer(m: Marathon, abdicate: () => void): http.Server {
  const router = new MarathonRouter();
  // Order matters: sub-resources of /v2/apps/{id} before the id itself.
  taskRoutes(router, m);
  appRoutes(router, m);
  groupRoutes(router, m);
  podRoutes(router, m);
  systemRoutes(router, m, abdicate);
  pluginRoutes(router);
  uiRoutes(router);
  // Jersey's NotFoundException goes through MarathonExceptionMapper.
  router.notFound = (r) => json(r.res, 500, { message: 'URI not found' });
  router.methodNotAllowed = (r) => json(r.res, 405, { message: 'Method Not Allowed' });
  const handle = router.listener();
  const me = hostPort(m.config);
  const via = `1.1 ${me}`;

  const serve = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    // JAX-RS answers HEAD with the GET resource (Node already drops the body of a HEAD response).
    if (req.method === 'HEAD') req.method = 'GET';
    res.setHeader('Cache-Control', 'no-cache, no-store, must-revalidate');
    res.setHeader('Pragma', 'no-cache');
    res.setHeader('Expires', '0');
    if (m.config.accessControlAllowOrigin) {
      for (const origin of m.config.accessControlAllowOrigin) res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Headers', String(req.headers['access-control-request-headers'] ?? '').split(',').map((s) => s.trim()).filter(Boolean).join(', '));
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
      res.setHeader('Access-Control-Max-Age', '86400');
    }

    // LeaderProxyFilter: wait briefly for a consistent leadership state.
    for (let i = 0; i < 10 && !m.election.isLeader && (!m.election.leaderHostPort || m.election.leaderHostPort === me); i++) await sleep(250);
    if (m.election.isLeader) {
      res.setHeader('X-Marathon-Leader', `http://${me}`);
      await m.ready;
      return handle(req, res);
    }
    const leader = m.election.leaderHostPort;
    if (!leader || leader === me) return sendError(res, 503, 'Could not determine the current leader', path);
    if (path.startsWith('/v2/events')) {
      res.writeHead(302, { Location: `http://${leader}${req.url}` });
      return void res.end();
    }
    return proxy(req, res, leader, via, path);
  };

  const server = http.createServer((req, res) => {
    m.metrics.httpExchange(req, res);
    serve(req, res).catch((err) => {
      log.error(`${req.method} ${req.url}: ${(err as Error).stack ?? err}`);
      if (!res.headersSent) json(res, 500, { message: (err as Error).message });
      else res.end();
    });
  });
  return server;
}

/** A Router whose handlers answer ApiErrors with their JSON bodies and other errors with a 500 (MarathonExceptionMapper). */
class MarathonRouter extends Router {
  override on(method: string, pattern: string, handler: Handler): this {
    return super.on(method, pattern, async (r) => {
      try {
        await handler(r);
      } catch (err) {
        if (r.res.headersSent) return void r.res.end();
        if (err instanceof ApiError) return json(r.res, err.status, err.body);
        log.error(`${r.method} ${r.path}: ${(err as Error).stack ?? err}`);
        json(r.res, 500, { message: (err as Error).message });
      }
    });
  }
}

/** A standby forwards the request to the leader (JavaUrlConnectionRequestForwarder). */
function proxy(req: http.IncomingMessage, res: http.ServerResponse, leader: string, via: string, path: string): void {
  const seen = ([] as string[]).concat(req.headers['x-marathon-via'] ?? []).join(',');
  if (seen.split(',').map((s) => s.trim()).includes(via)) return sendError(res, 502, 'Detected proxying loop.', path);
  const [host, port] = leader.split(':');
  const headers = { ...req.headers, 'x-marathon-via': seen ? `${seen}, ${via}` : via, 'x-forwarded-for': req.socket.remoteAddress ?? '' };
  delete headers.host;
  const upstream = http.request({ host, port: Number(port), method: req.method, path: req.url, headers: { ...headers, host: leader } }, (up) => {
    const out = { ...up.headers, 'x-marathon-via': via };
    res.writeHead(up.statusCode ?? 502, out);
    up.pipe(res);
  });
  upstream.setTimeout(10_000, () => upstream.destroy(new Error('timeout')));
  upstream.on('error', (err) => {
    if (res.headersSent) return void res.end();
    if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') sendError(res, 502, 'Connection to leader refused.', path);
    else sendError(res, 504, 'Gateway timeout', path);
  });
  req.pipe(upstream);
}

