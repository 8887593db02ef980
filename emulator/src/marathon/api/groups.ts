// /v2/groups (GroupsResource, GroupApiService, raml/GroupConversion): read a
// group or its apps and versions; create, update (structure, scaleBy, rollback
// to a version, dryRun) and delete groups with their apps and subgroups.
import type { Request, Router } from '../../common/http.js';
import { ID_SEGMENT, ID_SEGMENT_TEXT, normalizeApp, parseBody, readApp } from '../app/normalize.js';
import { PATH_ID_PATTERN } from '../app/schema.js';
import type { App } from '../app/types.js';
import { resolveEmbed, type Marathon } from '../core.js';
import type { RootDraft } from '../deployments.js';
import { ApiError, conflict, groupDetails, invalidJson, notValid, unknownGroup, type ErrorDetail } from '../errors.js';
import { childApps, childGroups, childPods, ensureAncestors, isWithin, removeSubtree, type Groups } from '../groups.js';
import type { Pod } from '../pod/types.js';
import type { StoredRoot } from '../storage.js';
import { canonicalId, nextVersionMs, parentId, parseTimestamp, timestamp } from '../util.js';
import { boolParam, deploymentResult, json } from './respond.js';

/** raml.GroupUpdate: every field optional. */
interface GroupUpdate {
  id?: string;
  apps?: unknown[];
  groups?: GroupUpdate[];
  dependencies?: string[];
  scaleBy?: number;
  version?: string;
}

/** GroupUpdate with its apps read, normalized and placed (ids made absolute). */
interface Resolved {
  id: string;
  apps?: App[];
  groups?: Resolved[];
  dependencies?: string[];
  scaleBy?: number;
  version?: string;
}

/** Play's reads of a GroupUpdate: JSON type errors with their paths (422 Invalid JSON). */
function readUpdate(v: unknown, path: string, errors: ErrorDetail[]): GroupUpdate {
  const err = (p: string, e: string) => errors.push({ path: p || '/', errors: [e] });
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    err(path, 'error.expected.jsobject');
    return {};
  }
  const o = v as Record<string, unknown>;
  const out: GroupUpdate = {};
  // PathId in the RAML: a string of at least one character matching its pattern.
  const pathId = (x: unknown, p: string): x is string => {
    if (typeof x !== 'string') return (err(p, 'error.expected.jsstring'), false);
    if (x.length < 1) return (err(p, 'error.minLength'), false);
    if (!PATH_ID_PATTERN.test(x)) return (err(p, 'error.pattern'), false);
    return true;
  };
  if (o.id !== undefined && o.id !== null && pathId(o.id, `${path}/id`)) out.id = o.id;
  const list = (name: 'apps' | 'groups' | 'dependencies'): unknown[] | undefined => {
    const x = o[name];
    if (x === undefined || x === null) return undefined;
    if (!Array.isArray(x)) {
      err(`${path}/${name}`, 'error.expected.jsarray');
      return undefined;
    }
    return x;
  };
  out.apps = list('apps');
  const groups = list('groups');
  if (groups) out.groups = groups.map((g, i) => readUpdate(g, `${path}/groups(${i})`, errors));
  const deps = list('dependencies');
  if (deps) {
    out.dependencies = deps.filter((d, i) => pathId(d, `${path}/dependencies(${i})`)) as string[];
  }
  if (o.scaleBy !== undefined && o.scaleBy !== null) {
    if (typeof o.scaleBy !== 'number') err(`${path}/scaleBy`, 'error.expected.jsnumber');
    else if (o.scaleBy < 0) err(`${path}/scaleBy`, 'error.min');
    else out.scaleBy = o.scaleBy;
  }
  if (o.version !== undefined && o.version !== null) {
    if (typeof o.version !== 'string') err(`${path}/version`, 'error.expected.jsstring');
    else if (parseTimestamp(o.version) === undefined) err(`${path}/version`, 'error.expected.date.isoformat');
    else out.version = o.version;
  }
  return out;
}

