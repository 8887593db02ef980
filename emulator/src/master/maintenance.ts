// Maintenance: machines, the schedule and inverse offers (src/master/
// maintenance.cpp, the maintenance handlers of http.cpp, and the allocator's
// deallocate, Mesos 1.7.1). A machine is {hostname, ip}; an agent is on the
// machine of its hostname and address. Scheduled machines drain: their agents'
// offers carry the unavailability and the frameworks using them get inverse
// offers until they answer; a machine brought down loses its agents, which may
// not come back until it is brought up again. Kept in the registry.
import type { Books } from './books.js';
import { refuseSeconds, send } from './framework.js';
import { describeFramework, glog } from './log.js';
import { idValue, isTerminal, now, type Agent, type Framework, type Pb } from './types.js';

export type Mode = 'UP' | 'DRAINING' | 'DOWN';

export interface MachineId {
  hostname?: string;
  ip?: string;
}

export interface MachineInfo {
  id: MachineId;
  mode: Mode;
  unavailability?: Pb;
}

export interface InverseOffer {
  id: string;
  frameworkId: string;
  agentId: string;
  unavailability: Pb;
  timer?: NodeJS.Timeout;
}

/** The allocator's Maintenance of one agent: latest answers, frameworks with an inverse offer out, their refusal filters. */
interface AgentMaintenance {
  unavailability: Pb;
  statuses: Map<string, Pb>;
  outstanding: Set<string>;
  /** framework → when its RefusedInverseOfferFilter expires (ms) */
  filters: Map<string, number>;
}

/**
 * MachineID equality (type_utils.hpp): the same fields present on both
 * sides, hostnames compared without case, addresses as written.
 */
export const machineKey = (id: MachineId): string => JSON.stringify([id.hostname === undefined ? null : id.hostname.toLowerCase(), id.ip ?? null]);

/** stringify(JSON::protobuf(MachineID)), as error texts show a machine. */
export const machineText = (id: MachineId): string => JSON.stringify({ ...(id.hostname !== undefined ? { hostname: id.hostname } : {}), ...(id.ip !== undefined ? { ip: id.ip } : {}) });

/** The machine an agent runs on: SlaveInfo.hostname and the address of its pid. */
export const machineOf = (a: { hostname: string; ip: string }): MachineId => ({ hostname: a.hostname, ip: a.ip });


export class Maintenance {
  /** the schedule as maintenance.Schedule (v1 JSON) */
  schedule: Pb = {};
  /** scheduled machines (DRAINING or DOWN); any other machine is UP */
  readonly machines = new Map<string, MachineInfo>();
  readonly inverseOffers = new Map<string, InverseOffer>();
  private readonly agents = new Map<string, AgentMaintenance>();

  constructor(private readonly books: Books) {}

  machine(id: MachineId): MachineInfo | undefined {
    return this.machines.get(machineKey(id));
  }

  /** The unavailability of the machine an agent is on, if it is scheduled. */
  unavailabilityOf(agent: Agent): Pb | undefined {
    return this.machine(machineOf(agent))?.unavailability;
  }

  isDown(agent: { hostname: string; ip: string }): boolean {
    return this.machine(machineOf(agent))?.mode === 'DOWN';
  }

  /** A machine the master knows: scheduled, or the machine of a registered agent. */
  known(id: MachineId): boolean {
    const key = machineKey(id);
    return this.machines.has(key) || [...this.books.agents.values()].some((a) => machineKey(machineOf(a)) === key);
  }

  agentsOn(id: MachineId): Agent[] {
    const key = machineKey(id);
    return [...this.books.agents.values()].filter((a) => machineKey(machineOf(a)) === key);
  }

  /** From the registry (after a failover): the schedule and the machines in it. */
  recover(schedule: Pb | undefined, machines: MachineInfo[]): void {
    this.schedule = schedule ?? {};
    this.machines.clear();
    for (const m of machines) this.machines.set(machineKey(m.id), m);
  }

