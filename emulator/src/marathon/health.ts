// Health checks. Marathon-side HTTP/HTTPS/TCP checks are probed by Marathon
// itself against the task's host:port (HealthCheckActor + HealthCheckWorkerActor);
// Mesos-side checks (MESOS_HTTP/MESOS_TCP/COMMAND) run on the agent and arrive as
// TaskStatus.healthy. Both feed the task's healthCheckResults and the counts.
import http from 'node:http';
import net from 'node:net';
import type { App, HealthCheck } from './app/types.js';
import { nonHostNetworking, portSpecs } from './app/types.js';
import { healthCheckJson } from './app/serialize.js';
import type { EventBus } from './events.js';
import type { TaskRecord } from './tasks.js';
import { timestamp } from './util.js';

export interface HealthResult {
  alive: boolean;
  consecutiveFailures: number;
  firstSuccess?: string;
  lastSuccess?: string;
  lastFailure?: string;
  lastFailureCause?: string;
}

export interface HealthHost {
  app(appId: string): App | undefined;
  apps(): Iterable<App>;
  tasksOf(appId: string): TaskRecord[];
  task(taskId: string): TaskRecord | undefined;
  /** kill because of failed health checks (with backoff) */
  killUnhealthy(task: TaskRecord): void;
  /** health changed: deployments may advance */
  changed(): void;
}

const MARATHON_SIDE = new Set(['HTTP', 'HTTPS', 'TCP']);

export class HealthManager {
  /** `${taskId}#${index}` → health of that check for that task */
  private results = new Map<string, HealthResult>();
  private timers = new Map<string, { version: string; timers: NodeJS.Timeout[] }>();
  /**
   * The checks registered per app and app version, as MarathonHealthCheckManager
   * keeps them: what add_health_check_event and remove_health_check_event report.
   */
  private registered = new Map<string, Map<string, HealthCheck[]>>();
  private reconciler: NodeJS.Timeout | undefined;

  constructor(
    private readonly host: HealthHost,
    private readonly bus: EventBus,
  ) {}

  /** (Re)starts the checkers of an app when its definition changes. */
  syncApp(app: App): void {
    const current = this.timers.get(app.id);
    const key = JSON.stringify(app.healthChecks);
    if (current?.version === key) return;
    this.stopApp(app.id);
    const timers: NodeJS.Timeout[] = [];
    app.healthChecks.forEach((hc, index) => {
      if (!MARATHON_SIDE.has(hc.protocol)) return;
      // The first round runs after min(interval, 5 s), then every interval.
      const first = Math.min(hc.intervalSeconds * 1000, 5000);
      const tick = () => {
        void this.round(app.id, index);
        timers[index] = setTimeout(tick, Math.max(hc.intervalSeconds * 1000, 100));
      };
      timers[index] = setTimeout(tick, first);
    });
    this.timers.set(app.id, { version: key, timers });
  }

  stopApp(appId: string): void {
    for (const t of this.timers.get(appId)?.timers ?? []) if (t) clearTimeout(t);
    this.timers.delete(appId);
  }

  stopAll(): void {
    for (const id of [...this.timers.keys()]) this.stopApp(id);
    // Losing the lead forgets the registrations without events (removeAll).
    this.registered.clear();
    clearTimeout(this.reconciler);
    this.reconciler = undefined;
  }

  /**
   * addAllFor: registers each check of the app's version not registered yet,
   * with one add_health_check_event each (every protocol, Mesos-side too).
   * Deployments call it for every action of a step, right after its
   * deployment_info.
   */
  addAllFor(app: App): void {
    const byVersion = this.registered.get(app.id) ?? new Map<string, HealthCheck[]>();
    const list = byVersion.get(app.version) ?? [];
    for (const hc of app.healthChecks) {
      const same = JSON.stringify(hc);
      if (list.some((h) => JSON.stringify(h) === same)) continue;
      list.push(hc);
      // Formats.scala's order: appId, eventType, healthCheck, timestamp, version.
      this.bus.emit('add_health_check_event', { appId: app.id, eventType: '', healthCheck: healthCheckJson(hc), timestamp: '', version: app.version });
    }
    if (list.length) {
      byVersion.set(app.version, list);
      this.registered.set(app.id, byVersion);
    }
  }

