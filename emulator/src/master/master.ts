// The leading master's behaviour: framework subscriptions and calls of the v1
// scheduler API, the allocator (offers, filters, suppression, offer timeouts),
// agents of the internal protocol (emulator/PROTOCOL.md), tasks and their
// status updates. Semantics follow src/master/master.cpp of Mesos 1.7.
import { randomBytes, randomUUID } from 'node:crypto';
import { makeLogger } from '../common/log.js';
import { ipToUint32, type MasterInfoJson } from '../common/master-info.js';
import { postJson } from '../common/http.js';
import { encodeRecord } from '../common/recordio.js';
import * as R from '../common/resources.js';
import type { Resources } from '../common/resources.js';
import { MESOS_VERSION, type MasterConfig } from './config.js';
import {
  isTerminal, TASK_STATES, type Agent, type EventStream, type Filter, type Framework, type Offer, type Pb, type Task,
  type UnreachableAgent,
} from './types.js';

const HEARTBEAT_INTERVAL_SECONDS = 15;
const DEFAULT_REFUSE_SECONDS = 5;
const MAX_TIMER_MS = 2 ** 31 - 1;
/** SlaveInfo capabilities a 1.7 agent announces (src/slave/constants.cpp). */
const AGENT_CAPABILITIES = ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT', 'RESOURCE_PROVIDER', 'RESIZE_VOLUME'];

export const CALL_TYPES = [
  'SUBSCRIBE', 'TEARDOWN', 'ACCEPT', 'DECLINE', 'ACCEPT_INVERSE_OFFERS', 'DECLINE_INVERSE_OFFERS', 'REVIVE', 'KILL',
  'SHUTDOWN', 'ACKNOWLEDGE', 'ACKNOWLEDGE_OPERATION_STATUS', 'RECONCILE', 'RECONCILE_OPERATIONS', 'MESSAGE', 'REQUEST',
  'SUPPRESS',
];
const EVENT_TYPES = [
  'SUBSCRIBED', 'OFFERS', 'INVERSE_OFFERS', 'RESCIND', 'RESCIND_INVERSE_OFFER', 'UPDATE', 'UPDATE_OPERATION_STATUS',
  'MESSAGE', 'FAILURE', 'ERROR', 'HEARTBEAT',
];
const OPERATION_TYPES = ['LAUNCH', 'LAUNCH_GROUP', 'RESERVE', 'UNRESERVE', 'CREATE', 'DESTROY', 'GROW_VOLUME', 'SHRINK_VOLUME', 'CREATE_DISK', 'DESTROY_DISK'];

export const now = (): number => Date.now() / 1000;

/** Loggers named after the Mesos source file and line that logs the same event. */
const loggers = new Map<string, ReturnType<typeof makeLogger>>();
export function glog(where: string): ReturnType<typeof makeLogger> {
  let l = loggers.get(where);
  if (!l) loggers.set(where, (l = makeLogger(where)));
  return l;
}

