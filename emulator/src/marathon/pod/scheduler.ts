// Keeps every pod at its instance count, as the scheduler does for apps: the
// gap between wanted and active instances is launched from offers (one
// LAUNCH_GROUP per instance), status updates of the containers' tasks move
// each instance's condition, instances that are too many or of an old
// definition are killed (all their tasks), and the events follow.
import { makeLogger } from '../../common/log.js';
import type { EventBus } from '../events.js';
import type { MesosClient, V1Offer, V1TaskStatus } from '../mesos/client.js';
import { offerJson, type OfferPool, type PlacedTask } from '../mesos/matcher.js';
import type { State } from '../state.js';
import { conditionOf, TERMINAL } from '../tasks.js';
import { LIMIT_WORTHY, queueEntry, recordUnused, type BackoffSpec, type QueueEntry, type RateLimiter } from '../launch-queue.js';
import { safeId, timestamp, uuidV1 } from '../util.js';
import { executorIdOf, launchGroupOperation, matchPod, podTaskId } from './task-group.js';
import { replacement } from '../replacement.js';
import { podConfig, type Pod, type PodInstance, type PodTask } from './types.js';

const log = makeLogger('PodScheduler');

/** A pod's backoff in the launch queue's terms, keyed by its configuration as apps are by theirs. */
export function podBackoff(pod: Pod): BackoffSpec {
  const b = pod.scheduling.backoff;
  return { id: pod.id, version: podConfig(pod), backoffSeconds: b.backoff, backoffFactor: b.backoffFactor, maxLaunchDelaySeconds: b.maxLaunchDelay };
}

export interface PodHooks {
  client(): MesosClient | undefined;
  /** pod ids a RestartPod step is replacing right now */
  restarting(podId: string): boolean;
  /** the instances a pod keeps until its deployment step begins */
  heldInstances(podId: string): number | undefined;
  changed(): void;
  acceptedRoles(pod: Pod): Set<string>;
  attributes(agentId: string): V1Offer['attributes'];
  taskLaunchTimeout: number;
  envVarsPrefix?: string;
  killRetryTimeout: number;
}

/** Instance.InstanceState: the condition of the lowest rank among its tasks. */
const RANK = ['Error', 'Failed', 'Gone', 'Dropped', 'Unreachable', 'Killing', 'Starting', 'Staging', 'Unknown', 'Created', 'Reserved', 'Running', 'Finished', 'Killed'];

/** A container task's condition (Created before the master has it). */
export const taskCondition = (t: PodTask): string => (t.state === 'CREATED' ? 'Created' : conditionOf(t.state));

export function instanceCondition(tasks: PodTask[]): string {
  const conditions = tasks.map(taskCondition);
  if (!conditions.length) return 'Unknown';
  return conditions.sort((a, b) => RANK.indexOf(a) - RANK.indexOf(b))[0]!;
}

const isTerminal = (i: PodInstance) => i.tasks.every((t) => TERMINAL.has(t.state));

/** Conditions an instance counts with (Unreachable only until the pod's inactiveAfterSeconds). */
const LIVE = new Set(['Created', 'Staging', 'Starting', 'Running', 'Unreachable']);

/** Instance conditions that make the next launch wait, as the task states of LIMIT_WORTHY do for app tasks. */
const LIMIT_WORTHY_CONDITIONS = new Set([...LIMIT_WORTHY].map(conditionOf));

/**
 * Instance.healthy: false when a running task reports unhealthy, unknown
 * (null) while a task is neither running nor finished, true when a running
 * task reports healthy, else unknown.
 */
export function instanceHealthy(i: PodInstance): boolean | null {
  if (i.tasks.some((t) => t.state === 'TASK_RUNNING' && t.healthy === false)) return false;
  if (i.tasks.some((t) => t.state !== 'TASK_RUNNING' && t.state !== 'TASK_FINISHED')) return null;
  return i.tasks.some((t) => t.state === 'TASK_RUNNING' && t.healthy === true) ? true : null;
}

export class PodScheduler {
  /** pod id → instances waiting for an offer, with the offer statistics /v2/queue shows */
  readonly queue = new Map<string, QueueEntry>();

