// /ping, /v2/info, /v2/leader, /metrics, /v2/deployments, /v2/queue and
// /v2/events.
import type { Router } from '../../common/http.js';
import { BUILDREF, MARATHON_VERSION, marathonConfigJson, zookeeperConfigJson } from '../config.js';
import type { Marathon } from '../core.js';
import { notFound } from '../errors.js';
import { serveEvents } from '../events.js';
import { podBackoff } from '../pod/scheduler.js';
import { canonicalId } from '../util.js';
import { boolParam, deploymentResult, json, selectVariant } from './respond.js';

export function systemRoutes(router: Router, m: Marathon, abdicate: () => void): void {
  router.on('GET', '/', (r) => {
    r.res.writeHead(302, { Location: '/ui/' }).end();
  });

  router.on('GET', '/ping', (r) => {
    // SystemResource.ping: text/plain first, JSON when preferred, 204 when nothing fits.
    const v = selectVariant(r.req.headers.accept, ['text/plain', 'text/html', 'application/json', 'text/*']);
    if (v === 'application/json') return json(r.res, 200, 'pong');
    if (!v) return void r.res.writeHead(204).end();
    const type = v === 'text/*' ? 'text/plain' : v;
    r.res.writeHead(200, { 'Content-Type': type, 'Content-Length': 4 });
    r.res.end('pong');
  });

  router.on('GET', '/v2/info', async (r) => {
    json(r.res, 200, {
      name: 'marathon',
      version: MARATHON_VERSION,
      buildref: BUILDREF,
      elected: m.election.isLeader,
      leader: m.election.leaderHostPort ?? null,
      frameworkId: await m.frameworkId(),
      marathon_config: marathonConfigJson(m.config, m.mesosLeaderUiUrl()),
      zookeeper_config: zookeeperConfigJson(m.config),
      http_config: { http_port: m.config.httpPort, https_port: m.config.httpsPort },
    });
  });

  router.on('GET', '/v2/leader', (r) => {
    const leader = m.election.leaderHostPort;
    if (!leader) throw notFound('There is no leader');
    json(r.res, 200, { leader });
  });

  router.on('DELETE', '/v2/leader', (r) => {
    if (!m.election.isLeader) throw notFound('There is no leader');
    json(r.res, 200, { message: 'Leadership abdicated' });
    setTimeout(abdicate, 500);
  });

  // 1.7.50's default metrics are Dropwizard's (metrics.ts); Kamon's is a deprecated feature.
  router.on('GET', '/metrics', (r) => json(r.res, 200, m.metrics.registry.json()));

  // SystemResource.metricsPrometheus: text/plain, the 404s included.
  router.on('GET', '/metrics/prometheus', (r) => {
    const [status, body] = m.config.metricsPrometheus
      ? [200, m.metrics.registry.prometheus()]
      : [404, JSON.stringify({ message: 'Prometheus reporter is disabled' })];
    r.res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
    r.res.end(body);
  });

  router.on('GET', '/v2/deployments', (r) => json(r.res, 200, m.deployments.listJson()));

  router.on('DELETE', '/v2/deployments/:id', async (r) => {
    const plan = await m.deployments.cancel(r.params.id!, boolParam(r.query, 'force', false));
    if (!plan) return void r.res.writeHead(202).end();
    deploymentResult(r.res, plan);
  });

  router.on('GET', '/v2/queue', (r) => json(r.res, 200, { queue: m.scheduler.queueJson(r.query.getAll('embed').includes('lastUnusedOffers')) }));

  router.on('DELETE', '/v2/queue/:id*/delay', (r) => {
    const id = canonicalId(r.params.id!);
    const app = m.state.apps.get(id);
    const pod = m.state.pods.get(id);
    if (app && m.scheduler.queue.has(id)) m.scheduler.resetDelay(app);
    else if (pod && m.scheduler.pods.queue.has(id)) m.scheduler.resetDelay(podBackoff(pod));
    else throw notFound(`Application ${id} not found in tasks queue.`);
    r.res.writeHead(204).end();
  });


  router.on('GET', '/v2/events', (r) =>
    serveEvents(m.bus, r.req, r.res, r.query, {
      opened: () => m.eventStreams++,
      closed: () => m.eventStreams--,
      sent: (bytes) => m.metrics.eventStreamSent(bytes),
    }),
  );
}
