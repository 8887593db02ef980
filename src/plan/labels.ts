// Names and labels: the only state mesos-up keeps is on the Docker objects themselves.
import type { Role } from './types.js';

export const LABEL = {
  cluster: 'io.mesos-up.cluster',
  role: 'io.mesos-up.role',
  index: 'io.mesos-up.index',
  version: 'io.mesos-up.version',
  run: 'io.mesos-up.run',
  flavour: 'io.mesos-up.flavour',
  configHash: 'io.mesos-up.config-hash',
} as const;

/** `demo-zookeeper`, `demo-master1`, `demo-agent2`, `demo-marathon` */
export const containerName = (cluster: string, role: Role, index: number): string =>
  role === 'zookeeper' || role === 'marathon' ? `${cluster}-${role}` : `${cluster}-${role}${index}`;

export const networkName = (cluster: string): string => `mesos-up-${cluster}`;

export function baseLabels(cluster: string, cliVersion: string, runId: string): Record<string, string> {
  return { [LABEL.cluster]: cluster, [LABEL.version]: cliVersion, [LABEL.run]: runId };
}
