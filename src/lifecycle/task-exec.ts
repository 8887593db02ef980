// `mesos-up task exec TASK -- CMD`: a command run inside a running task's
// environment through the agent's v1 operator API, as `dcos task exec` does
// it: LAUNCH_NESTED_CONTAINER_SESSION under the task's container, its output
// streamed back as RecordIO records of ProcessIO, stdin (with -i) sent by
// ATTACH_CONTAINER_INPUT, and the exit status from WAIT_NESTED_CONTAINER.
// Traffic goes to the master and the agent through 127.0.0.1 (published
// ports, the gateway).
import type Docker from 'dockerode';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { MesosUpError } from '../errors.js';
import { getJson } from '../probes/http.js';
import { findLeader } from '../probes/offers.js';
import { clusterView, describeView } from './describe.js';
import { reachOf } from './task-ports.js';

interface MasterTask {
  id: string;
  state: string;
  slave_id: string;
  statuses: Array<{ state: string; container_status?: { container_id?: { value: string } } }>;
}

export interface ExecIo {
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Splits a RecordIO stream (`<length>\n<bytes>`) into records. */
export class RecordSplitter {
  private buf = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    for (let nl = this.buf.indexOf(10); nl >= 0; nl = this.buf.indexOf(10)) {
      const len = Number(this.buf.subarray(0, nl).toString('ascii'));
      if (!Number.isInteger(len) || len < 0) throw new Error(`bad RecordIO length '${this.buf.subarray(0, nl).toString()}'`);
      if (this.buf.length < nl + 1 + len) break;
      out.push(this.buf.subarray(nl + 1, nl + 1 + len));
      this.buf = this.buf.subarray(nl + 1 + len);
    }
    return out;
  }
}

/** A JSON call to the agent; the response, unread. */
function post(url: string, call: unknown, headers: Record<string, string>): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(call);
    const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers } }, resolve);
    req.on('error', reject);
    req.end(body);
  });
}

async function text(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The shell's exit code for a raw wait status: the exit status, or 128 + the signal. */
export function exitCodeOf(status: number): number {
  const signal = status & 0x7f;
  return signal === 0 ? (status >> 8) & 0xff : 128 + signal;
}

/** The running task `query` names (its id, or the one task whose id starts with it). */
async function findTask(masterUrl: string, query: string, cluster: string): Promise<MasterTask> {
  const { tasks } = await getJson<{ tasks: MasterTask[] }>(`${masterUrl}/master/tasks?limit=100000`, { timeoutMs: 10_000 });
  const running = tasks.filter((t) => t.state === 'TASK_RUNNING');
  const exact = running.find((t) => t.id === query);
  if (exact) return exact;
  const matches = running.filter((t) => t.id.startsWith(query));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw new MesosUpError('USAGE', `"${query}" matches ${matches.length} running tasks: ${matches.map((t) => t.id).join(', ')}`, { hint: 'give more of the task id' });
  }
  throw new MesosUpError('NOT_FOUND', `No running task ${query} in cluster ${cluster}`, { hint: `mesos-up app tasks APP --name ${cluster} lists an app's tasks` });
}