/** process::http::encode: everything but unreserved characters percent-encoded. */
function httpEncode(s: string): string {
  return Array.from(Buffer.from(s, 'utf8'))
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/** `cpus(allocated: *):0.5; mem(allocated: *):64` as stringify(Resources) prints them in validation errors. */
export function resourcesText(res: Resources, role?: string): string {
  const tag = role === undefined ? '' : `(allocated: ${role})`;
  const parts: string[] = [];
  for (const name of ['cpus', 'gpus', 'mem', 'disk'] as const) if (res[name] > 0) parts.push(`${name}${tag}:${res[name]}`);
  if (res.ports.length) parts.push(`ports${tag}:${R.rangesText(res.ports)}`);
  return parts.join('; ');
}

const value = (x: Pb): string | undefined => (x && typeof x === 'object' && typeof x.value === 'string' ? x.value : undefined);

export class Master {
  readonly id = randomUUID();
  readonly startTime = now();
  readonly info: MasterInfoJson;
  readonly pid: string;
  elected = false;
  electedTime: number | undefined;
  /** the leader's MasterInfo, this master's own when it leads */
  leader: MasterInfoJson | undefined;

  readonly agents = new Map<string, Agent>();
  readonly unreachableAgents = new Map<string, UnreachableAgent>();
  readonly frameworks = new Map<string, Framework>();
  readonly completedFrameworks = new Map<string, Framework>();
  readonly offers = new Map<string, Offer>();
  /** master/* counters; gauges are computed when read */
  readonly counters = new Map<string, number>();

  private nextAgentId = 0;
  private nextFrameworkId = 0;
  private nextOfferId = 0;
  private allocationTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private allocationSoon: NodeJS.Immediate | undefined;

  constructor(readonly cfg: MasterConfig) {
    this.pid = `master@${cfg.ip}:${cfg.advertisedPort}`;
    // Key order of the JSON Mesos writes (proto field order).
    this.info = {
      id: this.id,
      ip: ipToUint32(cfg.ip),
      port: cfg.advertisedPort,
      pid: this.pid,
      hostname: cfg.hostname,
      version: MESOS_VERSION,
      address: { hostname: cfg.hostname, ip: cfg.ip, port: cfg.advertisedPort },
      capabilities: [{ type: 'AGENT_UPDATE' }],
    };
  }

  count(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  // ---------------------------------------------------------------- leadership

  /** Called by the election (or at start when standalone) with the current leader. */
  setLeader(info: MasterInfoJson | undefined, self: boolean): void {
    const wasElected = this.elected;
    if (self) {
      this.leader = this.info;
      this.electedTime = now();
      if (!wasElected) {
        this.elected = true;
        glog('master.cpp:2107').info('Elected as the leading master!');
        this.startLeading();
      }
      return;
    }
    if (wasElected) {
      // A leader that sees someone else (or nobody) lead has lost its place in
      // the group; Mesos masters exit rather than risk two leaders.
      glog('master.cpp:2123').error(
        info ? 'Conceded leadership to another master... committing suicide!' : 'Lost leadership after indecisive election... committing suicide!',
      );
      process.exit(1);
    }
    const same = this.leader?.id === info?.id && this.leader !== undefined && info !== undefined;
    this.leader = info;
    if (same) return;
    if (info) glog('master.cpp:2120').info(`The newly elected leader is ${info.pid} with id ${info.id}`);
    else glog('master.cpp:2146').info('No master was elected.');
  }

  private startLeading(): void {
    glog('master.cpp:2109').info('Recovered 0 agents from the registry; allowing 10mins for agents to reregister');
    this.allocationTimer = setInterval(() => this.allocate(), this.cfg.allocationIntervalMs);
    this.healthTimer = setInterval(() => this.checkAgents(), 1000);
  }

  stop(): void {
    clearInterval(this.allocationTimer);
    clearInterval(this.healthTimer);
    for (const fw of this.frameworks.values()) {
      clearInterval(fw.heartbeat);
      clearTimeout(fw.failoverTimer);
      if (fw.stream) this.closeStream(fw.stream);
    }
    for (const o of this.offers.values()) clearTimeout(o.timer);
  }

  // ---------------------------------------------------------------- ids

  private newFrameworkId(): string {
    return `${this.id}-${String(this.nextFrameworkId++).padStart(4, '0')}`;
  }

  private newAgentId(): string {
    return `${this.id}-S${this.nextAgentId++}`;
  }

  private newOfferId(): string {
    return `${this.id}-O${this.nextOfferId++}`;
  }

  // ---------------------------------------------------------------- framework helpers

  static roles(info: Pb): string[] {
    if (Master.hasCapability(info, 'MULTI_ROLE')) return Array.isArray(info?.roles) ? info.roles : [];
    return [typeof info?.role === 'string' ? info.role : '*'];
  }

  static hasCapability(info: Pb, type: string): boolean {
    return Array.isArray(info?.capabilities) && info.capabilities.some((c: Pb) => c?.type === type);
  }

  static partitionAware(fw: Framework): boolean {
    return Master.hasCapability(fw.info, 'PARTITION_AWARE');
  }

  describe(fw: Framework): string {
    return `${fw.id} (${fw.info?.name ?? ''})`;
  }

  describeAgent(a: Agent): string {
    return `${a.id} at ${a.pid} (${a.hostname})`;
  }

  private newFramework(id: string, info: Pb, recovered: boolean): Framework {
    const t = now();
    const fw: Framework = {
      id, info, metricName: `master/frameworks/${httpEncode(info?.name ?? '')}/${id}/`,
      active: false, connected: false, recovered, suppressed: false,
      registeredTime: t, reregisteredTime: t, unregisteredTime: 0,
      tasks: new Map(), unreachableTasks: new Map(), completedTasks: [], offers: new Set(), filters: [], metrics: new Map(),
    };
    for (const k of ['subscribed', 'calls', 'events', 'offers/sent', 'offers/accepted', 'offers/declined', 'offers/rescinded', 'operations']) fw.metrics.set(k, 0);
    for (const c of CALL_TYPES) fw.metrics.set(`calls/${c.toLowerCase()}`, 0);
    for (const e of EVENT_TYPES) fw.metrics.set(`events/${e.toLowerCase()}`, 0);
    for (const o of OPERATION_TYPES) fw.metrics.set(`operations/${o.toLowerCase()}`, 0);
    return fw;
  }

  fwCount(fw: Framework, key: string, by = 1): void {
    fw.metrics.set(key, (fw.metrics.get(key) ?? 0) + by);
  }

  // ---------------------------------------------------------------- event streams

  send(fw: Framework, event: Pb): void {
    const s = fw.stream;
    if (!s || s.closed) return;
    this.fwCount(fw, 'events');
    this.fwCount(fw, `events/${String(event.type).toLowerCase()}`);
    s.res.write(encodeRecord(event));
  }

  sendOn(stream: EventStream, event: Pb): void {
    if (!stream.closed) stream.res.write(encodeRecord(event));
  }

  closeStream(stream: EventStream): void {
    if (stream.closed) return;
    stream.closed = true;
    stream.res.end();
  }

  // ---------------------------------------------------------------- SUBSCRIBE

  /** The body of a SUBSCRIBE call; `stream` is the already-opened response. */
  subscribe(stream: EventStream, subscribe: Pb): void {
    const info: Pb = subscribe?.framework_info ?? {};
    const id = value(info.id);
    this.count(id ? 'master/messages_reregister_framework' : 'master/messages_register_framework');
    glog('master.cpp:2531').info(`Received subscription request for HTTP framework '${info.name}'`);

    const fail = (message: string) => {
      glog('master.cpp:2605').info(`Refusing subscription of framework '${info.name}': ${message}`);
      this.sendOn(stream, { type: 'ERROR', error: { message } });
      this.closeStream(stream);
    };

    const roleError = validateRoles(info);
    if (roleError) return fail(roleError);
    const roles = Master.roles(info);
    const suppressedRoles: string[] = Array.isArray(subscribe?.suppressed_roles) ? subscribe.suppressed_roles : [];
    for (const r of suppressedRoles) if (!roles.includes(r)) return fail(`Suppressed role '${r}' is not contained in the list of roles`);
    if (info.user === 'root' && !this.cfg.rootSubmissions) return fail("User 'root' is not allowed to run frameworks without --root_submissions set");
    if (id && this.completedFrameworks.has(id)) return fail('Framework has been removed');
    const ft = info.failover_timeout;
    if (ft !== undefined && (typeof ft !== 'number' || !Number.isFinite(ft) || ft < 0)) return fail(`The framework failover_timeout (${ft}) is invalid`);

    const caps = (Array.isArray(info.capabilities) ? info.capabilities : []).map((c: Pb) => c?.type).join(', ');
    glog('master.cpp:2666').info(
      `Subscribing framework '${info.name}' with checkpointing ${info.checkpoint ? 'enabled' : 'disabled'} and capabilities [ ${caps} ]`,
    );

    let fw: Framework;
    if (!id) {
      const newId = this.newFrameworkId();
      fw = this.newFramework(newId, { ...info, id: { value: newId } }, false);
      this.frameworks.set(newId, fw);
      glog('master.cpp:10006').info(`Adding framework ${this.describe(fw)} with roles { ${roles.join(', ')} } suppressing roles { ${suppressedRoles.join(', ')} }`);
    } else {
      let existing = this.frameworks.get(id);
      if (!existing) {
        // Not seen by this master (e.g. after a failover, before any agent
        // reported its tasks): recover it from the FrameworkInfo, as Mesos does.
        existing = this.newFramework(id, info, true);
        this.frameworks.set(id, existing);
      }
      fw = existing;
      if (!fw.recovered) {
        fw.reregisteredTime = now();
        if (fw.connected && fw.stream) {
          this.send(fw, { type: 'ERROR', error: { message: 'Framework failed over' } });
          const old = fw.stream;
          fw.stream = undefined;
          this.closeStream(old);
        }
      } else {
        fw.recovered = false;
        fw.reregisteredTime = now();
      }
      fw.info = { ...info, id: { value: id } };
      glog('master.cpp:10136').info(`Framework ${this.describe(fw)} failed over`);
      // Offers made to the old connection are taken back, not rescinded.
      for (const offerId of [...fw.offers]) this.removeOffer(offerId, false);
    }

    clearTimeout(fw.failoverTimer);
    fw.failoverTimer = undefined;
    fw.stream = stream;
    fw.active = true;
    fw.connected = true;
    fw.suppressed = roles.length > 0 && roles.every((r) => suppressedRoles.includes(r));
    fw.metrics.set('subscribed', 1);
    this.fwCount(fw, 'calls');
    this.fwCount(fw, 'calls/subscribe');

    stream.res.on('close', () => this.streamClosed(fw.id, stream));
    this.send(fw, {
      type: 'SUBSCRIBED',
      subscribed: { framework_id: { value: fw.id }, heartbeat_interval_seconds: HEARTBEAT_INTERVAL_SECONDS, master_info: this.info },
    });
    this.startHeartbeat(fw);

    // An agent keeps resending updates its scheduler has not acknowledged; the
    // stand-in agent does not, so the master resends them on (re)subscription.
    for (const task of fw.tasks.values()) {
      if (task.unackedUuid && task.latest) this.send(fw, { type: 'UPDATE', update: { status: task.latest } });
    }
    this.allocateSoon();
  }

  private startHeartbeat(fw: Framework): void {
    clearInterval(fw.heartbeat);
    this.send(fw, { type: 'HEARTBEAT' });
    fw.heartbeat = setInterval(() => this.send(fw, { type: 'HEARTBEAT' }), HEARTBEAT_INTERVAL_SECONDS * 1000);
  }

  /** The scheduler's connection went away: disconnect and wait failover_timeout (Master::_exited). */
  private streamClosed(fwId: string, stream: EventStream): void {
    stream.closed = true;
    const fw = this.frameworks.get(fwId);
    if (!fw || fw.stream !== stream) return;
    glog('master.cpp:1390').info(`Framework ${this.describe(fw)} disconnected`);
    this.disconnect(fw);
    const timeoutSecs = typeof fw.info.failover_timeout === 'number' ? fw.info.failover_timeout : 0;
    glog('master.cpp:1405').info(`Giving framework ${this.describe(fw)} ${timeoutSecs}secs to failover`);
    const since = fw.reregisteredTime;
    fw.failoverTimer = setTimeout(() => {
      const current = this.frameworks.get(fwId);
      if (!current || current.connected || current.reregisteredTime !== since) return;
      glog('master.cpp:10438').info(`Framework failover timeout, removing framework ${this.describe(current)}`);
      this.removeFramework(current);
    }, Math.min(timeoutSecs * 1000, MAX_TIMER_MS));
  }

  private disconnect(fw: Framework): void {
    clearInterval(fw.heartbeat);
    fw.heartbeat = undefined;
    fw.connected = false;
    fw.active = false;
    fw.metrics.set('subscribed', 0);
    if (fw.stream) this.closeStream(fw.stream);
    fw.stream = undefined;
    for (const offerId of [...fw.offers]) this.removeOffer(offerId, true);
  }

  // ---------------------------------------------------------------- calls

  teardown(fw: Framework): void {
    glog('master.cpp:10250').info(`Processing TEARDOWN call for framework ${this.describe(fw)}`);
    this.count('master/messages_unregister_framework');
    this.removeFramework(fw);
  }

  /** Master::removeFramework: kill its tasks on the agents and keep it as a completed framework. */
  removeFramework(fw: Framework): void {
    glog('master.cpp:10262').info(`Removing framework ${this.describe(fw)}`);
    clearTimeout(fw.failoverTimer);
    clearInterval(fw.heartbeat);
    for (const offerId of [...fw.offers]) this.removeOffer(offerId, false);
    if (fw.stream) this.closeStream(fw.stream);
    fw.stream = undefined;
    fw.active = false;
    fw.connected = false;
    const agentsToShutdown = new Set<string>();
    for (const task of [...fw.tasks.values()]) {
      if (!isTerminal(task.state)) {
        agentsToShutdown.add(task.agentId);
        this.transition(task, 'TASK_KILLED', now());
      }
      this.removeTask(task);
    }
    for (const agentId of agentsToShutdown) {
      const agent = this.agents.get(agentId);
      if (agent) void this.agentPost(agent, '/mesos-up/shutdown-framework', { framework_id: fw.id });
    }
    fw.unregisteredTime = now();
    this.frameworks.delete(fw.id);
    this.completedFrameworks.set(fw.id, fw);
    while (this.completedFrameworks.size > this.cfg.maxCompletedFrameworks) {
      this.completedFrameworks.delete(this.completedFrameworks.keys().next().value!);
    }
  }

  decline(fw: Framework, decline: Pb): void {
    const ids: string[] = (Array.isArray(decline?.offer_ids) ? decline.offer_ids : []).map(value).filter(Boolean);
    glog('master.cpp:5886').info(`Processing DECLINE call for offers: [ ${ids.join(', ')} ] for framework ${this.describe(fw)}`);
    this.count('master/messages_decline_offers');
    for (const id of ids) {
      const offer = this.offers.get(id);
      if (!offer || offer.frameworkId !== fw.id) {
        glog('master.cpp:5905').warn(`Ignoring decline of offer ${id} since it is no longer valid`);
        continue;
      }
      this.fwCount(fw, 'offers/declined');
      this.removeOffer(id, false);
      this.addFilter(fw, offer.agentId, offer.resources, decline?.filters);
    }
  }

  revive(fw: Framework): void {
    glog('master.cpp:5999').info(`Processing REVIVE call for framework ${this.describe(fw)}`);
    this.count('master/messages_revive_offers');
    fw.filters = [];
    fw.suppressed = false;
    this.allocateSoon();
  }

  suppress(fw: Framework): void {
    glog('master.cpp:3401').info(`Processing SUPPRESS call for framework ${this.describe(fw)}`);
    this.count('master/messages_suppress_offers');
    fw.suppressed = true;
  }

  kill(fw: Framework, kill: Pb): void {
    const taskId = value(kill?.task_id) ?? '';
    const agentId = value(kill?.agent_id);
    glog('master.cpp:6073').info(`Processing KILL call for task '${taskId}' of framework ${this.describe(fw)}`);
    this.count('master/messages_kill_task');
    const task = fw.tasks.get(taskId);
    if (!task) {
      glog('master.cpp:6118').warn(`Cannot kill task ${taskId} of framework ${this.describe(fw)} because it is unknown; performing reconciliation`);
      this.reconcile(fw, { tasks: [{ task_id: { value: taskId }, ...(agentId ? { agent_id: { value: agentId } } : {}) }] });
      return;
    }
    if (agentId && agentId !== task.agentId) {
      glog('master.cpp:6133').warn(`Cannot kill task ${taskId} of agent ${agentId} of framework ${this.describe(fw)} because it belongs to different agent ${task.agentId}`);
      return;
    }
    const agent = this.agents.get(task.agentId);
    if (!agent || isTerminal(task.state)) return;
    if (!agent.active) {
      glog('master.cpp:6166').warn(`Cannot kill task ${taskId} of framework ${this.describe(fw)} because the agent ${this.describeAgent(agent)} is disconnected. Kill will be retried if the agent reregisters`);
      return;
    }
    glog('master.cpp:6151').info(`Telling agent ${this.describeAgent(agent)} to kill task ${taskId} of framework ${this.describe(fw)}`);
    void this.agentPost(agent, '/mesos-up/kill', { framework_id: fw.id, task_id: { value: taskId } });
  }

  shutdown(fw: Framework, shutdown: Pb): void {
    const executorId = value(shutdown?.executor_id) ?? '';
    const agentId = value(shutdown?.agent_id) ?? '';
    glog('master.cpp:6212').info(`Processing SHUTDOWN call for executor '${executorId}' of framework ${this.describe(fw)} on agent ${agentId}`);
    const agent = this.agents.get(agentId);
    if (!agent) return;
    // Command tasks run under an executor named after the task.
    for (const task of fw.tasks.values()) {
      if (task.agentId === agentId && (task.executorId || task.id) === executorId && !isTerminal(task.state)) {
        void this.agentPost(agent, '/mesos-up/kill', { framework_id: fw.id, task_id: { value: task.id } });
      }
    }
  }

  acknowledge(fw: Framework, ack: Pb): void {
    const agentId = value(ack?.agent_id) ?? '';
    const taskId = value(ack?.task_id) ?? '';
    const uuid = String(ack?.uuid ?? '');
    this.count('master/messages_status_update_acknowledgement');
    const agent = this.agents.get(agentId);
    if (!agent) {
      glog('master.cpp:6260').warn(`Cannot send status update acknowledgement for status ${uuid} of task ${taskId} of framework ${this.describe(fw)} to agent ${agentId} because agent is not registered`);
      this.count('master/invalid_status_update_acknowledgements');
      return;
    }
    glog('master.cpp:6278').info(`Processing ACKNOWLEDGE call for status ${uuid} for task ${taskId} of framework ${this.describe(fw)} on agent ${agentId}`);
    this.count('master/valid_status_update_acknowledgements');
    const task = fw.tasks.get(taskId);
    if (!task || task.agentId !== agentId || task.unackedUuid !== uuid) return;
    task.unackedUuid = undefined;
    if (isTerminal(task.state)) this.removeTask(task);
  }

  /** Explicit and implicit task reconciliation (Master::reconcile). */
  reconcile(fw: Framework, reconcile: Pb): void {
    this.count('master/messages_reconcile_tasks');
    const pa = Master.partitionAware(fw);
    const statusOf = (task: Task, message: string) =>
      masterStatus(task.id, task.state, message, 'REASON_RECONCILIATION', task.agentId, {
        executorId: task.executorId || undefined,
        healthy: task.latest?.healthy,
        containerStatus: task.latest?.container_status,
      });
    const list: Pb[] = Array.isArray(reconcile?.tasks) ? reconcile.tasks : [];
    if (list.length === 0) {
      glog('master.cpp:8948').info(`Performing implicit task state reconciliation for framework ${this.describe(fw)}`);
      for (const task of fw.tasks.values()) this.send(fw, { type: 'UPDATE', update: { status: statusOf(task, 'Reconciliation: Latest task state') } });
      return;
    }
    glog('master.cpp:9014').info(`Performing explicit task state reconciliation for ${list.length} tasks of framework ${this.describe(fw)}`);
    for (const t of list) {
      const taskId = value(t?.task_id) ?? '';
      const agentId = value(t?.agent_id);
      const task = fw.tasks.get(taskId);
      let status: Pb;
      if (task) {
        status = statusOf(task, 'Reconciliation: Latest task state');
      } else if (agentId && this.agents.has(agentId)) {
        status = masterStatus(taskId, pa ? 'TASK_GONE' : 'TASK_LOST', 'Reconciliation: Task is unknown to the agent', 'REASON_RECONCILIATION', agentId);
      } else if (agentId && this.unreachableAgents.has(agentId)) {
        const time = this.unreachableAgents.get(agentId)!.time;
        status = masterStatus(taskId, pa ? 'TASK_UNREACHABLE' : 'TASK_LOST', 'Reconciliation: Task is unreachable', 'REASON_RECONCILIATION', agentId, {
          unreachableTime: time,
        });
      } else {
        status = masterStatus(taskId, pa ? 'TASK_UNKNOWN' : 'TASK_LOST', 'Reconciliation: Task is unknown', 'REASON_RECONCILIATION', agentId);
      }
      this.send(fw, { type: 'UPDATE', update: { status } });
    }
  }

  message(fw: Framework, message: Pb): void {
    this.count('master/messages_framework_to_executor');
    const executorId = value(message?.executor_id) ?? '';
    // The stand-in agent runs no custom executors that could receive it.
    glog('master.cpp:6328').warn(`Dropping message for executor ${executorId} of framework ${this.describe(fw)}: the emulated agent runs no custom executors`);
    this.count('master/invalid_framework_to_executor_messages');
  }

  request(fw: Framework): void {
    this.count('master/messages_resource_request');
    glog('master.cpp:3955').info(`Requesting resources for framework ${this.describe(fw)}`);
  }

  // ---------------------------------------------------------------- ACCEPT

  accept(fw: Framework, accept: Pb): void {
    const operations: Pb[] = Array.isArray(accept?.operations) ? accept.operations : [];
    for (const op of operations) {
      if (op?.type === 'LAUNCH') {
        if (Array.isArray(op.launch?.task_infos) && op.launch.task_infos.length > 0) this.count('master/messages_launch_tasks');
        else this.count('master/messages_decline_offers');
      }
      if (typeof op?.type === 'string' && OPERATION_TYPES.includes(op.type)) {
        this.fwCount(fw, 'operations');
        this.fwCount(fw, `operations/${op.type.toLowerCase()}`);
      }
    }
    const offerIds: string[] = (Array.isArray(accept?.offer_ids) ? accept.offer_ids : []).map((o: Pb) => value(o) ?? '');
    glog('master.cpp:4436').info(`Processing ACCEPT call for offers: [ ${offerIds.join(', ')} ] on agent for framework ${this.describe(fw)}`);

    // Offer validation (validation::offer::validate).
    let error: string | undefined;
    if (offerIds.length === 0) error = 'No offers specified';
    const seen = new Set<string>();
    let agentId: string | undefined;
    for (const id of offerIds) {
      if (error) break;
      if (seen.has(id)) error = `Duplicate offer ${id} in offer list`;
      seen.add(id);
      const offer = this.offers.get(id);
      if (!offer) error = `Offer ${id} is no longer valid`;
      else if (offer.frameworkId !== fw.id) error = `Offer ${id} has invalid framework ${offer.frameworkId} while framework ${fw.id} is expected`;
      else if (agentId && offer.agentId !== agentId) error = `Aggregated offers must belong to one single agent. Offer ${id} uses agent ${offer.agentId} and agent ${agentId}`;
      else agentId = offer.agentId;
    }

    let offered = R.empty();
    let role = Master.roles(fw.info)[0] ?? '*';
    let accepted = 0;
    for (const id of offerIds) {
      const offer = this.offers.get(id);
      if (!offer || offer.frameworkId !== fw.id) continue;
      if (!error) {
        offered = R.add(offered, offer.resources);
        role = offer.role;
        accepted++;
      }
      this.removeOffer(id, false);
    }
    this.fwCount(fw, 'offers/accepted', accepted);

    if (error) {
      glog('master.cpp:4108').warn(`ACCEPT call used invalid offers '[ ${offerIds.join(', ')} ]': ${error}`);
      const state = Master.partitionAware(fw) ? 'TASK_DROPPED' : 'TASK_LOST';
      for (const op of operations) {
        const tasks: Pb[] = op?.type === 'LAUNCH' ? op.launch?.task_infos ?? [] : op?.type === 'LAUNCH_GROUP' ? op.launch_group?.task_group?.tasks ?? [] : [];
        for (const t of tasks) {
          this.count(state === 'TASK_DROPPED' ? 'master/tasks_dropped' : 'master/tasks_lost');
          this.send(fw, {
            type: 'UPDATE',
            update: { status: masterStatus(value(t?.task_id) ?? '', state, `Task launched with invalid offers: ${error}`, 'REASON_INVALID_OFFERS', value(t?.agent_id)) },
          });
        }
      }
      return;
    }

    const agent = this.agents.get(agentId!)!;
    let remaining = offered;
    const taskError = (t: Pb, message: string, reason: string) => {
      this.count('master/tasks_error');
      this.send(fw, { type: 'UPDATE', update: { status: masterStatus(value(t?.task_id) ?? '', 'TASK_ERROR', message, reason, value(t?.agent_id)) } });
    };
    for (const op of operations) {
      switch (op?.type) {
        case 'LAUNCH': {
          if (op.id !== undefined) {
            for (const t of op.launch?.task_infos ?? []) taskError(t, 'The `id` field cannot be set on LAUNCH operations', 'REASON_TASK_INVALID');
            break;
          }
          for (const t of op.launch?.task_infos ?? []) {
            const invalid = this.validateTask(t, fw, agent, remaining, role);
            if (invalid) {
              taskError(t, invalid, 'REASON_TASK_INVALID');
              continue;
            }
            const res = R.fromV1(t.resources ?? []);
            const executorRes = t.executor ? R.fromV1(t.executor.resources ?? []) : R.empty();
            remaining = R.subtract(remaining, R.add(res, executorRes));
            this.launch(fw, agent, t, res, role);
          }
          break;
        }
        case 'LAUNCH_GROUP':
          for (const t of op.launch_group?.task_group?.tasks ?? []) {
            taskError(t, 'LAUNCH_GROUP is not supported by the emulated Mesos master', 'REASON_TASK_GROUP_INVALID');
          }
          break;
        default:
          glog('master.cpp:4260').warn(`Dropping ${op?.type ?? 'UNKNOWN'} operation from framework ${this.describe(fw)}: not supported by the emulated Mesos master`);
      }
    }
    if (!R.isEmpty(remaining)) this.addFilter(fw, agent.id, remaining, accept?.filters);
  }

  /** validation::task::validate, in the same order, with the same messages. */
  private validateTask(t: Pb, fw: Framework, agent: Agent, available: Resources, role: string): string | undefined {
    const taskId = value(t?.task_id);
    if (taskId === undefined || taskId === '') return 'ID must not be empty';
    if (taskId.length > 255) return 'ID must not be greater than 255 characters';
    if (taskId === '.' || taskId === '..') return "'.' and '..' are reserved";
    if (/[/\s]/.test(taskId) || /[^\x20-\x7e]/.test(taskId)) return "'/' is reserved";
    if (fw.tasks.has(taskId)) return `Task has duplicate ID: ${taskId}`;
    if (fw.unreachableTasks.has(taskId)) return `Task reuses the ID of an unreachable task: ${taskId}`;
    const agentId = value(t?.agent_id) ?? '';
    if (agentId !== agent.id) return `Task uses invalid agent ${agentId} while agent ${agent.id} is expected`;
    const resources: Pb[] = Array.isArray(t?.resources) ? t.resources : [];
    if (resources.length === 0) return 'Task uses no resources';
    for (const r of resources) {
      if (typeof r?.name !== 'string' || !['SCALAR', 'RANGES', 'SET'].includes(r?.type)) return `Task uses invalid resources: Invalid resource type`;
      if (r.type === 'SCALAR' && !(typeof r.scalar?.value === 'number' && r.scalar.value >= 0)) return `Task uses invalid resources: Invalid scalar resource ${r.name}`;
    }
    const hasCommand = t?.command !== undefined;
    const hasExecutor = t?.executor !== undefined;
    if (hasCommand === hasExecutor) return 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present';
    const need = R.add(R.fromV1(resources), hasExecutor ? R.fromV1(t.executor.resources ?? []) : R.empty());
    if (!R.contains(available, need)) {
      return `Total resources ${resourcesText(need, role)} required by task and its executor is more than available ${resourcesText(available, role)}`;
    }
    return undefined;
  }

  private launch(fw: Framework, agent: Agent, t: Pb, res: Resources, role: string): void {
    const taskId = value(t.task_id)!;
    const executorId = value(t.executor?.executor_id) ?? '';
    const task: Task = {
      id: taskId, name: typeof t.name === 'string' ? t.name : '', frameworkId: fw.id, agentId: agent.id, executorId,
      state: 'TASK_STAGING', resources: res, role, statuses: [], info: t,
    };
    fw.tasks.set(taskId, task);
    agent.tasks.set(`${fw.id}/${taskId}`, task);
    glog('master.cpp:5415').info(
      `Launching task ${taskId} of framework ${this.describe(fw)} with resources ${resourcesText(res, role)} on agent ${this.describeAgent(agent)} on  new executor`,
    );
    void this.agentPost(agent, '/mesos-up/launch', { framework_id: fw.id, framework_info: fw.info, task: t }).then((ok) => {
      if (ok || isTerminal(task.state) || task.statuses.length > 0) return;
      // The launch never reached the agent: tell the scheduler the task is gone,
      // as it would learn from reconciliation once the agent is removed.
      const state = Master.partitionAware(fw) ? 'TASK_DROPPED' : 'TASK_LOST';
      this.masterUpdate(task, state, `Failed to deliver the task to agent ${agent.id}`, 'REASON_AGENT_DISCONNECTED');
    });
  }

  // ---------------------------------------------------------------- tasks

  /** Records a state change; terminal states free the task's resources (they stop counting as used). */
  private transition(task: Task, state: string, timestamp: number, extra: Partial<Pb> = {}): void {
    if (isTerminal(task.state)) return;
    if (isTerminal(state)) this.count(`master/tasks_${state.slice(5).toLowerCase()}`);
    task.state = state;
    const entry: Pb = { state, timestamp };
    if (extra.labels !== undefined) entry.labels = extra.labels;
    if (extra.container_status !== undefined) entry.container_status = extra.container_status;
    if (typeof extra.healthy === 'boolean') entry.healthy = extra.healthy;
    task.statuses.push(entry);
  }

  /** A status the master generates itself (no uuid: nothing to acknowledge). */
  private masterUpdate(task: Task, state: string, message: string, reason: string, unreachableTime?: number): void {
    const fw = this.frameworks.get(task.frameworkId);
    const status = masterStatus(task.id, state, message, reason, task.agentId, { executorId: task.executorId || undefined, unreachableTime });
    this.transition(task, state, status.timestamp);
    task.latest = status;
    task.unackedUuid = undefined;
    if (fw?.connected) this.send(fw, { type: 'UPDATE', update: { status } });
    if (isTerminal(state)) this.removeTask(task);
  }

  /** Moves a task out of the active books: to completed_tasks (or unreachable_tasks). */
  private removeTask(task: Task, unreachable = false): void {
    const fw = this.frameworks.get(task.frameworkId) ?? this.completedFrameworks.get(task.frameworkId);
    this.agents.get(task.agentId)?.tasks.delete(`${task.frameworkId}/${task.id}`);
    if (!fw) return;
    fw.tasks.delete(task.id);
    glog('master.cpp:11095').info(`Removing task ${task.id} with resources ${resourcesText(task.resources, task.role)} of framework ${fw.id} on agent ${task.agentId}`);
    if (unreachable) {
      fw.unreachableTasks.set(task.id, task);
      while (fw.unreachableTasks.size > this.cfg.maxUnreachableTasksPerFramework) fw.unreachableTasks.delete(fw.unreachableTasks.keys().next().value!);
    } else {
      fw.completedTasks.push(task);
      if (fw.completedTasks.length > this.cfg.maxCompletedTasksPerFramework) fw.completedTasks.shift();
    }
  }

  // ---------------------------------------------------------------- offers and the allocator

  private addFilter(fw: Framework, agentId: string, resources: Resources, filters: Pb): void {
    let refuse = typeof filters?.refuse_seconds === 'number' ? filters.refuse_seconds : DEFAULT_REFUSE_SECONDS;
    if (refuse < 0) refuse = DEFAULT_REFUSE_SECONDS;
    refuse = Math.min(refuse, 365 * 86_400);
    if (refuse === 0 || R.isEmpty(resources)) return;
    fw.filters.push({ agentId, resources, expires: Date.now() + refuse * 1000 });
  }

  /** A refusal filter hides resources it covers (the allocator's RefusedOfferFilter). */
  private filtered(fw: Framework, agentId: string, resources: Resources): boolean {
    const t = Date.now();
    fw.filters = fw.filters.filter((f: Filter) => f.expires > t);
    return fw.filters.some((f) => f.agentId === agentId && R.contains(f.resources, resources));
  }

  usedOn(agent: Agent): Resources {
    let used = R.empty();
    for (const t of agent.tasks.values()) if (!isTerminal(t.state)) used = R.add(used, t.resources);
    return used;
  }

  offeredOn(agent: Agent): Resources {
    let offered = R.empty();
    for (const id of agent.offers) {
      const o = this.offers.get(id);
      if (o) offered = R.add(offered, o.resources);
    }
    return offered;
  }

  usedBy(fw: Framework): Resources {
    let used = R.empty();
    for (const t of fw.tasks.values()) if (!isTerminal(t.state)) used = R.add(used, t.resources);
    return used;
  }

  offeredTo(fw: Framework): Resources {
    let offered = R.empty();
    for (const id of fw.offers) {
      const o = this.offers.get(id);
      if (o) offered = R.add(offered, o.resources);
    }
    return offered;
  }

  private available(agent: Agent): Resources {
    const free = R.subtract(R.subtract(agent.total, this.usedOn(agent)), this.offeredOn(agent));
    return { ...free, cpus: Math.max(0, free.cpus), mem: Math.max(0, free.mem), disk: Math.max(0, free.disk), gpus: Math.max(0, free.gpus) };
  }

  /**
   * An allocation for events that trigger one in the Mesos allocator (a framework
   * added or revived, an agent added or reactivated). Recovered resources
   * (declines, finished tasks, rescinds) wait for the next batch round.
   */
  allocateSoon(): void {
    if (!this.elected || this.allocationSoon) return;
    this.allocationSoon = setImmediate(() => {
      this.allocationSoon = undefined;
      this.allocate();
    });
  }

  /** One allocation round: each active agent's free resources go to the framework with the lowest dominant share. */
  allocate(): void {
    if (!this.elected) return;
    this.count('allocator/mesos/allocation_runs');
    const totals = R.empty();
    for (const a of this.agents.values()) Object.assign(totals, R.add(totals, a.total));
    const share = (fw: Framework) => {
      const held = R.add(this.usedBy(fw), this.offeredTo(fw));
      return Math.max(...(['cpus', 'mem', 'disk', 'gpus'] as const).map((k) => (totals[k] > 0 ? held[k] / totals[k] : 0)));
    };
    const batches = new Map<Framework, Offer[]>();
    for (const agent of this.agents.values()) {
      if (!agent.active) continue;
      const free = this.available(agent);
      // --min_allocatable_resources default: cpus:0.01|mem:32
      if (!(free.cpus >= 0.01 || free.mem >= 32)) continue;
      const candidates = [...this.frameworks.values()]
        .filter((fw) => fw.active && fw.connected && !fw.suppressed && Master.roles(fw.info).length > 0)
        .sort((x, y) => share(x) - share(y) || x.registeredTime - y.registeredTime);
      for (const fw of candidates) {
        if (this.filtered(fw, agent.id, free)) continue;
        const offer: Offer = { id: this.newOfferId(), frameworkId: fw.id, agentId: agent.id, resources: free, role: Master.roles(fw.info)[0]! };
        this.offers.set(offer.id, offer);
        fw.offers.add(offer.id);
        agent.offers.add(offer.id);
        if (this.cfg.offerTimeoutMs !== undefined) {
          offer.timer = setTimeout(() => {
            if (!this.offers.has(offer.id)) return;
            glog('master.cpp:8263').info(`Removing offer ${offer.id} after offer timeout`);
            this.removeOffer(offer.id, true);
          }, Math.min(this.cfg.offerTimeoutMs, MAX_TIMER_MS));
        }
        const list = batches.get(fw) ?? [];
        list.push(offer);
        batches.set(fw, list);
        break;
      }
    }
    for (const [fw, offers] of batches) {
      glog('master.cpp:9559').info(`Sending ${offers.length} offers to framework ${this.describe(fw)}`);
      this.fwCount(fw, 'offers/sent', offers.length);
      this.send(fw, { type: 'OFFERS', offers: { offers: offers.map((o) => this.v1Offer(o)) } });
    }
  }

  private v1Offer(o: Offer): Pb {
    const agent = this.agents.get(o.agentId)!;
    const fw = this.frameworks.get(o.frameworkId);
    // Frameworks without RESERVATION_REFINEMENT get the pre-refinement format,
    // which names the role "*" on every unreserved resource.
    const resources = R.toV1(o.resources, o.role).map((r) =>
      fw && Master.hasCapability(fw.info, 'RESERVATION_REFINEMENT') ? (({ role: _role, ...rest }) => rest)(r) : r,
    );
    const out: Pb = {
      id: { value: o.id },
      framework_id: { value: o.frameworkId },
      agent_id: { value: o.agentId },
      hostname: agent.hostname,
      url: { scheme: 'http', address: { hostname: agent.hostname, ip: agent.ip, port: agent.port }, path: '/slave(1)' },
      resources,
    };
    const attrs = v1Attributes(agent.attributes);
    if (attrs.length) out.attributes = attrs;
    out.allocation_info = { role: o.role };
    return out;
  }

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
      this.fwCount(fw, 'offers/rescinded');
      this.send(fw, { type: 'RESCIND', rescind: { offer_id: { value: id } } });
    }
  }

  // ---------------------------------------------------------------- agents (internal protocol)

  /** POST to an agent; resolves false when the agent could not be reached. */
  async agentPost(agent: Agent, path: string, body: unknown): Promise<boolean> {
    try {
      const res = await postJson(`http://${agent.ip}:${agent.port}${path}`, body, { timeoutMs: 10_000 });
      if (res.status >= 400) glog('master.cpp:6151').warn(`Agent ${this.describeAgent(agent)} answered ${res.status} to ${path}`);
      return true;
    } catch (err) {
      glog('master.cpp:6151').warn(`Failed to reach agent ${this.describeAgent(agent)} for ${path}: ${(err as Error).message}`);
      return false;
    }
  }

  registerAgent(body: Pb): { agent_id: string; master_id: string } {
    const t = now();
    const requested = typeof body?.agent_id === 'string' && body.agent_id !== '' ? body.agent_id : undefined;
    const ip = String(body?.ip ?? '');
    const port = Number(body?.port ?? 5051);
    const hostname = typeof body?.hostname === 'string' && body.hostname ? body.hostname : ip;
    const fields = {
      hostname, ip, port,
      pid: typeof body?.pid === 'string' && body.pid ? body.pid : `slave(1)@${ip}:${port}`,
      attributes: body?.attributes && typeof body.attributes === 'object' && !Array.isArray(body.attributes) ? body.attributes : {},
      version: typeof body?.version === 'string' ? body.version : MESOS_VERSION,
      capabilities: Array.isArray(body?.capabilities) ? body.capabilities.map((c: Pb) => (typeof c === 'string' ? c : c?.type)) : AGENT_CAPABILITIES,
      total: R.fromV1(Array.isArray(body?.resources) ? body.resources : []),
    };
    let agent = requested ? this.agents.get(requested) : undefined;
    if (agent) {
      this.count('master/messages_reregister_slave');
      this.count('master/slave_reregistrations');
      Object.assign(agent, fields, { reregisteredTime: t, active: true, lastPing: Date.now() });
      glog('master.cpp:7503').info(`Re-registered agent ${this.describeAgent(agent)} with ${resourcesText(agent.total)}`);
    } else if (requested) {
      // Known to the cluster but not to this master: a master failover, or an
      // agent coming back after it was marked unreachable. It keeps its id.
      this.count('master/messages_reregister_slave');
      this.count('master/slave_reregistrations');
      this.unreachableAgents.delete(requested);
      agent = { id: requested, ...fields, registeredTime: t, reregisteredTime: t, active: true, lastPing: Date.now(), tasks: new Map(), offers: new Set() };
      this.agents.set(requested, agent);
      glog('master.cpp:7503').info(`Re-registered agent ${this.describeAgent(agent)} with ${resourcesText(agent.total)}`);
    } else {
      this.count('master/messages_register_slave');
      this.count('master/slave_registrations');
      const id = this.newAgentId();
      agent = { id, ...fields, registeredTime: t, active: true, lastPing: Date.now(), tasks: new Map(), offers: new Set() };
      this.agents.set(id, agent);
      glog('master.cpp:6926').info(`Registered agent ${this.describeAgent(agent)} with ${resourcesText(agent.total)}`);
    }
    this.adoptTasks(agent, Array.isArray(body?.tasks) ? body.tasks : [], Array.isArray(body?.frameworks) ? body.frameworks : []);
    this.allocateSoon();
    return { agent_id: agent.id, master_id: this.id };
  }

  /** Takes over the tasks a (re-)registering agent reports. */
  private adoptTasks(agent: Agent, reported: Pb[], frameworkInfos: Pb[]): void {
    const reportedKeys = new Set<string>();
    for (const entry of reported) {
      const t: Pb = entry?.task ?? {};
      const fwId = typeof entry?.framework_id === 'string' ? entry.framework_id : value(entry?.framework_id) ?? '';
      const taskId = value(t.task_id);
      if (!fwId || !taskId) continue;
      reportedKeys.add(`${fwId}/${taskId}`);
      if (this.completedFrameworks.has(fwId)) {
        void this.agentPost(agent, '/mesos-up/shutdown-framework', { framework_id: fwId });
        continue;
      }
      let fw = this.frameworks.get(fwId);
      if (!fw) {
        const info = entry?.framework_info ?? frameworkInfos.find((f: Pb) => value(f?.id) === fwId) ?? { id: { value: fwId }, name: '', user: '' };
        fw = this.newFramework(fwId, { ...info, id: { value: fwId } }, true);
        this.frameworks.set(fwId, fw);
        glog('master.cpp:9700').info(`Recovering framework ${this.describe(fw)} from agent ${agent.id}`);
      }
      const wasUnreachable = fw.unreachableTasks.get(taskId);
      if (wasUnreachable && !Master.partitionAware(fw)) {
        // Non-partition-aware frameworks were told TASK_LOST: the task must not come back.
        void this.agentPost(agent, '/mesos-up/kill', { framework_id: fwId, task_id: { value: taskId } });
        continue;
      }
      fw.unreachableTasks.delete(taskId);
      const existing = fw.tasks.get(taskId);
      const state = typeof entry?.state === 'string' ? entry.state : existing?.state ?? 'TASK_RUNNING';
      const statuses = Array.isArray(entry?.statuses)
        ? entry.statuses.map((s: Pb) => {
            const e: Pb = { state: s.state, timestamp: typeof s.timestamp === 'number' ? s.timestamp : now() };
            if (s.labels !== undefined) e.labels = s.labels;
            if (s.container_status !== undefined) e.container_status = s.container_status;
            if (typeof s.healthy === 'boolean') e.healthy = s.healthy;
            return e;
          })
        : existing?.statuses ?? [];
      const task: Task = existing ?? {
        id: taskId, name: typeof t.name === 'string' ? t.name : '', frameworkId: fwId, agentId: agent.id,
        executorId: value(t.executor?.executor_id) ?? '', state, resources: R.fromV1(t.resources ?? []),
        role: t.resources?.[0]?.allocation_info?.role ?? Master.roles(fw.info)[0] ?? '*', statuses, info: t,
      };
      task.state = state;
      task.statuses = statuses;
      task.agentId = agent.id;
      fw.tasks.set(taskId, task);
      agent.tasks.set(`${fwId}/${taskId}`, task);
      if (isTerminal(state)) this.removeTask(task);
    }
    // Tasks the master thought were here but the agent no longer has.
    for (const [key, task] of [...agent.tasks]) {
      if (reportedKeys.has(key) || task.state === 'TASK_STAGING') continue;
      const fw = this.frameworks.get(task.frameworkId);
      glog('master.cpp:9805').warn(`Task ${task.id} of framework ${task.frameworkId} unknown to the agent ${this.describeAgent(agent)} during re-registration`);
      const state = fw && Master.partitionAware(fw) ? 'TASK_DROPPED' : 'TASK_LOST';
      this.masterUpdate(task, state, 'Reconciliation: task unknown to the agent', 'REASON_RECONCILIATION');
    }
  }

  /** `false` when the agent is unknown (it should register again). */
  pingAgent(agentId: string): boolean {
    const agent = this.agents.get(agentId);
    if (!agent) return false;
    agent.lastPing = Date.now();
    if (!agent.active) {
      agent.active = true;
      glog('master.cpp:7660').info(`Agent ${this.describeAgent(agent)} reactivated`);
      this.allocateSoon();
    }
    return true;
  }

  /** A status update from an agent: forward to the scheduler and keep the books. `false`: unknown agent. */
  agentStatus(body: Pb): boolean {
    const agentId = String(body?.agent_id ?? '');
    const agent = this.agents.get(agentId);
    this.count('master/messages_status_update');
    if (!agent) {
      glog('master.cpp:8410').warn(`Ignoring status update from unknown agent ${agentId}`);
      this.count('master/invalid_status_updates');
      return false;
    }
    const fwId = typeof body?.framework_id === 'string' ? body.framework_id : value(body?.framework_id) ?? '';
    const status = agentStatusJson(body?.status ?? {}, agentId);
    const taskId = value(status.task_id) ?? '';
    glog('master.cpp:8421').info(`Status update ${status.state} (Status UUID: ${status.uuid}) for task ${taskId} of framework ${fwId} from agent ${this.describeAgent(agent)}`);
    const fw = this.frameworks.get(fwId);
    let valid = true;
    if (fw?.connected) this.send(fw, { type: 'UPDATE', update: { status } });
    else {
      valid = false;
      glog('master.cpp:8441').warn(`Received status update for ${fw ? 'a disconnected' : 'an unknown'} framework ${fwId}`);
    }
    const task = fw?.tasks.get(taskId);
    if (!task || task.agentId !== agentId) {
      glog('master.cpp:8452').warn(`Could not lookup task for status update ${status.state} for task ${taskId} from agent ${agentId}`);
      this.count('master/invalid_status_updates');
      return true;
    }
    glog('master.cpp:10997').info(`Updating the state of task ${taskId} of framework ${fwId} (latest state: ${status.state}, status update state: ${status.state})`);
    this.transition(task, status.state, status.timestamp, status);
    task.latest = status;
    task.unackedUuid = status.uuid;
    this.count(valid ? 'master/valid_status_updates' : 'master/invalid_status_updates');
    return true;
  }

  /** Agents that stop pinging become inactive, then unreachable (agent_ping_timeout × max_agent_ping_timeouts). */
  private checkAgents(): void {
    const t = Date.now();
    for (const agent of [...this.agents.values()]) {
      const silent = t - agent.lastPing;
      if (agent.active && silent > this.cfg.agentPingTimeoutMs) {
        agent.active = false;
        glog('master.cpp:1535').info(`Agent ${this.describeAgent(agent)} disconnected; deactivating it`);
        for (const id of [...agent.offers]) this.removeOffer(id, true);
      }
      if (silent > this.cfg.agentPingTimeoutMs * this.cfg.maxAgentPingTimeouts) this.markUnreachable(agent, 'health check timed out');
    }
  }

  private markUnreachable(agent: Agent, message: string): void {
    const t = now();
    glog('master.cpp:8854').info(`Marked agent ${agent.id} (${agent.hostname}) unreachable: ${message}`);
    this.count('master/slave_removals');
    this.count('master/slave_removals/reason_unhealthy');
    this.count('master/slave_unreachable_scheduled');
    this.count('master/slave_unreachable_completed');
    this.agents.delete(agent.id);
    this.unreachableAgents.set(agent.id, { id: agent.id, hostname: agent.hostname, port: agent.port, attributes: agent.attributes, time: t });
    for (const id of [...agent.offers]) this.removeOffer(id, true);
    for (const task of [...agent.tasks.values()]) {
      const fw = this.frameworks.get(task.frameworkId);
      if (!fw) continue;
      if (isTerminal(task.state)) {
        this.removeTask(task);
        continue;
      }
      const pa = Master.partitionAware(fw);
      const state = pa ? 'TASK_UNREACHABLE' : 'TASK_LOST';
      const status = masterStatus(task.id, state, message, 'REASON_AGENT_REMOVED', agent.id, { executorId: task.executorId || undefined, unreachableTime: t });
      this.transition(task, state, status.timestamp);
      task.latest = status;
      task.unackedUuid = undefined;
      this.removeTask(task, true);
      if (fw.connected) this.send(fw, { type: 'UPDATE', update: { status } });
    }
  }

  // ---------------------------------------------------------------- gauges

  taskStateCounts(): Map<string, number> {
    const counts = new Map<string, number>(TASK_STATES.map((s) => [s, 0]));
    for (const fw of this.frameworks.values()) {
      for (const t of fw.tasks.values()) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
      counts.set('TASK_UNREACHABLE', (counts.get('TASK_UNREACHABLE') ?? 0) + [...fw.unreachableTasks.values()].filter((t) => t.state === 'TASK_UNREACHABLE').length);
    }
    return counts;
  }
}

