// The maintenance endpoints and operator calls: /maintenance/schedule (GET,
// POST), /maintenance/status, /machine/down, /machine/up, and the v1 calls
// GET_MAINTENANCE_SCHEDULE/STATUS, UPDATE_MAINTENANCE_SCHEDULE,
// START_MAINTENANCE and STOP_MAINTENANCE, which share their handlers
// (Master::Http::_updateMaintenanceSchedule, _startMaintenance,
// _stopMaintenance in src/master/http.cpp; validation in maintenance.cpp,
// 1.7.1). Every refusal is a 400 with the bare text; success is 200, no body.
import { isIPv4 } from 'node:net';
import { sendEmpty, sendJsonOk, sendMethodNotAllowed, sendText, type Request } from '../common/http.js';
import { messageType } from '../common/proto/schema.js';
import { printJson } from '../common/proto/stout-json.js';
import { parseMessages } from './json-body.js';
import { glog } from './log.js';
import { machineKey, machineText, type MachineId, type MachineInfo } from './maintenance.js';
import type { Master } from './master.js';
import { removeAgent, storeMaintenance } from './registrar.js';
import type { Pb } from './types.js';

type Answer = { status: 200 } | { status: 400; message: string };

const DOWN_MESSAGE = "Operator initiated 'Machine DOWN'";

/** One maintenance change at a time: each reads the machines the previous one left (the master's actor runs them in turn). */
let queue: Promise<unknown> = Promise.resolve();
function inTurn<T>(fn: () => Promise<T>): Promise<T> {
  const next = queue.then(fn, fn);
  queue = next.catch(() => undefined);
  return next;
}

/** validation::machine */
function machineError(id: MachineId): string | undefined {
  if (!id.hostname && !id.ip) return "Both 'hostname' and 'ip' for a machine are empty";
  if (id.ip && !isIPv4(id.ip)) return `Failed to parse IPv4: ${id.ip}`;
  return undefined;
}

/** validation::schedule: windows with machines, no negative duration, each machine once, DOWN machines kept. */
function scheduleError(master: Master, schedule: Pb): string | undefined {
  const seen = new Set<string>();
  for (const w of schedule.windows ?? []) {
    if (!w.machine_ids?.length) return 'List of machines in the maintenance window is empty';
    if (Number(w.unavailability?.duration?.nanoseconds ?? 0) < 0) return "Unavailability 'duration' is negative";
    for (const id of w.machine_ids as MachineId[]) {
      const err = machineError(id);
      if (err) return err;
      if (seen.has(machineKey(id))) return `Machine '${machineText(id)}' appears more than once in the schedule`;
      seen.add(machineKey(id));
    }
  }
  for (const m of master.books.maintenance.machines.values()) {
    if (m.mode === 'DOWN' && !seen.has(machineKey(m.id))) return `Machine '${machineText(m.id)}' is deactivated and cannot be removed from the schedule`;
  }
  return undefined;
}

/** validation::machines */
function machinesError(ids: MachineId[]): string | undefined {
  if (ids.length === 0) return 'List of machines is empty';
  const seen = new Set<string>();
  for (const id of ids) {
    const err = machineError(id);
    if (err) return err;
    if (seen.has(machineKey(id))) return `Machine '${machineText(id)}' appears more than once in the schedule`;
    seen.add(machineKey(id));
  }
  return undefined;
}

/**
 * UPDATE_MAINTENANCE_SCHEDULE: new machines drain, machines left out are up
 * again, scheduled ones keep their mode with the new unavailability; every
 * registered agent's offers and inverse offers are rescinded, as 1.7.1 does.
 */
export function updateSchedule(master: Master, schedule: Pb): Promise<Answer> {
  return inTurn(() => applySchedule(master, schedule));
}

async function applySchedule(master: Master, schedule: Pb): Promise<Answer> {
  const err = scheduleError(master, schedule);
  if (err) return { status: 400, message: err };
  const m = master.books.maintenance;
  const next = new Map<string, MachineInfo>();
  for (const w of schedule.windows ?? []) {
    for (const id of w.machine_ids as MachineId[]) {
      const old = m.machines.get(machineKey(id));
      next.set(machineKey(id), { id, mode: old?.mode === 'DOWN' ? 'DOWN' : 'DRAINING', unavailability: w.unavailability });
    }
  }
  await master.registrar.apply(storeMaintenance(schedule, [...next.values()]));
  m.machines.clear();
  for (const [k, v] of next) m.machines.set(k, v);
  m.schedule = schedule.windows?.length ? schedule : {};
  for (const agent of master.books.agents.values()) m.resetAgent(agent);
  master.allocator.allocateSoon();
  return { status: 200 };
}

/** START_MAINTENANCE: draining machines go DOWN; their agents are told to shut down and removed, their tasks lost. */
export function startMaintenance(master: Master, ids: MachineId[]): Promise<Answer> {
  return inTurn(() => machinesDown(master, ids));
}