  constructor(
    private readonly state: State,
    private readonly bus: EventBus,
    private readonly hooks: PodHooks,
    /** the scheduler's backoff delays (shared: ids of apps and pods never clash) */
    private readonly limiter: RateLimiter,
  ) {}

  instancesOf(podId: string): PodInstance[] {
    return [...this.state.podInstances.values()].filter((i) => i.podId === podId);
  }

  /** Instances that count against `instances`: live, not on their way out, unreachable only for inactiveAfterSeconds. */
  private active(pod: Pod): PodInstance[] {
    const strategy = pod.scheduling.unreachableStrategy;
    return this.instancesOf(pod.id).filter((i) => {
      if (i.killing || !LIVE.has(i.condition)) return false;
      if (i.condition !== 'Unreachable' || strategy === 'disabled') return true;
      return Date.now() - (i.unreachableSince ?? Date.now()) < strategy.inactiveAfterSeconds * 1000;
    });
  }

  /** Running (a finished sidecar does not stop it), and every container with a health check reported healthy. */
  ready(i: PodInstance): boolean {
    if (i.killing || i.condition !== 'Running') return false;
    const pod = this.state.pods.get(i.podId);
    return i.tasks.every((t) => !pod?.containers.find((c) => c.name === t.container)?.healthCheck || (t.state === 'TASK_RUNNING' && t.healthy === true));
  }

  /** Instances waiting for an offer and not held back by a backoff. */
  demand(now = Date.now()): number {
    let n = 0;
    for (const [id, q] of this.queue) {
      const pod = this.state.pods.get(id);
      if (pod && this.limiter.deadline(podBackoff(pod)) <= now) n += q.count;
    }
    return n;
  }

  // ---- the steady-state pass ----

  reconcile(): void {
    for (const i of [...this.state.podInstances.values()]) {
      // instances of deleted pods, and those a failed container took down (the default executor kills the rest; this makes sure)
      if ((!this.state.pods.has(i.podId) || !LIVE.has(i.condition)) && !i.killing && !isTerminal(i)) this.kill(i);
    }
    for (const id of this.queue.keys()) if (!this.state.pods.has(id)) this.queue.delete(id);
    for (const pod of this.state.pods.values()) {
      const n = this.hooks.heldInstances(pod.id) ?? pod.scaling.instances;
      const active = this.active(pod);
      let toLaunch: number;
      if (this.hooks.restarting(pod.id)) {
        // instances of another version go (unreachable ones too), keeping minimumHealthCapacity serving
        const old = this.instancesOf(pod.id).filter((i) => i.version !== pod.version && !i.killing && !isTerminal(i));
        const fresh = active.filter((i) => i.version === pod.version);
        const { keepOld, launch } = replacement(n, { old: old.length, fresh: fresh.length, freshReady: fresh.filter((i) => this.ready(i)).length }, pod.scheduling.upgrade);
        for (const i of this.killOrder(pod, old).slice(0, old.length - keepOld)) this.kill(i);
        for (const i of this.killOrder(pod, fresh).slice(0, Math.max(0, fresh.length - n))) this.kill(i);
        toLaunch = launch;
      } else {
        const excess = active.length - n;
        if (excess > 0) for (const i of this.killOrder(pod, active).slice(0, excess)) this.kill(i);
        toLaunch = Math.max(0, n - active.length);
      }
      const q = this.queue.get(pod.id);
      if (toLaunch <= 0) this.queue.delete(pod.id);
      else if (q) q.count = toLaunch;
      else this.queue.set(pod.id, queueEntry(toLaunch));
    }
  }

  private killOrder(pod: Pod, list: PodInstance[]): PodInstance[] {
    return [...list].sort((a, b) => {
      const ra = this.ready(a) ? 1 : 0;
      const rb = this.ready(b) ? 1 : 0;
      if (ra !== rb) return ra - rb;
      const byAge = a.stagedAt.localeCompare(b.stagedAt);
      return pod.scheduling.killSelection === 'OLDEST_FIRST' ? byAge : -byAge;
    });
  }

  // ---- offers ----

