// Readiness checks, as Marathon 1.7.50 runs them during a deployment
// (core/readiness/ReadinessCheckExecutor, impl/ReadinessCheckExecutorImpl,
// core/deployment/impl/ReadinessBehavior): once a task the deployment started
// is running, Marathon GETs `<protocol>://<host>:<port><path>` of the port named
// `portName`, the first time at once and then every `intervalSeconds` until a
// status in `httpStatusCodesForReady` answers; the deployment step waits for it.
// A failed request counts as a 504 whose body says why. Results live in the
// running deployment's step (DeploymentStepInfo.readinessChecks) and show in
// /v2/deployments' currentActions and in `embed=app.readiness`.
import http from 'node:http';
import { makeLogger } from '../common/log.js';
import type { App } from './app/types.js';
import { portSpecs } from './app/types.js';
import type { TaskRecord } from './tasks.js';

const log = makeLogger('ReadinessCheckExecutor');

export interface ReadinessCheck {
  name: string;
  protocol: 'HTTP' | 'HTTPS';
  path: string;
  portName: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  httpStatusCodesForReady: number[];
  preserveLastResponse: boolean;
}

/** ReadinessCheckResult as play-json writes it (lastResponse only when preserved). */
export interface ReadinessResult {
  name: string;
  taskId: string;
  ready: boolean;
  lastResponse?: { status: number; contentType: string; body: string };
}

/**
 * PortAssignment of the named port: a port with a host port is reached on the
 * agent, one without (container networks) on the task's own address.
 */
export function readinessUrl(app: App, task: TaskRecord, check: ReadinessCheck): string {
  const specs = portSpecs(app);
  const index = specs.findIndex((s) => s.name === check.portName);
  if (index < 0) throw new Error(`no port definition for port name '${check.portName}' was found`);
  const spec = specs[index]!;
  // task.hostPorts lists only the ports that got a host port, in order.
  const hasHostPort = (s: (typeof specs)[number]) => !s.mapping || s.mapping.hostPort !== undefined;
  let host: string | undefined;
  let port: number | undefined;
  if (hasHostPort(spec)) {
    host = task.host;
    port = task.hostPorts[specs.slice(0, index).filter(hasHostPort).length];
  } else {
    host = task.ipAddresses[0]?.ipAddress;
    port = spec.mapping?.containerPort;
  }
  if (!host) throw new Error(`no effective IP address for '${check.portName}' was found`);
  if (port === undefined) throw new Error(`no port definition for port name '${check.portName}' was found`);
  return `${check.protocol === 'HTTPS' ? 'https' : 'http'}://${host}:${port}${check.path}`;
}

