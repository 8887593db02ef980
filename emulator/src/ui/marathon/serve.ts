// Marathon's UI lives under /ui/ as in Marathon 1.7 (WebJarServlet): `/`
// redirects to /ui/ (system.ts), /ui to /ui/, and /ui/ (or /ui/index.html) is
// the page. Other /ui/ paths are 404, as missing webjar resources are.
import type { Router } from '../../common/http.js';
import page from 'mesos-up-ui:marathon';
import { sendPage } from '../serve.js';

export function uiRoutes(router: Router): void {
  router.on('GET', '/ui', (r) => {
    if (r.path === '/ui') return void r.res.writeHead(302, { Location: '/ui/' }).end();
    sendPage(r.res, page);
  });
  router.on('GET', '/ui/:resource*', (r) => {
    if (r.params.resource === 'index.html') return sendPage(r.res, page);
    const body = `Not found: ${r.path}\n`;
    r.res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) }).end(body);
  });
}
