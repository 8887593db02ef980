// The v1 scheduler API once a call is parsed and validated (server.ts does
// that): SUBSCRIBE and the framework's event stream (heartbeats, disconnection,
// failover timeout), and every other call. Semantics follow Master::subscribe,
// Master::removeFramework and the call handlers of src/master/master.cpp (1.7).
import type { MasterInfoJson } from '../common/master-info.js';
import { accept } from './accept.js';
import type { Allocator } from './allocator.js';
import { MAX_TIMER_MS, type Books } from './books.js';
import type { MasterConfig } from './config.js';
import { closeStream, frameworkRoles, fwCount, hasCapability, newFramework, partitionAware, send, sendOn } from './framework.js';
import { describeAgent, describeFramework, glog } from './log.js';
import { masterStatus } from './status.js';
import { idValue, isTerminal, now, type EventStream, type Framework, type Pb, type Task } from './types.js';

const HEARTBEAT_INTERVAL_SECONDS = 15;

/** The FrameworkInfo role checks of validation::framework::validate. */
function validateRoles(info: Pb): string | undefined {
  const multi = hasCapability(info, 'MULTI_ROLE');
  if (multi && info.role !== undefined) return "'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable";
  if (!multi && Array.isArray(info.roles) && info.roles.length > 0) return "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable";
  const check = (role: Pb): string | undefined => {
    if (typeof role !== 'string' || role === '') return 'Empty role name is invalid';
    if (role === '.' || role === '..') return `Role name '${role}' cannot be '.' or '..'`;
    if (role.startsWith('-')) return `Role name '${role}' cannot start with '-'`;
    if (/[\s/\\]/.test(role) && role !== '*') return `Role name '${role}' cannot include invalid characters`;
    return undefined;
  };
  if (multi) {
    const roles: Pb[] = Array.isArray(info.roles) ? info.roles : [];
    const dup = roles.filter((r, i) => roles.indexOf(r) !== i);
    if (dup.length) return `'FrameworkInfo.roles' contains duplicate items: { ${[...new Set(dup)].join(', ')} }`;
    for (const r of roles) {
      const e = check(r);
      if (e) return `'FrameworkInfo.roles' contains invalid role: ${e}`;
    }
  } else if (info.role !== undefined) {
    const e = check(info.role);
    if (e) return `'FrameworkInfo.role' is not a valid role: ${e}`;
  }
  return undefined;
}

export class SchedulerApi {
  constructor(
    private readonly books: Books,
    private readonly allocator: Allocator,
    private readonly cfg: MasterConfig,
    private readonly masterInfo: MasterInfoJson,
  ) {}

  /** Ends every framework's stream and timers (the master is shutting down). */
  stop(): void {
    for (const fw of this.books.frameworks.values()) {
      clearInterval(fw.heartbeat);
      clearTimeout(fw.failoverTimer);
      if (fw.stream) closeStream(fw.stream);
    }
  }

  // ---------------------------------------------------------------- SUBSCRIBE and the event stream

