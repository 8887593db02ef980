// Operators reserve, unreserve, create and destroy volumes: the v1 calls
// RESERVE_RESOURCES, UNRESERVE_RESOURCES, CREATE_VOLUMES, DESTROY_VOLUMES and
// the form endpoints /reserve, /unreserve, /create-volumes, /destroy-volumes
// (Master::Http::_reserve, _unreserve, _createVolumes, _destroyVolumes and
// _operation in src/master/http.cpp, 1.7.1). No ACLs here: every request is
// authorized, and no principal is known (HTTP authentication is off).
import * as L from '../common/resource-list.js';
import { sendEmpty, sendMethodNotAllowed, sendText, type Request } from '../common/http.js';
import { parseMessages } from './json-body.js';
import { operateOnAgent, operationOf, resizeOf, volumesInUse } from './agent-resources.js';
import { describeAgent } from './log.js';
import type { Master } from './master.js';
import { OPERATION_FIELD, operationFormatError, validateCreate, validateDestroy, validateGrow, validateReserve, validateShrink, validateUnreserve } from './operation-validation.js';
import type { Pb } from './types.js';

export type OperationType = 'RESERVE' | 'UNRESERVE' | 'CREATE' | 'DESTROY';

/** One operator operation on a registered agent: 202, or 400/409 with the master's text. */
export function operate(master: Master, type: OperationType, agentId: string, resources: Pb[]): { status: 202 } | { status: 400 | 409; message: string } {
  const books = master.books;
  const agent = books.agents.get(agentId);
  if (!agent) return { status: 400, message: 'No agent found with specified ID' };
  const key = type === 'CREATE' || type === 'DESTROY' ? 'volumes' : 'resources';
  const format = operationFormatError({ type, [OPERATION_FIELD[type]![1]]: { [key]: resources } }, resources);
  if (format) return { status: 400, message: format };
  const error =
    type === 'RESERVE' ? validateReserve(resources, {})
    : type === 'UNRESERVE' ? validateUnreserve(resources)
    : type === 'CREATE' ? validateCreate(resources, agent.checkpointed, {})
    : validateDestroy(resources, agent.checkpointed, volumesInUse(agent));
  if (error) {
    const where = type === 'RESERVE' || type === 'CREATE' ? ` on agent ${describeAgent(agent)}` : '';
    return { status: 400, message: `Invalid ${type} operation${where}: ${error}` };
  }
  const op = operationOf(type, resources);
  // what must be free on the agent: RESERVE the resources one reservation down,
  // CREATE the disk without volume info, UNRESERVE and DESTROY the resources themselves
  const list = L.upgrade(resources);
  const required = type === 'RESERVE' ? list.map(L.popReservation) : type === 'CREATE' ? list.map(L.stripVolume) : list;
  return operateOnAgent(books, master.allocator, agent, op, required);
}

const CALLS: Record<string, [OperationType, string, string]> = {
  RESERVE_RESOURCES: ['RESERVE', 'reserve_resources', 'resources'],
  UNRESERVE_RESOURCES: ['UNRESERVE', 'unreserve_resources', 'resources'],
  CREATE_VOLUMES: ['CREATE', 'create_volumes', 'volumes'],
  DESTROY_VOLUMES: ['DESTROY', 'destroy_volumes', 'volumes'],
};

/**
 * GROW_VOLUME and SHRINK_VOLUME (Master::Http::growVolume, shrinkVolume): the
 * volume grown by the addition, or shrunk and the rest freed, when what it
 * needs is free on the agent.
 */
export function resize(master: Master, call: Pb): { status: 202 } | { status: 400 | 409; message: string } {
  const grow = call.type === 'GROW_VOLUME';
  const body = grow ? call.grow_volume : call.shrink_volume;
  const agent = master.books.agents.get(body.agent_id.value);
  if (!agent) return { status: 400, message: 'No agent found with specified ID' };
  const op = { type: call.type, [grow ? 'grow_volume' : 'shrink_volume']: body };
  const format = operationFormatError(op, grow ? [body.volume, body.addition] : [body.volume]);
  if (format) return { status: 400, message: format };
  const error = grow ? validateGrow(body.volume, body.addition) : validateShrink(body.volume, Number(body.subtract?.value ?? 0));
  if (error) return { status: 400, message: `Invalid ${call.type} operation on agent ${describeAgent(agent)}: ${error}` };
  const operation = resizeOf(op);
  const [[required]] = L.conversions(operation) as [[L.ResList, L.ResList]];
  return operateOnAgent(master.books, master.allocator, agent, operation, required);
}

/** The v1 call form: `{type, reserve_resources: {agent_id, resources}}` and the like. */
export function operateCall(master: Master, call: Pb): { status: 202 } | { status: 400 | 409; message: string } {
  const [type, field, key] = CALLS[call.type]!;
  const body = call[field];
  return operate(master, type, body.agent_id.value, Array.isArray(body[key]) ? body[key] : []);
}

const PARAM: Record<OperationType, string> = { RESERVE: 'resources', UNRESERVE: 'resources', CREATE: 'volumes', DESTROY: 'volumes' };

/** POST /reserve, /unreserve, /create-volumes, /destroy-volumes with form fields `slaveId` and `resources` or `volumes`. */
export async function operationEndpoint(master: Master, r: Request, type: OperationType): Promise<void> {
  if (r.method !== 'POST') return sendMethodNotAllowed(r.res, ['POST'], r.method);
  const values = new URLSearchParams(await r.body());
  const slaveId = values.get('slaveId');
  if (slaveId === null) return sendText(r.res, 400, "Missing 'slaveId' query parameter in the request body");
  const param = PARAM[type];
  const text = values.get(param);
  if (text === null) return sendText(r.res, 400, `Missing '${param}' query parameter in the request body`);
  const prefix = `Error in parsing '${param}' query parameter in the request body: `;
  const parsed = parseMessages(text, 'array', 'mesos.v1.Resource');
  if ('error' in parsed) return sendText(r.res, 400, prefix + parsed.error);
  const resources: Pb[] = parsed.value;
  const answer = operate(master, type, slaveId, resources);
  if (answer.status === 202) return sendEmpty(r.res, 202);
  return sendText(r.res, answer.status, answer.message);
}
