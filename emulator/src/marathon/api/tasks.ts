// Tasks: /v2/tasks, /v2/tasks/delete and /v2/apps/{id}/tasks[/{taskId}]
// (TasksResource, AppTasksResource, TaskKiller).
import type { Router, Request } from '../../common/http.js';
import { sendText } from '../../common/http.js';
import type { App } from '../app/types.js';
import { servicePorts } from '../app/types.js';
import type { Marathon } from '../core.js';
import { badRequest, unknownApp, unknownGroup, unknownTask } from '../errors.js';
import { parseBody } from '../app/normalize.js';
import { TERMINAL, type TaskRecord } from '../tasks.js';
import { canonicalId, safeId } from '../util.js';
import { boolParam, deploymentResult, json, wantsText } from './respond.js';

/** Task ids Marathon can parse (Task.Id.apply regexes). */
const TASK_ID = [/^(.+)\.(instance-|marathon-)([^_.]+)[._]([^_.]+)(\.\d+)?$/, /^(.+)([._])([^_.]+)(\.\d+)?$/];

/** The script-friendly tab-separated listing (EndpointsHelper.appsToEndpointString). */
function endpoints(m: Marathon, apps: App[]): string {
  let out = '';
  for (const app of apps) {
    const running = m.tasksOf(app.id).filter((t) => t.state === 'TASK_RUNNING');
    const ports = servicePorts(app);
    const id = safeId(app.id);
    if (!ports.length) {
      out += `${id}\t \t${running.map((t) => t.host).sort().map((h) => `${h}\t`).join('')}\n`;
    } else {
      ports.forEach((port, i) => {
        const addrs = running.map((t) => `${t.host}:${t.hostPorts[i] ?? 0}`).sort();
        out += `${id}\t${port}\t${addrs.map((a) => `${a}\t`).join('')}\n`;
      });
    }
  }
  return out;
}

