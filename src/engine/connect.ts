// Finding and reaching the Docker Engine: DOCKER_HOST, the current docker
// context, or the default socket; fails fast with what to do.
import type Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isEngineUrl } from '../config/engine-endpoint.js';
import { MesosUpError } from '../errors.js';

export interface EngineEndpoint {
  /** unix:///var/run/docker.sock, tcp://h:2375, ssh://user@h */
  host: string;
  /** where it came from, for messages */
  source: 'DOCKER_HOST' | `context ${string}` | 'default' | 'engines';
}

const contextsDir = (env: NodeJS.ProcessEnv) => env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker');

/** The docker endpoint of a docker context, as `docker context inspect` shows it; undefined when there is no such context. */
export function contextEndpoint(context: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const meta = path.join(contextsDir(env), 'contexts', 'meta', createHash('sha256').update(context).digest('hex'), 'meta.json');
  if (!existsSync(meta)) return undefined;
  const data = JSON.parse(readFileSync(meta, 'utf8')) as { Endpoints?: { docker?: { Host?: string } } };
  return data.Endpoints?.docker?.Host;
}

/**
 * An engine as cluster.yaml's `engines` names it: `local` is the one the CLI
 * talks to, a URL is taken as it is, anything else is a docker context.
 */
export function engineEndpoint(name: string, env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  if (name === 'local') return resolveEndpoint(env);
  if (isEngineUrl(name)) return { host: name, source: 'engines' };
  const host = name === 'default' ? 'unix:///var/run/docker.sock' : contextEndpoint(name, env);
  if (!host) {
    throw new MesosUpError('CONFIG', `Engine ${name} is neither a URL nor a docker context`, {
      hint: `docker context ls lists the contexts; or write the engine as a URL (unix://, tcp://host:2375, ssh://user@host)`,
    });
  }
  return { host, source: `context ${name}` };
}

/** The endpoint the docker CLI would use. */
export function resolveEndpoint(env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  if (env.DOCKER_HOST) return { host: env.DOCKER_HOST, source: 'DOCKER_HOST' };
  const context = env.DOCKER_CONTEXT ?? readCurrentContext(contextsDir(env));
  if (context && context !== 'default') {
    const host = contextEndpoint(context, env);
    if (host) return { host, source: `context ${context}` };
  }
  return { host: 'unix:///var/run/docker.sock', source: 'default' };
}

function readCurrentContext(configDir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(path.join(configDir, 'config.json'), 'utf8')) as { currentContext?: string }).currentContext;
  } catch {
    return undefined;
  }
}

// dockerode is loaded on first use, so `mesos-up --help` and config errors do not
// pay for it.
async function clientFor(ep: EngineEndpoint): Promise<Docker> {
  const Docker = (await import('./dockerode.js')).loadDockerode();
  const url = new URL(ep.host);
  if (url.protocol === 'unix:') return new Docker({ socketPath: url.pathname });
  if (url.protocol === 'ssh:') {
    return new Docker({ protocol: 'ssh', host: url.hostname, port: url.port || 22, username: url.username || undefined } as Docker.DockerOptions);
  }
  const tls = url.protocol === 'https:' || process.env.DOCKER_TLS_VERIFY === '1';
  return new Docker({ protocol: tls ? 'https' : 'http', host: url.hostname, port: url.port || (tls ? 2376 : 2375) });
}

export const NO_ENGINE_HINT =
  'mesos-up doctor --fix installs and starts one (Debian/Ubuntu, as root or with sudo; it asks first, --yes for scripts) or prints the steps for this platform; or point DOCKER_HOST at a running engine';

/** A connected client; throws ENGINE_UNREACHABLE within `timeoutMs`. */
export async function connectEngine(opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Docker> {
  return connectEndpoint(resolveEndpoint(opts.env), opts.timeoutMs);
}

/** A connected client for `ep`; throws ENGINE_UNREACHABLE within `timeoutMs`. */
export async function connectEndpoint(ep: EngineEndpoint, timeoutMs = 2000): Promise<Docker> {
  const docker = await clientFor(ep);
  // The ping is aborted when the time is up: a socket left open to an endpoint
  // that never answers would keep the process alive after the error.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs);
  try {
    // dockerode takes an abortSignal here; its type definitions do not say so.
    await (docker as unknown as { ping(o: { abortSignal: AbortSignal }): Promise<unknown> }).ping({ abortSignal: abort.signal });
  } catch (caught) {
    const err = abort.signal.aborted ? abort.signal.reason : caught;
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    const denied = reason === 'EACCES';
    throw new MesosUpError('ENGINE_UNREACHABLE', `No Docker Engine answered at ${ep.host} (${ep.source}): ${reason}`, {
      hint: denied
        ? `you may not use ${ep.host}: add yourself to the docker group (sudo usermod -aG docker $USER, then log in again) or run as root`
        : /^unix:\/\/\/run\/user\/\d+\//.test(ep.host)
          ? 'that is a rootless Docker socket: start the rootless daemon (systemctl --user start docker, or dockerd-rootless.sh), or unset DOCKER_HOST to use the system engine'
          : ep.host.startsWith('ssh://')
            ? `check that ${ep.host} is reachable with ssh and runs dockerd (docker -H ${ep.host} info), or ${NO_ENGINE_HINT}`
            : NO_ENGINE_HINT,
      cause: err,
    });
  } finally {
    clearTimeout(timer);
  }
  return docker;
}
