// The agent's v1 operator API, POST /api/v1 (Http::api and _api in
// src/slave/http.cpp, 1.7.1): the call in JSON or protobuf, the answer in the
// accepted encoding, with the agent's own texts (they differ from the
// master's). The reads answer from the agent's books; the container calls
// this agent does not carry out answer 501 with no body, as 1.7.1 answers a
// call it does not know. Loaded on the first call (protobufjs stays out of an
// agent's start-up).
import type http from 'node:http';
import { sendEmpty, sendMethodNotAllowed, sendText, type Request } from '../common/http.js';
import { LoggingLevel } from '../common/log.js';
import { sendFilesError } from '../common/files.js';
import { listFilesResponse, readFileResponse } from '../common/proto/files-calls.js';
import * as L from '../common/resource-list.js';
import { v1Attributes } from '../common/resources.js';
import {
  accepts, acceptType, APPLICATION_JSON, APPLICATION_PROTOBUF, decodeBody, headerAccepts, lastHeader, missingCallField, sendMessage, type ContentType,
} from '../common/proto/wire.js';
import { RecordDecoder } from '../common/recordio.js';
import type { Agent, ExecutorRecord, FrameworkRecord, TaskGroupExecutor, TaskRecord } from './agent.js';
import { BUILD_DATE, BUILD_TIME, BUILD_USER, MESOS_VERSION, sortedFlags } from './config.js';
import {
  APPLICATION_RECORDIO, attachInput, attachOutput, killNested, launchSession, removeNested, validateNested, waitNested, type MediaTypes,
} from './session-api.js';
import { executorStatistics } from './statistics.js';
import { isTerminal, type TaskInfo } from './types.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Pb = any;

const CALL = 'mesos.v1.agent.Call';
const RESPONSE = 'mesos.v1.agent.Response';
const MESSAGE_CONTENT_TYPE = 'message-content-type';
const MESSAGE_ACCEPT = 'message-accept';

/** GET/SET_LOGGING_LEVEL's verbosity, one per agent process. */
const logging = new LoggingLevel();

/** protobuf::createTask, and the Task the agent keeps once the executor has it. */
function taskV1(agent: Agent, t: TaskRecord, queued: boolean): Pb {
  const info: TaskInfo = t.info;
  const out: Pb = {
    name: info.name,
    task_id: info.task_id,
    framework_id: { value: t.frameworkId },
    // a task of a group names its default executor (command tasks: none)
    ...(info.executor?.type === 'DEFAULT' ? { executor_id: info.executor.executor_id } : {}),
    agent_id: { value: agent.agentId || info.agent_id?.value || '' },
    state: queued ? 'TASK_STAGING' : t.state,
    resources: info.resources ?? [],
    statuses: queued ? [] : t.statuses.map(({ data: _data, ...s }) => s),
  };
  const latest = t.statuses.at(-1);
  if (!queued && latest) {
    out.status_update_state = latest.state;
    if (latest.uuid) out.status_update_uuid = latest.uuid;
  }
  if (info.labels) out.labels = info.labels;
  if (info.discovery) out.discovery = info.discovery;
  if (info.container) out.container = info.container;
  if (info.command?.user) out.user = info.command.user;
  return out;
}

/** Slave::getExecutorInfo: the command executor the agent made for a task. */
function executorInfoV1(fw: FrameworkRecord, exec: ExecutorRecord): Pb {
  const task = exec.task.info;
  const command: Pb = { shell: false, value: '/usr/libexec/mesos/mesos-executor', arguments: ['mesos-executor', '--launcher_dir=/usr/libexec/mesos'] };
  if (task.command?.uris) command.uris = task.command.uris;
  if (task.command?.environment) command.environment = task.command.environment;
  if (task.command?.user) command.user = task.command.user;
  const out: Pb = { executor_id: { value: exec.id }, framework_id: { value: fw.id }, command, resources: L.format(exec.resources, 'post', exec.role), name: exec.name, source: exec.source };
  if (task.container) out.container = task.container;
  if (task.labels) out.labels = task.labels;
  if (task.discovery) out.discovery = task.discovery;
  return out;
}

