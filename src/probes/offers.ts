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
  const elected: MasterEndpoint[] = [];
  for (const m of masters) {
    try {
      if ((await metrics(m.url, signal))['master/elected'] === 1) elected.push(m);
    } catch {
      /* not answering yet */
    }
  }
  if (elected.length === 1) return { leader: elected[0]!, detail: `${elected[0]!.name} leads` };
  return { detail: elected.length === 0 ? 'no master is elected yet' : `${elected.length} masters claim to lead` };
}

export interface ReadyFacts {
  leader: MasterEndpoint;
  state: MasterState;
  frameworkId: string;
}

export function offersFlowing(ep: ClusterEndpoints, onReady?: (facts: ReadyFacts) => void): Probe {
  return async (signal) => {
    for (const m of ep.masters) {
      if (!(await masterHealthy(m.url, signal))) return { ok: false, detail: `${m.name}: /health does not answer 200 yet` };
    }
    const { leader, detail } = await findLeader(ep.masters, signal);
    if (!leader) return { ok: false, detail };
    const state = await masterState(leader.url, signal);
    const active = state.slaves.filter((s) => s.active).length;
    if (active < ep.agents) return { ok: false, detail: `${active} of ${ep.agents} agents active in the leading master ${leader.name}` };
    let info: MarathonInfo;
    try {
      info = await getJson<MarathonInfo>(`${ep.marathonUrl}/v2/info`, { signal });
    } catch (err) {
      return { ok: false, detail: `Marathon does not answer /v2/info yet (${(err as Error).message})` };
    }
    if (!info.frameworkId) return { ok: false, detail: 'Marathon has not registered with Mesos yet (/v2/info frameworkId is null)' };
    const fw = state.frameworks.find((f) => f.id === info.frameworkId);
    if (!fw?.active) return { ok: false, detail: `Marathon's framework ${info.frameworkId} is not active in ${leader.name}` };
    const sent = offersSent(await metrics(leader.url, signal), info.frameworkId);
    if (sent < 1) return { ok: false, detail: `no offers sent to Marathon (${info.frameworkId}) yet` };
    onReady?.({ leader, state, frameworkId: info.frameworkId });
    return { ok: true, detail: `offers flowing to Marathon from ${leader.name}` };
  };
}
