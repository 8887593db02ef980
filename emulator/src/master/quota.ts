// Quota: a role's guaranteed resources (Master::QuotaHandler in
// src/master/quota_handler.cpp and quota::validation in src/master/quota.cpp,
// 1.7.1), set and removed through the operator API (SET_QUOTA, REMOVE_QUOTA,
// GET_QUOTA) and /quota, kept in the registry. The allocator serves roles
// below their guarantee first.
import * as L from '../common/resource-list.js';
import * as R from '../common/resources.js';
import type { Books } from './books.js';
import { frameworkRoles } from './framework.js';
import { removeQuota, updateQuota, type Registrar } from './registrar.js';
import { roleError } from './roles.js';
import type { Pb } from './types.js';

export interface QuotaInfo {
  role: string;
  principal?: string;
  guarantee: R.V1Resource[];
}

type Answer = { status: 200 } | { status: 400 | 409; message: string };

/** quota::validation::quotaInfo */
function invalid(q: QuotaInfo): string | undefined {
  if (!q.role) return 'QuotaInfo must specify a role';
  const e = roleError(q.role);
  if (e) return `QuotaInfo with invalid role: ${e}`;
  if (q.role === '*') return "QuotaInfo must not specify the default '*' role";
  if (!q.guarantee.length) return "QuotaInfo with empty 'guarantee'";
  const names = new Set<string>();
  for (const r of q.guarantee as Pb[]) {
    if (Array.isArray(r.reservations) && r.reservations.length) return 'QuotaInfo must not contain any ReservationInfo';
    if (r.disk !== undefined) return 'QuotaInfo must not contain DiskInfo';
    if (r.revocable !== undefined) return 'QuotaInfo must not contain RevocableInfo';
    if (r.type !== 'SCALAR') return 'QuotaInfo must not include non-scalar resources';
    if (names.has(r.name)) return `QuotaInfo contains duplicate resource name '${r.name}'`;
    names.add(r.name);
  }
  return undefined;
}

export class Quotas {
  constructor(
    private readonly books: Books,
    private readonly registrar: Registrar,
    /** QuotaHandler::rescindOffers: offers taken back so the allocator can serve the role */
    private readonly rescind: () => void,
  ) {}

  /** QuotaStatus: every role's QuotaInfo. */
  status(): Pb {
    return { infos: [...this.books.quotas.values()] };
  }

  /** QuotaHandler::_set and __set, for a QuotaRequest {force, role, guarantee}. */
  async set(request: Pb): Promise<Answer> {
    const info: QuotaInfo = { role: request.role ?? '', guarantee: Array.isArray(request.guarantee) ? request.guarantee : [] };
    // Resources::validate of the guarantee first
    for (const r of info.guarantee as Pb[]) {
      const bad = !r.name ? 'Empty resource name' : r.type === 'SCALAR' && (!r.scalar || typeof r.scalar.value !== 'number') ? 'Invalid scalar resource' : r.type === 'SCALAR' && r.scalar.value < 0 ? 'Invalid scalar resource: value <= 0' : undefined;
      if (bad) return { status: 400, message: `Failed to validate set quota request: QuotaInfo with invalid resource: ${bad}` };
    }
    const error = invalid(info);
    if (error) return { status: 400, message: `Failed to validate set quota request: ${error}` };
    if (this.books.quotas.has(info.role)) {
      return { status: 400, message: `Failed to validate set quota request: Cannot set quota for role '${info.role}' which already has quota` };
    }
    if (info.role.includes('/')) return { status: 400, message: `Setting quota on nested role '${info.role}' is not supported yet` };
    if (request.force !== true && !this.fits(info)) {
      return {
        status: 409,
        message: 'Heuristic capacity check for set quota request failed: Not enough available cluster capacity to reasonably satisfy quota request; the force flag can be used to override this check',
      };
    }
    this.books.quotas.set(info.role, info);
    await this.registrar.apply(updateQuota(info));
    this.rescind();
    return { status: 200 };
  }

  async remove(role: string): Promise<Answer> {
    if (!this.books.quotas.has(role)) return { status: 400, message: `Role '${role}' has no quota set` };
    this.books.quotas.delete(role);
    await this.registrar.apply(removeQuota(role));
    return { status: 200 };
  }

  /** capacityHeuristic: the unreserved resources of the active agents hold every quota, this one included. */
  private fits(added: QuotaInfo): boolean {
    let total = R.fromV1(added.guarantee);
    for (const q of this.books.quotas.values()) total = R.add(total, R.fromV1(q.guarantee));
    let cluster = R.empty();
    // the agents' own unreserved resources (SlaveInfo): dynamic reservations may be unreserved at any time
    for (const a of this.books.agents.values()) if (a.active) cluster = R.add(cluster, L.quantities(L.unreserved(a.resources)));
    return R.contains(cluster, total);
  }

}

/** Roles still below their guarantee, counting what their frameworks hold (used and offered). */
export function unsatisfiedQuotaRoles(books: Books): Set<string> {
  const out = new Set<string>();
  for (const [role, q] of books.quotas) {
    let held = R.empty();
    for (const fw of books.frameworks.values()) {
      if (frameworkRoles(fw.info)[0] !== role) continue;
      held = R.add(held, L.quantities(L.add(books.usedBy(fw), books.offeredTo(fw))));
    }
    if (!R.contains(held, R.fromV1(q.guarantee))) out.add(role);
  }
  return out;
}