/** Runs `command` in the task's environment; resolves with its exit code. */
export async function taskExec(docker: Docker, cluster: string, opts: { task: string; command: string[]; interactive?: boolean }, io: ExecIo): Promise<number> {
  const view = await clusterView(docker, cluster);
  const info = await describeView(view, { probe: false });
  const masters = info.masters.filter((m): m is typeof m & { url: string } => !!m.url && m.state === 'running');
  const { leader, detail } = await findLeader(masters);
  if (!leader) throw new MesosUpError('NOT_FOUND', `Cluster ${cluster} has no leading master (${detail})`, { hint: `mesos-up status --name ${cluster}` });
  const masterUrl = leader.url;
  const task = await findTask(masterUrl, opts.task, cluster);
  const parent = [...task.statuses].reverse().find((s) => s.container_status?.container_id)?.container_status!.container_id!.value;
  if (!parent) throw new MesosUpError('NOT_FOUND', `Task ${task.id} has no container id in its statuses yet`, { hint: 'try again once it is running' });
  const slaves = await getJson<{ slaves: Array<{ id: string; hostname: string; pid: string }> }>(`${masterUrl}/master/slaves`, { timeoutMs: 10_000 });
  const slave = slaves.slaves.find((s) => s.id === task.slave_id);
  const ip = slave?.pid.split('@')[1]?.split(':')[0];
  const agentUrl = ip ? ((await reachOf(view, { refresh: true }))?.agentUrls.get(ip) ?? info.agents.find((a) => a.ip === ip)?.url) : undefined;
  if (!agentUrl) throw new MesosUpError('NOT_FOUND', `Cannot reach the agent of task ${task.id} (${slave?.hostname ?? task.slave_id})`, { hint: `mesos-up status --name ${cluster}` });
  const api = `${agentUrl}/api/v1`;

  const containerId = { value: randomUUID(), parent: { value: parent } };
  const [file, ...args] = opts.command;
  // one word: a shell command line, as `dcos task exec` treats a quoted command; more: an argv
  const command = args.length === 0 ? { shell: true, value: file } : { shell: false, value: file, arguments: opts.command };
  const res = await post(api, { type: 'LAUNCH_NESTED_CONTAINER_SESSION', launch_nested_container_session: { container_id: containerId, command } }, {
    Accept: 'application/recordio',
    'Message-Accept': 'application/json',
  });
  if (res.statusCode !== 200) {
    // (400: the task's container is gone, or the call is not understood)
    const why = (await text(res)).trim();
    throw new MesosUpError(res.statusCode === 400 || res.statusCode === 404 ? 'NOT_FOUND' : 'INTERNAL', `The agent refused the session: ${res.statusCode} ${why}`, {
      ...(why === 'Nested containers are not supported'
        ? { hint: 'Mesos 1.7 has no nested containers under Docker-containerizer tasks; run the app as container.type MESOS with a docker image to exec into it' }
        : {}),
    });
  }
  const input = opts.interactive && io.stdin ? sendInput(api, containerId, io.stdin) : undefined;
  const splitter = new RecordSplitter();
  for await (const chunk of res) {
    for (const r of splitter.push(chunk as Buffer)) {
      const msg = JSON.parse(r.toString('utf8')) as { type?: string; data?: { type?: string; data?: string } };
      if (msg.type !== 'DATA' || !msg.data?.data) continue;
      (msg.data.type === 'STDERR' ? io.stderr : io.stdout).write(Buffer.from(msg.data.data, 'base64'));
    }
  }
  // the command is done: whatever stdin still holds goes nowhere
  input?.close();
  const wait = await post(api, { type: 'WAIT_NESTED_CONTAINER', wait_nested_container: { container_id: containerId } }, { Accept: 'application/json' });
  const answer = await text(wait);
  if (wait.statusCode !== 200) throw new MesosUpError('INTERNAL', `WAIT_NESTED_CONTAINER answered ${wait.statusCode} ${answer.trim()}`);
  const status = (JSON.parse(answer) as { wait_nested_container?: { exit_status?: number } }).wait_nested_container?.exit_status;
  return status === undefined ? 1 : exitCodeOf(status);
}

/** ATTACH_CONTAINER_INPUT: stdin as a streamed request, an empty record at its end. */
function sendInput(api: string, containerId: unknown, stdin: NodeJS.ReadableStream): { close(): void } {
  const record = (msg: unknown) => {
    const b = Buffer.from(JSON.stringify(msg));
    return Buffer.concat([Buffer.from(`${b.length}\n`), b]);
  };
  const data = (bytes: Buffer) =>
    record({ type: 'ATTACH_CONTAINER_INPUT', attach_container_input: { type: 'PROCESS_IO', process_io: { type: 'DATA', data: { type: 'STDIN', data: bytes.toString('base64') } } } });
  const req = http.request(api, { method: 'POST', headers: { 'Content-Type': 'application/recordio', 'Message-Content-Type': 'application/json', Accept: 'application/json' } }, (res) => res.resume());
  req.on('error', () => undefined);
  req.write(record({ type: 'ATTACH_CONTAINER_INPUT', attach_container_input: { type: 'CONTAINER_ID', container_id: containerId } }));
  const onData = (c: Buffer) => req.write(data(c));
  const onEnd = () => req.end(data(Buffer.alloc(0)));
  stdin.on('data', onData);
  stdin.on('end', onEnd);
  return {
    close() {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
      if (!req.writableEnded) req.destroy();
    },
  };
}
