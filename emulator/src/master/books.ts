// The leading master's books: agents, frameworks, tasks and offers, the ids it
// hands out, its master/* counters, and the bookkeeping every part of the
// master shares (what is used or offered where, task state changes, taking
// offers back). Semantics follow src/master/master.cpp of Mesos 1.7.
import * as L from '../common/resource-list.js';
import type { ResList } from '../common/resource-list.js';
import { postToAgent, type AgentCall } from './agent-calls.js';
import type { MasterConfig } from './config.js';
import { fwCount, send } from './framework.js';
import { glog } from './log.js';
import { Maintenance } from './maintenance.js';
import { masterStatus } from './status.js';
import type { QuotaInfo } from './quota.js';
import { OperatorSubscribers } from './subscribers.js';
import { agentV1, frameworkV1, taskV1 } from './v1-model.js';
import { idValue, isTerminal, type Agent, type AgentInfo, type Framework, type Offer, type Pb, type Task, type UnreachableAgent } from './types.js';

/** setTimeout's largest delay; longer timeouts (a week of failover_timeout) are clamped to it. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export class Books {
  readonly agents = new Map<string, Agent>();
  /** admitted agents read from the registry after a failover that have not re-registered yet */
  readonly recoveredAgents = new Map<string, AgentInfo>();
  readonly unreachableAgents = new Map<string, UnreachableAgent>();
  /** agents between asking to re-register and the registry having them (Master::Slaves::reregistering) */
  readonly reregistering = new Set<string>();
  /** agents the registry is moving to the unreachable list (Master::Slaves::markingUnreachable) */
  readonly markingUnreachable = new Set<string>();
  /** agents an operator marked gone (MARK_AGENT_GONE), with when: they never come back */
  readonly gone = new Map<string, number>();
  /** agents the registry is moving to the gone list (Master::Slaves::markingGone) */
  readonly markingGone = new Set<string>();
  readonly frameworks = new Map<string, Framework>();
  readonly completedFrameworks = new Map<string, Framework>();
  readonly offers = new Map<string, Offer>();
  /** master/* counters; gauges are computed when read */
  readonly counters = new Map<string, number>();
  /** role → its quota (SET_QUOTA; kept in the registry) */
  readonly quotas = new Map<string, QuotaInfo>();
  /** role → weight, as UPDATE_WEIGHTS set them (kept in the registry); 1 when absent */
  readonly weights = new Map<string, number>();
  /** the master's calls to agents (in-process tests put their own in) */
  toAgent: AgentCall = postToAgent;
  /** the operator API's event streams */
  readonly subscribers = new OperatorSubscribers();
  /** machines, the maintenance schedule and inverse offers */
  readonly maintenance: Maintenance = new Maintenance(this);

  private nextAgentId = 0;
  private nextFrameworkId = 0;
  private nextOfferId = 0;

  constructor(
    private readonly masterId: string,
    private readonly cfg: MasterConfig,
  ) {}

  count(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  // ---------------------------------------------------------------- ids

  newFrameworkId(): string {
    return `${this.masterId}-${String(this.nextFrameworkId++).padStart(4, '0')}`;
  }

  newAgentId(): string {
    return `${this.masterId}-S${this.nextAgentId++}`;
  }

  newOfferId(): string {
    return `${this.masterId}-O${this.nextOfferId++}`;
  }

  // ---------------------------------------------------------------- resources in use and on offer

  usedOn(agent: Agent): ResList {
    return this.sumTasks(agent.tasks.values());
  }

  offeredOn(agent: Agent): ResList {
    return this.sumOffers(agent.offers);
  }

  usedBy(fw: Framework): ResList {
    return this.sumTasks(fw.tasks.values());
  }

  offeredTo(fw: Framework): ResList {
    return this.sumOffers(fw.offers);
  }

  /** What live tasks use, with the resources of each default executor (task groups) once. */
  private sumTasks(tasks: Iterable<Task>): ResList {
    let used: ResList = [];
    const executors = new Set<string>();
    for (const t of tasks) {
      if (isTerminal(t.state)) continue;
      used = L.add(used, t.resources);
      const e = t.info?.executor;
      const key = `${t.frameworkId}/${t.agentId}/${idValue(e?.executor_id)}`;
      if (e?.type === 'DEFAULT' && !executors.has(key)) {
        executors.add(key);
        used = L.add(used, L.upgrade(Array.isArray(e.resources) ? e.resources : []));
      }
    }
    return used;
  }

  private sumOffers(ids: Iterable<string>): ResList {
    let offered: ResList = [];
    for (const id of ids) {
      const o = this.offers.get(id);
      if (o) offered = L.add(offered, o.resources);
    }
    return offered;
  }

  /** What is neither used nor offered on the agent. */
  available(agent: Agent): ResList {
    return L.subtract(L.subtract(agent.total, this.usedOn(agent)), this.offeredOn(agent));
  }

  // ---------------------------------------------------------------- tasks

  /**
   * Records a state change; terminal states free the task's resources (they
   * stop counting as used). `status` is the TaskStatus that brought it, when
   * there is one. Operator subscribers hear of each new state and of check
   * and health changes (TASK_UPDATED, as Master::updateTask sends it).
   */
  transition(task: Task, state: string, timestamp: number, status: Partial<Pb> = {}): void {
    if (isTerminal(task.state)) return;
    if (isTerminal(state)) this.count(`master/tasks_${state.slice(5).toLowerCase()}`);
    const newState = task.statuses.at(-1)?.state !== state;
    task.state = state;
    const entry: Pb = { state, timestamp };
    // /state's statuses list a status' labels as an array (json(TaskStatus))
    if (status.labels !== undefined) entry.labels = Array.isArray(status.labels) ? status.labels : status.labels?.labels ?? [];
    if (status.container_status !== undefined) entry.container_status = status.container_status;
    if (typeof status.healthy === 'boolean') entry.healthy = status.healthy;
    task.statuses.push(entry);
    if (newState || status.reason === 'REASON_TASK_CHECK_STATUS_UPDATED' || status.reason === 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED') {
      this.subscribers.send(() => {
        const full: Pb = status.task_id ? { ...status } : { task_id: { value: task.id }, state, agent_id: { value: task.agentId }, timestamp, ...status };
        delete full.data;
        return { type: 'TASK_UPDATED', task_updated: { framework_id: { value: task.frameworkId }, status: full, state } };
      });
    }
  }

  /** Framework::addTask: a task the master now tracks (launched, or reported by a re-registering agent). */
  taskAdded(task: Task): void {
    this.subscribers.send(() => ({ type: 'TASK_ADDED', task_added: { task: taskV1(task) } }));
  }

  /** FRAMEWORK_ADDED for a new framework, FRAMEWORK_UPDATED for one that (re)subscribed or failed over. */
  frameworkSubscribed(fw: Framework, added: boolean): void {
    this.subscribers.send(() =>
      added
        ? { type: 'FRAMEWORK_ADDED', framework_added: { framework: frameworkV1(this, fw) } }
        : { type: 'FRAMEWORK_UPDATED', framework_updated: { framework: frameworkV1(this, fw) } },
    );
  }

  frameworkRemoved(fw: Framework): void {
    this.maintenance.frameworkRemoved(fw);
    this.subscribers.send(() => ({ type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: fw.info } }));
  }

  /** Master::addSlave: a newly admitted agent, or one re-admitted after a failover or unreachability. */
  agentAdded(agent: Agent): void {
    this.subscribers.send(() => ({ type: 'AGENT_ADDED', agent_added: { agent: agentV1(this, agent) } }));
  }

  /** A status the master generates itself (no uuid: nothing to acknowledge). */
  masterUpdate(task: Task, state: string, message: string, reason: string, unreachableTime?: number): void {
    const fw = this.frameworks.get(task.frameworkId);
    const status = masterStatus(task.id, state, message, reason, task.agentId, { executorId: task.executorId || undefined, unreachableTime });
    this.transition(task, state, status.timestamp, status);
    task.latest = status;
    task.unackedUuid = undefined;
    if (fw?.connected) send(fw, { type: 'UPDATE', update: { status } });
    if (isTerminal(state)) this.removeTask(task);
  }

  /** Moves a task out of the active books: to completed_tasks (or unreachable_tasks). */
  removeTask(task: Task, unreachable = false): void {
    const fw = this.frameworks.get(task.frameworkId) ?? this.completedFrameworks.get(task.frameworkId);
    this.agents.get(task.agentId)?.tasks.delete(`${task.frameworkId}/${task.id}`);
    if (!fw) return;
    fw.tasks.delete(task.id);
    glog('master.cpp:11095').info(`Removing task ${task.id} with resources ${L.text(task.resources, task.role)} of framework ${fw.id} on agent ${task.agentId}`);
    if (unreachable) {
      fw.unreachableTasks.set(task.id, task);
      while (fw.unreachableTasks.size > this.cfg.maxUnreachableTasksPerFramework) fw.unreachableTasks.delete(fw.unreachableTasks.keys().next().value!);
    } else {
      fw.completedTasks.push(task);
      if (fw.completedTasks.length > this.cfg.maxCompletedTasksPerFramework) fw.completedTasks.shift();
    }
  }

  // ---------------------------------------------------------------- offers

  /** Takes an offer back; `rescind` tells the scheduler (RESCIND event). */
  removeOffer(id: string, rescind: boolean): void {
    const offer = this.offers.get(id);
    if (!offer) return;
    clearTimeout(offer.timer);
    this.offers.delete(id);
    const fw = this.frameworks.get(offer.frameworkId);
    fw?.offers.delete(id);
    this.agents.get(offer.agentId)?.offers.delete(id);
    if (rescind && fw) {
      fwCount(fw, 'offers/rescinded');
      send(fw, { type: 'RESCIND', rescind: { offer_id: { value: id } } });
    }
  }
}
