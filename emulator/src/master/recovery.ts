// What a newly elected master does before it serves (Master::recover, _recover
// and recoveredSlavesTimeout in src/master/master.cpp, 1.7): it recovers the
// registry, holds the admitted agents as recovered (`recovered_slaves`) until
// they re-register, and once --agent_reregister_timeout has passed marks those
// that did not come back unreachable and tells the connected frameworks they
// are lost, unless more than --recovery_agent_removal_limit of them stayed
// away, when it exits instead. Frameworks are not in the registry: the master
// learns them again from re-registering agents and re-subscribing schedulers.
import type { MasterInfoJson } from '../common/master-info.js';
import { parseDurationMs } from '../common/flags.js';
import { MAX_TIMER_MS, type Books } from './books.js';
import { describeFramework, die, glog } from './log.js';
import { send } from './framework.js';
import { admittedAgents, goneAgents, markAgentUnreachable, type Registrar, unreachableAgents } from './registrar.js';
import { now, type AgentInfo } from './types.js';

/** The agent retries registration for at most this long, so the master may not give up sooner (src/master/constants.hpp). */
const MIN_AGENT_REREGISTER_TIMEOUT_MS = 10 * 60_000;

export interface RecoverySettings {
  reregisterTimeoutMs: number;
  /** as the flag reads (`10mins`), for messages */
  reregisterTimeout: string;
  /** --recovery_agent_removal_limit as a fraction */
  removalLimit: number;
}

/** Master::initialize's checks of the recovery flags; throws with the message a real master exits with. */
export function recoverySettings(flags: Record<string, string>): RecoverySettings {
  const reregisterTimeout = flags.agent_reregister_timeout!;
  const reregisterTimeoutMs = parseDurationMs(reregisterTimeout);
  if (reregisterTimeoutMs < MIN_AGENT_REREGISTER_TIMEOUT_MS) {
    throw new Error(`Invalid value '${reregisterTimeout}' for --agent_reregister_timeout: Must be at least 10mins`);
  }
  const limit = flags.recovery_agent_removal_limit!;
  const invalid = (why: string) => new Error(`Invalid value '${limit}' for --recovery_agent_removal_percent_limit: ${why}`);
  if (!limit.endsWith('%')) throw invalid("missing '%'");
  const text = limit.slice(0, -1);
  const percent = Number(text);
  if (text.trim() === '' || !Number.isFinite(percent)) throw invalid(`Failed to convert '${text}' to number`);
  if (percent < 0 || percent > 100) throw invalid('Must be within [0%-100%]');
  return { reregisterTimeoutMs, reregisterTimeout, removalLimit: percent / 100 };
}

export class Recovery {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly books: Books,
    private readonly registrar: Registrar,
    private readonly settings: RecoverySettings,
  ) {}

  /** Master::_recover: the registry's agents become recovered or unreachable in the books. Throws when the registry cannot be read. */
  async run(info: MasterInfoJson): Promise<void> {
    const registry = await this.registrar.recover(info);
    const admitted = admittedAgents(registry);
    for (const a of admitted) this.books.recoveredAgents.set(a.id, a);
    for (const u of unreachableAgents(registry)) this.books.unreachableAgents.set(u.id, u);
    for (const w of registry.weights ?? []) this.books.weights.set(w.info.role, w.info.weight);
    for (const g of goneAgents(registry)) this.books.gone.set(g.id, g.time);
    for (const q of registry.quotas ?? []) this.books.quotas.set(q.info.role, q.info);
    this.books.maintenance.recover(registry.schedules?.[0], (registry.machines?.machines ?? []).map((m) => m.info));
    if (admitted.length > 0) {
      this.timer = setTimeout(() => this.reregisterTimeout(admitted), Math.min(this.settings.reregisterTimeoutMs, MAX_TIMER_MS));
    }
    glog('master.cpp:1776').info(
      `Recovered ${admitted.length} agents from the registry (${this.registrar.sizeBytes}B); allowing ${this.settings.reregisterTimeout} for agents to reregister`,
    );
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** Master::recoveredSlavesTimeout */
  private reregisterTimeout(admitted: AgentInfo[]): void {
    const books = this.books;
    const missing = admitted.filter((a) => books.recoveredAgents.has(a.id));
    const share = missing.length / admitted.length;
    if (share > this.settings.removalLimit) {
      die(
        'master.cpp:1948',
        `Post-recovery agent removal limit exceeded! After ${this.settings.reregisterTimeout} there were ${missing.length} (${share * 100}%) agents recovered from the registry that did not reregister: \n` +
          `[ ${missing.map((a) => a.id).join(', ')} ]\n  The configured removal limit is ${this.settings.removalLimit * 100}%. Please investigate or increase this limit to proceed further`,
      );
    }
    for (const agent of missing) {
      if (books.reregistering.has(agent.id)) continue;
      books.count('master/slave_unreachable_scheduled');
      void this.markUnreachable(agent, `did not reregister within ${this.settings.reregisterTimeout} after master failover`).then((marked) =>
        books.count(marked ? 'master/slave_unreachable_completed' : 'master/slave_unreachable_canceled'),
      );
    }
  }

  /** Master::markUnreachable with duringMasterFailover: the registry first, then the books; frameworks hear the agent is lost. */
  private async markUnreachable(agent: AgentInfo, message: string): Promise<boolean> {
    const books = this.books;
    if (!books.recoveredAgents.has(agent.id) || books.reregistering.has(agent.id) || books.markingUnreachable.has(agent.id)) {
      glog('master.cpp:8732').info(`Skipping transition of agent ${agent.id} (${agent.hostname}) to unreachable because it reregistered in the interim`);
      return false;
    }
    glog('master.cpp:8815').info(`Marking agent ${agent.id} (${agent.hostname}) unreachable: ${message}`);
    books.markingUnreachable.add(agent.id);
    const time = now();
    await this.registrar.apply(markAgentUnreachable(agent.id, time));
    books.markingUnreachable.delete(agent.id);
    glog('master.cpp:8857').info(`Marked agent ${agent.id} (${agent.hostname}) unreachable: ${message}`);
    books.count('master/slave_removals');
    books.count('master/slave_removals/reason_unhealthy');
    books.count('master/recovery_slave_removals');
    books.recoveredAgents.delete(agent.id);
    books.unreachableAgents.set(agent.id, { id: agent.id, time });
    // Master::sendSlaveLost: LostSlaveMessage, a FAILURE event on the v1 API.
    for (const fw of books.frameworks.values()) {
      if (!fw.connected) continue;
      glog('master.cpp:2024').info(`Notifying framework ${describeFramework(fw)} of lost agent ${agent.id} (${agent.hostname})`);
      send(fw, { type: 'FAILURE', failure: { agent_id: { value: agent.id } } });
    }
    return true;
  }
}