  /** The body of a SUBSCRIBE call; `stream` is the already-opened response. */
  subscribe(stream: EventStream, subscribe: Pb): void {
    const books = this.books;
    const info: Pb = subscribe?.framework_info ?? {};
    const id = idValue(info.id);
    books.count(id ? 'master/messages_reregister_framework' : 'master/messages_register_framework');
    glog('master.cpp:2531').info(`Received subscription request for HTTP framework '${info.name}'`);

    const fail = (message: string) => {
      glog('master.cpp:2605').info(`Refusing subscription of framework '${info.name}': ${message}`);
      sendOn(stream, { type: 'ERROR', error: { message } });
      closeStream(stream);
    };

    const roleError = validateRoles(info);
    if (roleError) return fail(roleError);
    const roles = frameworkRoles(info);
    const suppressedRoles: string[] = Array.isArray(subscribe?.suppressed_roles) ? subscribe.suppressed_roles : [];
    for (const r of suppressedRoles) if (!roles.includes(r)) return fail(`Suppressed role '${r}' is not contained in the list of roles`);
    if (info.user === 'root' && !this.cfg.rootSubmissions) return fail("User 'root' is not allowed to run frameworks without --root_submissions set");
    if (id && books.completedFrameworks.has(id)) return fail('Framework has been removed');
    const ft = info.failover_timeout;
    if (ft !== undefined && (typeof ft !== 'number' || !Number.isFinite(ft) || ft < 0)) return fail(`The framework failover_timeout (${ft}) is invalid`);

    const caps = (Array.isArray(info.capabilities) ? info.capabilities : []).map((c: Pb) => c?.type).join(', ');
    glog('master.cpp:2666').info(
      `Subscribing framework '${info.name}' with checkpointing ${info.checkpoint ? 'enabled' : 'disabled'} and capabilities [ ${caps} ]`,
    );

    let fw: Framework;
    const added = !id;
    if (!id) {
      const newId = books.newFrameworkId();
      fw = newFramework(newId, { ...info, id: { value: newId } }, false);
      books.frameworks.set(newId, fw);
      glog('master.cpp:10006').info(`Adding framework ${describeFramework(fw)} with roles { ${roles.join(', ')} } suppressing roles { ${suppressedRoles.join(', ')} }`);
    } else {
      let existing = books.frameworks.get(id);
      if (!existing) {
        // Not seen by this master (e.g. after a failover, before any agent
        // reported its tasks): recover it from the FrameworkInfo, as Mesos does.
        existing = newFramework(id, info, true);
        books.frameworks.set(id, existing);
      }
      fw = existing;
      if (!fw.recovered) {
        fw.reregisteredTime = now();
        if (fw.connected && fw.stream) {
          send(fw, { type: 'ERROR', error: { message: 'Framework failed over' } });
          const old = fw.stream;
          fw.stream = undefined;
          closeStream(old);
        }
      } else {
        // Master::activateRecoveredFramework: the first subscription to this master.
        fw.recovered = false;
        fw.registeredTime = fw.reregisteredTime = now();
      }
      fw.info = { ...info, id: { value: id } };
      glog('master.cpp:10136').info(`Framework ${describeFramework(fw)} failed over`);
      // Offers made to the old connection are taken back, not rescinded.
      for (const offerId of [...fw.offers]) books.removeOffer(offerId, false);
    }

    clearTimeout(fw.failoverTimer);
    fw.failoverTimer = undefined;
    fw.stream = stream;
    fw.active = true;
    fw.connected = true;
    fw.suppressed = roles.length > 0 && roles.every((r) => suppressedRoles.includes(r));
    fw.metrics.set('subscribed', 1);
    fwCount(fw, 'calls');
    fwCount(fw, 'calls/subscribe');
    books.frameworkSubscribed(fw, added);

    stream.res.on('close', () => this.streamClosed(fw.id, stream));
    send(fw, {
      type: 'SUBSCRIBED',
      subscribed: { framework_id: { value: fw.id }, heartbeat_interval_seconds: HEARTBEAT_INTERVAL_SECONDS, master_info: this.masterInfo },
    });
    this.startHeartbeat(fw);

    // An agent keeps resending updates its scheduler has not acknowledged; the
    // stand-in agent does not, so the master resends them on (re)subscription.
    for (const task of fw.tasks.values()) {
      if (task.unackedUuid && task.latest) send(fw, { type: 'UPDATE', update: { status: task.latest } });
    }
    this.allocator.allocateSoon();
  }

  private startHeartbeat(fw: Framework): void {
    clearInterval(fw.heartbeat);
    send(fw, { type: 'HEARTBEAT' });
    fw.heartbeat = setInterval(() => send(fw, { type: 'HEARTBEAT' }), HEARTBEAT_INTERVAL_SECONDS * 1000);
  }

