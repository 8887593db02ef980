// The master's HTTP surface: the read-only endpoints, redirects and leader
// checks of src/master/http.cpp, the v1 scheduler API, and the agent side of
// the internal protocol (emulator/PROTOCOL.md).
import { randomUUID } from 'node:crypto';
import { Router, sendEmpty, sendJson, sendJsonOk, sendMethodNotAllowed, sendText, type Request } from '../common/http.js';
import { flagsObject } from './config.js';
import {
  frameworksJson, metricsJson, slavesJson, stateJson, stateSummaryJson, tasksJson, versionJson,
} from './json.js';
import { fwCount } from './framework.js';
import { glog } from './log.js';
import type { Master } from './master.js';
import type { EventStream, Pb } from './types.js';
import { operatorApi } from './operator-api.js';
import { messageType } from '../common/proto/schema.js';
import { machineEndpoint, scheduleEndpoint, statusEndpoint } from './maintenance-api.js';
import { operationEndpoint } from './reservations-api.js';
import { parseJson, printJson } from '../common/proto/stout-json.js';
import { uiRoutes } from '../ui/master/serve.js';
import { filesRoutes } from '../common/files.js';
import { acceptType, decodeCall, lastHeader, NOT_ACCEPTABLE, sendMessage, type ContentType } from '../common/proto/wire.js';

/** What a newly elected master answers until it has read the registry. */
const NOT_RECOVERED = 'Master has not finished recovery';


/** validation::scheduler::call::validate */
function validateCall(call: Pb): string | undefined {
  if (call.type === undefined) return "Expecting 'type' to be present";
  if (call.type === 'SUBSCRIBE') {
    if (call.subscribe === undefined) return "Expecting 'subscribe' to be present";
    const a = call.subscribe.framework_info?.id?.value;
    const b = call.framework_id?.value;
    if (a !== b) return "'framework_id' differs from 'subscribe.framework_info.id'";
    return undefined;
  }
  if (call.framework_id === undefined) return "Expecting 'framework_id' to be present";
  const field = String(call.type).toLowerCase();
  if (['ACCEPT', 'DECLINE', 'ACCEPT_INVERSE_OFFERS', 'DECLINE_INVERSE_OFFERS', 'KILL', 'SHUTDOWN', 'ACKNOWLEDGE', 'ACKNOWLEDGE_OPERATION_STATUS', 'RECONCILE', 'RECONCILE_OPERATIONS', 'MESSAGE', 'REQUEST'].includes(call.type)) {
    if (call[field] === undefined) return `Expecting '${field}' to be present`;
  }
  if (call.type === 'ACKNOWLEDGE' || call.type === 'ACKNOWLEDGE_OPERATION_STATUS') {
    const raw = String(call[field].uuid ?? '');
    const bytes = /^[A-Za-z0-9+/]*={0,2}$/.test(raw) ? Buffer.from(raw, 'base64') : Buffer.alloc(0);
    if (bytes.length !== 16) return `Invalid UUID '${raw}': not 16 bytes`;
    if (call.type === 'ACKNOWLEDGE_OPERATION_STATUS') {
      if (call[field].agent_id === undefined) return "Expecting 'agent_id' to be present";
      if (call[field].resource_provider_id === undefined) return "Expecting 'resource_provider_id' to be present";
    }
  }
  return undefined;
}

