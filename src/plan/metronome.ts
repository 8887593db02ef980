// The Metronome add-on (DC/OS Jobs): a jobs API on :9000 that runs each job
// run as a Mesos task of its own framework, `metronome`. Its settings are the
// METRONOME_* variables the real one reads: its state in ZooKeeper under
// /metronome, the masters through ZooKeeper, and its address as the
// framework's hostname.
import type { Addresses } from './addresses.js';
import { base, publish, zkUrl, type PlanContext } from './cluster.js';
import type { ContainerPlan } from './types.js';

export const METRONOME_PORT = 9000;

export function planMetronome(ctx: PlanContext, addrs: Addresses): ContainerPlan {
  return {
    ...base(ctx, 'metronome', 1, ctx.images.metronome),
    ip: addrs.metronome,
    cmd: [],
    env: {
      METRONOME_ZK_URL: zkUrl(addrs.zookeeper, 'metronome'),
      METRONOME_MESOS_MASTER_URL: zkUrl(addrs.zookeeper, 'mesos'),
      METRONOME_PLAY_SERVER_HTTP_PORT: String(METRONOME_PORT),
      METRONOME_LEADER_ELECTION_HOSTNAME: addrs.metronome,
    },
    ports: [publish(ctx, METRONOME_PORT)],
    binds: [],
    readiness: 'GET /v1/jobs answers 200 (it leads: subscribed to the master, its state read from ZooKeeper)',
  };
}
