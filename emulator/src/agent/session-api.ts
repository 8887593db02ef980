// The nested-container calls of the agent's operator API that exec-into-a-task
// tools use (src/slave/http.cpp: launchNestedContainerSession,
// attachContainerOutput/Input, waitNestedContainer, killNestedContainer,
// removeNestedContainer; the IO switchboard's record stream): a session's
// output as RecordIO records of ProcessIO messages, stdin from a streamed
// request, its termination for WAIT. The processes are nested.ts'.
import type http from 'node:http';
import { sendEmpty, sendText } from '../common/http.js';
import { RecordDecoder } from '../common/recordio.js';
import { decodeBody, record, sendMessage, type ContentType } from '../common/proto/wire.js';
import type { Agent, ExecutorRecord } from './agent.js';
import { containerIdText, NestedContainers, type OutputStream } from './nested.js';
import type { ContainerID } from './types.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Pb = any;

export const APPLICATION_RECORDIO = 'application/recordio';
const PROCESS_IO = 'mesos.v1.agent.ProcessIO';
/** --http_heartbeat_interval's default: the switchboard's CONTROL heartbeats */
const HEARTBEAT_SECONDS = 30;
const SIGKILL = 9;

/** The media types of one request: the body's, and the answer's; the inner ones of RecordIO streams. */
export interface MediaTypes {
  content: ContentType | typeof APPLICATION_RECORDIO;
  messageContent?: ContentType;
  accept: ContentType | typeof APPLICATION_RECORDIO;
  messageAccept?: ContentType;
}

/** One per agent process. */
const nested = new NestedContainers();

function executorOf(agent: Agent, containerId: string): ExecutorRecord | undefined {
  for (const fw of agent.frameworks.values()) for (const e of fw.executors.values()) if (e.containerId === containerId) return e;
  return undefined;
}

/** validation::agent::call::validate's checks of the nested-container calls that this agent carries out. */
export function validateNested(call: Pb): string | undefined {
  const field = String(call.type).toLowerCase();
  const id: ContainerID | undefined = call[field]?.container_id;
  if (!id) return undefined;
  const needsParent = ['launch_nested_container_session', 'wait_nested_container', 'kill_nested_container', 'remove_nested_container'].includes(field);
  if (needsParent && !id.parent) return `Expecting '${field}.container_id.parent' to be present`;
  return undefined;
}

function notFound(res: http.ServerResponse, message: string): void {
  sendText(res, 404, message);
}

/** Streams a session's output: ProcessIO records in the accepted encoding, heartbeats, EOF when it ends. */
function streamOutput(res: http.ServerResponse, id: string, media: MediaTypes, onClose: () => void): boolean {
  const encoding = media.messageAccept ?? (media.accept as ContentType);
  const headers: http.OutgoingHttpHeaders = { 'Content-Type': media.accept };
  if (media.messageAccept) headers['Message-Content-Type'] = media.messageAccept;
  const write = (message: Pb) => {
    if (!res.writableEnded) res.write(record(PROCESS_IO, encoding, message));
  };
  let heartbeat: NodeJS.Timeout | undefined;
  const listener = (stream: OutputStream | 'EOF', data?: Buffer) => {
    if (stream === 'EOF') {
      clearInterval(heartbeat);
      res.end();
      return;
    }
    write({ type: 'DATA', data: { type: stream, data: data!.toString('base64') } });
  };
  res.writeHead(200, headers);
  res.flushHeaders();
  // the switchboard sends its first heartbeat at once, then one per interval
  write({ type: 'CONTROL', control: { type: 'HEARTBEAT', heartbeat: { interval: { nanoseconds: HEARTBEAT_SECONDS * 1e9 } } } });
  heartbeat = setInterval(
    () => write({ type: 'CONTROL', control: { type: 'HEARTBEAT', heartbeat: { interval: { nanoseconds: HEARTBEAT_SECONDS * 1e9 } } } }),
    HEARTBEAT_SECONDS * 1000,
  );
  const closed = () => {
    clearInterval(heartbeat);
    nested.detach(id, listener);
    onClose();
  };
  // (the client may have gone while the call was being read)
  if (res.destroyed) {
    closed();
    return false;
  }
  res.on('close', closed);
  return nested.attach(id, listener);
}