export function buildRouter(master: Master): Router {
  const router = new Router();

  /** Master::Http::redirect */
  const redirect = (r: Request): void => {
    const leader = master.leader;
    if (!leader) {
      glog('http.cpp:2280').warn(`Current master is not elected as leader, and leader information is unavailable. Failed to redirect the request url: ${r.req.url}`);
      sendText(r.res, 503, 'No leader elected');
      return;
    }
    const base = `//${leader.hostname}:${leader.port}`;
    if (r.path === '/redirect' || r.path === '/master/redirect') return sendEmpty(r.res, 307, { Location: base });
    if (r.path.startsWith('/redirect/') || r.path.startsWith('/master/redirect/')) return sendEmpty(r.res, 404);
    glog('http.cpp:2296').info(`Redirecting request for ${r.req.url} to the leading master ${leader.hostname}`);
    sendEmpty(r.res, 307, { Location: `${base}${r.req.url ?? r.path}` });
  };

  const leaderOnly = (handler: (r: Request) => void | Promise<void>) => (r: Request) => {
    if (!master.elected) return redirect(r);
    return handler(r);
  };

  /** Every master path is served under /master/<x> and, through the delegate, /<x>. */
  const both = (suffix: string, handler: (r: Request) => void | Promise<void>) => {
    router.on('*', `/master${suffix}`, handler);
    router.on('*', suffix, handler);
  };

  both('/health', (r) => sendEmpty(r.res, 200));
  both('/flags', (r) => sendJsonOk(r, { flags: flagsObject(master.cfg) }));
  router.on('*', '/version', (r) => sendJsonOk(r, versionJson()));
  router.on('*', '/metrics/snapshot', (r) => sendJsonOk(r, metricsJson(master)));
  for (const p of ['/state', '/state.json']) both(p, leaderOnly((r) => sendJsonOk(r, stateJson(master))));
  both('/state-summary', leaderOnly((r) => sendJsonOk(r, stateSummaryJson(master))));
  both('/frameworks', leaderOnly((r) => sendJsonOk(r, frameworksJson(master, r.query.get('framework_id')))));
  both('/slaves', leaderOnly((r) => sendJsonOk(r, slavesJson(master, r.query.get('slave_id')))));
  for (const p of ['/tasks', '/tasks.json']) both(p, leaderOnly((r) => sendJsonOk(r, tasksJson(master, r.query))));
  both('/redirect', redirect);
  both('/redirect/:rest*', redirect);
  both('/teardown', leaderOnly((r) => teardownEndpoint(master, r)));
  for (const p of ['/roles', '/roles.json']) both(p, leaderOnly((r) => sendJsonOk(r, master.roles.rolesJson())));
  both('/weights', leaderOnly((r) => weightsEndpoint(master, r)));
  both('/quota', leaderOnly((r) => quotaEndpoint(master, r)));
  both('/quota/:rest*', leaderOnly((r) => quotaEndpoint(master, r)));
  both('/maintenance/schedule', leaderOnly((r) => scheduleEndpoint(master, r)));
  both('/maintenance/status', leaderOnly((r) => statusEndpoint(master, r)));
  both('/machine/down', leaderOnly((r) => machineEndpoint(master, r, 'down')));
  both('/machine/up', leaderOnly((r) => machineEndpoint(master, r, 'up')));
  both('/reserve', leaderOnly((r) => operationEndpoint(master, r, 'RESERVE')));
  both('/unreserve', leaderOnly((r) => operationEndpoint(master, r, 'UNRESERVE')));
  both('/create-volumes', leaderOnly((r) => operationEndpoint(master, r, 'CREATE')));
  both('/destroy-volumes', leaderOnly((r) => operationEndpoint(master, r, 'DESTROY')));
  both('/api/v1/scheduler', (r) => scheduler(master, r, redirect));
  both('/api/v1', (r) => {
    if (!master.elected) return redirect(r);
    if (!master.recovered) return sendText(r.res, 503, NOT_RECOVERED);
    return operatorApi(master, r);
  });
  uiRoutes(router);
  filesRoutes(router, master.attached);

  // The internal agent protocol (PROTOCOL.md).
  router.on('*', '/mesos-up/agent/:call', async (r) => {
    if (!master.elected) return redirect(r);
    // A recovering master drops agent messages (Master::_visit); the agent tries again.
    if (!master.recovered) return sendText(r.res, 503, NOT_RECOVERED);
    if (r.method !== 'POST') return sendEmpty(r.res, 405, { Allow: 'POST' });
    let body: Pb;
    try {
      body = JSON.parse((await r.body()) || '{}');
    } catch (err) {
      return sendText(r.res, 400, `Failed to parse body into JSON: ${(err as Error).message}`);
    }
    // A real master pings each agent every agent_ping_timeout; here the agents
    // ping, so they are told how often: a third of it, so a shortened timeout
    // (masters.flags) does not find live agents silent.
    const pingInterval = Math.max(200, Math.floor(master.cfg.agentPingTimeoutMs / 3));
    switch (r.params.call) {
      case 'register': {
        const registered = await master.agentLink.register(body);
        if (registered && 'shutdown' in registered) return sendJson(r.res, 403, registered);
        return registered ? sendJson(r.res, 200, { ...registered, ping_interval_ms: pingInterval }) : sendText(r.res, 503, 'Re-registration of this agent is already in progress');
      }
      case 'ping':
        return master.agentLink.ping(String(body?.agent_id ?? '')) ? sendJson(r.res, 200, { ping_interval_ms: pingInterval }) : sendJson(r.res, 404, {});
      case 'status':
        return master.agentLink.status(body) ? sendEmpty(r.res, 202) : sendJson(r.res, 404, {});
      default:
        return sendEmpty(r.res, 404);
    }
  });
  return router;
}