  /** The scheduler's connection went away: disconnect and wait failover_timeout (Master::_exited). */
  private streamClosed(fwId: string, stream: EventStream): void {
    stream.closed = true;
    const fw = this.books.frameworks.get(fwId);
    if (!fw || fw.stream !== stream) return;
    glog('master.cpp:1390').info(`Framework ${describeFramework(fw)} disconnected`);
    this.disconnect(fw);
    const timeoutSecs = typeof fw.info.failover_timeout === 'number' ? fw.info.failover_timeout : 0;
    glog('master.cpp:1405').info(`Giving framework ${describeFramework(fw)} ${timeoutSecs}secs to failover`);
    const since = fw.reregisteredTime;
    fw.failoverTimer = setTimeout(() => {
      const current = this.books.frameworks.get(fwId);
      if (!current || current.connected || current.reregisteredTime !== since) return;
      glog('master.cpp:10438').info(`Framework failover timeout, removing framework ${describeFramework(current)}`);
      this.removeFramework(current);
    }, Math.min(timeoutSecs * 1000, MAX_TIMER_MS));
  }

  private disconnect(fw: Framework): void {
    clearInterval(fw.heartbeat);
    fw.heartbeat = undefined;
    fw.connected = false;
    fw.active = false;
    fw.metrics.set('subscribed', 0);
    if (fw.stream) closeStream(fw.stream);
    fw.stream = undefined;
    for (const offerId of [...fw.offers]) this.books.removeOffer(offerId, true);
  }

  // ---------------------------------------------------------------- calls

  teardown(fw: Framework): void {
    glog('master.cpp:10250').info(`Processing TEARDOWN call for framework ${describeFramework(fw)}`);
    this.books.count('master/messages_unregister_framework');
    this.removeFramework(fw);
  }

  /** Master::removeFramework: kill its tasks on the agents and keep it as a completed framework. */
  removeFramework(fw: Framework): void {
    const books = this.books;
    glog('master.cpp:10262').info(`Removing framework ${describeFramework(fw)}`);
    clearTimeout(fw.failoverTimer);
    clearInterval(fw.heartbeat);
    for (const offerId of [...fw.offers]) books.removeOffer(offerId, false);
    if (fw.stream) closeStream(fw.stream);
    fw.stream = undefined;
    fw.active = false;
    fw.connected = false;
    const agentsToShutdown = new Set<string>();
    for (const task of [...fw.tasks.values()]) {
      if (!isTerminal(task.state)) {
        agentsToShutdown.add(task.agentId);
        const status = masterStatus(task.id, 'TASK_KILLED', `Framework ${fw.id} removed`, 'REASON_FRAMEWORK_REMOVED', task.agentId, { executorId: task.executorId || undefined });
        books.transition(task, 'TASK_KILLED', status.timestamp, status);
      }
      books.removeTask(task);
    }
    for (const agentId of agentsToShutdown) {
      const agent = books.agents.get(agentId);
      if (agent) void books.toAgent(agent, '/mesos-up/shutdown-framework', { framework_id: fw.id });
    }
    fw.unregisteredTime = now();
    books.frameworkRemoved(fw);
    books.frameworks.delete(fw.id);
    books.completedFrameworks.set(fw.id, fw);
    while (books.completedFrameworks.size > this.cfg.maxCompletedFrameworks) {
      books.completedFrameworks.delete(books.completedFrameworks.keys().next().value!);
    }
  }

  accept(fw: Framework, call: Pb): void {
    accept(this.books, this.allocator, fw, call);
  }

  decline(fw: Framework, decline: Pb): void {
    const books = this.books;
    const ids: string[] = (Array.isArray(decline?.offer_ids) ? decline.offer_ids : []).map(idValue).filter(Boolean);
    glog('master.cpp:5886').info(`Processing DECLINE call for offers: [ ${ids.join(', ')} ] for framework ${describeFramework(fw)}`);
    books.count('master/messages_decline_offers');
    for (const id of ids) {
      const offer = books.offers.get(id);
      if (!offer || offer.frameworkId !== fw.id) {
        glog('master.cpp:5905').warn(`Ignoring decline of offer ${id} since it is no longer valid`);
        continue;
      }
      fwCount(fw, 'offers/declined');
      books.removeOffer(id, false);
      this.allocator.addFilter(fw, offer.agentId, offer.resources, decline?.filters);
    }
  }