function getTasks(agent: Agent): Pb {
  const out: Pb = { pending_tasks: [], queued_tasks: [], launched_tasks: [], terminated_tasks: [], completed_tasks: [] };
  for (const fw of [...agent.frameworks.values(), ...agent.completedFrameworks]) {
    for (const exec of fw.executors.values()) {
      const t = exec.task;
      if (t.state === 'TASK_STAGING' && t.statuses.length === 0) out.queued_tasks.push(taskV1(agent, t, true));
      else if (isTerminal(t.state)) out.terminated_tasks.push(taskV1(agent, t, false));
      else out.launched_tasks.push(taskV1(agent, t, false));
    }
    for (const exec of fw.completedExecutors) out.completed_tasks.push(taskV1(agent, exec.task, false));
  }
  return out;
}

/** One entry per executor: a command executor per task, a default executor (task groups) once, as the scheduler gave it. */
function executorEntries(fw: FrameworkRecord, execs: Iterable<ExecutorRecord>): Pb[] {
  const seen = new Set<TaskGroupExecutor>();
  const out: Pb[] = [];
  for (const exec of execs) {
    if (!exec.group) out.push({ executor_info: executorInfoV1(fw, exec) });
    else if (!seen.has(exec.group)) {
      seen.add(exec.group);
      out.push({ executor_info: { ...exec.group.info, framework_id: { value: fw.id } } });
    }
  }
  return out;
}

function getExecutors(agent: Agent): Pb {
  const out: Pb = { executors: [], completed_executors: [] };
  for (const fw of [...agent.frameworks.values(), ...agent.completedFrameworks]) {
    out.executors.push(...executorEntries(fw, fw.executors.values()));
    out.completed_executors.push(...executorEntries(fw, fw.completedExecutors));
  }
  return out;
}

function getFrameworks(agent: Agent): Pb {
  return {
    frameworks: [...agent.frameworks.values()].map((fw) => ({ framework_info: fw.info })),
    completed_frameworks: agent.completedFrameworks.map((fw) => ({ framework_info: fw.info })),
  };
}

async function getContainers(agent: Agent): Promise<Pb> {
  const stats = await executorStatistics(agent);
  return {
    containers: stats.map(({ fw, exec, statistics }) => ({
      framework_id: { value: fw.id },
      executor_id: { value: exec.id },
      executor_name: exec.name,
      container_id: { value: exec.containerId },
      container_status: { container_id: { value: exec.containerId }, ...(exec.task.statuses.at(-1)?.container_status?.network_infos ? { network_infos: exec.task.statuses.at(-1)!.container_status!.network_infos } : {}) },
      resource_statistics: statistics,
    })),
  };
}

function agentInfo(agent: Agent): Pb {
  const info: Pb = { hostname: agent.cfg.hostname, port: agent.cfg.advertisedPort, resources: L.format(agent.cfg.resources, 'post'), attributes: v1Attributes(agent.cfg.attributes) };
  // (the id comes with the registration)
  if (agent.agentId) info.id = { value: agent.agentId };
  return info;
}

/** The agent's texts for a body that is not a Call (deserialize<T> in src/common/http.hpp). */
function callFrom(bytes: Buffer, contentType: ContentType): { call: Pb } | { message: string } {
  const d = decodeBody(CALL, contentType, bytes);
  if ('call' in d) return d;
  if (d.kind === 'protobuf') return { message: 'Failed to parse body into a protobuf object' };
  if (d.kind === 'json') return { message: `Failed to parse body into JSON: ${d.message}` };
  return { message: d.message };
}

const isMedia = (v: unknown): v is ContentType => v === APPLICATION_JSON || v === APPLICATION_PROTOBUF;