/** POST /master/teardown `frameworkId=<id>` (the operator endpoint). */
async function teardownEndpoint(master: Master, r: Request): Promise<void> {
  if (r.method !== 'POST') {
    return sendMethodNotAllowed(r.res, ['POST'], r.method);
  }
  const form = new URLSearchParams(await r.body());
  const id = form.get('frameworkId');
  if (!id) return sendText(r.res, 400, "Missing 'frameworkId' query parameter in the request body");
  const fw = master.books.frameworks.get(id);
  if (!fw) return sendText(r.res, 400, `No framework found with specified ID`);
  master.scheduler.removeFramework(fw);
  sendEmpty(r.res, 200);
}

/** GET /weights (WeightInfo JSON) and PUT /weights (a JSON array of them), as Master::WeightsHandler serves them. */
async function weightsEndpoint(master: Master, r: Request): Promise<void> {
  if (r.method === 'GET') return sendJsonOk(r, master.roles.weightInfos());
  if (r.method !== 'PUT') return sendMethodNotAllowed(r.res, ['GET', 'PUT'], r.method);
  const body = await r.body();
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    return sendText(r.res, 400, `Failed to parse update weights request JSON '${body}': ${(err as Error).message}`);
  }
  // (JSON::parse<JSON::Array>'s text for any other JSON)
  if (!Array.isArray(json)) return sendText(r.res, 400, `Failed to parse update weights request JSON '${body}': Unexpected JSON type parsed`);
  const infos: Pb[] = [];
  for (const item of json) {
    const parsed = parseJson(messageType('mesos.v1.WeightInfo'), item);
    if ('error' in parsed) return sendText(r.res, 400, `Failed to convert weights JSON array to protobuf '${body}': ${parsed.error}`);
    infos.push(parsed.message);
  }
  const error = await master.roles.updateWeights(infos);
  if (error) return sendText(r.res, 400, error);
  sendEmpty(r.res, 200);
}

/** /quota: GET the QuotaStatus, POST a QuotaRequest, DELETE /quota/<role> (Master::QuotaHandler). */
async function quotaEndpoint(master: Master, r: Request): Promise<void> {
  // libprocess hands the handler the master's own path: /master/quota/<role>
  const path = r.path.startsWith('/master/') ? r.path : `/master${r.path}`;
  if (r.method === 'GET') return sendJsonOk(r, printJson(messageType('mesos.v1.quota.QuotaStatus'), master.quotas.status()));
  if (r.method === 'POST') {
    const body = await r.body();
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (err) {
      return sendText(r.res, 400, `Failed to parse set quota request JSON '${body}': ${(err as Error).message}`);
    }
    if (!json || typeof json !== 'object' || Array.isArray(json)) return sendText(r.res, 400, `Failed to parse set quota request JSON '${body}': Unexpected JSON type parsed`);
    const parsed = parseJson(messageType('mesos.v1.quota.QuotaRequest'), json);
    if ('error' in parsed) return sendText(r.res, 400, `Failed to validate set quota request JSON '${body}': ${parsed.error}`);
    const answer = await master.quotas.set(parsed.message);
    return answer.status === 200 ? sendEmpty(r.res, 200) : sendText(r.res, answer.status, answer.message);
  }
  if (r.method === 'DELETE') {
    const tokens = path.split('/').filter(Boolean);
    if (tokens.length < 3) return sendText(r.res, 400, `Failed to parse remove quota request for path '${path}': expected 3 tokens, found ${tokens.length} tokens`);
    const role = tokens.slice(2).join('/');
    if (!master.books.quotas.has(role)) return sendText(r.res, 400, `Failed to remove quota for path '${path}': Role '${role}' has no quota set`);
    const answer = await master.quotas.remove(role);
    return answer.status === 200 ? sendEmpty(r.res, 200) : sendText(r.res, answer.status, answer.message);
  }
  return sendMethodNotAllowed(r.res, ['GET', 'POST', 'DELETE'], r.method);
}

