// connectCluster(): the same handle for an existing cluster (a real one in a
// staging pipeline, or one started by the CLI), starting and removing nothing
// but the apps the handle deployed.
import { MesosUpError } from '../errors.js';
import { getJson } from '../probes/http.js';
import { envOf, TrackingMarathonClient, type ClusterHandle } from './cluster-handle.js';

export interface ConnectOptions {
  masterUrl?: string;
  marathonUrl?: string;
  zkUrl?: string;
}

interface MasterState {
  slaves: Array<{ id: string; hostname: string; pid: string; active: boolean }>;
}

/** Options, else MESOS_UP_MASTER_URL / MESOS_UP_MARATHON_URL / MESOS_UP_ZK_URL. */
export async function connectCluster(opts: ConnectOptions = {}): Promise<ClusterHandle> {
  const masterUrl = opts.masterUrl ?? process.env.MESOS_UP_MASTER_URL;
  const marathonUrl = opts.marathonUrl ?? process.env.MESOS_UP_MARATHON_URL;
  const zkUrl = opts.zkUrl ?? process.env.MESOS_UP_ZK_URL ?? '';
  if (!masterUrl || !marathonUrl) {
    throw new MesosUpError('USAGE', 'connectCluster needs masterUrl and marathonUrl', {
      hint: 'pass them, or set MESOS_UP_MASTER_URL and MESOS_UP_MARATHON_URL',
    });
  }
  const marathon = new TrackingMarathonClient(marathonUrl);
  const agents = async () => {
    // Through the leader's redirect-free state endpoint; a standby would answer 307.
    const state = await getJson<MasterState>(`${masterUrl.replace(/\/$/, '')}/master/state`, { timeoutMs: 10_000 });
    return state.slaves.map((s) => ({ name: s.hostname, ip: s.pid.replace(/^.*@/, '').replace(/:\d+$/, ''), ports: {} }));
  };
  let list: ClusterHandle['agents'];
  try {
    list = await agents();
    await marathon.info();
  } catch (err) {
    throw new MesosUpError('NOT_FOUND', `Cannot reach the cluster at ${masterUrl} / ${marathonUrl}: ${(err as Error).message}`, { hint: 'check the URLs; the master URL must be the leader', cause: err });
  }
  const stop = () => marathon.removeCreated();
  return {
    name: new URL(masterUrl).host,
    masterUrl,
    marathonUrl,
    zkUrl,
    env: envOf(masterUrl, marathonUrl, zkUrl),
    marathon,
    agents: list,
    // No gateway here: a task is reached where Marathon says it runs.
    taskEndpoints: async (appId) => {
      const tasks = appId ? await marathon.appTasks(appId) : await marathon.tasks();
      return tasks.flatMap((t) => t.ports.map((port) => ({ taskId: t.id, frameworkId: '', agent: t.host, port, address: `${t.host}:${port}`, hostPort: port })));
    },
    logs: async () => {
      throw new MesosUpError('USAGE', 'logs() is only available for clusters mesos-up started', { hint: 'read the logs where that cluster runs' });
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
