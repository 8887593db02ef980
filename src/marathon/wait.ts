// Waiting for an app to be deployed and running (and healthy), or for
// Marathon to have replaced given tasks; with a deadline and a clear reason.
import { MesosUpError } from '../errors.js';
import { formatDuration } from '../config/duration.js';
import { sleep } from '../probes/wait.js';
import type { MarathonClient } from './client.js';
import type { App, Task } from './types.js';

export interface AppWaitOptions {
  deadline: number;
  signal?: AbortSignal;
  /** the deployment to see finished */
  deploymentId?: string;
  /** tasks that do not count (wait for replacements of these) */
  exclude?: string[];
  /** running tasks wanted; default: the app's instances */
  count?: number;
  onProgress?: (line: string) => void;
  /** the tail of a failed task's stderr, for the error message */
  stderrOf?: (task: { taskId: string; slaveId?: string; host?: string }) => Promise<string | undefined>;
}

const healthy = (t: Task) => (t.healthCheckResults ?? []).length > 0 && t.healthCheckResults!.every((h) => h.alive);

function progress(app: App, fresh: Task[], want: number, deploying: boolean): { ok: boolean; detail: string } {
  const running = fresh.filter((t) => t.state === 'TASK_RUNNING');
  const needHealth = (app.healthChecks ?? []).length > 0;
  const good = needHealth ? running.filter(healthy) : running;
  const states = fresh.map((t) => t.state).join(', ') || 'no tasks';
  const detail = `${app.id}: ${running.length}/${want} running${needHealth ? `, ${good.length}/${want} healthy` : ''}${deploying ? ', deployment in progress' : ''} (${states})`;
  return { ok: !deploying && good.length >= want, detail };
}

export async function waitForApp(client: MarathonClient, id: string, opts: AppWaitOptions): Promise<App> {
  const started = Date.now();
  let last = '';
  let app: App | undefined;
  for (;;) {
    if (opts.signal?.aborted) throw new MesosUpError('INTERRUPTED', 'interrupted');
    app = await client.getApp(id, 'apps.tasks,apps.lastTaskFailure,apps.deployments,apps.counts');
    const deploying = opts.deploymentId ? (await client.deployments()).some((d) => d.id === opts.deploymentId) : false;
    const fresh = (app.tasks ?? []).filter((t) => !opts.exclude?.includes(t.id));
    const want = opts.count ?? app.instances ?? 1;
    const p = progress(app, fresh, want, deploying);
    if (p.ok) return app;
    if (p.detail !== last) opts.onProgress?.(p.detail);
    last = p.detail;
    if (Date.now() >= opts.deadline) break;
    await sleep(500, opts.signal);
  }
  const failure = app.lastTaskFailure;
  let stderr: string | undefined;
  if (failure && opts.stderrOf) stderr = await opts.stderrOf({ taskId: failure.taskId, host: failure.host }).catch(() => undefined);
  throw new MesosUpError('DEADLINE', `Gave up after ${formatDuration(Date.now() - started)}: ${last}${failure ? `; last task failure: ${failure.taskId} ${failure.state}${failure.message ? ` (${failure.message})` : ''}` : ''}`, {
    hint: `see mesos-up app tasks ${id.replace(/^\//, '')}, and the agent logs: mesos-up logs agent`,
    ...(stderr ? { logs: `stderr of ${failure!.taskId}:\n${stderr}` } : {}),
  });
}

export interface DeploymentWaitOptions {
  deadline: number;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
  /** what is being deployed, for messages (`group /shop`, `pod /web`) */
  what: string;
  /** also wait for this (e.g. a pod's instances STABLE); returns the progress line while not done */
  until?: () => Promise<string | undefined>;
}

/** Waits until a deployment is gone from /v2/deployments (and `until` is satisfied). */
export async function waitForDeployment(client: MarathonClient, deploymentId: string | undefined, opts: DeploymentWaitOptions): Promise<void> {
  const started = Date.now();
  let last = '';
  for (;;) {
    if (opts.signal?.aborted) throw new MesosUpError('INTERRUPTED', 'interrupted');
    const running = deploymentId ? (await client.deployments()).find((d) => d.id === deploymentId) : undefined;
    const pending = running ? `deployment ${deploymentId} at step ${running.currentStep}/${running.totalSteps} (${running.currentActions.map((a) => `${a.action} ${a.app ?? a.pod}`).join(', ')})` : await opts.until?.();
    if (!pending) return;
    const line = `${opts.what}: ${pending}`;
    if (line !== last) opts.onProgress?.(line);
    last = line;
    if (Date.now() >= opts.deadline) {
      throw new MesosUpError('DEADLINE', `Gave up after ${formatDuration(Date.now() - started)}: ${line}`, { hint: 'see mesos-up status, and the agent logs: mesos-up logs agent' });
    }
    await sleep(500, opts.signal);
  }
}
