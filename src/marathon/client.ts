// A typed client for Marathon's REST API, used by the CLI and by fixture users.
import type { IncomingHttpHeaders } from 'node:http';
import { MesosUpError } from '../errors.js';
import { httpRequest, type HttpAnswer } from '../probes/http.js';
import type { App, AppDefinition, Deployment, DeploymentResult, Info, Task } from './types.js';

export class MarathonApiError extends MesosUpError {
  constructor(
    readonly status: number,
    readonly body: unknown,
    method: string,
    path: string,
  ) {
    const msg = (body as { message?: string } | undefined)?.message ?? (typeof body === 'string' ? body : '');
    const details = (body as { details?: Array<{ path: string; errors: string[] }> } | undefined)?.details;
    const detailText = details?.length ? `: ${details.map((d) => `${d.path} ${d.errors.join(', ')}`).join('; ')}` : '';
    super('MARATHON', `Marathon answered ${status} to ${method} ${path}${msg ? `: ${msg}` : ''}${detailText}`);
  }
}

const appPath = (id: string) => `/v2/apps/${id.replace(/^\/+/, '')}`;

export class MarathonClient {
  constructor(
    readonly baseUrl: string,
    private readonly opts: { timeoutMs?: number } = {},
  ) {}

  async request<T>(method: string, path: string, body?: unknown, query: Record<string, string | boolean | undefined> = {}): Promise<{ body: T; headers: IncomingHttpHeaders; status: number }> {
    const qs = Object.entries(query)
      .filter(([, v]) => v !== undefined && v !== false)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    const url = `${this.baseUrl.replace(/\/$/, '')}${path}${qs ? `?${qs}` : ''}`;
    let res: HttpAnswer;
    try {
      res = await httpRequest(url, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }), timeoutMs: this.opts.timeoutMs ?? 15_000 });
    } catch (err) {
      throw new MesosUpError('MARATHON', `Cannot reach Marathon at ${this.baseUrl}: ${(err as Error).message}`, {
        hint: 'is the cluster up? mesos-up status',
        cause: err,
      });
    }
    let parsed: unknown = res.text;
    try {
      parsed = res.text ? JSON.parse(res.text) : undefined;
    } catch {
      /* plain text answer */
    }
    if (res.status >= 400) throw new MarathonApiError(res.status, parsed, method, path);
    return { body: parsed as T, headers: res.headers, status: res.status };
  }

  async ping(): Promise<boolean> {
    try {
      await this.request('GET', '/ping');
      return true;
    } catch {
      return false;
    }
  }

  info = async (): Promise<Info> => (await this.request<Info>('GET', '/v2/info')).body;

  listApps = async (embed?: string): Promise<App[]> =>
    (await this.request<{ apps: App[] }>('GET', '/v2/apps', undefined, { embed })).body.apps;

  getApp = async (id: string, embed?: string): Promise<App> =>
    (await this.request<{ app: App }>('GET', appPath(id), undefined, { embed })).body.app;

  createApp = async (app: AppDefinition): Promise<App> => (await this.request<App>('POST', '/v2/apps', app)).body;

  updateApp = async (app: AppDefinition, force = false): Promise<DeploymentResult> =>
    (await this.request<DeploymentResult>('PUT', appPath(app.id), app, { force })).body;

  deleteApp = async (id: string, force = false): Promise<DeploymentResult> =>
    (await this.request<DeploymentResult>('DELETE', appPath(id), undefined, { force })).body;

  restartApp = async (id: string, force = false): Promise<DeploymentResult> =>
    (await this.request<DeploymentResult>('POST', `${appPath(id)}/restart`, undefined, { force })).body;

  versions = async (id: string): Promise<string[]> =>
    (await this.request<{ versions: string[] }>('GET', `${appPath(id)}/versions`)).body.versions;

  version = async (id: string, version: string): Promise<AppDefinition> =>
    (await this.request<AppDefinition>('GET', `${appPath(id)}/versions/${encodeURIComponent(version)}`)).body;

  appTasks = async (id: string): Promise<Task[]> => (await this.request<{ tasks: Task[] }>('GET', `${appPath(id)}/tasks`)).body.tasks;

  tasks = async (): Promise<Task[]> => (await this.request<{ tasks: Task[] }>('GET', '/v2/tasks')).body.tasks;

  /** Kills one task; Marathon replaces it unless `scale` is set. */
  killTask = async (appId: string, taskId: string, scale = false): Promise<unknown> =>
    (await this.request('DELETE', `${appPath(appId)}/tasks/${encodeURIComponent(taskId)}`, undefined, { scale })).body;

  deployments = async (): Promise<Deployment[]> => (await this.request<Deployment[]>('GET', '/v2/deployments')).body;
}

/** The app id a task id belongs to (Marathon 1.7: `<safeId>.<uuid>`, safeId = path joined by `_`). */
export function appIdOfTask(taskId: string): string {
  const dot = taskId.lastIndexOf('.');
  const safe = dot > 0 ? taskId.slice(0, dot).replace(/\.instance-.*$/, '') : taskId;
  return `/${safe.split('_').join('/')}`;
}