  /** One remove_health_check_event per check of `checks` (it names only the app). */
  private removed(appId: string, checks: HealthCheck[]): void {
    for (const _ of checks) this.bus.emit('remove_health_check_event', { appId });
  }

  /** removeAllFor: one remove_health_check_event per registered (version, check) of the app. */
  removeAllFor(appId: string): void {
    for (const list of this.registered.get(appId)?.values() ?? []) this.removed(appId, list);
    this.registered.delete(appId);
  }

  /**
   * reconcile: drops the checks of versions that are neither the app's current
   * one nor that of a task still running (one remove event per check), then
   * registers those of every app's current version. Marathon runs it on
   * winning the lead and on a timer (15 s, then every 600 s).
   */
  reconcile(): void {
    for (const [appId, byVersion] of [...this.registered]) {
      const app = this.host.app(appId);
      const live = new Set(this.host.tasksOf(appId).map((t) => t.version));
      for (const [version, list] of [...byVersion]) {
        if (version === app?.version || live.has(version)) continue;
        this.removed(appId, list);
        byVersion.delete(version);
      }
      if (!byVersion.size) this.registered.delete(appId);
    }
    for (const app of this.host.apps()) this.addAllFor(app);
  }

  /** On winning the lead: reconcile now, after 15 s, then every 600 s (--reconciliation_initial_delay, --reconciliation_interval). */
  startReconciling(): void {
    clearTimeout(this.reconciler);
    this.reconcile();
    const every = (ms: number) => {
      this.reconciler = setTimeout(() => {
        this.reconcile();
        every(600_000);
      }, ms);
      this.reconciler.unref?.();
    };
    every(15_000);
  }

  /** The health results of a task, one per check that has reported. */
  resultsFor(task: TaskRecord): HealthResult[] {
    const app = this.host.app(task.appId);
    if (!app) return [];
    const out: HealthResult[] = [];
    app.healthChecks.forEach((_, i) => {
      const r = this.results.get(`${task.taskId}#${i}`);
      if (r) out.push(r);
    });
    return out;
  }

  /** healthy = every check has a result and all are alive; unhealthy = some result not alive. */
  status(task: TaskRecord): 'healthy' | 'unhealthy' | 'unknown' {
    const app = this.host.app(task.appId);
    if (!app || !app.healthChecks.length) return 'unknown';
    const results = this.resultsFor(task);
    if (results.some((r) => !r.alive)) return 'unhealthy';
    if (results.length === app.healthChecks.length && results.every((r) => r.alive)) return 'healthy';
    return 'unknown';
  }

  forgetTask(taskId: string): void {
    for (const k of [...this.results.keys()]) if (k.startsWith(`${taskId}#`)) this.results.delete(k);
  }

  /** TaskStatus.healthy from a Mesos-side check. */
  onMesosHealth(task: TaskRecord, healthy: boolean): void {
    const app = this.host.app(task.appId);
    if (!app) return;
    const index = app.healthChecks.findIndex((h) => !MARATHON_SIDE.has(h.protocol));
    if (index < 0) return;
    this.record(app, task, index, healthy, healthy ? undefined : 'Mesos health check failed', false);
  }

  private async round(appId: string, index: number): Promise<void> {
    const app = this.host.app(appId);
    const hc = app?.healthChecks[index];
    if (!app || !hc) return;
    for (const task of this.host.tasksOf(appId)) {
      if (task.state !== 'TASK_RUNNING') continue;
      void this.probe(app, hc, task).then((cause) => {
        const fresh = this.host.task(task.taskId);
        if (!fresh || fresh.state !== 'TASK_RUNNING') return;
        this.record(app, fresh, index, cause === undefined, cause, true);
      });
    }
  }

