// The master's v1 operator API, POST /api/v1 (Master::Http::api in
// src/master/http.cpp, 1.7.1): the call in JSON or protobuf, validated as
// validation::master::call::validate does, answered in the accepted encoding
// from the same books /master/state reads. Every 1.7.1 call type is carried
// out; UNKNOWN answers 501 with no body, as a 1.7.1 master does.
import { sendFilesError } from '../common/files.js';
import { listFilesResponse, readFileResponse } from '../common/proto/files-calls.js';
import { sendEmpty, sendMethodNotAllowed, sendText, type Request } from '../common/http.js';
import { acceptType, decodeCall, lastHeader, missingCallField, NOT_ACCEPTABLE, sendMessage, type ContentType } from '../common/proto/wire.js';
import { flagsObject } from './config.js';
import { metricsJson, versionJson } from './json.js';
import { glog } from './log.js';
import type { Master } from './master.js';
import type { Pb } from './types.js';
import { startMaintenance, stopMaintenance, updateSchedule } from './maintenance-api.js';
import { resourcesInvalid } from './operation-validation.js';
import { operateCall, resize } from './reservations-api.js';
import { getAgentsV1, getExecutorsV1, getFrameworksV1, getStateV1, getTasksV1 } from './v1-model.js';

const CALL = 'mesos.v1.master.Call';
const RESPONSE = 'mesos.v1.master.Response';

/** validation::master::call::validate */
function validate(call: Pb): string | undefined {
  const missing = missingCallField(CALL, call);
  if (missing) return missing;
  if (call.type === 'RESERVE_RESOURCES' || call.type === 'UNRESERVE_RESOURCES') {
    const invalid = resourcesInvalid(call[String(call.type).toLowerCase()].resources ?? []);
    if (invalid) return invalid;
  }
  if ((call.type === 'GROW_VOLUME' || call.type === 'SHRINK_VOLUME') && call[String(call.type).toLowerCase()].agent_id === undefined) {
    return "Expecting 'agent_id' to be present; only agent default resources are supported right now";
  }
  return undefined;
}