/** Master::Http::scheduler: POST /api/v1/scheduler. */
async function scheduler(master: Master, r: Request, redirect: (r: Request) => void): Promise<void> {
  const { req, res } = r;
  if (!master.elected) return redirect(r);
  if (!master.recovered) return sendText(res, 503, NOT_RECOVERED);
  if (r.method !== 'POST') {
    return sendMethodNotAllowed(res, ['POST'], r.method);
  }
  const decoded = decodeCall('mesos.v1.scheduler.Call', lastHeader(req, 'content-type'), await r.rawBody());
  if ('status' in decoded) return sendText(res, decoded.status, decoded.message);
  const call = decoded.call;
  const invalid = validateCall(call);
  if (invalid) return sendText(res, 400, `Failed to validate scheduler::Call: ${invalid}`);

  let answerType: ContentType | undefined;
  if (call.type === 'SUBSCRIBE' || call.type === 'RECONCILE_OPERATIONS') {
    answerType = acceptType(req);
    if (!answerType) return sendText(res, 406, NOT_ACCEPTABLE);
  }

  if (call.type === 'SUBSCRIBE') {
    if (lastHeader(req, 'mesos-stream-id') !== undefined) {
      return sendText(res, 400, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
    }
    const stream: EventStream = { id: randomUUID(), res, closed: false, contentType: answerType! };
    res.writeHead(200, { 'Content-Type': answerType!, 'Mesos-Stream-Id': stream.id });
    res.flushHeaders();
    req.socket.setKeepAlive(true, 5000);
    req.socket.setNoDelay(true);
    master.scheduler.subscribe(stream, call.subscribe);
    return;
  }

  const fw = master.books.frameworks.get(call.framework_id.value);
  if (!fw) return sendText(res, 400, 'Framework cannot be found');
  fwCount(fw, 'calls');
  if (call.type !== 'UNKNOWN') fwCount(fw, `calls/${String(call.type).toLowerCase()}`);
  if (!fw.connected) return sendText(res, 403, 'Framework is not subscribed');
  if (!fw.stream) return sendText(res, 403, 'Framework is not connected via HTTP');
  const streamId = lastHeader(req, 'mesos-stream-id');
  if (streamId === undefined) return sendText(res, 400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
  if (streamId !== fw.stream.id) {
    return sendText(res, 400, `The stream ID '${String(streamId)}' included in this request didn't match the stream ID currently associated with framework ID ${fw.id}`);
  }

  switch (call.type) {
    case 'TEARDOWN':
      master.scheduler.teardown(fw);
      break;
    case 'ACCEPT':
      master.scheduler.accept(fw, call.accept);
      break;
    case 'DECLINE':
      master.scheduler.decline(fw, call.decline);
      break;
    case 'ACCEPT_INVERSE_OFFERS':
      master.books.maintenance.answer(fw, 'ACCEPT', call.accept_inverse_offers);
      break;
    case 'DECLINE_INVERSE_OFFERS':
      master.books.maintenance.answer(fw, 'DECLINE', call.decline_inverse_offers);
      break;
    case 'REVIVE':
      master.scheduler.revive(fw);
      break;
    case 'SUPPRESS':
      master.scheduler.suppress(fw);
      break;
    case 'KILL':
      master.scheduler.kill(fw, call.kill);
      break;
    case 'SHUTDOWN':
      master.scheduler.shutdown(fw, call.shutdown);
      break;
    case 'ACKNOWLEDGE':
      master.scheduler.acknowledge(fw, call.acknowledge);
      break;
    case 'ACKNOWLEDGE_OPERATION_STATUS':
      master.books.count('master/messages_operation_status_update_acknowledgement');
      break;
    case 'RECONCILE':
      master.scheduler.reconcile(fw, call.reconcile);
      break;
    case 'RECONCILE_OPERATIONS':
      master.books.count('master/messages_reconcile_operations');
      return sendMessage(res, 'mesos.v1.scheduler.Response', answerType!, { type: 'RECONCILE_OPERATIONS', reconcile_operations: {} });
    case 'MESSAGE':
      master.scheduler.message(fw, call.message);
      break;
    case 'REQUEST':
      master.scheduler.request(fw);
      break;
    default:
      glog('http.cpp:1140').warn("Received 'UNKNOWN' call");
      return sendEmpty(res, 501);
  }
  sendEmpty(res, 202);
}