  /**
   * Master::updateUnavailability for an agent: its offers and inverse offers
   * are rescinded and the allocator's maintenance state starts afresh (or ends).
   */
  resetAgent(agent: Agent): void {
    for (const id of [...agent.offers]) this.books.removeOffer(id, true);
    this.dropInverseOffers((io) => io.agentId === agent.id, true);
    const unavailability = this.unavailabilityOf(agent);
    if (unavailability) this.agents.set(agent.id, { unavailability, statuses: new Map(), outstanding: new Set(), filters: new Map() });
    else this.agents.delete(agent.id);
  }

  /** An agent registered or re-registered: the allocator learns its machine's unavailability (a known agent keeps its answers and inverse offers). */
  agentAdded(agent: Agent): void {
    const unavailability = this.unavailabilityOf(agent);
    if (unavailability && !this.agents.has(agent.id)) this.agents.set(agent.id, { unavailability, statuses: new Map(), outstanding: new Set(), filters: new Map() });
  }

  /** An agent left the books (removed, unreachable, gone) or was deactivated: its inverse offers are rescinded. */
  agentRemoved(agentId: string, forget = true): void {
    this.dropInverseOffers((io) => io.agentId === agentId, true);
    if (forget) this.agents.delete(agentId);
  }

  /** A framework removed: its inverse offers go without a rescind. */
  frameworkRemoved(fw: Framework): void {
    this.dropInverseOffers((io) => io.frameworkId === fw.id, false);
    for (const m of this.agents.values()) {
      m.outstanding.delete(fw.id);
      m.filters.delete(fw.id);
    }
  }

  /** REVIVE clears the framework's inverse offer filters too. */
  revived(fw: Framework): void {
    for (const m of this.agents.values()) m.filters.delete(fw.id);
  }

  private dropInverseOffers(which: (io: InverseOffer) => boolean, rescind: boolean): void {
    for (const io of [...this.inverseOffers.values()]) {
      if (!which(io)) continue;
      clearTimeout(io.timer);
      this.inverseOffers.delete(io.id);
      this.agents.get(io.agentId)?.outstanding.delete(io.frameworkId);
      const fw = this.books.frameworks.get(io.frameworkId);
      if (rescind && fw) send(fw, { type: 'RESCIND_INVERSE_OFFER', rescind_inverse_offer: { inverse_offer_id: { value: io.id } } });
    }
  }

  /**
   * HierarchicalAllocatorProcess::deallocate, after each allocation run: every
   * active framework with resources offered or used on an agent of a scheduled
   * machine gets an inverse offer for it, unless one is out or it refused
   * one recently.
   */
  deallocate(offerTimeoutMs: number | undefined): void {
    const books = this.books;
    const batches = new Map<Framework, InverseOffer[]>();
    const t = Date.now();
    for (const [agentId, m] of this.agents) {
      const agent = books.agents.get(agentId);
      if (!agent || !agent.active) continue;
      const holders = new Set<string>();
      for (const task of agent.tasks.values()) if (!isTerminal(task.state)) holders.add(task.frameworkId);
      for (const id of agent.offers) {
        const o = books.offers.get(id);
        if (o) holders.add(o.frameworkId);
      }
      for (const fwId of holders) {
        const fw = books.frameworks.get(fwId);
        if (!fw || !fw.active || m.outstanding.has(fwId)) continue;
        if ((m.filters.get(fwId) ?? 0) > t) continue;
        m.filters.delete(fwId);
        m.outstanding.add(fwId);
        const io: InverseOffer = { id: books.newOfferId(), frameworkId: fwId, agentId, unavailability: m.unavailability };
        this.inverseOffers.set(io.id, io);
        if (offerTimeoutMs !== undefined) {
          io.timer = setTimeout(() => {
            if (!this.inverseOffers.has(io.id)) return;
            m.outstanding.delete(fwId);
            this.dropInverseOffers((x) => x.id === io.id, true);
          }, offerTimeoutMs);
        }
        batches.set(fw, [...(batches.get(fw) ?? []), io]);
      }
    }
    for (const [fw, list] of batches) {
      glog('master.cpp:9631').info(`Sending inverse offers [ ${list.map((io) => io.id).join(', ')} ] to framework ${describeFramework(fw)}`);
      send(fw, { type: 'INVERSE_OFFERS', inverse_offers: { inverse_offers: list.map((io) => this.inverseOfferV1(io)) } });
    }
  }