  /** LAUNCH_GROUP operations for waiting instances this offer holds; records them as Created. */
  matchOffer(pool: OfferPool, offer: V1Offer, frameworkId: string, maxLaunches: number): { operations: Array<Record<string, unknown>>; instances: PodInstance[] } {
    const operations: Array<Record<string, unknown>> = [];
    const instances: PodInstance[] = [];
    const now = Date.now();
    for (const [podId, q] of [...this.queue]) {
      const pod = this.state.pods.get(podId);
      if (!pod || this.limiter.deadline(podBackoff(pod)) > now) continue;
      while (q.count > 0 && pool.launches < maxLaunches) {
        q.processed++;
        const placed: PlacedTask[] = [...this.instancesOf(podId).filter((i) => !isTerminal(i)), ...instances.filter((i) => i.podId === podId)].map((i) => ({
          host: i.host,
          agentId: i.agentId,
          attributes: this.hooks.attributes(i.agentId),
        }));
        const m = matchPod(pool, pod, this.hooks.acceptedRoles(pod), placed);
        if (Array.isArray(m)) {
          recordUnused(q, offer.agent_id.value, offerJson(pool), m);
          break;
        }
        q.lastUsedAt = timestamp();
        const instanceId = `${safeId(pod.id)}.instance-${uuidV1()}`;
        const executorId = executorIdOf(instanceId);
        const now = timestamp();
        const instance: PodInstance = {
          instanceId,
          podId,
          version: pod.version,
          agentId: offer.agent_id.value,
          host: offer.hostname,
          executorId,
          stagedAt: now,
          since: now,
          condition: 'Created',
          tasks: pod.containers.map((c, i) => ({
            taskId: podTaskId(instanceId, c.name),
            container: c.name,
            state: 'CREATED',
            hostPorts: m.containers[i]!.hostPorts,
            resources: { ...c.resources },
            since: now,
            updatedAt: now,
          })),
          ipAddresses: [],
          launchedAt: Date.now(),
        };
        operations.push(launchGroupOperation({ pod, instanceId, executorId, frameworkId, agentId: offer.agent_id.value, hostname: offer.hostname, match: m, envVarsPrefix: this.hooks.envVarsPrefix }));
        instances.push(instance);
        q.count--;
      }
      if (q.count <= 0) this.queue.delete(podId);
    }
    for (const i of instances) {
      this.state.savePodInstance(i);
      this.instanceChanged(i);
    }
    if (instances.length) log.info(`Launching pod instances ${instances.map((i) => i.instanceId).join(', ')} on ${offer.hostname}`);
    return { operations, instances };
  }

  /** The ACCEPT of these instances failed: forget them, they are launched again from another offer. */
  forget(instances: PodInstance[]): void {
    for (const i of instances) this.state.removePodInstance(i);
  }

  // ---- status updates ----

