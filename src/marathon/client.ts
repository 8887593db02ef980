// A typed client for Marathon's REST API, used by the CLI and by fixture users.
import type { IncomingHttpHeaders } from 'node:http';
import { MesosUpError } from '../errors.js';
import { httpRequest, type HttpAnswer } from '../probes/http.js';
import type { App, AppDefinition, Deployment, DeploymentResult, Group, Info, Pod, PodStatus, Task } from './types.js';

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

  // ---- groups (/v2/groups) ----

  /** The group with its subgroups, pods and apps (with their task counts). */
  getGroup = async (id: string): Promise<Group> =>
    (await this.request<Group>('GET', `${groupPath(id)}?${['group.groups', 'group.pods', 'group.apps', 'group.apps.counts'].map((e) => `embed=${e}`).join('&')}`)).body;

  /** Creates the group (POST) or, when it exists, replaces what the document lists (PUT). */
  deployGroup = async (group: Record<string, unknown> & { id: string }, opts: { create: boolean; force?: boolean }): Promise<DeploymentResult> =>
    opts.create
      ? (await this.request<DeploymentResult>('POST', '/v2/groups', group, { force: opts.force })).body
      : (await this.request<DeploymentResult>('PUT', groupPath(group.id), group, { force: opts.force })).body;

  scaleGroup = async (id: string, scaleBy: number, force = false): Promise<DeploymentResult> =>
    (await this.request<DeploymentResult>('PUT', groupPath(id), { scaleBy }, { force })).body;

  rollbackGroup = async (id: string, version: string, force = false): Promise<DeploymentResult> =>
    (await this.request<DeploymentResult>('PUT', groupPath(id), { version }, { force })).body;

  groupVersions = async (id: string): Promise<string[]> => (await this.request<string[]>('GET', `${groupPath(id)}/versions`)).body;

  deleteGroup = async (id: string, force = false): Promise<DeploymentResult> =>
    (await this.request<DeploymentResult>('DELETE', groupPath(id), undefined, { force })).body;

  // ---- pods (/v2/pods) ----

  listPods = async (): Promise<Pod[]> => (await this.request<Pod[]>('GET', '/v2/pods')).body;

  getPod = async (id: string): Promise<Pod> => (await this.request<Pod>('GET', podPath(id))).body;

  /** Creates (POST) or replaces (PUT) a pod; the deployment id comes in a header. */
  deployPod = async (pod: Record<string, unknown> & { id: string }, opts: { create: boolean; force?: boolean }): Promise<{ pod: Pod; deploymentId?: string }> => {
    const r = opts.create ? await this.request<Pod>('POST', '/v2/pods', pod, { force: opts.force }) : await this.request<Pod>('PUT', podPath(pod.id), pod, { force: opts.force });
    const header = r.headers['marathon-deployment-id'];
    return { pod: r.body, ...(typeof header === 'string' ? { deploymentId: header } : {}) };
  };

  podStatus = async (id: string): Promise<PodStatus> => (await this.request<PodStatus>('GET', `${podPath(id)}::status`)).body;

  podVersions = async (id: string): Promise<string[]> => (await this.request<string[]>('GET', `${podPath(id)}::versions`)).body;

  podVersion = async (id: string, version: string): Promise<Pod> => (await this.request<Pod>('GET', `${podPath(id)}::versions/${encodeURIComponent(version)}`)).body;

  deletePod = async (id: string, force = false): Promise<{ deploymentId?: string }> => {
    const r = await this.request('DELETE', podPath(id), undefined, { force });
    const header = r.headers['marathon-deployment-id'];
    return typeof header === 'string' ? { deploymentId: header } : {};
  };

  killPodInstance = async (id: string, instanceId: string): Promise<unknown> =>
    (await this.request('DELETE', `${podPath(id)}::instances/${encodeURIComponent(instanceId)}`)).body;
}

const groupPath = (id: string) => `/v2/groups/${id.replace(/^\/+/, '')}`;
const podPath = (id: string) => `/v2/pods/${id.replace(/^\/+/, '')}`;

/** The app id a task id belongs to (Marathon 1.7: `<safeId>.<uuid>`, safeId = path joined by `_`). */
export function appIdOfTask(taskId: string): string {
  const dot = taskId.lastIndexOf('.');
  const safe = dot > 0 ? taskId.slice(0, dot).replace(/\.instance-.*$/, '') : taskId;
  return `/${safe.split('_').join('/')}`;
}