/**
 * GroupsResource.normalizeApps and Group.validNestedGroupUpdateWithBase: app
 * ids and dependencies relative to their group, each app read and normalized as
 * /v2/apps does, `version`/`scaleBy` alone, apps direct children of their group.
 */
function resolve(u: GroupUpdate, base: string, path: string, features: string[], violations: Array<{ path: string; message: string }>): Resolved {
  const id = u.id !== undefined ? canonicalId(u.id, base) : base;
  const given = (Object.keys(u) as Array<keyof GroupUpdate>).filter((k) => u[k] !== undefined);
  for (const only of ['version', 'scaleBy'] as const) {
    if (u[only] !== undefined && given.length > 1) violations.push({ path: `${path}/${only}`, message: 'not allowed in conjunction with other properties.' });
  }
  const out: Resolved = { id, scaleBy: u.scaleBy, version: u.version };
  if (u.dependencies) out.dependencies = u.dependencies.map((d) => canonicalId(d, id));
  if (u.apps) {
    out.apps = u.apps.map((json, i) => {
      let raw: ReturnType<typeof readApp>;
      try {
        raw = readApp(json);
      } catch (e) {
        // The app's JSON errors sit under its place in the group.
        if (e instanceof ApiError && Array.isArray(e.body.details)) {
          throw invalidJson((e.body.details as ErrorDetail[]).map((d) => ({ ...d, path: `${path}/apps(${i})${d.path === '/' ? '' : d.path}` })));
        }
        throw e;
      }
      const placed = { ...raw, id: canonicalId(String(raw.id ?? ''), id), dependencies: ((raw.dependencies as string[] | undefined) ?? []).map((d) => canonicalId(d, id)) };
      const app = normalizeApp(placed as typeof raw, { features });
      if (parentId(app.id) !== id) violations.push({ path: `${path}/apps(${i})/id`, message: `Identifier is not child of ${id}. Hint: use relative paths.` });
      return app;
    });
  }
  if (u.groups) out.groups = u.groups.map((g, i) => resolve(g, id, `${path}/groups(${i})`, features, violations));
  return out;
}

/** UpdateGroupStructureOp: listed apps and groups replace the group's own; absent lists keep them. */
function applyStructure(draft: RootDraft, u: Resolved, groupId: string): void {
  const { apps, groups } = draft;
  if (!groups.has(groupId)) groups.set(groupId, { id: groupId, dependencies: [] });
  if (u.groups) {
    const listed = new Set(u.groups.map((g) => g.id));
    for (const child of childGroups(groups, groupId)) if (!listed.has(child)) removeSubtree(apps, groups, child, draft.pods);
    for (const g of u.groups) applyStructure(draft, g, g.id);
  }
  if (u.apps) {
    const listed = new Set(u.apps.map((a) => a.id));
    for (const id of [...apps.keys()]) if (parentId(id) === groupId && !listed.has(id)) apps.delete(id);
    for (const app of u.apps) apps.set(app.id, app);
  }
  if (u.dependencies) groups.set(groupId, { id: groupId, dependencies: [...new Set(u.dependencies)] });
}

/** GroupInfoWrites: id, dependencies, version, then what is embedded (children by id). */
function groupInfo(m: Marathon, apps: Map<string, App>, pods: Map<string, Pod>, groups: Groups, version: string, id: string, embeds: string[], withAppEmbeds = true): Record<string, unknown> {
  const embed = new Set(embeds.length ? embeds : ['group.apps', 'group.pods', 'group.groups']);
  const appEmbed = resolveEmbed(withAppEmbeds ? [...embed].filter((e) => e.startsWith('group.apps.')) : []);
  const build = (gid: string): Record<string, unknown> => {
    const out: Record<string, unknown> = { id: gid, dependencies: groups.get(gid)?.dependencies ?? [], version };
    if (embed.has('group.apps')) {
      out.apps = childApps(apps, gid).map((a) => m.appInfo(a, appEmbed));
    }
    if (embed.has('group.groups')) out.groups = childGroups(groups, gid).map(build);
    // (GroupInfo embeds each pod's status, its definition under `spec`)
    if (embed.has('group.pods')) out.pods = childPods(pods, gid).map((p) => m.podStatus(p));
    return out;
  };
  return build(id);
}