  /** Handles an update of a pod container's task; false when the task is not one of a pod instance. */
  onUpdate(status: V1TaskStatus): boolean {
    const taskId = status.task_id.value;
    // `<instance id>.<container>`, and container names have no dot: the instance by its id, not a scan per update
    const instance = this.state.podInstances.get(taskId.slice(0, taskId.lastIndexOf('.')));
    const task = instance?.tasks.find((t) => t.taskId === taskId);
    if (!instance || !task) return false;
    const now = timestamp();
    const pod = this.state.pods.get(instance.podId);
    const stateChanged = task.state !== status.state;
    const healthChanged = status.healthy !== undefined && status.healthy !== task.healthy;
    if (!stateChanged && !healthChanged && (status.message ?? '') === (task.message ?? '')) return true;
    if (stateChanged) task.since = now;
    const healthyBefore = instanceHealthy(instance);
    task.updatedAt = now;
    task.state = status.state;
    task.message = status.message ?? '';
    if (status.healthy !== undefined) task.healthy = status.healthy;
    if (status.agent_id?.value) instance.agentId = status.agent_id.value;
    if (status.state === 'TASK_RUNNING' && !task.startedAt) task.startedAt = now;
    if (status.container_status?.container_id?.value) task.containerId = status.container_status.container_id.value;
    const ips = (status.container_status?.network_infos ?? []).flatMap((n) => n.ip_addresses ?? []).map((a) => a.ip_address).filter((a): a is string => !!a);
    if (ips.length) instance.ipAddresses = [...new Set(ips)];
    this.bus.emit('status_update_event', {
      slaveId: instance.agentId,
      taskId,
      taskStatus: status.state,
      message: status.message ?? '',
      appId: instance.podId,
      host: instance.host,
      ipAddresses: ips.map((ipAddress) => ({ ipAddress, protocol: 'IPv4' })),
      // (the host ports of the whole instance)
      ports: instance.tasks.flatMap((t) => Object.values(t.hostPorts)),
      version: instance.version,
    });
    if (status.state === 'TASK_UNREACHABLE') instance.unreachableSince ??= Date.now();
    else delete instance.unreachableSince;
    const condition = instanceCondition(instance.tasks);
    const healthy = instanceHealthy(instance);
    if (condition !== instance.condition || healthy !== healthyBefore) {
      instance.since = now;
    }
    if (healthy !== healthyBefore) {
      this.bus.emit('instance_health_changed_event', { instanceId: instance.instanceId, runSpecId: instance.podId, healthy, runSpecVersion: instance.version });
    }
    if (condition !== instance.condition) {
      instance.condition = condition;
      // as for app tasks (NotifyRateLimiterStep): a failed instance makes the next launch wait, one that starts keeps the delay from growing
      if (pod && LIMIT_WORTHY_CONDITIONS.has(condition) && !instance.killing) this.limiter.add(podBackoff(pod));
      if (pod && ['Staging', 'Starting', 'Running'].includes(condition)) this.limiter.advance(podBackoff(pod));
      this.instanceChanged(instance);
    }
    if (isTerminal(instance)) {
      log.info(`Pod instance ${instance.instanceId} ended (${condition})${pod ? '' : '; its pod is gone'}`);
      this.state.removePodInstance(instance);
    } else this.state.savePodInstance(instance);
    this.hooks.changed();
    return true;
  }

  private instanceChanged(i: PodInstance): void {
    this.bus.emit('instance_changed_event', { instanceId: i.instanceId, condition: i.condition, runSpecId: i.podId, agentId: i.agentId, host: i.host, runSpecVersion: i.version });
  }

  // ---- kills ----

  kill(i: PodInstance): void {
    i.killing = true;
    i.killRequestedAt = Date.now();
    this.state.savePodInstance(i);
    this.sendKills(i);
  }

  private sendKills(i: PodInstance): void {
    const client = this.hooks.client();
    for (const t of i.tasks) {
      if (!TERMINAL.has(t.state)) void client?.call('KILL', { task_id: { value: t.taskId }, agent_id: { value: i.agentId } });
    }
  }

  /** Kills asked for while disconnected go out again. */
  resendKills(): void {
    for (const i of this.state.podInstances.values()) if (i.killing && !isTerminal(i)) this.sendKills(i);
  }

  /** Launch timeouts and kill retries (once a second). */
  housekeeping(now: number): void {
    for (const i of [...this.state.podInstances.values()]) {
      if (!i.killing && ['Created', 'Staging', 'Starting'].includes(i.condition) && now - i.launchedAt > this.hooks.taskLaunchTimeout) {
        log.warn(`Pod instance ${i.instanceId} did not start within --task_launch_timeout; killing it`);
        this.kill(i);
      } else if (i.condition === 'Unreachable') {
        // expunged after the pod's expungeAfterSeconds (and never before inactiveAfterSeconds), as app tasks are
        const strategy = this.state.pods.get(i.podId)?.scheduling.unreachableStrategy ?? { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 };
        const since = now - (i.unreachableSince ?? now);
        if (strategy !== 'disabled' && since >= strategy.expungeAfterSeconds * 1000 && since >= strategy.inactiveAfterSeconds * 1000) {
          log.info(`Expunging unreachable pod instance ${i.instanceId}`);
          this.state.removePodInstance(i);
        }
      } else if (i.killing && i.killRequestedAt && now - i.killRequestedAt > this.hooks.killRetryTimeout) {
        i.killRequestedAt = now;
        this.sendKills(i);
      }
    }
  }

  /** Tasks to reconcile explicitly. */
  liveTasks(): Array<{ taskId: string; agentId: string }> {
    return [...this.state.podInstances.values()].flatMap((i) => i.tasks.filter((t) => !TERMINAL.has(t.state)).map((t) => ({ taskId: t.taskId, agentId: i.agentId })));
  }
}