export function taskRoutes(router: Router, m: Marathon): void {
  /** TaskKiller.kill: kills the selected tasks of an existing app; returns them. */
  const kill = (appId: string, select: (tasks: TaskRecord[]) => TaskRecord[], wipe: boolean): TaskRecord[] => {
    if (!m.state.apps.has(appId)) throw unknownApp(appId);
    const victims = select(m.tasksOf(appId));
    for (const t of victims) if (!t.killing) m.scheduler.kill(t, { wipe });
    return victims;
  };

  /** TaskKiller.killAndScale: one deployment lowering instances by the victims, which it kills. */
  const killAndScale = async (byApp: Map<string, TaskRecord[]>, force: boolean) => {
    const toKill = new Map([...byApp].map(([id, ts]) => [id, ts.map((t) => t.taskId)]));
    return m.deployments.updateRoot(
      '/',
      (apps) => {
        for (const [id, victims] of byApp) {
          const app = apps.get(id);
          if (!app) throw unknownApp(id);
          apps.set(id, { ...app, instances: Math.max(0, app.instances - victims.length) });
        }
        return apps;
      },
      { force, toKill },
    );
  };

  const noScaleAndWipe = (r: Request) => {
    if (boolParam(r.query, 'scale', false) && boolParam(r.query, 'wipe', false)) throw badRequest('You cannot use scale and wipe at the same time.');
  };

  router.on('GET', '/v2/tasks', (r) => {
    const apps = [...m.state.apps.values()];
    if (wantsText(r.req)) return sendText(r.res, 200, endpoints(m, apps));
    const statuses = [...r.query.getAll('status'), ...r.query.getAll('status[]')].map((s) => s.toLowerCase());
    const wanted = new Set(statuses.flatMap((s) => (s === 'running' ? ['TASK_RUNNING'] : s === 'staging' ? ['TASK_STAGING', 'TASK_STARTING'] : [])));
    const tasks = apps
      .flatMap((a) => m.tasksOf(a.id))
      .filter((t) => !statuses.length || wanted.has(t.state))
      .map((t) => m.taskJson(t, true));
    json(r.res, 200, { tasks });
  });

  router.on('POST', '/v2/tasks/delete', async (r) => {
    noScaleAndWipe(r);
    const body = parseBody(await r.body()) as { ids?: unknown };
    const ids = Array.isArray(body?.ids) ? (body.ids as unknown[]).filter((x): x is string => typeof x === 'string') : [];
    for (const id of ids) {
      if (!TASK_ID.some((re) => re.test(id))) throw badRequest(`Invalid task id '${id}'. [taskId ${id} no valid identifier]`);
    }
    const byApp = new Map<string, TaskRecord[]>();
    for (const id of ids) {
      const t = m.state.tasks.get(id);
      if (t && !TERMINAL.has(t.state) && m.state.apps.has(t.appId)) byApp.set(t.appId, [...(byApp.get(t.appId) ?? []), t]);
    }
    if (boolParam(r.query, 'scale', false)) {
      deploymentResult(r.res, await killAndScale(byApp, boolParam(r.query, 'force', false)));
      return;
    }
    const wipe = boolParam(r.query, 'wipe', false);
    const killed = [...byApp].flatMap(([appId, victims]) => kill(appId, (all) => all.filter((t) => victims.includes(t)), wipe));
    json(r.res, 200, { tasks: killed.map((t) => m.taskJson(t, false)) });
  });

  router.on('GET', '/v2/apps/:id*/tasks', (r) => {
    const raw = r.params.id!;
    const group = /^((?:.+\/)|)\*$/.exec(raw);
    let apps: App[];
    if (group) {
      const gid = canonicalId(group[1] ?? '');
      apps = [...m.state.apps.values()].filter((a) => gid === '/' || a.id.startsWith(`${gid}/`));
      if (gid !== '/' && !apps.length) throw unknownGroup(gid);
    } else {
      const app = m.state.apps.get(canonicalId(raw));
      if (!app) throw unknownApp(canonicalId(raw));
      apps = [app];
    }
    if (wantsText(r.req)) return sendText(r.res, 200, endpoints(m, apps));
    json(r.res, 200, { tasks: apps.flatMap((a) => m.tasksOf(a.id)).map((t) => m.taskJson(t, false)) });
  });

  router.on('DELETE', '/v2/apps/:id*/tasks/:taskId', async (r) => {
    noScaleAndWipe(r);
    const appId = canonicalId(r.params.id!);
    const taskId = r.params.taskId!;
    const select = (tasks: TaskRecord[]) => tasks.filter((t) => t.taskId === taskId || t.instanceId === taskId);
    if (boolParam(r.query, 'scale', false)) {
      if (!m.state.apps.has(appId)) throw unknownApp(appId);
      const victims = select(m.tasksOf(appId));
      deploymentResult(r.res, await killAndScale(new Map([[appId, victims]]), boolParam(r.query, 'force', false)));
      return;
    }
    const killed = kill(appId, select, boolParam(r.query, 'wipe', false));
    if (!killed.length) throw unknownTask(taskId);
    json(r.res, 200, { task: m.taskJson(killed[0]!, false) });
  });

  router.on('DELETE', '/v2/apps/:id*/tasks', async (r) => {
    noScaleAndWipe(r);
    const appId = canonicalId(r.params.id!);
    const host = r.query.get('host');
    const select = (tasks: TaskRecord[]) => (host === null ? tasks : tasks.filter((t) => t.host === host || host === '*'));
    if (boolParam(r.query, 'scale', false)) {
      if (!m.state.apps.has(appId)) throw unknownApp(appId);
      deploymentResult(r.res, await killAndScale(new Map([[appId, select(m.tasksOf(appId))]]), boolParam(r.query, 'force', false)));
      return;
    }
    const killed = kill(appId, select, boolParam(r.query, 'wipe', false));
    json(r.res, 200, { tasks: killed.map((t) => m.taskJson(t, false)) });
  });
}
