// Direct engine access for assertions in tests (what exists, what is left).
import { connectEngine } from '../../src/engine/connect.js';

export const docker = () => connectEngine({ timeoutMs: 5000 });

/** Names of containers and networks labelled for a cluster. */
export async function clusterObjects(cluster: string): Promise<string[]> {
  const d = await docker();
  const filter = { label: [`io.mesos-up.cluster=${cluster}`] };
  const containers = await d.listContainers({ all: true, filters: filter });
  const networks = await d.listNetworks({ filters: filter });
  return [...containers.map((c) => `container ${c.Names[0]}`), ...networks.map((n) => `network ${n.Name}`)];
}

export interface EngineEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
}

/**
 * The engine's events matching `filters` (as `docker events --filter`), collected
 * from now until stop() is called: what the engine really did, in order.
 */
export async function engineEvents(filters: Record<string, string[]>): Promise<{ events: EngineEvent[]; stop(): void }> {
  const stream = (await (await docker()).getEvents({ filters })) as NodeJS.ReadableStream & { destroy(): void };
  const events: EngineEvent[] = [];
  let buf = '';
  stream.on('data', (c: Buffer) => {
    buf += c.toString();
    // one JSON document a line; a chunk may end inside one
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) events.push(JSON.parse(line) as EngineEvent);
    }
  });
  stream.on('error', () => undefined);
  return { events, stop: () => stream.destroy() };
}

/** "create it-x-zookeeper", "destroy mesos-up-it-x": an event as a line for messages. */
export const describeEvent = (e: EngineEvent): string => `${e.Action} ${e.Actor.Attributes.name ?? e.Actor.ID.slice(0, 12)}`;
