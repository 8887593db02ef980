// Built-in defaults: what `mesos-up up` runs with no cluster.yaml.
import type { ClusterSpec } from './schema.js';

export const DEFAULT_NAME = 'demo';
/** the HAPROXY_GROUP Marathon-LB serves unless told otherwise (its image's default, `--group external`) */
export const MARATHON_LB_GROUP = 'external';

export function defaultSpec(): ClusterSpec {
  return {
    name: DEFAULT_NAME,
    images: 'auto',
    imageOverrides: {},
    masters: { count: 1, flags: {} },
    agents: {
      count: 1,
      public: 0,
      // Includes Marathon's local port range so requirePorts apps on 8000 can be offered.
      resources: { cpus: 2, mem: 2048, disk: 4096, ports: [{ begin: 8000, end: 8100 }, { begin: 31000, end: 32000 }] },
      // Task ports are reached through the gateway; publishing on agents is opt-in.
      publishPorts: [],
      containerizers: ['mesos', 'docker'],
      flags: {},
    },
    marathon: { localPortMin: 8000, localPortMax: 8100, args: [] },
    ports: { master: 0, marathon: 0, zookeeper: 0 },
    gateway: { taskPorts: 32 },
    network: {},
    timeouts: { upMs: 180_000 },
    engines: [],
    addons: { mesosDns: false, metronome: false },
  };
}
