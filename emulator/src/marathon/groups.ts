// The group tree of the root group (state/RootGroup.scala, state/Group.scala):
// groups exist on their own (an empty group stays until deleted), every app's
// ancestors are groups, and a group's `dependencies` make each of its apps
// depend on every app of the groups named. Every group carries the root's
// version (RootGroup.updateVersion sets them all on each change).
import type { App } from './app/types.js';
import { appJson } from './app/serialize.js';
import { podJson } from './pod/normalize.js';
import type { Pod } from './pod/types.js';
import { groupDetails, notValid } from './errors.js';
import { parentId } from './util.js';

export interface GroupRecord {
  id: string;
  dependencies: string[];
}

export type Groups = Map<string, GroupRecord>;

export const rootGroups = (): Groups => new Map([['/', { id: '/', dependencies: [] }]]);

/** `/a/b/c` → `/a`, `/a/b` (not the root). */
export function ancestorsOf(id: string): string[] {
  const segs = id.split('/').filter(Boolean);
  return segs.slice(0, -1).map((_, i) => `/${segs.slice(0, i + 1).join('/')}`);
}

export const isWithin = (id: string, groupId: string) => groupId === '/' || id === groupId || id.startsWith(`${groupId}/`);

/** mkdir -p: every ancestor of every app, pod and group is a group. */
export function ensureAncestors(apps: Map<string, App>, groups: Groups, pods: Map<string, Pod> = new Map()): void {
  if (!groups.has('/')) groups.set('/', { id: '/', dependencies: [] });
  for (const id of [...apps.keys(), ...pods.keys(), ...groups.keys()]) {
    for (const g of ancestorsOf(id)) if (!groups.has(g)) groups.set(g, { id: g, dependencies: [] });
  }
}

/** Removes a group's subtree (its apps, pods and groups, itself included); the root only loses its contents. */
export function removeSubtree(apps: Map<string, App>, groups: Groups, groupId: string, pods: Map<string, Pod> = new Map()): void {
  for (const id of [...apps.keys()]) if (isWithin(id, groupId)) apps.delete(id);
  for (const id of [...pods.keys()]) if (isWithin(id, groupId)) pods.delete(id);
  for (const id of [...groups.keys()]) if (id !== '/' && isWithin(id, groupId)) groups.delete(id);
  if (groupId === '/') groups.set('/', { id: '/', dependencies: [] });
}

export const transitiveApps = (apps: Map<string, unknown>, groupId: string) => [...apps.keys()].filter((id) => isWithin(id, groupId));

/**
 * RootGroup.dependencyGraph's edges, per app: its own dependencies (an app, or
 * every app of a group), and for each group containing it, every app of the
 * groups that group depends on (dependencies naming no group are ignored).
 */
export function dependencyEdges(apps: Map<string, App>, groups: Groups): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const app of apps.values()) {
    const out = new Set<string>();
    for (const d of app.dependencies) {
      if (apps.has(d)) out.add(d);
      else if (groups.has(d)) for (const x of transitiveApps(apps, d)) out.add(x);
    }
    for (const g of ['/', ...ancestorsOf(app.id)]) {
      for (const d of groups.get(g)?.dependencies ?? []) if (groups.has(d)) for (const x of transitiveApps(apps, d)) out.add(x);
    }
    edges.set(app.id, out);
  }
  return edges;
}

/** RootGroup.rootGroupValidator's group rules: no cycles, no id both an app, a pod or a group. */
export function validateTree(apps: Map<string, App>, groups: Groups, pods: Map<string, Pod> = new Map()): void {
  const violations: Array<{ path: string; message: string }> = [];
  const edges = dependencyEdges(apps, groups);
  const state = new Map<string, 'open' | 'done'>();
  const cyclic = (id: string): boolean => {
    if (state.get(id) === 'done') return false;
    if (state.get(id) === 'open') return true;
    state.set(id, 'open');
    for (const d of edges.get(id) ?? []) if (cyclic(d)) return true;
    state.set(id, 'done');
    return false;
  };
  if ([...edges.keys()].some(cyclic)) violations.push({ path: '/', message: 'Dependency graph has cyclic dependencies.' });
  if ([...apps.keys()].some((id) => pods.has(id))) violations.push({ path: '/', message: 'Applications and Pods may not share the same id' });
  if ([...apps.keys()].some((id) => groups.has(id))) violations.push({ path: '/', message: 'Groups and Applications may not have the same identifier.' });
  if ([...pods.keys()].some((id) => groups.has(id))) violations.push({ path: '/', message: 'Groups and Pods may not have the same identifier.' });
  if (violations.length) throw notValid(groupDetails(violations));
}

/** Length of the longest dependency path from each app (DeploymentPlan.appsGroupedByLongestPath). */
export function longestPaths(apps: Map<string, App>, groups: Groups): Map<string, number> {
  const edges = dependencyEdges(apps, groups);
  const memo = new Map<string, number>();
  const depth = (id: string, seen: Set<string>): number => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0;
    seen.add(id);
    const d = Math.max(0, ...[...(edges.get(id) ?? [])].map((x) => 1 + depth(x, seen)));
    seen.delete(id);
    memo.set(id, d);
    return d;
  };
  for (const id of apps.keys()) depth(id, new Set());
  return memo;
}

/** The raml Group of a deployment plan's original/target: id, apps, pods, groups, dependencies, version. */
export function groupJson(apps: Map<string, App>, groups: Groups, version: string, id = '/', pods: Map<string, Pod> = new Map()): Record<string, unknown> {
  return {
    id,
    apps: childApps(apps, id).map(appJson),
    pods: childPods(pods, id).map(podJson),
    groups: childGroups(groups, id).map((g) => groupJson(apps, groups, version, g, pods)),
    dependencies: groups.get(id)?.dependencies ?? [],
    version,
  };
}

/** The apps directly in a group, by id. */
export function childApps(apps: Map<string, App>, id: string): App[] {
  return [...apps.values()].filter((a) => parentId(a.id) === id).sort((a, b) => a.id.localeCompare(b.id));
}

export function childPods(pods: Map<string, Pod>, id: string): Pod[] {
  return [...pods.values()].filter((p) => parentId(p.id) === id).sort((a, b) => a.id.localeCompare(b.id));
}

export function childGroups(groups: Groups, id: string): string[] {
  return [...groups.keys()].filter((g) => g !== '/' && parentId(g) === id).sort();
}