  revive(fw: Framework): void {
    glog('master.cpp:5999').info(`Processing REVIVE call for framework ${describeFramework(fw)}`);
    this.books.count('master/messages_revive_offers');
    fw.filters = [];
    fw.suppressed = false;
    this.books.maintenance.revived(fw);
    this.allocator.allocateSoon();
  }

  suppress(fw: Framework): void {
    glog('master.cpp:3401').info(`Processing SUPPRESS call for framework ${describeFramework(fw)}`);
    this.books.count('master/messages_suppress_offers');
    fw.suppressed = true;
  }

  kill(fw: Framework, kill: Pb): void {
    const taskId = idValue(kill?.task_id) ?? '';
    const agentId = idValue(kill?.agent_id);
    glog('master.cpp:6073').info(`Processing KILL call for task '${taskId}' of framework ${describeFramework(fw)}`);
    this.books.count('master/messages_kill_task');
    const task = fw.tasks.get(taskId);
    if (!task) {
      glog('master.cpp:6118').warn(`Cannot kill task ${taskId} of framework ${describeFramework(fw)} because it is unknown; performing reconciliation`);
      this.reconcile(fw, { tasks: [{ task_id: { value: taskId }, ...(agentId ? { agent_id: { value: agentId } } : {}) }] });
      return;
    }
    if (agentId && agentId !== task.agentId) {
      glog('master.cpp:6133').warn(`Cannot kill task ${taskId} of agent ${agentId} of framework ${describeFramework(fw)} because it belongs to different agent ${task.agentId}`);
      return;
    }
    const agent = this.books.agents.get(task.agentId);
    if (!agent || isTerminal(task.state)) return;
    if (!agent.active) {
      glog('master.cpp:6166').warn(`Cannot kill task ${taskId} of framework ${describeFramework(fw)} because the agent ${describeAgent(agent)} is disconnected. Kill will be retried if the agent reregisters`);
      return;
    }
    glog('master.cpp:6151').info(`Telling agent ${describeAgent(agent)} to kill task ${taskId} of framework ${describeFramework(fw)}`);
    void this.books.toAgent(agent, '/mesos-up/kill', { framework_id: fw.id, task_id: { value: taskId } });
  }

  shutdown(fw: Framework, shutdown: Pb): void {
    const executorId = idValue(shutdown?.executor_id) ?? '';
    const agentId = idValue(shutdown?.agent_id) ?? '';
    glog('master.cpp:6212').info(`Processing SHUTDOWN call for executor '${executorId}' of framework ${describeFramework(fw)} on agent ${agentId}`);
    const agent = this.books.agents.get(agentId);
    if (!agent) return;
    // Command tasks run under an executor named after the task.
    for (const task of fw.tasks.values()) {
      if (task.agentId === agentId && (task.executorId || task.id) === executorId && !isTerminal(task.state)) {
        void this.books.toAgent(agent, '/mesos-up/kill', { framework_id: fw.id, task_id: { value: task.id } });
      }
    }
  }

  acknowledge(fw: Framework, ack: Pb): void {
    const books = this.books;
    const agentId = idValue(ack?.agent_id) ?? '';
    const taskId = idValue(ack?.task_id) ?? '';
    const uuid = String(ack?.uuid ?? '');
    books.count('master/messages_status_update_acknowledgement');
    const agent = books.agents.get(agentId);
    if (!agent) {
      glog('master.cpp:6260').warn(`Cannot send status update acknowledgement for status ${uuid} of task ${taskId} of framework ${describeFramework(fw)} to agent ${agentId} because agent is not registered`);
      books.count('master/invalid_status_update_acknowledgements');
      return;
    }
    glog('master.cpp:6278').info(`Processing ACKNOWLEDGE call for status ${uuid} for task ${taskId} of framework ${describeFramework(fw)} on agent ${agentId}`);
    books.count('master/valid_status_update_acknowledgements');
    const task = fw.tasks.get(taskId);
    if (!task || task.agentId !== agentId || task.unackedUuid !== uuid) return;
    task.unackedUuid = undefined;
    if (isTerminal(task.state)) books.removeTask(task);
  }

