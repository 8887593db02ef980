// The master's page at `/`, where Mesos serves its web UI. It reads only the
// public endpoints (/master/state, /metrics/snapshot) from the browser.
import type { Router } from '../../common/http.js';
import page from 'mesos-up-ui:master';
import { sendPage } from '../serve.js';

export function uiRoutes(router: Router): void {
  for (const method of ['GET', 'HEAD']) router.on(method, '/', (r) => sendPage(r.res, page));
}