/** POST /api/v1 once the master leads and has recovered (server.ts checks both). */
export async function operatorApi(master: Master, r: Request): Promise<void> {
  const { req, res } = r;
  if (r.method !== 'POST') return sendMethodNotAllowed(res, ['POST'], r.method);
  const decoded = decodeCall(CALL, lastHeader(req, 'content-type'), await r.rawBody());
  if ('status' in decoded) return sendText(res, decoded.status, decoded.message);
  const call = decoded.call;
  const invalid = validate(call);
  if (invalid) return sendText(res, 400, `Failed to validate master::Call: ${invalid}`);
  glog('http.cpp:684').info(`Processing call ${call.type}`);
  const type = acceptType(req);
  if (!type) return sendText(res, 406, NOT_ACCEPTABLE);
  const answer = (response: Pb) => sendMessage(res, RESPONSE, type, response);
  const books = master.books;

  switch (call.type) {
    case 'GET_HEALTH':
      return answer({ type: 'GET_HEALTH', get_health: { healthy: true } });
    case 'GET_FLAGS':
      return answer({ type: 'GET_FLAGS', get_flags: { flags: Object.entries(flagsObject(master.cfg)).map(([name, value]) => ({ name, value })) } });
    case 'GET_VERSION':
      return answer({ type: 'GET_VERSION', get_version: { version_info: versionJson() } });
    case 'GET_METRICS':
      return answer({ type: 'GET_METRICS', get_metrics: { metrics: Object.entries(metricsJson(master)).map(([name, value]) => ({ name, value })) } });
    case 'GET_LOGGING_LEVEL':
      return answer({ type: 'GET_LOGGING_LEVEL', get_logging_level: { level: master.logging.level } });
    case 'SET_LOGGING_LEVEL':
      master.logging.set(call.set_logging_level.level, call.set_logging_level.duration.nanoseconds / 1e6);
      return sendEmpty(res, 200);
    case 'LIST_FILES':
    case 'READ_FILE': {
      const r = call.type === 'LIST_FILES' ? listFilesResponse(master.attached, call.list_files.path) : readFileResponse(master.attached, call.read_file);
      return 'response' in r ? answer(r.response) : sendFilesError(res, r);
    }
    case 'GET_STATE':
      return answer({ type: 'GET_STATE', get_state: getStateV1(books) });
    case 'GET_AGENTS':
      return answer({ type: 'GET_AGENTS', get_agents: getAgentsV1(books) });
    case 'GET_FRAMEWORKS':
      return answer({ type: 'GET_FRAMEWORKS', get_frameworks: getFrameworksV1(books) });
    case 'GET_EXECUTORS':
      return answer({ type: 'GET_EXECUTORS', get_executors: getExecutorsV1(books) });
    case 'GET_OPERATIONS':
      // no resource provider or operation feedback here: nothing is ever pending
      return answer({ type: 'GET_OPERATIONS', get_operations: {} });
    case 'GET_TASKS':
      return answer({ type: 'GET_TASKS', get_tasks: getTasksV1(books) });
    case 'GET_ROLES':
      return answer({ type: 'GET_ROLES', get_roles: { roles: master.roles.list() } });
    case 'GET_WEIGHTS':
      return answer({ type: 'GET_WEIGHTS', get_weights: { weight_infos: master.roles.weightInfos() } });
    case 'UPDATE_WEIGHTS': {
      const error = await master.roles.updateWeights(call.update_weights.weight_infos ?? []); // (an empty list is dropped by the parser)
      if (error) return sendText(res, 400, error);
      return sendEmpty(res, 200);
    }
    case 'GET_MASTER': {
      const getMaster: Pb = { master_info: master.info, start_time: master.startTime };
      if (master.electedTime !== undefined) getMaster.elected_time = master.electedTime;
      return answer({ type: 'GET_MASTER', get_master: getMaster });
    }
    case 'SUBSCRIBE':
      return subscribe(master, r, type);
    case 'GET_MAINTENANCE_STATUS':
      return answer({ type: 'GET_MAINTENANCE_STATUS', get_maintenance_status: { status: books.maintenance.status() } });
    case 'GET_MAINTENANCE_SCHEDULE':
      return answer({ type: 'GET_MAINTENANCE_SCHEDULE', get_maintenance_schedule: { schedule: books.maintenance.schedule } });
    case 'UPDATE_MAINTENANCE_SCHEDULE':
    case 'START_MAINTENANCE':
    case 'STOP_MAINTENANCE': {
      const r =
        call.type === 'UPDATE_MAINTENANCE_SCHEDULE' ? await updateSchedule(master, call.update_maintenance_schedule.schedule)
        : call.type === 'START_MAINTENANCE' ? await startMaintenance(master, call.start_maintenance.machines ?? [])
        : await stopMaintenance(master, call.stop_maintenance.machines ?? []);
      return r.status === 200 ? sendEmpty(res, 200) : sendText(res, r.status, r.message);
    }
    case 'GET_QUOTA':
      return answer({ type: 'GET_QUOTA', get_quota: { status: master.quotas.status() } });
    case 'SET_QUOTA':
    case 'REMOVE_QUOTA': {
      const r = call.type === 'SET_QUOTA' ? await master.quotas.set(call.set_quota.quota_request) : await master.quotas.remove(call.remove_quota.role);
      return r.status === 200 ? sendEmpty(res, 200) : sendText(res, r.status, r.message);
    }
    case 'TEARDOWN': {
      const fw = books.frameworks.get(call.teardown.framework_id.value);
      if (!fw) return sendText(res, 400, 'No framework found with specified ID');
      master.scheduler.removeFramework(fw);
      return sendEmpty(res, 200);
    }
    case 'MARK_AGENT_GONE': {
      const r = await master.agentLink.markGone(call.mark_agent_gone.agent_id.value);
      if (r.status === 200) return sendEmpty(res, 200);
      return sendText(res, r.status, r.message ?? '');
    }
    case 'RESERVE_RESOURCES':
    case 'UNRESERVE_RESOURCES':
    case 'CREATE_VOLUMES':
    case 'DESTROY_VOLUMES':
    case 'GROW_VOLUME':
    case 'SHRINK_VOLUME': {
      const r = call.type === 'GROW_VOLUME' || call.type === 'SHRINK_VOLUME' ? resize(master, call) : operateCall(master, call);
      return r.status === 202 ? sendEmpty(res, 202) : sendText(res, r.status, r.message);
    }
    default:
      // UNKNOWN
      return sendEmpty(res, 501);
  }
}

/** SUBSCRIBE: the state and the events after it on one stream, kept open. */
function subscribe(master: Master, r: Request, type: ContentType): void {
  r.req.socket.setKeepAlive(true, 5000);
  r.req.socket.setNoDelay(true);
  master.books.subscribers.add(r.res, type, { type: 'SUBSCRIBED', subscribed: { get_state: getStateV1(master.books), heartbeat_interval_seconds: 15 } });
}
