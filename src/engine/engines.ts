// Clients for the engines of a cluster that spans several, by the name
// cluster.yaml gives each (`local`, a docker context, a URL), made once per
// process: status, logs and down reach the same engines again and again.
import type Docker from 'dockerode';
import { connectEndpoint, engineEndpoint } from './connect.js';

const clients = new Map<string, Promise<Docker>>();

/** A connected client for engine `name`; a failed connection is not kept, so the next call tries again. */
export function engineClient(name: string, opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Docker> {
  let client = clients.get(name);
  if (!client) {
    client = (async () => connectEndpoint(engineEndpoint(name, opts.env), opts.timeoutMs ?? 5000))();
    clients.set(name, client);
    client.catch(() => clients.delete(name));
  }
  return client;
}

/**
 * The client for a container of a cluster: `primary` (the engine the CLI talks
 * to, which is always the cluster's first) unless it runs on another engine.
 */
export function clientFor(primary: Docker, engine: string | undefined, first: string | undefined): Promise<Docker> {
  return !engine || engine === first || engine === 'local' ? Promise.resolve(primary) : engineClient(engine);
}
