// Just enough of the Docker Engine API, over the unix socket the agent was
// given with --docker_socket, for the docker containerizer stand-in.
import http from 'node:http';
import fs from 'node:fs';
import type { EngineStats } from './usage.js';

export class DockerError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  State?: { Running?: boolean; Pid?: number; ExitCode?: number; Status?: string };
  Config?: { Labels?: Record<string, string> | null; Hostname?: string };
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string; NetworkID?: string }> };
  HostConfig?: { NetworkMode?: string; Dns?: string[] | null };
  /** Source: the path on the engine's host (a volume's mountpoint, a bind's source) */
  Mounts?: Array<{ Type?: string; Source?: string; Destination?: string }>;
}

/** Splits a reference into what POST /images/create wants: `fromImage` and `tag` (never empty: that pulls all tags). */
export function splitImageRef(ref: string): { fromImage: string; tag: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { fromImage: ref.slice(0, at), tag: ref.slice(at + 1) };
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { fromImage: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { fromImage: ref, tag: 'latest' };
}

/**
 * Demultiplexes the attach/logs stream of a container without a TTY:
 * 8-byte frames `[stream, 0, 0, 0, size(uint32 BE)]` then `size` bytes.
 */
export class StreamDemuxer {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly sink: (stream: 1 | 2, data: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= 8) {
      const size = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + size) break;
      const type = this.buf[0] === 2 ? 2 : 1;
      this.sink(type, this.buf.subarray(8, 8 + size));
      this.buf = this.buf.subarray(8 + size);
    }
  }
}

export class DockerEngine {
  constructor(readonly socketPath: string) {}

  available(): boolean {
    try {
      return fs.statSync(this.socketPath).isSocket();
    } catch {
      return false;
    }
  }