/** Http::api's negotiation: the body's type (RecordIO with an inner type for streamed requests) and the answer's. */
function mediaTypes(req: http.IncomingMessage): MediaTypes | { status: number; message: string } {
  const ct = lastHeader(req, 'content-type');
  if (ct === undefined) return { status: 400, message: "Expecting 'Content-Type' to be present" };
  if (!isMedia(ct) && ct !== APPLICATION_RECORDIO) {
    return { status: 415, message: `Expecting 'Content-Type' of ${APPLICATION_JSON} or ${APPLICATION_PROTOBUF} or ${APPLICATION_RECORDIO}` };
  }
  const media: MediaTypes = { content: ct, accept: APPLICATION_JSON };
  const mct = lastHeader(req, MESSAGE_CONTENT_TYPE);
  if (ct === APPLICATION_RECORDIO) {
    if (mct === undefined) return { status: 400, message: "Expecting 'Message-Content-Type' to be set for streaming requests" };
    if (!isMedia(mct)) return { status: 415, message: `Expecting 'Message-Content-Type' of ${APPLICATION_JSON} or ${APPLICATION_PROTOBUF}` };
    media.messageContent = mct;
  } else if (mct !== undefined) {
    return { status: 415, message: "Expecting 'Message-Content-Type' to be not set for non-streaming requests" };
  }
  const accept = acceptType(req) ?? (accepts(req, APPLICATION_RECORDIO) ? APPLICATION_RECORDIO : undefined);
  if (!accept) return { status: 406, message: `Expecting 'Accept' to allow ${APPLICATION_JSON} or ${APPLICATION_PROTOBUF} or ${APPLICATION_RECORDIO}` };
  media.accept = accept;
  const ma = lastHeader(req, MESSAGE_ACCEPT);
  if (accept === APPLICATION_RECORDIO) {
    media.messageAccept = headerAccepts(ma, APPLICATION_JSON) ? APPLICATION_JSON : headerAccepts(ma, APPLICATION_PROTOBUF) ? APPLICATION_PROTOBUF : undefined;
    if (!media.messageAccept) return { status: 406, message: `Expecting 'Message-Accept' to allow ${APPLICATION_JSON} or ${APPLICATION_PROTOBUF}` };
  } else if (ma !== undefined) {
    return { status: 406, message: "Expecting 'Message-Accept' to be not set for non-streaming responses" };
  }
  return media;
}

/** The first record of a streamed request, and what was read past it. */
function firstRecord(req: http.IncomingMessage, decoder: RecordDecoder): Promise<{ first?: Buffer; rest: Buffer[]; error?: string }> {
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      let records: Buffer[];
      try {
        records = decoder.pushRaw(chunk);
      } catch (err) {
        done({ rest: [], error: (err as Error).message });
        return;
      }
      if (records.length) done({ first: records[0], rest: records.slice(1) });
    };
    const onEnd = () => done({ rest: [] });
    const done = (v: { first?: Buffer; rest: Buffer[]; error?: string }) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onEnd);
      req.pause();
      resolve(v);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    // a client gone before its first record: answered as an empty body (nobody reads it)
    req.on('close', onEnd);
  });
}

