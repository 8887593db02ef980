// "Offers are flowing": every master healthy, exactly one leader, all agents
// active in it, Marathon registered, its framework active and offered resources.
import { getJson } from './http.js';
import { masterHealthy, masterState, metrics, offersSent, type MasterState } from './mesos.js';
import type { Probe } from './wait.js';

export interface MasterEndpoint {
  name: string;
  /** http://127.0.0.1:<published port> */
  url: string;
  /** address on the cluster network, as the leader's pid names it */
  ip: string;
}

export interface ClusterEndpoints {
  masters: MasterEndpoint[];
  marathonUrl: string;
  agents: number;
}

export interface MarathonInfo {
  frameworkId: string | null;
  leader: string | null;
  elected: boolean;
  version: string;
}

/** The master that reports master/elected = 1, if exactly one does. */
export async function findLeader(masters: MasterEndpoint[], signal?: AbortSignal): Promise<{ leader?: MasterEndpoint; detail: string }> {
  return leaderOf(masters, await Promise.all(masters.map((m) => isElected(m, signal))));
}

const isElected = (m: MasterEndpoint, signal?: AbortSignal) =>
  metrics(m.url, signal).then(
    (x) => x['master/elected'] === 1,
    () => false, // not answering yet
  );

function leaderOf(masters: MasterEndpoint[], elected: boolean[]): { leader?: MasterEndpoint; detail: string } {
  const leaders = masters.filter((_, i) => elected[i]);
  if (leaders.length === 1) return { leader: leaders[0]!, detail: `${leaders[0]!.name} leads` };
  return { detail: leaders.length === 0 ? 'no master is elected yet' : `${leaders.length} masters claim to lead` };
}

export interface ReadyFacts {
  leader: MasterEndpoint;
  state: MasterState;
  frameworkId: string;
}

// One concurrent round: every master's /health and metrics, and Marathon's
// /v2/info. The leader's metrics (elected, active agents, offers sent) decide
// whether it is worth asking for its state: /master/state, the one costly
// answer (every agent's resources), is read only once they all hold, to check
// the agents and the framework by name. A round every 50 ms while a dozen
// containers boot on few CPUs is CPU the cluster then lacks.
export function offersFlowing(ep: ClusterEndpoints, onReady?: (facts: ReadyFacts) => void): Probe {
  return async (signal) => {
    const [healthy, snapshots, marathon] = await Promise.all([
      Promise.all(ep.masters.map((m) => masterHealthy(m.url, signal))),
      Promise.all(ep.masters.map((m) => metrics(m.url, signal).catch(() => undefined))),
      getJson<MarathonInfo>(`${ep.marathonUrl}/v2/info`, { signal }).then(
        (info) => ({ info }),
        (err: Error) => ({ error: err.message }),
      ),
    ]);
    const sick = ep.masters.find((_, i) => !healthy[i]);
    if (sick) return { ok: false, detail: `${sick.name}: /health does not answer 200 yet` };
    const { leader, detail } = leaderOf(ep.masters, snapshots.map((x) => x?.['master/elected'] === 1));
    if (!leader) return { ok: false, detail };
    const leaderMetrics = snapshots[ep.masters.indexOf(leader)]!;
    const activeNow = leaderMetrics['master/slaves_active'];
    if (activeNow !== undefined && activeNow < ep.agents) return { ok: false, detail: `${activeNow} of ${ep.agents} agents active in the leading master ${leader.name}` };
    if ('error' in marathon) return { ok: false, detail: `Marathon does not answer /v2/info yet (${marathon.error})` };
    const { info } = marathon;
    if (!info.frameworkId) return { ok: false, detail: 'Marathon has not registered with Mesos yet (/v2/info frameworkId is null)' };
    if (offersSent(leaderMetrics, info.frameworkId) < 1) return { ok: false, detail: `no offers sent to Marathon (${info.frameworkId}) yet` };
    const state = await masterState(leader.url, signal);
    const active = state.slaves.filter((s) => s.active).length;
    if (active < ep.agents) return { ok: false, detail: `${active} of ${ep.agents} agents active in the leading master ${leader.name}` };
    const fw = state.frameworks.find((f) => f.id === info.frameworkId);
    if (!fw?.active) return { ok: false, detail: `Marathon's framework ${info.frameworkId} is not active in ${leader.name}` };
    onReady?.({ leader, state, frameworkId: info.frameworkId });
    return { ok: true, detail: `offers flowing to Marathon from ${leader.name}` };
  };
}