  /** Explicit and implicit task reconciliation (Master::reconcile). */
  reconcile(fw: Framework, reconcile: Pb): void {
    const books = this.books;
    books.count('master/messages_reconcile_tasks');
    const pa = partitionAware(fw);
    const statusOf = (task: Task, message: string) =>
      masterStatus(task.id, task.state, message, 'REASON_RECONCILIATION', task.agentId, {
        executorId: task.executorId || undefined,
        healthy: task.latest?.healthy,
        containerStatus: task.latest?.container_status,
      });
    const list: Pb[] = Array.isArray(reconcile?.tasks) ? reconcile.tasks : [];
    if (list.length === 0) {
      glog('master.cpp:8948').info(`Performing implicit task state reconciliation for framework ${describeFramework(fw)}`);
      for (const task of fw.tasks.values()) send(fw, { type: 'UPDATE', update: { status: statusOf(task, 'Reconciliation: Latest task state') } });
      return;
    }
    glog('master.cpp:9014').info(`Performing explicit task state reconciliation for ${list.length} tasks of framework ${describeFramework(fw)}`);
    for (const t of list) {
      const taskId = idValue(t?.task_id) ?? '';
      const agentId = idValue(t?.agent_id);
      const task = fw.tasks.get(taskId);
      let status: Pb;
      if (task) {
        status = statusOf(task, 'Reconciliation: Latest task state');
      } else if (agentId ? books.recoveredAgents.has(agentId) : books.recoveredAgents.size > 0) {
        // The agent may still come back with the task: no answer until it
        // re-registers or is marked unreachable (the scheduler asks again).
        glog('master.cpp:9084').info(
          `Dropping reconciliation of task ${taskId} for framework ${describeFramework(fw)} because ${agentId ? `agent ${agentId} has` : 'some agents have'} not yet reregistered with the master`,
        );
        continue;
      } else if (agentId && books.agents.has(agentId)) {
        status = masterStatus(taskId, pa ? 'TASK_GONE' : 'TASK_LOST', 'Reconciliation: Task is unknown to the agent', 'REASON_RECONCILIATION', agentId);
      } else if (agentId && books.unreachableAgents.has(agentId)) {
        const time = books.unreachableAgents.get(agentId)!.time;
        status = masterStatus(taskId, pa ? 'TASK_UNREACHABLE' : 'TASK_LOST', 'Reconciliation: Task is unreachable', 'REASON_RECONCILIATION', agentId, {
          unreachableTime: time,
        });
      } else if (agentId && books.gone.has(agentId)) {
        status = masterStatus(taskId, pa ? 'TASK_GONE_BY_OPERATOR' : 'TASK_LOST', 'Reconciliation: Task is gone', 'REASON_RECONCILIATION', agentId);
      } else {
        status = masterStatus(taskId, pa ? 'TASK_UNKNOWN' : 'TASK_LOST', 'Reconciliation: Task is unknown', 'REASON_RECONCILIATION', agentId);
      }
      send(fw, { type: 'UPDATE', update: { status } });
    }
  }

  message(fw: Framework, message: Pb): void {
    this.books.count('master/messages_framework_to_executor');
    const executorId = idValue(message?.executor_id) ?? '';
    // The stand-in agent runs no custom executors that could receive it.
    glog('master.cpp:6328').warn(`Dropping message for executor ${executorId} of framework ${describeFramework(fw)}: the emulated agent runs no custom executors`);
    this.books.count('master/invalid_framework_to_executor_messages');
  }

  request(fw: Framework): void {
    this.books.count('master/messages_resource_request');
    glog('master.cpp:3955').info(`Requesting resources for framework ${describeFramework(fw)}`);
  }
}
