// /v2/apps: list, create, show, replace/patch, delete, restart, versions
// (AppsResource, AppVersionsResource).
import type { Router, Request } from '../../common/http.js';
import { appToRaw, defaultRawApp, mergeUpdate, normalizeApp, parseBody, readApp, readAppList, readAppUpdate, validateResidentUpdate, validateUpdate } from '../app/normalize.js';
import { appJson } from '../app/serialize.js';
import type { App } from '../app/types.js';
import { resolveEmbed, type Marathon } from '../core.js';
import { conflict, groupDetails, notValid, unknownApp, unknownGroup } from '../errors.js';
import { remoteAddress } from '../events.js';
import { canonicalId, nextVersionMs, parentId, timestamp } from '../util.js';
import { boolParam, deploymentResult, json } from './respond.js';

/** RootGroup validation: an app id must not also be a group. */
function checkGroupClash(apps: Map<string, App>, id: string): void {
  const clash = [...apps.keys()].some((other) => other.startsWith(`${id}/`)) || [...apps.keys()].some((other) => id.startsWith(`${other}/`));
  if (clash) throw notValid(groupDetails([{ path: '/', message: 'Groups and Applications may not have the same identifier.' }]));
}

/** LabelSelectorParsers: `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`, comma = and. */
export function labelSelector(text: string): (labels: Record<string, string>) => boolean {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  const tests = parts.map((p) => p.trim()).filter(Boolean).map((p) => {
    let m = /^([^!=\s]+)\s*==\s*(.*)$/.exec(p);
    if (m) return (l: Record<string, string>) => l[m![1]!] === m![2]!.trim();
    m = /^([^!=\s]+)\s*!=\s*(.*)$/.exec(p);
    if (m) return (l: Record<string, string>) => l[m![1]!] !== m![2]!.trim();
    m = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(p);
    if (m) {
      const set = m[3]!.split(',').map((s) => s.trim());
      return m[2] === 'in' ? (l: Record<string, string>) => set.includes(l[m![1]!] as string) : (l: Record<string, string>) => !set.includes(l[m![1]!] as string);
    }
    if (p.startsWith('!')) return (l: Record<string, string>) => !(p.slice(1) in l);
    return (l: Record<string, string>) => p in l;
  });
  return (labels) => tests.every((t) => t(labels));
}