/** One GET; any failure reads as 504 with the reason, as exceptionToErrorResponse makes it. */
async function query(url: string, timeoutMs: number): Promise<{ status: number; contentType: string; body: string; failed?: boolean }> {
  // https (and tls) load only for an HTTPS check, not at every start.
  const lib = url.startsWith('https:') ? (await import('node:https')).default : http;
  return new Promise((resolve) => {
    const failed = (err: Error) => resolve({ status: 504, contentType: 'text/plain', body: `Marathon could not query ${url}: ${err.message}`, failed: true });
    let req: http.ClientRequest;
    try {
      // A path without a leading slash makes no valid URL, as in Marathon: that is a failed request too.
      req = lib.get(url, { timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', failed);
        res.on('end', () => {
          // The media type only, as akka-http's MediaType.value gives it.
          const contentType = (res.headers['content-type'] ?? '').split(';')[0]!.trim();
          resolve({ status: res.statusCode ?? 0, contentType, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
    } catch (err) {
      return failed(err as Error);
    }
    req.on('timeout', () => req.destroy(new Error(`The request timed out after ${timeoutMs / 1000} seconds`)));
    req.on('error', failed);
  });
}

function summary(r: ReadinessResult): string {
  const resp = r.lastResponse;
  const body = resp ? `: ${resp.body.length > 40 ? `${resp.body.slice(0, 37)}...` : resp.body}` : '';
  return `${r.ready ? 'READY' : 'NOT READY'}${resp ? ` (${resp.status})` : ''} returned by ${r.taskId} readiness check '${r.name}'${body}`;
}

/**
 * The checks of one task, serially: the next starts `intervalSeconds` after the
 * last one answered, and the first ready answer ends them. `onResult` sees each
 * result; `stop()` ends them early (the task stopped, the step ended).
 */
export function runReadinessChecks(app: App, task: TaskRecord, onResult: (r: ReadinessResult) => void): { stop: () => void } {
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const checks = app.readinessChecks as unknown as ReadinessCheck[];
  for (const check of checks) {
    const once = async () => {
      if (stopped) return;
      let url: string;
      try {
        url = readinessUrl(app, task, check);
      } catch (err) {
        log.error(`Readiness check '${check.name}' of ${task.taskId} cannot run: ${(err as Error).message}`);
        return;
      }
      log.info(`Querying ${task.taskId} readiness check '${check.name}' at '${url}'`);
      const response = await query(url, check.timeoutSeconds * 1000);
      if (stopped) return;
      const { failed, ...lastResponse } = response;
      // A request that failed is never ready, whatever the ready codes (exceptionToErrorResponse).
      const result: ReadinessResult = { name: check.name, taskId: task.taskId, ready: !failed && check.httpStatusCodesForReady.includes(response.status) };
      if (check.preserveLastResponse) result.lastResponse = lastResponse;
      log.info(summary(result));
      onResult(result);
      if (!result.ready) {
        const t = setTimeout(() => {
          timers.delete(t);
          void once();
        }, check.intervalSeconds * 1000);
        timers.add(t);
      }
    };
    void once();
  }
  return {
    stop: () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
    },
  };
}

/** What StepReadiness reads of Marathon's state. */
export interface ReadinessHost {
  app(appId: string): App | undefined;
  task(taskId: string): TaskRecord | undefined;
  liveTasksOf(appId: string): TaskRecord[];
  /** a result arrived: the scheduler and the waiting steps look again */
  changed(): void;
}

/**
 * The readiness side of one deployment step (ReadinessBehavior): which apps'
 * new tasks must pass their checks, the checks running, and the results the
 * step shows (DeploymentStepInfo.readinessChecks), kept until the next step.
 */
export class StepReadiness {
  /** by task id */
  private readonly results = new Map<string, { appId: string; result: ReadinessResult }>();
  /** app id → the tasks that need no check (there before the step) */
  private readonly awaiting = new Map<string, Set<string>>();
  /** by task id */
  private readonly probes = new Map<string, { stop: () => void }>();

  constructor(private readonly host: ReadinessHost) {}

  /** Makes the app's new tasks wait for their readiness checks in this step, if the app has any. */
  await(appId: string, exempt: (t: TaskRecord) => boolean): void {
    if (!this.host.app(appId)?.readinessChecks.length) return;
    this.awaiting.set(appId, new Set(this.host.liveTasksOf(appId).filter(exempt).map((t) => t.taskId)));
    this.sync();
  }

  /** False while this step waits for the task's readiness checks to pass. */
  passed(t: TaskRecord): boolean {
    const exempt = this.awaiting.get(t.appId);
    return !exempt || exempt.has(t.taskId) || this.results.get(t.taskId)?.result.ready === true;
  }

  resultsOf(appId: string): ReadinessResult[] {
    return [...this.results.values()].filter((x) => x.appId === appId).map((x) => x.result);
  }

  /** Starts the checks of tasks that became running, stops those of tasks that no longer run. */
  sync(): void {
    for (const [taskId, probe] of this.probes) {
      const t = this.host.task(taskId);
      if (!t || t.state !== 'TASK_RUNNING' || t.killing || !this.awaiting.has(t.appId)) {
        probe.stop();
        this.probes.delete(taskId);
      }
    }
    for (const [appId, exempt] of this.awaiting) {
      const app = this.host.app(appId);
      if (!app) continue;
      for (const t of this.host.liveTasksOf(appId)) {
        if (t.state !== 'TASK_RUNNING' || t.killing || t.version !== app.version || exempt.has(t.taskId)) continue;
        if (this.probes.has(t.taskId) || this.results.get(t.taskId)?.result.ready) continue;
        this.probes.set(
          t.taskId,
          runReadinessChecks(app, t, (result) => {
            if (!this.awaiting.has(appId)) return;
            this.results.set(t.taskId, { appId, result });
            if (result.ready) this.probes.delete(t.taskId);
            this.host.changed();
          }),
        );
      }
    }
  }

  /** Stops the checks (of one app, or all) and stops waiting for them. */
  stop(appId?: string): void {
    for (const [taskId, probe] of this.probes) {
      if (appId && this.host.task(taskId)?.appId !== appId) continue;
      probe.stop();
      this.probes.delete(taskId);
    }
    if (appId) this.awaiting.delete(appId);
    else this.awaiting.clear();
  }

  /** A new step: no checks, no results. */
  reset(): void {
    this.stop();
    this.results.clear();
  }
}
