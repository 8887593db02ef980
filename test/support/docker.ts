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
