// Names and labels: the only state mesos-up keeps is on the Docker objects themselves.
import type { ComponentRole } from './types.js';

export const LABEL = {
  cluster: 'io.mesos-up.cluster',
  role: 'io.mesos-up.role',
  index: 'io.mesos-up.index',
  version: 'io.mesos-up.version',
  run: 'io.mesos-up.run',
  flavour: 'io.mesos-up.flavour',
  configHash: 'io.mesos-up.config-hash',
  /** on public agents (agents.public): their resources are reserved to slave_public */
  public: 'io.mesos-up.public',
  /** on the Marathon-LB add-on: the HAPROXY_GROUP it serves (app deploy --lb labels apps for it) */
  lbGroup: 'io.mesos-up.lb-group',
  /** on a cluster spanning engines: the engine a container runs on, as cluster.yaml names it */
  engine: 'io.mesos-up.engine',
  /** on a cluster spanning engines: every engine of it, a JSON list (down and status find the others by it) */
  engines: 'io.mesos-up.engines',
  /** on a cluster spanning engines: the first engine's daemon ID, so a cluster of the same name elsewhere is never taken for it */
  firstEngine: 'io.mesos-up.first-engine',
  /**
   * on ZooKeeper, a master or Marathon placed on another engine than the first:
   * `containerPort=gatewayPort,…`; the host reaches it at the port the gateway
   * publishes for that gateway port
   */
  gatewayPorts: 'io.mesos-up.gateway-ports',
  /** on a swarm (its spec) or a swarm node that `up` made or joined for a cluster: that cluster's name */
  swarmFor: 'io.mesos-up.swarm-for',
  /** beside swarmFor: "true" when docker_gwbridge was not there before, so down removes it too */
  gwbridgeMade: 'io.mesos-up.gwbridge-made',
} as const;

/** `demo-zookeeper`, `demo-master1`, `demo-agent2`, `demo-marathon`, `demo-gateway` */
export const containerName = (cluster: string, role: ComponentRole, index: number): string =>
  role === 'agent' || role === 'master' ? `${cluster}-${role}${index}` : `${cluster}-${role}`;

export const networkName = (cluster: string): string => `mesos-up-${cluster}`;

export function baseLabels(cluster: string, cliVersion: string, runId: string): Record<string, string> {
  return { [LABEL.cluster]: cluster, [LABEL.version]: cliVersion, [LABEL.run]: runId };
}