/** POST /api/v1 */
export async function agentOperatorApi(agent: Agent, r: Request): Promise<void> {
  const { req, res } = r;
  if (r.method !== 'POST') return sendMethodNotAllowed(res, ['POST'], r.method);
  const media = mediaTypes(req);
  if ('status' in media) return sendText(res, media.status, media.message);
  let read: { call: Pb } | { message: string };
  let streamed: { rest: Buffer[]; decoder: RecordDecoder } | undefined;
  if (media.content === APPLICATION_RECORDIO) {
    const decoder = new RecordDecoder();
    const got = await firstRecord(req, decoder);
    if (got.error) return sendText(res, 400, got.error);
    if (!got.first) return sendText(res, 400, 'Received EOF while reading request body');
    read = callFrom(got.first, media.messageContent!);
    streamed = { rest: got.rest, decoder };
  } else {
    read = callFrom(await r.rawBody(), media.content);
  }
  if ('message' in read) return sendText(res, 400, read.message);
  const call = read.call;
  // (GET_CONTAINERS' and PRUNE_IMAGES' own messages only carry options)
  const invalid = missingCallField(CALL, call, ['get_containers', 'prune_images']) ?? validateNested(call);
  if (invalid) return sendText(res, 400, `Failed to validate agent::Call: ${invalid}`);

  // Http::_api: which calls may stream
  if (streamed && call.type !== 'ATTACH_CONTAINER_INPUT') {
    return sendText(res, 415, `Streaming 'Content-Type' ${APPLICATION_RECORDIO} is not supported for ${call.type} call`);
  }
  if (!streamed && call.type === 'ATTACH_CONTAINER_INPUT') {
    return sendText(res, 415, `Expecting 'Content-Type' to be ${APPLICATION_RECORDIO} for ${call.type} call`);
  }
  if (media.accept === APPLICATION_RECORDIO && call.type !== 'ATTACH_CONTAINER_OUTPUT' && call.type !== 'LAUNCH_NESTED_CONTAINER_SESSION') {
    return sendText(res, 406, `Streaming response is not supported for ${call.type} call`);
  }
  const type = media.accept === APPLICATION_RECORDIO ? media.messageAccept! : media.accept;
  const answer = (response: Pb) => sendMessage(res, RESPONSE, type, response);

  switch (call.type) {
    case 'GET_HEALTH':
      return answer({ type: 'GET_HEALTH', get_health: { healthy: true } });
    case 'GET_FLAGS':
      return answer({ type: 'GET_FLAGS', get_flags: { flags: Object.entries(sortedFlags(agent.cfg)).map(([name, value]) => ({ name, value })) } });
    case 'GET_VERSION':
      return answer({ type: 'GET_VERSION', get_version: { version_info: { version: MESOS_VERSION, build_date: BUILD_DATE, build_time: BUILD_TIME, build_user: BUILD_USER, git_tag: MESOS_VERSION } } });
    case 'GET_METRICS':
      return answer({ type: 'GET_METRICS', get_metrics: { metrics: Object.entries(agent.metrics()).map(([name, value]) => ({ name, value })) } });
    case 'GET_LOGGING_LEVEL':
      return answer({ type: 'GET_LOGGING_LEVEL', get_logging_level: { level: logging.level } });
    case 'SET_LOGGING_LEVEL':
      logging.set(call.set_logging_level.level, call.set_logging_level.duration.nanoseconds / 1e6);
      return sendEmpty(res, 200);
    case 'LIST_FILES':
    case 'READ_FILE': {
      const got = call.type === 'LIST_FILES' ? listFilesResponse(agent.attached, call.list_files.path) : readFileResponse(agent.attached, call.read_file);
      return 'response' in got ? answer(got.response) : sendFilesError(res, got);
    }
    case 'GET_STATE':
      return answer({ type: 'GET_STATE', get_state: { get_tasks: getTasks(agent), get_executors: getExecutors(agent), get_frameworks: getFrameworks(agent) } });
    case 'GET_CONTAINERS':
      return answer({ type: 'GET_CONTAINERS', get_containers: await getContainers(agent) });
    case 'GET_FRAMEWORKS':
      return answer({ type: 'GET_FRAMEWORKS', get_frameworks: getFrameworks(agent) });
    case 'GET_EXECUTORS':
      return answer({ type: 'GET_EXECUTORS', get_executors: getExecutors(agent) });
    case 'GET_OPERATIONS':
      return answer({ type: 'GET_OPERATIONS', get_operations: {} });
    case 'GET_TASKS':
      return answer({ type: 'GET_TASKS', get_tasks: getTasks(agent) });
    case 'GET_AGENT':
      return answer({ type: 'GET_AGENT', get_agent: { agent_info: agentInfo(agent) } });
    case 'GET_RESOURCE_PROVIDERS':
      return answer({ type: 'GET_RESOURCE_PROVIDERS', get_resource_providers: {} });
    case 'LAUNCH_NESTED_CONTAINER_SESSION':
      return launchSession(agent, call, res, media);
    case 'ATTACH_CONTAINER_OUTPUT':
      return attachOutput(call, res, media);
    case 'ATTACH_CONTAINER_INPUT':
      return attachInput(call, req, streamed!.rest, streamed!.decoder, res, media.messageContent!);
    case 'WAIT_NESTED_CONTAINER':
      return waitNested(call, res, type);
    case 'KILL_NESTED_CONTAINER':
      return killNested(call, res);
    case 'REMOVE_NESTED_CONTAINER':
      return removeNested(call, res);
    default:
      // UNKNOWN, and the other container and resource provider calls (README)
      return sendEmpty(res, 501);
  }
}
