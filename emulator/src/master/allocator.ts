// The allocator: which framework is offered an agent's free resources, when
// (batch rounds every --allocation_interval, and at once on the events that
// trigger an allocation in Mesos), refusal filters, and offer timeouts. A
// simplified hierarchical DRF allocator (see README.md for what it leaves out).
import * as L from '../common/resource-list.js';
import * as R from '../common/resources.js';
import type { ResList } from '../common/resource-list.js';
import { MAX_TIMER_MS, type Books } from './books.js';
import type { MasterConfig } from './config.js';
import { frameworkRoles, fwCount, hasCapability, refuseSeconds, send } from './framework.js';
import { describeFramework, glog } from './log.js';
import { unsatisfiedQuotaRoles } from './quota.js';
import { offerV1 } from './v1-model.js';
import type { Filter, Framework, Offer, Pb } from './types.js';


export class Allocator {
  /** allocations run only while this master leads */
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Immediate | undefined;

  constructor(
    private readonly books: Books,
    private readonly cfg: MasterConfig,
  ) {}

  start(): void {
    this.running = true;
    this.timer = setInterval(() => this.allocate(), this.cfg.allocationIntervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** A refusal filter: the framework is not offered these resources of the agent until it expires (Filters.refuse_seconds). */
  addFilter(fw: Framework, agentId: string, resources: ResList, filters: Pb): void {
    const refuse = refuseSeconds(filters);
    if (refuse === 0 || L.isEmpty(resources)) return;
    fw.filters.push({ agentId, resources, expires: Date.now() + refuse * 1000 });
  }

  /** A refusal filter hides resources it covers (the allocator's RefusedOfferFilter). */
  private filtered(fw: Framework, agentId: string, resources: ResList): boolean {
    const t = Date.now();
    fw.filters = fw.filters.filter((f: Filter) => f.expires > t);
    return fw.filters.some((f) => f.agentId === agentId && L.contains(f.resources, resources));
  }

  /**
   * An allocation for events that trigger one in the Mesos allocator (a framework
   * added or revived, an agent added or reactivated). Recovered resources
   * (declines, finished tasks, rescinds) wait for the next batch round.
   */
  allocateSoon(): void {
    if (!this.running || this.soon) return;
    this.soon = setImmediate(() => {
      this.soon = undefined;
      this.allocate();
    });
  }

  /**
   * One allocation round: on each active agent, the frameworks in allocation
   * order (roles below their quota first, then the lowest weighted dominant
   * share) are offered what is free and allocatable to their role: resources
   * reserved to it (or to an ancestor) and unreserved ones. So a role's
   * reservations reach its frameworks even when another role took the rest.
   */
  allocate(): void {
    if (!this.running) return;
    const books = this.books;
    books.count('allocator/mesos/allocation_runs');
    let totals = L.quantities([]);
    for (const a of books.agents.values()) totals = R.add(totals, L.quantities(a.total));
    // DRF with role weights: the dominant share divided by the weight of the framework's role
    const share = (fw: Framework) => {
      const held = L.quantities(L.add(books.usedBy(fw), books.offeredTo(fw)));
      const dominant = Math.max(...(['cpus', 'mem', 'disk', 'gpus'] as const).map((k) => (totals[k] > 0 ? held[k] / totals[k] : 0)));
      return dominant / (books.weights.get(frameworkRoles(fw.info)[0] ?? '*') ?? 1);
    };
    // (recomputed after each offer: a role's guarantee is met as its frameworks get offers)
    let unsatisfied = unsatisfiedQuotaRoles(books);
    const belowQuota = (fw: Framework) => (unsatisfied.has(frameworkRoles(fw.info)[0] ?? '*') ? 1 : 0);
    const batches = new Map<Framework, Offer[]>();
    for (const agent of books.agents.values()) {
      if (!agent.active) continue;
      let free = books.available(agent);
      const candidates = [...books.frameworks.values()]
        .filter((fw) => fw.active && fw.connected && !fw.suppressed && frameworkRoles(fw.info).length > 0)
        // the quota stage first: frameworks of roles below their guarantee
        .sort((x, y) => belowQuota(y) - belowQuota(x) || share(x) - share(y) || x.registeredTime - y.registeredTime);
      for (const fw of candidates) {
        const role = frameworkRoles(fw.info)[0]!;
        // stripIncapableResources: refined reservations and shared volumes only to frameworks that can take them
        const refinement = hasCapability(fw.info, 'RESERVATION_REFINEMENT');
        const shared = hasCapability(fw.info, 'SHARED_RESOURCES');
        const offered = free.filter((r) => L.allocatableTo(r, role) && (refinement || (r.reservations?.length ?? 0) <= 1) && (shared || !r.shared));
        const q = L.quantities(offered);
        // --min_allocatable_resources default: cpus:0.01|mem:32
        if (!(q.cpus >= 0.01 || q.mem >= 32)) continue;
        if (this.filtered(fw, agent.id, offered)) continue;
        const offer: Offer = { id: books.newOfferId(), frameworkId: fw.id, agentId: agent.id, resources: offered, role };
        books.offers.set(offer.id, offer);
        fw.offers.add(offer.id);
        agent.offers.add(offer.id);
        if (this.cfg.offerTimeoutMs !== undefined) {
          offer.timer = setTimeout(() => {
            if (!books.offers.has(offer.id)) return;
            glog('master.cpp:8263').info(`Removing offer ${offer.id} after offer timeout`);
            books.removeOffer(offer.id, true);
          }, Math.min(this.cfg.offerTimeoutMs, MAX_TIMER_MS));
        }
        const list = batches.get(fw) ?? [];
        list.push(offer);
        batches.set(fw, list);
        if (books.quotas.size) unsatisfied = unsatisfiedQuotaRoles(books);
        free = L.subtract(free, offered);
        if (L.isEmpty(free)) break;
      }
    }
    for (const [fw, offers] of batches) {
      glog('master.cpp:9559').info(`Sending ${offers.length} offers to framework ${describeFramework(fw)}`);
      fwCount(fw, 'offers/sent', offers.length);
      send(fw, { type: 'OFFERS', offers: { offers: offers.map((o) => offerV1(books, o)) } });
    }
    // then inverse offers for agents of draining machines (deallocate runs after each allocation)
    books.maintenance.deallocate(this.cfg.offerTimeoutMs);
  }
}