  private record(app: App, task: TaskRecord, index: number, healthy: boolean, cause: string | undefined, marathonSide: boolean): void {
    const key = `${task.taskId}#${index}`;
    const before = this.results.get(key) ?? { alive: false, consecutiveFailures: 0 };
    const now = timestamp();
    let after: HealthResult;
    const hc = app.healthChecks[index]!;
    if (healthy) {
      after = { ...before, alive: true, consecutiveFailures: 0, firstSuccess: before.firstSuccess ?? now, lastSuccess: now };
    } else {
      const startedMs = task.startedAt ? Date.parse(task.startedAt) : Date.now();
      const inGrace = !before.firstSuccess && startedMs + hc.gracePeriodSeconds * 1000 > Date.now();
      if (inGrace) {
        after = before; // failures in the grace period are ignored
      } else {
        after = { ...before, alive: false, consecutiveFailures: before.consecutiveFailures + 1, lastFailure: now, lastFailureCause: cause ?? 'unknown' };
        if (marathonSide) {
          this.bus.emit('failed_health_check_event', { appId: app.id, eventType: '', healthCheck: healthCheckJson(hc), taskId: task.instanceId });
          if (hc.maxConsecutiveFailures > 0 && before.consecutiveFailures >= hc.maxConsecutiveFailures) {
            this.bus.emit('unhealthy_instance_kill_event', {
              appId: app.id,
              taskId: task.taskId,
              instanceId: task.instanceId,
              version: app.version,
              reason: before.lastFailureCause ?? 'unknown',
              host: task.host,
              slaveId: task.agentId,
            });
            this.host.killUnhealthy(task);
          }
        }
      }
    }
    this.results.set(key, after);
    if (before.alive !== after.alive) {
      this.bus.emit('health_status_changed_event', { appId: app.id, instanceId: task.instanceId, version: task.version, alive: after.alive });
    }
    this.host.changed();
  }

  /** One probe; resolves with undefined when healthy, else the failure cause. */
  private async probe(app: App, hc: HealthCheck, task: TaskRecord): Promise<string | undefined> {
    const port = effectivePort(app, hc, task);
    // Tasks on container networks are probed on their own IP, others on the agent.
    const host = nonHostNetworking(app) && !app.networks.some((n) => n.mode === 'container/bridge') ? task.ipAddresses[0]?.ipAddress ?? task.host : task.host;
    if (port === undefined) return 'Health check failed: unable to get the task\'s effective port';
    const timeout = Math.max(hc.timeoutSeconds, 1) * 1000;
    if (hc.protocol === 'TCP') {
      return new Promise((resolve) => {
        const socket = net.connect({ host, port, timeout });
        socket.once('connect', () => {
          socket.destroy();
          resolve(undefined);
        });
        socket.once('timeout', () => {
          socket.destroy();
          resolve(`ConnectException: connect timed out`);
        });
        socket.once('error', (err) => resolve(`${err.name}: ${err.message}`));
      });
    }
    const path = hc.path ? (hc.path.startsWith('/') ? hc.path : `/${hc.path}`) : '/';
    // https (and tls) load only for an HTTPS check, not at every start.
    const lib = hc.protocol === 'HTTPS' ? (await import('node:https')).default : http;
    return new Promise((resolve) => {
      const req = lib.get({ host, port, path, timeout, rejectUnauthorized: false, headers: { 'User-Agent': 'marathon' } }, (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 400) resolve(undefined);
        else resolve(`${code} ${res.statusMessage ?? ''}`.trim());
      });
      req.on('timeout', () => req.destroy(new Error(`The server did not respond within ${timeout / 1000} seconds`)));
      req.on('error', (err) => resolve(err.message));
    });
  }
}

/** Marathon-side checks use the host port (container port only without one). */
function effectivePort(app: App, hc: HealthCheck, task: TaskRecord): number | undefined {
  if (hc.port !== undefined) return hc.port;
  // A check stored without port and portIndex reads back as portIndex 0 (PortReference.fromProto).
  const portIndex = hc.portIndex ?? 0;
  const specs = portSpecs(app);
  const spec = specs[portIndex];
  if (!spec) return undefined;
  // hostPorts lists only assigned ports; map the index through the specs that got one.
  let hostIndex = 0;
  for (let i = 0; i < portIndex; i++) if (specs[i]!.mapping?.hostPort !== undefined || !specs[i]!.mapping) hostIndex++;
  const hasHost = spec.mapping ? spec.mapping.hostPort !== undefined : true;
  if (hasHost) return task.hostPorts[hostIndex];
  return spec.mapping?.containerPort;
}