  /** An InverseOffer message: no resources (the whole agent), the machine's unavailability. */
  inverseOfferV1(io: InverseOffer): Pb {
    const agent = this.books.agents.get(io.agentId);
    const out: Pb = { id: { value: io.id } };
    if (agent) out.url = { scheme: 'http', address: { hostname: agent.hostname, ip: agent.ip, port: agent.port }, path: '/slave(1)' };
    out.framework_id = { value: io.frameworkId };
    out.agent_id = { value: io.agentId };
    out.unavailability = io.unavailability;
    return out;
  }

  /**
   * ACCEPT_INVERSE_OFFERS and DECLINE_INVERSE_OFFERS: each id still valid
   * records the answer and installs the call's refusal filter (default 5 s);
   * a validation error of an accept is only logged, as 1.7.1 does.
   */
  answer(fw: Framework, kind: 'ACCEPT' | 'DECLINE', body: Pb): void {
    const ids: string[] = (Array.isArray(body?.inverse_offer_ids) ? body.inverse_offer_ids : []).map((o: Pb) => idValue(o) ?? '');
    if (kind === 'ACCEPT') {
      const error = ids.length === 0 ? 'No inverse offers specified' : this.validate(fw, ids);
      if (error) glog('master.cpp:5849').warn(`ACCEPT_INVERSE_OFFERS call used invalid offers '[ ${ids.join(', ')} ]': ${error}`);
    }
    for (const id of ids) {
      const io = this.inverseOffers.get(id);
      if (!io) {
        glog('master.cpp:5868').warn(`Ignoring ${kind.toLowerCase()} of inverse offer ${id} since it is no longer valid`);
        continue;
      }
      const m = this.agents.get(io.agentId);
      if (m) {
        m.outstanding.delete(io.frameworkId);
        m.statuses.set(io.frameworkId, { status: kind, framework_id: { value: io.frameworkId }, timestamp: { nanoseconds: Math.round(now() * 1e9) } });
        const refuse = refuseSeconds(body?.filters);
        if (refuse > 0) m.filters.set(io.frameworkId, Date.now() + refuse * 1000);
      }
      clearTimeout(io.timer);
      this.inverseOffers.delete(id);
    }
  }

  /** validation::offer::validateInverseOffers */
  private validate(fw: Framework, ids: string[]): string | undefined {
    const seen = new Set<string>();
    let agentId: string | undefined;
    for (const id of ids) {
      if (seen.has(id)) return `Duplicate offer ${id} in offer list`;
      seen.add(id);
      const io = this.inverseOffers.get(id);
      if (!io) return `Inverse offer ${id} is no longer valid`;
      if (io.frameworkId !== fw.id) return `Offer ${id} has invalid framework ${io.frameworkId} while framework ${fw.id} is expected`;
      if (agentId && io.agentId !== agentId) return `Aggregated offers must belong to one single agent. Offer ${id} uses agent ${io.agentId} and agent ${agentId}`;
      agentId = io.agentId;
    }
    return undefined;
  }

  /** ClusterStatus: draining machines with their agents' latest answers, down machines. */
  status(): Pb {
    const draining: Pb[] = [];
    const down: Pb[] = [];
    for (const m of this.machines.values()) {
      if (m.mode === 'DOWN') down.push(m.id);
      if (m.mode !== 'DRAINING') continue;
      const statuses = this.agentsOn(m.id).flatMap((a) => [...(this.agents.get(a.id)?.statuses.values() ?? [])]);
      draining.push({ id: m.id, ...(statuses.length ? { statuses } : {}) });
    }
    return { ...(draining.length ? { draining_machines: draining } : {}), ...(down.length ? { down_machines: down } : {}) };
  }

  /** The outstanding inverse offers of a framework (GET_FRAMEWORKS' inverse_offers). */
  inverseOffersOf(fw: Framework): Pb[] {
    return [...this.inverseOffers.values()].filter((io) => io.frameworkId === fw.id).map((io) => this.inverseOfferV1(io));
  }
}