async function machinesDown(master: Master, ids: MachineId[]): Promise<Answer> {
  const m = master.books.maintenance;
  const err = machinesError(ids) ?? checkModes(master, ids, 'DRAINING', 'is not in DRAINING mode and cannot be brought down');
  if (err) return { status: 400, message: err };
  const next = [...m.machines.values()].map((x) => (ids.some((id) => machineKey(id) === machineKey(x.id)) ? { ...x, mode: 'DOWN' as const } : x));
  await master.registrar.apply(storeMaintenance(m.schedule, next));
  for (const id of ids) {
    for (const agent of m.agentsOn(id)) {
      void master.books.toAgent(agent, '/mesos-up/shutdown', { message: DOWN_MESSAGE });
      glog('master.cpp:10611').info(`Removing agent ${agent.id} at ${agent.pid} (${agent.hostname}): ${DOWN_MESSAGE}`);
      await master.registrar.apply(removeAgent(agent.id));
      master.agentLink.removeAgent(agent, DOWN_MESSAGE);
    }
    m.machines.get(machineKey(id))!.mode = 'DOWN';
  }
  return { status: 200 };
}

/** STOP_MAINTENANCE: down machines are up again and leave the schedule; their agents may register again. */
export function stopMaintenance(master: Master, ids: MachineId[]): Promise<Answer> {
  return inTurn(() => machinesUp(master, ids));
}

async function machinesUp(master: Master, ids: MachineId[]): Promise<Answer> {
  const m = master.books.maintenance;
  const err = machinesError(ids) ?? checkModes(master, ids, 'DOWN', 'is not in DOWN mode and cannot be brought up');
  if (err) return { status: 400, message: err };
  const gone = new Set(ids.map(machineKey));
  const windows = (m.schedule.windows ?? [])
    .map((w: Pb) => ({ ...w, machine_ids: (w.machine_ids as MachineId[]).filter((id) => !gone.has(machineKey(id))) }))
    .filter((w: Pb) => w.machine_ids.length > 0);
  const schedule = windows.length ? { windows } : {};
  const next = [...m.machines.values()].filter((x) => !gone.has(machineKey(x.id)));
  await master.registrar.apply(storeMaintenance(schedule, next));
  for (const k of gone) m.machines.delete(k);
  m.schedule = schedule;
  return { status: 200 };
}

/** Each machine known to the master and in the mode the change starts from. */
function checkModes(master: Master, ids: MachineId[], from: 'DRAINING' | 'DOWN', wrong: string): string | undefined {
  for (const id of ids) {
    if (!master.books.maintenance.known(id)) return `Machine '${machineText(id)}' is not part of a maintenance schedule`;
    if ((master.books.maintenance.machine(id)?.mode ?? 'UP') !== from) return `Machine '${machineText(id)}' ${wrong}`;
  }
  return undefined;
}

/** JSON::protobuf of a message as the endpoints write it: stout's JSON::Object keeps keys sorted. */
function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortedKeys((v as Pb)[k])]));
  return v;
}

const endpointJson = (type: string, message: Pb) => sortedKeys(printJson(messageType(type), message));

const reply = (r: Request, a: Answer) => (a.status === 200 ? sendEmpty(r.res, 200) : sendText(r.res, 400, a.message));

/** /maintenance/schedule: GET the schedule, POST a new one. */
export async function scheduleEndpoint(master: Master, r: Request): Promise<void> {
  if (r.method === 'GET') return sendJsonOk(r, endpointJson('mesos.v1.maintenance.Schedule', master.books.maintenance.schedule));
  if (r.method !== 'POST') return sendMethodNotAllowed(r.res, ['GET', 'POST'], r.method);
  const parsed = parseMessages(await r.body(), 'object', 'mesos.v1.maintenance.Schedule');
  if ('error' in parsed) return sendText(r.res, 400, parsed.error);
  reply(r, await updateSchedule(master, parsed.value));
}

/** /maintenance/status */
export function statusEndpoint(master: Master, r: Request): void {
  if (r.method !== 'GET') return sendMethodNotAllowed(r.res, ['GET'], r.method);
  sendJsonOk(r, endpointJson('mesos.v1.maintenance.ClusterStatus', master.books.maintenance.status()));
}

/** /machine/down and /machine/up: a JSON array of MachineIDs. */
export async function machineEndpoint(master: Master, r: Request, change: 'down' | 'up'): Promise<void> {
  if (r.method !== 'POST') return sendMethodNotAllowed(r.res, ['POST'], r.method);
  const parsed = parseMessages(await r.body(), 'array', 'mesos.v1.MachineID');
  if ('error' in parsed) return sendText(r.res, 400, parsed.error);
  reply(r, change === 'down' ? await startMaintenance(master, parsed.value) : await stopMaintenance(master, parsed.value));
}