/** LAUNCH_NESTED_CONTAINER_SESSION: start the command in the parent's environment and stream its output; closing the stream ends it. */
export function launchSession(agent: Agent, call: Pb, res: http.ServerResponse, media: MediaTypes): void {
  const c = call.launch_nested_container_session;
  const id: ContainerID = c.container_id;
  const parentText = containerIdText(id.parent!);
  const parent = executorOf(agent, id.parent!.value);
  if (!parent?.runner) return sendText(res, 400, `Parent container ${parentText} does not exist`);
  // _launchContainer answers ALREADY_LAUNCHED with 202, which the session passes on
  const key = containerIdText(id);
  if (nested.has(key)) return sendEmpty(res, 202);
  const proc = parent.runner.startNested(c.command ?? {});
  if (!proc) return sendText(res, 400, `Parent container ${parentText} is in 'DESTROYING' state`);
  if ('error' in proc) return sendText(res, 400, proc.error);
  nested.add(key, proc);
  // nested containers go with their parent
  void parent.runner.done.then(() => nested.kill(key, SIGKILL));
  streamOutput(res, key, media, () => nested.kill(key, SIGKILL));
}

/** ATTACH_CONTAINER_OUTPUT: another reader of a running session's output. */
export function attachOutput(call: Pb, res: http.ServerResponse, media: MediaTypes): void {
  const id: ContainerID = call.attach_container_output.container_id;
  if (!nested.has(containerIdText(id))) return notFound(res, `Container ${containerIdText(id)} cannot be found`);
  streamOutput(res, containerIdText(id), media, () => undefined);
}

/**
 * ATTACH_CONTAINER_INPUT, a streamed request: the first record names the
 * container (it is the call the agent read), the next ones carry stdin; an
 * empty STDIN record closes it. As the IO switchboard does, one input stream
 * at a time (409), and the answer comes when the request ends or the session
 * does; a client that goes away closes stdin.
 */
export function attachInput(first: Pb, req: http.IncomingMessage, rest: Buffer[], decoder: RecordDecoder, res: http.ServerResponse, messageContent: ContentType): void {
  const input = first.attach_container_input;
  if (input?.type !== 'CONTAINER_ID' || !input.container_id) return sendText(res, 400, "Expecting 'attach_container_input.type' to be 'CONTAINER_ID' in the first message");
  const id: ContainerID = input.container_id;
  const claim = nested.claimInput(containerIdText(id));
  if (!claim) return notFound(res, `Container ${containerIdText(id)} cannot be found`);
  if (claim === 'busy') return sendText(res, 409, 'Multiple input connections are not allowed');
  const { proc, release } = claim;
  let answered = false;
  const answer = (status: number, message = '') => {
    if (answered) return;
    answered = true;
    release();
    if (message) sendText(res, status, message);
    else sendEmpty(res, status);
  };
  const handle = (bytes: Buffer) => {
    const d = decodeBody('mesos.v1.agent.Call', messageContent, bytes);
    if (!('call' in d) || d.call.attach_container_input?.type !== 'PROCESS_IO') return;
    const io = d.call.attach_container_input.process_io;
    if (io?.type !== 'DATA' || io.data?.type !== 'STDIN') return; // heartbeats and TTY changes
    const data = Buffer.from(io.data.data ?? '', 'base64');
    if (data.length === 0) proc.end();
    else proc.write(data);
  };
  for (const b of rest) handle(b);
  req.on('data', (chunk: Buffer) => {
    if (answered) return;
    try {
      for (const b of decoder.pushRaw(chunk)) handle(b);
    } catch (err) {
      answer(400, (err as Error).message);
    }
  });
  req.on('end', () => answer(200));
  req.on('close', () => {
    if (!req.complete) proc.end();
    answer(200);
  });
  void nested.ended(containerIdText(id)).then(() => answer(200));
  // (paused once the first record was read)
  req.resume();
}

/** WAIT_NESTED_CONTAINER: the raw wait status once the session has ended. */
export async function waitNested(call: Pb, res: http.ServerResponse, accept: ContentType): Promise<void> {
  const id: ContainerID = call.wait_nested_container.container_id;
  const status = nested.wait(containerIdText(id));
  if (!status) return notFound(res, `Container ${containerIdText(id)} cannot be found`);
  sendMessage(res, 'mesos.v1.agent.Response', accept, { type: 'WAIT_NESTED_CONTAINER', wait_nested_container: { exit_status: await status } });
}

export function killNested(call: Pb, res: http.ServerResponse): void {
  const k = call.kill_nested_container;
  if (!nested.kill(containerIdText(k.container_id), k.signal ?? SIGKILL)) {
    return notFound(res, `Container '${containerIdText(k.container_id)}' cannot be found (or is already killed)`);
  }
  sendEmpty(res, 200);
}

export function removeNested(call: Pb, res: http.ServerResponse): void {
  const id: ContainerID = call.remove_nested_container.container_id;
  const key = containerIdText(id);
  // (MesosContainerizerProcess::remove's refusals)
  if (nested.input(key)) return sendText(res, 500, 'Nested container has not terminated yet');
  if (!nested.remove(key) && !nested.has(key)) return sendText(res, 500, 'Unknown root container');
  sendEmpty(res, 200);
}