/** The root group of a stored version (any ISO-8601 form of it), its apps' definitions read back from their versions. */
async function rootAt(m: Marathon, version: string): Promise<{ apps: Map<string, App>; pods: Map<string, Pod>; groups: Groups } | undefined> {
  const ms = parseTimestamp(version);
  const stored: StoredRoot | undefined = ms === undefined ? undefined : await m.store.rootAt(timestamp(ms));
  if (!stored) return undefined;
  const apps = new Map<string, App>();
  for (const [id, v] of Object.entries(stored.apps)) {
    const app = await m.store.appVersion(id, v);
    if (app) apps.set(id, app);
  }
  const pods = new Map<string, Pod>();
  for (const [id, v] of Object.entries(stored.pods ?? {})) {
    const pod = await m.store.podVersion(id, v);
    if (pod) pods.set(id, pod);
  }
  const groups: Groups = new Map((stored.groups ?? []).map((g) => [g.id, g]));
  ensureAncestors(apps, groups, pods);
  return { apps, pods, groups };
}

/** The URL's group (or pod) id made absolute; each segment must be a valid id (PathId.validPathWithBase, 422). */
export function urlPath(raw: string): string {
  const id = canonicalId(raw);
  if (id.split('/').filter(Boolean).some((seg) => !ID_SEGMENT.test(seg))) {
    throw notValid(groupDetails([{ path: '/', message: `must fully match regular expression '${ID_SEGMENT_TEXT}'` }]));
  }
  return id;
}