/** The FrameworkInfo role checks of validation::framework::validate. */
function validateRoles(info: Pb): string | undefined {
  const multi = Master.hasCapability(info, 'MULTI_ROLE');
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

/** Agent attributes as v1 `Attribute` messages. */
function v1Attributes(attrs: Record<string, string | number>): Pb[] {
  return Object.entries(attrs).map(([name, v]) => {
    if (typeof v === 'number') return { name, type: 'SCALAR', scalar: { value: v } };
    const m = /^\[(.*)\]$/.exec(v);
    if (m) {
      const range = m[1]!.split(',').map((p) => {
        const [b, e] = p.trim().split('-').map(Number);
        return { begin: b!, end: e ?? b! };
      });
      return { name, type: 'RANGES', ranges: { range } };
    }
    return { name, type: 'TEXT', text: { value: v } };
  });
}

/** 16 random bytes, base64: how a UUID travels in v1 JSON (`bytes` field). */
export function uuidBytes(): string {
  return randomBytes(16).toString('base64');
}

interface StatusExtras {
  executorId?: string;
  healthy?: boolean;
  containerStatus?: Pb;
  unreachableTime?: number;
}

/** A TaskStatus the master creates (protobuf::createStatusUpdate): source master, no uuid; keys in proto order. */
export function masterStatus(taskId: string, state: string, message: string, reason: string, agentId?: string, extras: StatusExtras = {}): Pb {
  const s: Pb = { task_id: { value: taskId }, state, message, source: 'SOURCE_MASTER', reason };
  if (agentId) s.agent_id = { value: agentId };
  if (extras.executorId) s.executor_id = { value: extras.executorId };
  s.timestamp = now();
  if (typeof extras.healthy === 'boolean') s.healthy = extras.healthy;
  if (extras.containerStatus !== undefined) s.container_status = extras.containerStatus;
  if (extras.unreachableTime !== undefined) s.unreachable_time = { nanoseconds: Math.round(extras.unreachableTime * 1e9) };
  return s;
}

const STATUS_KEYS = ['task_id', 'state', 'message', 'source', 'reason', 'data', 'agent_id', 'executor_id', 'timestamp', 'uuid', 'healthy', 'check_status', 'labels', 'container_status', 'unreachable_time', 'limitation'];

/** An agent's TaskStatus as forwarded: agent id, timestamp and uuid filled in; keys in proto order. */
function agentStatusJson(raw: Pb, agentId: string): Pb {
  const s: Pb = { ...raw };
  s.agent_id = { value: agentId };
  if (typeof s.timestamp !== 'number') s.timestamp = now();
  if (typeof s.uuid !== 'string' || s.uuid === '') s.uuid = uuidBytes();
  if (typeof s.source !== 'string') s.source = 'SOURCE_EXECUTOR';
  const out: Pb = {};
  for (const k of STATUS_KEYS) if (s[k] !== undefined) out[k] = s[k];
  for (const k of Object.keys(s)) if (!(k in out)) out[k] = s[k];
  return out;
}
