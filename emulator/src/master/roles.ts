// Roles and their weights: GET_ROLES, GET_WEIGHTS and UPDATE_WEIGHTS of the
// operator API (Master::Http::getRoles/_roles and Master::WeightsHandler in
// src/master/, 1.7.1). Weights are kept in the registry, so a new leader has
// them, and the allocator divides each framework's dominant share by its
// role's weight.
import * as L from '../common/resource-list.js';
import * as R from '../common/resources.js';
import type { Books } from './books.js';
import { frameworkRoles } from './framework.js';
import type { Registrar } from './registrar.js';
import { updateWeights } from './registrar.js';
import { isTerminal, type Pb } from './types.js';

export { roleError } from '../common/role-name.js';
import { roleError } from '../common/role-name.js';

/** stringify(double) as C++ streams print it (6 significant digits). */
const cppDouble = (x: number): string => String(Number(x.toPrecision(6)));

export class Roles {
  constructor(
    private readonly books: Books,
    private readonly registrar: Registrar,
    /** takes every outstanding offer back, to be made again under the new weights */
    private readonly rescindAll: () => void,
  ) {}

  /** The roles frameworks are subscribed with, and those with a weight, sorted; each with its frameworks and allocation. */
  list(): Pb[] {
    const frameworksOf = new Map<string, string[]>();
    for (const fw of this.books.frameworks.values()) {
      for (const role of frameworkRoles(fw.info)) frameworksOf.set(role, [...(frameworksOf.get(role) ?? []), fw.id]);
    }
    const names = [...new Set([...frameworksOf.keys(), ...this.books.weights.keys(), ...this.books.quotas.keys()])].sort();
    return names.map((name) => {
      const role: Pb = { name, weight: this.books.weights.get(name) ?? 1 };
      const ids = frameworksOf.get(name);
      if (ids) {
        // Role::allocatedResources: what its frameworks' tasks use and what they are offered
        let used: L.ResList = [];
        for (const id of ids) {
          const fw = this.books.frameworks.get(id)!;
          for (const t of fw.tasks.values()) if (t.role === name && !isTerminal(t.state)) used = L.add(used, t.resources);
          for (const offerId of fw.offers) {
            const o = this.books.offers.get(offerId);
            if (o?.role === name) used = L.add(used, o.resources);
          }
        }
        role.frameworks = ids.map((value) => ({ value }));
        role.resources = L.format(used, 'post', name);
      }
      return role;
    });
  }

  /** /roles: model(name, weight, quota, role) per role; JSON::Object keys sorted. */
  rolesJson(): Pb {
    return {
      roles: this.list().map((r) => {
        const quota = this.books.quotas.get(r.name);
        return {
          frameworks: (r.frameworks ?? []).map((f: Pb) => f.value),
          name: r.name,
          // model(QuotaInfo): guarantee, role, principal
          ...(quota ? { quota: { guarantee: R.toStateJson(R.fromV1(quota.guarantee)), role: quota.role, ...(quota.principal ? { principal: quota.principal } : {}) } } : {}),
          resources: L.stateJson(L.upgrade(r.resources ?? [])),
          weight: r.weight,
        };
      }),
    };
  }

  weightInfos(): Pb[] {
    return [...this.books.weights].sort(([a], [b]) => (a < b ? -1 : 1)).map(([role, weight]) => ({ weight, role }));
  }

  /** WeightsHandler::_updateWeights: all validated first, then one registry operation; an error text (400) or undefined. */
  async updateWeights(infos: Pb[]): Promise<string | undefined> {
    const valid: Array<{ weight: number; role: string }> = [];
    for (const info of infos) {
      const role = String(info.role ?? '').trim();
      const err = roleError(role);
      if (err) return `Failed to validate update weights request JSON: Invalid role '${role}': ${err}`;
      if (!(info.weight > 0)) return `Failed to validate update weights request JSON for role '${role}': Invalid weight '${cppDouble(info.weight)}': Weights must be positive`;
      valid.push({ weight: info.weight, role });
    }
    await this.registrar.apply(updateWeights(valid));
    for (const w of valid) this.books.weights.set(w.role, w.weight);
    // WeightsHandler::rescindOffers: only when a changed role has frameworks
    const tracked = new Set([...this.books.frameworks.values()].flatMap((fw) => frameworkRoles(fw.info)));
    if (valid.some((w) => tracked.has(w.role))) this.rescindAll();
    return undefined;
  }
}