export function groupRoutes(router: Router, m: Marathon): void {
  const features = m.config.features;

  // GET dispatch in GroupsResource's order: …/apps, …/versions, …/versions/{v}, then the group.
  const get = async (r: Request, raw: string) => {
    const embeds = r.query.getAll('embed');
    let match: RegExpExecArray | null;
    if ((match = /^((?:.+\/)|)apps$/.exec(raw))) {
      const gid = canonicalId(match[1]!);
      const appEmbed = resolveEmbed(embeds.filter((e) => e.startsWith('group.apps.')));
      const apps = [...m.state.apps.values()].filter((a) => isWithin(a.id, gid)).sort((a, b) => a.id.localeCompare(b.id));
      return json(r.res, 200, apps.map((a) => m.appInfo(a, appEmbed)));
    }
    if ((match = /^(?:(.+)\/)?versions$/.exec(raw))) {
      const gid = canonicalId(match[1] ?? '');
      if (!m.state.groups.has(gid)) throw unknownGroup(gid);
      const versions: string[] = [];
      for (const v of await m.store.rootVersions()) {
        const stored = await m.store.rootAt(v);
        if (gid === '/' || stored?.groups?.some((g) => g.id === gid) || Object.keys(stored?.apps ?? {}).some((a) => isWithin(a, gid))) versions.push(v);
      }
      return json(r.res, 200, versions);
    }
    if ((match = /^(?:(.+)\/)?versions\/(.+)$/.exec(raw))) {
      const gid = canonicalId(match[1] ?? '');
      const v = match[2]!;
      if (parseTimestamp(v) === undefined) throw new ApiError(422, { message: `Invalid timestamp provided '${v}'. Expecting ISO-8601 datetime string.` });
      const old = await rootAt(m, v);
      if (!old?.groups.has(gid)) throw unknownGroup(gid);
      return json(r.res, 200, groupInfo(m, old.apps, old.pods, old.groups, v, gid, embeds, false));
    }
    const gid = canonicalId(raw);
    if (!m.state.groups.has(gid)) throw unknownGroup(gid);
    json(r.res, 200, groupInfo(m, m.state.apps, m.state.pods, m.state.groups, m.state.rootVersion, gid, embeds));
  };
  router.on('GET', '/v2/groups', (r) => get(r, ''));
  router.on('GET', '/v2/groups/:id*', (r) => get(r, r.params.id!));

  /** The body as a GroupUpdate placed under `base`, or 422 with every problem. */
  const readBody = async (r: Request, base: string): Promise<Resolved> => {
    const errors: ErrorDetail[] = [];
    const update = readUpdate(parseBody(await r.body()), '', errors);
    if (errors.length) throw invalidJson(errors);
    const violations: Array<{ path: string; message: string }> = [];
    const resolved = resolve(update, base, '', features, violations);
    if (violations.length) throw notValid(groupDetails(violations));
    return resolved;
  };

  /** GroupApiService.updateGroup: rollback, scale or structure, by precedence. */
  const change = async (target: string, u: Resolved): Promise<(draft: RootDraft) => void> => {
    if (u.version !== undefined) {
      const old = await rootAt(m, u.version);
      if (!old?.groups.has(target)) throw new ApiError(422, { message: `Group ${target} not available in version ${u.version}` });
      return (draft) => {
        removeSubtree(draft.apps, draft.groups, target, draft.pods);
        for (const [id, g] of old.groups) if (isWithin(id, target)) draft.groups.set(id, structuredClone(g));
        for (const [id, a] of old.apps) if (isWithin(id, target)) draft.apps.set(id, structuredClone(a));
        for (const [id, p] of old.pods) if (isWithin(id, target)) draft.pods.set(id, structuredClone(p));
      };
    }
    if (u.scaleBy !== undefined) {
      const factor = u.scaleBy;
      return (draft) => {
        if (!draft.groups.has(target)) draft.groups.set(target, { id: target, dependencies: [] });
        for (const [id, a] of draft.apps) if (isWithin(id, target)) draft.apps.set(id, { ...a, instances: Math.ceil(a.instances * factor) });
      };
    }
    return (draft) => applyStructure(draft, u, target);
  };

  const create = async (r: Request, urlId: string) => {
    const rootPath = urlPath(urlId);
    const u = await readBody(r, rootPath);
    const path = u.id;
    if (m.state.groups.has(path)) throw conflict(`Group ${path} is already created. Use PUT to change this group.`);
    if (m.state.apps.has(path)) throw conflict(`An app with the path ${path} already exists.`);
    const plan = await m.deployments.updateTree(parentId(rootPath), await change(path, u), { version: timestamp(nextVersionMs()), force: boolParam(r.query, 'force', false) });
    deploymentResult(r.res, plan, 201, { Location: `http://${r.req.headers.host ?? 'localhost'}${path}` });
  };
  router.on('POST', '/v2/groups', (r) => create(r, '/'));
  router.on('POST', '/v2/groups/:id*', (r) => create(r, r.params.id!));

  const update = async (r: Request, urlId: string) => {
    const rootPath = urlPath(urlId);
    const u = await readBody(r, rootPath);
    const fn = await change(u.id, u);
    if (boolParam(r.query, 'dryRun', false)) {
      const plan = m.deployments.dryRun(fn);
      return json(r.res, 200, { steps: plan.steps.map((s) => m.deployments.stepJson(s)) });
    }
    const plan = await m.deployments.updateTree(parentId(rootPath), fn, { version: timestamp(nextVersionMs()), force: boolParam(r.query, 'force', false) });
    deploymentResult(r.res, plan);
  };
  router.on('PUT', '/v2/groups', (r) => update(r, '/'));
  router.on('PUT', '/v2/groups/:id*', (r) => update(r, r.params.id!));

  const remove = async (r: Request, urlId: string) => {
    const id = canonicalId(urlId);
    const plan = await m.deployments.updateTree(
      parentId(id),
      (draft) => {
        if (!draft.groups.has(id)) throw unknownGroup(id);
        removeSubtree(draft.apps, draft.groups, id, draft.pods);
      },
      { version: timestamp(nextVersionMs()), force: boolParam(r.query, 'force', false) },
    );
    deploymentResult(r.res, plan);
  };
  router.on('DELETE', '/v2/groups', (r) => remove(r, '/'));
  router.on('DELETE', '/v2/groups/:id*', (r) => remove(r, r.params.id!));
}