export function appRoutes(router: Router, m: Marathon): void {
  const features = { features: m.config.features };

  const apiPostEvent = (r: Request, app: App | undefined) => {
    if (!app) return;
    m.bus.emit('api_post_event', { clientIp: remoteAddress(r.req), uri: r.path, appDefinition: appJson(app) });
  };

  router.on('GET', '/v2/apps', (r) => {
    const cmd = r.query.get('cmd');
    const id = r.query.get('id');
    const label = r.query.get('label');
    const selector = label !== null ? labelSelector(label) : undefined;
    const embed = resolveEmbed(r.query.getAll('embed'));
    embed.add('counts').add('deployments');
    const apps = [...m.state.apps.values()]
      .filter((a) => cmd === null || (a.cmd ?? '').toLowerCase().includes(cmd.toLowerCase()))
      .filter((a) => id === null || a.id.toLowerCase().includes(id.toLowerCase()))
      .filter((a) => !selector || selector(a.labels))
      .sort((a, b) => a.id.localeCompare(b.id));
    json(r.res, 200, { apps: apps.map((a) => m.appInfo(a, embed)) });
  });

  router.on('POST', '/v2/apps', async (r) => {
    const raw = readApp(parseBody(await r.body()));
    const normalized = normalizeApp(raw, features);
    const version = timestamp(nextVersionMs());
    const app: App = { ...normalized, version };
    delete app.versionInfo;
    const plan = await m.deployments.updateRoot(
      parentId(app.id),
      (apps) => {
        if (apps.has(app.id)) throw conflict(`An app with id [${app.id}] already exists.`);
        checkGroupClash(apps, app.id);
        apps.set(app.id, app);
        return apps;
      },
      { version, force: boolParam(r.query, 'force', false) },
    );
    apiPostEvent(r, app);
    // The answer is the definition as posted (service ports not yet assigned), with empty counts.
    const body = { ...appJson(app), tasksStaged: 0, tasksRunning: 0, tasksHealthy: 0, tasksUnhealthy: 0, deployments: [{ id: plan.id }], tasks: [] };
    json(r.res, 201, body, { Location: `http://${r.req.headers.host ?? 'localhost'}${app.id}`, 'Marathon-Deployment-Id': plan.id });
  });

  // PUT/PATCH /v2/apps: several apps at once.
  const updateMany = async (r: Request, partial: boolean, allowCreation: boolean) => {
    const list = readAppList(parseBody(await r.body()), partial);
    const version = timestamp(nextVersionMs());
    const plan = await m.deployments.updateRoot(
      '/',
      (apps) => {
        for (const u of list) {
          if (typeof u.id !== 'string') continue;
          const id = canonicalId(u.id);
          apps.set(id, buildUpdated(m, apps.get(id), id, u, partial, allowCreation, version));
        }
        return apps;
      },
      { version, force: boolParam(r.query, 'force', false) },
    );
    deploymentResult(r.res, plan);
  };
  router.on('PUT', '/v2/apps', (r) => updateMany(r, boolParam(r.query, 'partialUpdate', true), true));
  router.on('PATCH', '/v2/apps', (r) => updateMany(r, true, false));

  router.on('POST', '/v2/apps/:id*/restart', async (r) => {
    const id = canonicalId(r.params.id!);
    const plan = await m.deployments.updateRoot(
      id,
      (apps) => {
        if (!apps.has(id)) throw unknownApp(id);
        return apps;
      },
      { force: boolParam(r.query, 'force', false), restart: new Set([id]) },
    );
    deploymentResult(r.res, plan);
  });

  router.on('GET', '/v2/apps/:id*/versions/:version', async (r) => {
    const id = canonicalId(r.params.id!);
    const version = r.params.version!;
    const ms = Date.parse(version);
    const ts = Number.isNaN(ms) ? version : new Date(ms).toISOString();
    const app = Number.isNaN(ms) ? undefined : await m.store.appVersion(id, ts);
    if (!app) throw unknownApp(id, ts);
    json(r.res, 200, appJson(app));
  });

  router.on('GET', '/v2/apps/:id*/versions', async (r) => {
    const id = canonicalId(r.params.id!);
    if (!m.state.apps.has(id)) throw unknownApp(id);
    await m.state.flush();
    json(r.res, 200, { versions: await m.store.appVersions(id) });
  });

  router.on('GET', '/v2/apps/:id*', (r) => {
    const raw = r.params.id!;
    const embed = resolveEmbed(r.query.getAll('embed'));
    embed.add('counts').add('tasks').add('lastTaskFailure').add('deployments');
    const group = /^((?:.+\/)|)\*$/.exec(raw);
    if (group) {
      const gid = canonicalId(group[1] ?? '');
      const apps = [...m.state.apps.values()].filter((a) => gid === '/' || a.id.startsWith(`${gid}/`));
      if (gid !== '/' && !apps.length) throw unknownGroup(gid);
      json(r.res, 200, { '*': apps.map((a) => m.appInfo(a, embed)) });
      return;
    }
    const id = canonicalId(raw);
    const app = m.state.apps.get(id);
    if (!app) throw unknownApp(id);
    json(r.res, 200, { app: m.appInfo(app, embed) });
  });

  const update = async (r: Request, partial: boolean, allowCreation: boolean) => {
    const id = canonicalId(r.params.id!);
    const body = parseBody(await r.body());
    let update: Record<string, unknown>;
    if (partial) {
      update = readAppUpdate(body);
    } else {
      // A full replacement is read like a new app; the id comes from the path.
      if (typeof body !== 'object' || body === null || Array.isArray(body)) readApp(body);
      update = readApp({ ...(body as object), id });
      // "the version is thrown away in conversion to AppUpdate"
      delete update.version;
      delete update.versionInfo;
    }
    validateUpdate(update);
    const version = timestamp(nextVersionMs());
    const existed = m.state.apps.has(id);
    let rollback: App | undefined;
    if (typeof update.version === 'string' && partial) {
      if (!existed) throw unknownApp(id);
      rollback = await m.store.appVersion(id, update.version);
      if (!rollback) throw unknownApp(id);
    }
    const plan = await m.deployments.updateRoot(
      parentId(id),
      (apps) => {
        if (rollback) apps.set(id, { ...rollback });
        else {
          if (!apps.has(id)) checkGroupClash(apps, id);
          apps.set(id, buildUpdated(m, apps.get(id), id, update, partial, allowCreation, version));
        }
        return apps;
      },
      { version, force: boolParam(r.query, 'force', false) },
    );
    apiPostEvent(r, plan.target.get(id));
    const headers = existed ? {} : { Location: `http://${r.req.headers.host ?? 'localhost'}${id}` };
    deploymentResult(r.res, plan, existed ? 200 : 201, headers);
  };

  router.on('PUT', '/v2/apps/:id*', (r) => update(r, boolParam(r.query, 'partialUpdate', true), true));
  router.on('PATCH', '/v2/apps/:id*', (r) => update(r, true, false));

  router.on('DELETE', '/v2/apps/:id*', async (r) => {
    const id = canonicalId(r.params.id!);
    const plan = await m.deployments.updateRoot(
      parentId(id),
      (apps) => {
        if (!apps.delete(id)) throw unknownApp(id);
        return apps;
      },
      // DELETE defaults to force=true in Marathon 1.7.
      { force: boolParam(r.query, 'force', true) },
    );
    deploymentResult(r.res, plan);
  });
}

/** AppHelpers.updateOrCreate: apply an update to the current app, or create from defaults. */
function buildUpdated(m: Marathon, current: App | undefined, id: string, update: Record<string, unknown>, partial: boolean, allowCreation: boolean, version: string): App {
  if (!current && !allowCreation) throw unknownApp(id);
  const base = current && partial ? appToRaw(current) : defaultRawApp(id);
  const merged = mergeUpdate(base, update);
  merged.id = id;
  const app = normalizeApp(merged, { features: m.config.features });
  if (current) validateResidentUpdate(current, app);
  if (current) return { ...app, version: current.version, versionInfo: current.versionInfo };
  return { ...app, version };
}