  /** A raw request; the caller consumes the response. */
  raw(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<http.IncomingMessage> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          socketPath: this.socketPath,
          method,
          path,
          // Long requests (wait, logs) must not share a pooled socket.
          agent: false,
          headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {},
        },
        resolve,
      );
      req.on('error', reject);
      if (timeoutMs) req.setTimeout(timeoutMs, () => req.destroy(new Error(`Docker ${method} ${path} timed out`)));
      req.end(payload);
    });
  }

  /** A request whose answer is read whole; throws DockerError on >= 400. */
  async call<T = unknown>(method: string, path: string, body?: unknown, timeoutMs = 60_000): Promise<{ status: number; body: T }> {
    const res = await this.raw(method, path, body, timeoutMs);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let parsed: unknown = text;
    if (text && (res.headers['content-type'] ?? '').includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        /* keep text */
      }
    }
    const status = res.statusCode ?? 0;
    if (status >= 400) {
      const msg = typeof parsed === 'object' && parsed && 'message' in parsed ? String((parsed as { message: unknown }).message) : text.trim();
      throw new DockerError(status, msg || `HTTP ${status}`);
    }
    return { status, body: parsed as T };
  }

  async version(): Promise<{ Version?: string; ApiVersion?: string }> {
    return (await this.call<{ Version?: string; ApiVersion?: string }>('GET', '/version', undefined, 5000)).body;
  }

  async inspectContainer(id: string): Promise<ContainerInspect | undefined> {
    try {
      return (await this.call<ContainerInspect>('GET', `/containers/${encodeURIComponent(id)}/json`)).body;
    } catch (err) {
      if (err instanceof DockerError && err.status === 404) return undefined;
      throw err;
    }
  }

  async imagePresent(ref: string): Promise<boolean> {
    try {
      await this.call('GET', `/images/${encodeURIComponent(ref)}/json`);
      return true;
    } catch (err) {
      if (err instanceof DockerError && err.status === 404) return false;
      throw err;
    }
  }

  /** Pulls an image; the progress stream reports failures inline. */
  async pull(ref: string): Promise<void> {
    const { fromImage, tag } = splitImageRef(ref);
    const res = await this.raw('POST', `/images/create?fromImage=${encodeURIComponent(fromImage)}&tag=${encodeURIComponent(tag)}`);
    let text = '';
    for await (const c of res) text += (c as Buffer).toString('utf8');
    if ((res.statusCode ?? 0) >= 400) {
      let msg = text.trim();
      try {
        msg = (JSON.parse(text) as { message?: string }).message ?? msg;
      } catch {
        /* plain text */
      }
      throw new DockerError(res.statusCode ?? 0, msg);
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const ev = JSON.parse(line) as { error?: string; errorDetail?: { message?: string } };
        if (ev.error) throw new DockerError(500, ev.errorDetail?.message ?? ev.error);
      } catch (err) {
        if (err instanceof DockerError) throw err;
      }
    }
  }

  async create(name: string, config: unknown): Promise<string> {
    const r = await this.call<{ Id: string }>('POST', `/containers/create?name=${encodeURIComponent(name)}`, config);
    return r.body.Id;
  }

  /** One sample of a container's stats (one-shot: no second sample is waited for). */
  async stats(id: string): Promise<EngineStats> {
    return (await this.call<EngineStats>('GET', `/containers/${id}/stats?stream=false&one-shot=true`, undefined, 10_000)).body;
  }

  async start(id: string): Promise<void> {
    await this.call('POST', `/containers/${id}/start`);
  }

  /** Resolves with the exit code once the container has stopped. */
  async wait(id: string): Promise<number> {
    const r = await this.call<{ StatusCode: number }>('POST', `/containers/${id}/wait`, undefined, 0);
    return r.body.StatusCode;
  }

  async stop(id: string, graceSecs: number): Promise<void> {
    await this.call('POST', `/containers/${id}/stop?t=${Math.max(0, Math.ceil(graceSecs))}`, undefined, (graceSecs + 30) * 1000);
  }

  async remove(id: string): Promise<void> {
    try {
      await this.call('DELETE', `/containers/${id}?force=1&v=1`);
    } catch (err) {
      if (!(err instanceof DockerError && err.status === 404)) throw err;
    }
  }

  /** Follows a container's output from its start until it stops. */
  async followLogs(id: string, sink: (stream: 1 | 2, data: Buffer) => void): Promise<void> {
    const res = await this.raw('GET', `/containers/${id}/logs?follow=1&stdout=1&stderr=1`);
    if ((res.statusCode ?? 0) >= 400) {
      res.resume();
      throw new DockerError(res.statusCode ?? 0, 'cannot follow logs');
    }
    const demux = new StreamDemuxer(sink);
    for await (const c of res) demux.push(c as Buffer);
  }

  /**
   * Starts a command in a running container with its output demultiplexed to
   * `sink`; resolves with the exit code once it ends.
   */
  async execStream(id: string, cmd: string[], env: string[], sink: (stream: 1 | 2, data: Buffer) => void): Promise<number> {
    const created = await this.call<{ Id: string }>('POST', `/containers/${id}/exec`, { Cmd: cmd, Env: env, AttachStdout: true, AttachStderr: true });
    const res = await this.raw('POST', `/exec/${created.body.Id}/start`, { Detach: false, Tty: false }, 0);
    const demux = new StreamDemuxer(sink);
    for await (const c of res) demux.push(c as Buffer);
    const info = await this.call<{ ExitCode: number | null }>('GET', `/exec/${created.body.Id}/json`);
    return info.body.ExitCode ?? -1;
  }

  /** Runs a command in a running container; resolves with its exit code. */
  async exec(id: string, cmd: string[], env: string[] = [], timeoutMs = 0): Promise<number> {
    const created = await this.call<{ Id: string }>('POST', `/containers/${id}/exec`, { Cmd: cmd, Env: env, AttachStdout: true, AttachStderr: true });
    const execId = created.body.Id;
    const res = await this.raw('POST', `/exec/${execId}/start`, { Detach: false, Tty: false }, timeoutMs || undefined);
    for await (const _ of res) {
      /* output is not needed, only the exit code */
    }
    const info = await this.call<{ ExitCode: number | null; Running: boolean }>('GET', `/exec/${execId}/json`);
    return info.body.ExitCode ?? -1;
  }
}

/**
 * The id of the container this process runs in: the engine bind-mounts
 * /etc/hostname and friends from /var/lib/docker/containers/<id>/.
 */
export function ownContainerId(): string | undefined {
  for (const file of ['/proc/self/mountinfo', '/proc/self/cgroup']) {
    try {
      const text = fs.readFileSync(file, 'utf8');
      const m = /containers\/([0-9a-f]{64})\//.exec(text) ?? /docker[-/]([0-9a-f]{64})/.exec(text);
      if (m) return m[1];
    } catch {
      /* not Linux or not readable */
    }
  }
  return undefined;
}
