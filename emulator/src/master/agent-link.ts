// The master's side of the agent link (emulator/PROTOCOL.md, standing in for
// libprocess messages): agents registering and re-registering with the tasks
// they run, their pings and status updates, the health check that marks a
// silent agent inactive and then unreachable, and the master's calls to agents.
import * as L from '../common/resource-list.js';
import type { Allocator } from './allocator.js';
import type { Books } from './books.js';
import { MESOS_VERSION, type MasterConfig } from './config.js';
import { frameworkRoles, newFramework, partitionAware, send } from './framework.js';
import { describeAgent, describeFramework, glog } from './log.js';
import { admitAgent, markAgentGone, markAgentReachable, markAgentUnreachable, updateAgent, type Registrar } from './registrar.js';
import { agentStatusJson, masterStatus } from './status.js';
import { idValue, isTerminal, now, type Agent, type AgentInfo, type Pb, type Task } from './types.js';

const GONE_MESSAGE = 'Agent has been marked gone';

/** SlaveInfo capabilities a 1.7 agent announces (src/slave/constants.cpp). */
const AGENT_CAPABILITIES = ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT', 'RESOURCE_PROVIDER', 'RESIZE_VOLUME'];

export class AgentLink {
  private healthTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly books: Books,
    private readonly allocator: Allocator,
    private readonly registrar: Registrar,
    private readonly cfg: MasterConfig,
    private readonly masterId: string,
  ) {}

  start(): void {
    this.healthTimer = setInterval(() => this.checkAgents(), 1000);
  }

  stop(): void {
    clearInterval(this.healthTimer);
  }

  /**
   * (Re-)registration: the registry has the agent before the books do and
   * before it hears its id (Master::registerSlave, reregisterSlave). Undefined
   * while a re-registration of the same agent, or its move to the unreachable
   * list, is still in progress: a real master drops that message too.
   */
  async register(body: Pb): Promise<{ agent_id: string; master_id: string } | { shutdown: string } | undefined> {
    const books = this.books;
    const requested = typeof body?.agent_id === 'string' && body.agent_id !== '' ? body.agent_id : undefined;
    if (requested && books.gone.has(requested)) {
      glog('master.cpp:6985').warn(`Refusing re-registration of agent at ${String(body?.pid ?? '')} because it is already marked gone`);
      return { shutdown: GONE_MESSAGE };
    }
    const ip = String(body?.ip ?? '');
    const port = Number(body?.port ?? 5051);
    const hostname = typeof body?.hostname === 'string' && body.hostname ? body.hostname : ip;
    if (books.maintenance.isDown({ hostname, ip })) {
      glog('master.cpp:6730').warn(`Refusing ${requested ? 're-registration' : 'registration'} of agent at ${String(body?.pid ?? '')} because the machine '${hostname} (${ip})' that it is running on is \`DOWN\``);
      return { shutdown: 'Machine is `DOWN`' };
    }
    const fields = {
      hostname, ip, port,
      pid: typeof body?.pid === 'string' && body.pid ? body.pid : `slave(1)@${ip}:${port}`,
      attributes: body?.attributes && typeof body.attributes === 'object' && !Array.isArray(body.attributes) ? body.attributes : {},
      version: typeof body?.version === 'string' ? body.version : MESOS_VERSION,
      capabilities: Array.isArray(body?.capabilities) ? body.capabilities.map((c: Pb) => (typeof c === 'string' ? c : c?.type)) : AGENT_CAPABILITIES,
      resources: L.upgrade(Array.isArray(body?.resources) ? body.resources : []),
      checkpointed: L.upgrade(Array.isArray(body?.checkpointed_resources) ? body.checkpointed_resources : []),
      total: [] as L.ResList,
    };
    // An agent this master already has keeps the master's set of reservations
    // and volumes (taken again after the registry write below, so an operation
    // applied meanwhile stays): one applied while the agent was away is not
    // undone by what the agent still had, and the agent is sent the set.
    const reported = fields.checkpointed;
    const known = requested ? books.agents.get(requested) : undefined;
    if (known) fields.checkpointed = known.checkpointed;
    const total = L.applyCheckpointed(fields.resources, fields.checkpointed);
    if (typeof total === 'string') {
      // Master::registerSlave/reregisterSlave refuse such an agent and it shuts down
      glog('master.cpp:6660').warn(`Refusing registration of agent at ${fields.pid} (${hostname}): ${total}`);
      return { shutdown: total };
    }
    fields.total = total;
    const infoOf = (id: string): AgentInfo => ({ id, hostname, port, attributes: fields.attributes, resources: fields.resources });
    let agent: Agent;
    if (requested) {
      if (books.reregistering.has(requested) || books.markingUnreachable.has(requested) || books.markingGone.has(requested)) {
        glog('master.cpp:6971').info(`Ignoring reregister agent message from agent ${requested} at ${fields.pid} (${hostname}) as re-registration or a transition to unreachable is already in progress`);
        return undefined;
      }
      books.count('master/messages_reregister_slave');
      books.reregistering.add(requested);
      try {
        // Registered here already: the registry learns what changed. Recovered
        // from the registry after a failover: likewise, and it stops being
        // recovered. Unreachable or unknown: the registry admits it again. It
        // keeps its id in every case.
        if (books.agents.has(requested) || books.recoveredAgents.has(requested)) await this.registrar.apply(updateAgent(infoOf(requested)));
        else await this.registrar.apply(markAgentReachable(infoOf(requested)));
      } finally {
        books.reregistering.delete(requested);
      }
      books.count('master/slave_reregistrations');
      const t = now();
      const existing = books.agents.get(requested);
      if (existing) {
        const totalNow = L.applyCheckpointed(fields.resources, existing.checkpointed);
        Object.assign(fields, { checkpointed: existing.checkpointed, total: typeof totalNow === 'string' ? existing.total : totalNow });
        agent = Object.assign(existing, fields, { reregisteredTime: t, active: true, lastPing: Date.now() });
      } else {
        books.recoveredAgents.delete(requested);
        books.unreachableAgents.delete(requested);
        agent = { id: requested, ...fields, registeredTime: t, reregisteredTime: t, active: true, lastPing: Date.now(), tasks: new Map(), offers: new Set() };
        books.agents.set(requested, agent);
        books.agentAdded(agent);
      }
      glog('master.cpp:7503').info(`Re-registered agent ${describeAgent(agent)} with ${L.text(agent.total)}`);
    } else {
      books.count('master/messages_register_slave');
      const id = books.newAgentId();
      await this.registrar.apply(admitAgent(infoOf(id)));
      books.count('master/slave_registrations');
      agent = { id, ...fields, registeredTime: now(), active: true, lastPing: Date.now(), tasks: new Map(), offers: new Set() };
      books.agents.set(id, agent);
      books.agentAdded(agent);
      glog('master.cpp:6926').info(`Registered agent ${describeAgent(agent)} with ${L.text(agent.total)}`);
    }
    books.maintenance.agentAdded(agent);
    if (!L.same(agent.checkpointed, reported)) void books.toAgent(agent, '/mesos-up/checkpoint-resources', { resources: L.format(agent.checkpointed, 'post') });
    this.adoptTasks(agent, Array.isArray(body?.tasks) ? body.tasks : [], Array.isArray(body?.frameworks) ? body.frameworks : []);
    this.allocator.allocateSoon();
    return { agent_id: agent.id, master_id: this.masterId };
  }

  /** Takes over the tasks a (re-)registering agent reports. */
  private adoptTasks(agent: Agent, reported: Pb[], frameworkInfos: Pb[]): void {
    const books = this.books;
    const reportedKeys = new Set<string>();
    for (const entry of reported) {
      const t: Pb = entry?.task ?? {};
      const fwId = typeof entry?.framework_id === 'string' ? entry.framework_id : idValue(entry?.framework_id) ?? '';
      const taskId = idValue(t.task_id);
      if (!fwId || !taskId) continue;
      reportedKeys.add(`${fwId}/${taskId}`);
      if (books.completedFrameworks.has(fwId)) {
        void books.toAgent(agent, '/mesos-up/shutdown-framework', { framework_id: fwId });
        continue;
      }
      let fw = books.frameworks.get(fwId);
      if (!fw) {
        const info = entry?.framework_info ?? frameworkInfos.find((f: Pb) => idValue(f?.id) === fwId) ?? { id: { value: fwId }, name: '', user: '' };
        fw = newFramework(fwId, { ...info, id: { value: fwId } }, true);
        books.frameworks.set(fwId, fw);
        glog('master.cpp:9700').info(`Recovering framework ${describeFramework(fw)} from agent ${agent.id}`);
      }
      const wasUnreachable = fw.unreachableTasks.get(taskId);
      if (wasUnreachable && !partitionAware(fw)) {
        // Non-partition-aware frameworks were told TASK_LOST: the task must not come back.
        void books.toAgent(agent, '/mesos-up/kill', { framework_id: fwId, task_id: { value: taskId } });
        continue;
      }
      fw.unreachableTasks.delete(taskId);
      const existing = fw.tasks.get(taskId);
      const state = typeof entry?.state === 'string' ? entry.state : existing?.state ?? 'TASK_RUNNING';
      const statuses = Array.isArray(entry?.statuses)
        ? entry.statuses.map((s: Pb) => {
            const e: Pb = { state: s.state, timestamp: typeof s.timestamp === 'number' ? s.timestamp : now() };
            if (s.labels !== undefined) e.labels = Array.isArray(s.labels) ? s.labels : s.labels?.labels ?? [];
            if (s.container_status !== undefined) e.container_status = s.container_status;
            if (typeof s.healthy === 'boolean') e.healthy = s.healthy;
            return e;
          })
        : existing?.statuses ?? [];
      const task: Task = existing ?? {
        id: taskId, name: typeof t.name === 'string' ? t.name : '', frameworkId: fwId, agentId: agent.id,
        executorId: idValue(t.executor?.executor_id) ?? '', state, resources: L.upgrade(Array.isArray(t.resources) ? t.resources : []),
        role: t.resources?.[0]?.allocation_info?.role ?? frameworkRoles(fw.info)[0] ?? '*', statuses, info: t,
      };
      task.state = state;
      task.statuses = statuses;
      task.agentId = agent.id;
      fw.tasks.set(taskId, task);
      agent.tasks.set(`${fwId}/${taskId}`, task);
      if (!existing) books.taskAdded(task);
      if (isTerminal(state)) books.removeTask(task);
    }
    // Tasks the master thought were here but the agent no longer has.
    for (const [key, task] of [...agent.tasks]) {
      if (reportedKeys.has(key) || task.state === 'TASK_STAGING') continue;
      const fw = books.frameworks.get(task.frameworkId);
      glog('master.cpp:9805').warn(`Task ${task.id} of framework ${task.frameworkId} unknown to the agent ${describeAgent(agent)} during re-registration`);
      const state = fw && partitionAware(fw) ? 'TASK_DROPPED' : 'TASK_LOST';
      books.masterUpdate(task, state, 'Reconciliation: task unknown to the agent', 'REASON_RECONCILIATION');
    }
  }

  /** `false` when the agent is unknown (it should register again). */
  ping(agentId: string): boolean {
    const agent = this.books.agents.get(agentId);
    if (!agent) return false;
    agent.lastPing = Date.now();
    if (!agent.active) {
      agent.active = true;
      glog('master.cpp:7660').info(`Agent ${describeAgent(agent)} reactivated`);
      this.allocator.allocateSoon();
    }
    return true;
  }

  /** A status update from an agent: forward to the scheduler and keep the books. `false`: unknown agent. */
  status(body: Pb): boolean {
    const books = this.books;
    const agentId = String(body?.agent_id ?? '');
    const agent = books.agents.get(agentId);
    books.count('master/messages_status_update');
    if (!agent) {
      glog('master.cpp:8410').warn(`Ignoring status update from unknown agent ${agentId}`);
      books.count('master/invalid_status_updates');
      return false;
    }
    const fwId = typeof body?.framework_id === 'string' ? body.framework_id : idValue(body?.framework_id) ?? '';
    const status = agentStatusJson(body?.status ?? {}, agentId);
    const taskId = idValue(status.task_id) ?? '';
    glog('master.cpp:8421').info(`Status update ${status.state} (Status UUID: ${status.uuid}) for task ${taskId} of framework ${fwId} from agent ${describeAgent(agent)}`);
    const fw = books.frameworks.get(fwId);
    let valid = true;
    if (fw?.connected) send(fw, { type: 'UPDATE', update: { status } });
    else {
      valid = false;
      glog('master.cpp:8441').warn(`Received status update for ${fw ? 'a disconnected' : 'an unknown'} framework ${fwId}`);
    }
    const task = fw?.tasks.get(taskId);
    if (!task || task.agentId !== agentId) {
      glog('master.cpp:8452').warn(`Could not lookup task for status update ${status.state} for task ${taskId} from agent ${agentId}`);
      books.count('master/invalid_status_updates');
      return true;
    }
    glog('master.cpp:10997').info(`Updating the state of task ${taskId} of framework ${fwId} (latest state: ${status.state}, status update state: ${status.state})`);
    books.transition(task, status.state, status.timestamp, status);
    task.latest = status;
    task.unackedUuid = status.uuid;
    books.count(valid ? 'master/valid_status_updates' : 'master/invalid_status_updates');
    return true;
  }

  /**
   * MARK_AGENT_GONE (Master::Http::_markAgentGone, Master::markGone): the
   * registry moves the agent to the gone list, a registered one is told to
   * shut down and leaves the books with its tasks, which partition-aware
   * frameworks hear of as TASK_GONE_BY_OPERATOR (others as TASK_LOST); it can
   * never register again.
   */
  async markGone(id: string): Promise<{ status: 200 | 404 | 503; message?: string }> {
    const books = this.books;
    glog('http.cpp:5262').info(`Marking agent '${id}' as gone`);
    if (books.gone.has(id)) {
      glog('http.cpp:5265').warn(`Not marking agent '${id}' as gone because it has already transitioned to gone`);
      return { status: 200 };
    }
    if (books.markingGone.has(id)) return { status: 503, message: `Agent '${id}' is already being transitioned to gone` };
    if (books.reregistering.has(id)) return { status: 503, message: `Agent '${id}' is being transitioned to removed` };
    if (books.markingUnreachable.has(id)) return { status: 503, message: `Agent '${id}' is being transitioned to unreachable` };
    if (!books.agents.has(id) && !books.recoveredAgents.has(id) && !books.unreachableAgents.has(id)) return { status: 404, message: `Agent '${id}' not found` };
    books.markingGone.add(id);
    const t = now();
    try {
      await this.registrar.apply(markAgentGone(id, t));
    } finally {
      books.markingGone.delete(id);
    }
    books.gone.set(id, t);
    books.recoveredAgents.delete(id);
    books.unreachableAgents.delete(id);
    const agent = books.agents.get(id);
    if (!agent) return { status: 200 };
    void books.toAgent(agent, '/mesos-up/shutdown', { message: GONE_MESSAGE });
    books.agents.delete(id);
    for (const offerId of [...agent.offers]) books.removeOffer(offerId, true);
    books.maintenance.agentRemoved(id);
    // Master::__removeSlave with no unreachable time
    this.endTasks(agent, GONE_MESSAGE, (aware) => (aware ? ['TASK_GONE_BY_OPERATOR', 'REASON_SLAVE_REMOVED_BY_OPERATOR', false] : ['TASK_LOST', 'REASON_SLAVE_REMOVED', true]));
    this.allocator.allocateSoon();
    return { status: 200 };
  }

  /** Agents that stop pinging become inactive, then unreachable (agent_ping_timeout × max_agent_ping_timeouts). */
  private checkAgents(): void {
    const t = Date.now();
    for (const agent of [...this.books.agents.values()]) {
      const silent = t - agent.lastPing;
      if (agent.active && silent > this.cfg.agentPingTimeoutMs) {
        agent.active = false;
        glog('master.cpp:1535').info(`Agent ${describeAgent(agent)} disconnected; deactivating it`);
        for (const id of [...agent.offers]) this.books.removeOffer(id, true);
        this.books.maintenance.agentRemoved(agent.id, false);
      }
      if (silent > this.cfg.agentPingTimeoutMs * this.cfg.maxAgentPingTimeouts) void this.markUnreachable(agent, 'health check timed out');
    }
  }

  /** The registry moves the agent to the unreachable list first; then its tasks become unreachable (or lost). */
  private async markUnreachable(agent: Agent, message: string): Promise<void> {
    const books = this.books;
    // (Master::markUnreachable: not while another transition of the agent is under way, nor once it is gone)
    if (books.reregistering.has(agent.id) || books.markingUnreachable.has(agent.id) || books.markingGone.has(agent.id) || books.gone.has(agent.id)) return;
    books.count('master/slave_unreachable_scheduled');
    books.markingUnreachable.add(agent.id);
    const t = now();
    await this.registrar.apply(markAgentUnreachable(agent.id, t));
    books.markingUnreachable.delete(agent.id);
    glog('master.cpp:8854').info(`Marked agent ${agent.id} (${agent.hostname}) unreachable: ${message}`);
    books.count('master/slave_removals');
    books.count('master/slave_removals/reason_unhealthy');
    books.count('master/slave_unreachable_completed');
    books.agents.delete(agent.id);
    books.unreachableAgents.set(agent.id, { id: agent.id, time: t });
    for (const id of [...agent.offers]) books.removeOffer(id, true);
    books.maintenance.agentRemoved(agent.id);
    this.endTasks(agent, message, (aware) => [aware ? 'TASK_UNREACHABLE' : 'TASK_LOST', 'REASON_AGENT_REMOVED', true], t);
  }

  /**
   * Master::removeSlave once the registry no longer admits the agent (a machine
   * brought down): its tasks are lost to every framework, its offers and
   * inverse offers rescinded, frameworks hear the agent is lost (FAILURE) and
   * operators that it was removed.
   */
  removeAgent(agent: Agent, cause: string): void {
    const books = this.books;
    if (!books.agents.has(agent.id)) return;
    books.count('master/slave_removals');
    books.agents.delete(agent.id);
    this.endTasks(agent, `Agent ${agent.hostname} removed: ${cause}`, () => ['TASK_LOST', 'REASON_SLAVE_REMOVED', false]);
    for (const id of [...agent.offers]) books.removeOffer(id, true);
    books.maintenance.agentRemoved(agent.id);
    for (const fw of books.frameworks.values()) if (fw.connected) send(fw, { type: 'FAILURE', failure: { agent_id: { value: agent.id } } });
    books.subscribers.send(() => ({ type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: agent.id } } }));
    this.allocator.allocateSoon();
  }

  /**
   * The master's own status for every live task of an agent that left the
   * books: `how` gives, by whether the framework is partition-aware, the state,
   * the reason and whether the task is kept as unreachable.
   */
  private endTasks(agent: Agent, message: string, how: (partitionAware: boolean) => [string, string, boolean], unreachableTime?: number): void {
    const books = this.books;
    for (const task of [...agent.tasks.values()]) {
      const fw = books.frameworks.get(task.frameworkId);
      if (!fw) continue;
      if (isTerminal(task.state)) {
        books.removeTask(task);
        continue;
      }
      const [state, reason, unreachable] = how(partitionAware(fw));
      const status = masterStatus(task.id, state, message, reason, agent.id, { executorId: task.executorId || undefined, unreachableTime });
      books.transition(task, state, status.timestamp, status);
      task.latest = status;
      task.unackedUuid = undefined;
      books.removeTask(task, unreachable);
      if (fw.connected) send(fw, { type: 'UPDATE', update: { status } });
    }
  }
}
