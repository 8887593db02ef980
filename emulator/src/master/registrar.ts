// The registry and the registrar that keeps it (src/master/registry.proto,
// registrar.cpp and registry_operations.cpp of Mesos 1.7): the agents the
// cluster admitted and the ones marked unreachable, plus the latest leading
// master. A newly elected master recovers it before it serves; the leader
// changes it only through operations the registrar applies in batches, one
// compare-and-set store at a time. A failed store aborts the registrar, and the
// master exits, as a real one does (another master takes over).
import type { MasterInfoJson } from '../common/master-info.js';
import { MAX_TIMER_MS } from './books.js';
import { glog } from './log.js';
import type { RegistryStorage } from './registry-storage.js';
import type { QuotaInfo } from './quota.js';
import type { MachineInfo } from './maintenance.js';
import type { AgentInfo, Pb, UnreachableAgent } from './types.js';

/** SlaveInfo in the registry: proto field order, ids as messages; attributes in the /state object form. */
interface StoredAgent {
  hostname: string;
  port: number;
  resources: AgentInfo['resources'];
  attributes: AgentInfo['attributes'];
  id: { value: string };
}

/** registry.proto's Registry as JSON, with the parts the emulated master uses. */
export interface Registry {
  master?: { info: MasterInfoJson };
  slaves: { slaves: Array<{ info: StoredAgent }> };
  unreachable: { slaves: Array<{ id: { value: string }; timestamp: { nanoseconds: number } }> };
  gone?: { slaves: Array<{ id: { value: string }; timestamp: { nanoseconds: number } }> };
  quotas?: Array<{ info: QuotaInfo }>;
  weights?: Array<{ info: { weight: number; role: string } }>;
  /** Registry.Machines: the scheduled machines (DRAINING or DOWN) */
  machines?: { machines: Array<{ info: MachineInfo }> };
  /** at most one maintenance.Schedule */
  schedules?: Pb[];
}

/** Changes the registry in place; true when it changed it (a RegistryOperation's `perform`). */
export type Operation = (registry: Registry) => boolean;

const stored = (a: AgentInfo): StoredAgent => ({ hostname: a.hostname, port: a.port, resources: a.resources, attributes: a.attributes, id: { value: a.id } });
const sameInfo = (x: StoredAgent, y: StoredAgent) => JSON.stringify(x) === JSON.stringify(y);
const admittedIndex = (r: Registry, id: string) => r.slaves.slaves.findIndex((s) => s.info.id.value === id);

/** AdmitSlave: a new agent. */
export const admitAgent = (info: AgentInfo): Operation => (r) => {
  if (admittedIndex(r, info.id) >= 0) return false;
  r.slaves.slaves.push({ info: stored(info) });
  return true;
};

/** UpdateSlave: an admitted agent came back with a different SlaveInfo. */
export const updateAgent = (info: AgentInfo): Operation => (r) => {
  const i = admittedIndex(r, info.id);
  if (i < 0 || sameInfo(r.slaves.slaves[i]!.info, stored(info))) return false;
  r.slaves.slaves[i] = { info: stored(info) };
  return true;
};

/** MarkSlaveReachable: an agent the registry has as unreachable (or does not know) re-registers. */
export const markAgentReachable = (info: AgentInfo): Operation => (r) => {
  if (admittedIndex(r, info.id) >= 0) return false;
  const before = r.unreachable.slaves.length;
  r.unreachable.slaves = r.unreachable.slaves.filter((s) => s.id.value !== info.id);
  if (r.unreachable.slaves.length === before) glog('registry_operations.cpp:168').warn(`Allowing UNKNOWN agent to reregister: ${info.id}`);
  r.slaves.slaves.push({ info: stored(info) });
  return true;
};

/** MarkSlaveUnreachable: from the admitted agents to the unreachable ones. */
export const markAgentUnreachable = (id: string, time: number): Operation => (r) => {
  const i = admittedIndex(r, id);
  if (i < 0) return false;
  r.slaves.slaves.splice(i, 1);
  r.unreachable.slaves.push({ id: { value: id }, timestamp: { nanoseconds: Math.round(time * 1e9) } });
  return true;
};

/** MarkSlaveGone: out of the admitted and unreachable agents, into the gone ones. */
export const markAgentGone = (id: string, time: number): Operation => (r) => {
  const gone = (r.gone ??= { slaves: [] });
  if (gone.slaves.some((s) => s.id.value === id)) return false;
  r.slaves.slaves = r.slaves.slaves.filter((s) => s.info.id.value !== id);
  r.unreachable.slaves = r.unreachable.slaves.filter((s) => s.id.value !== id);
  gone.slaves.push({ id: { value: id }, timestamp: { nanoseconds: Math.round(time * 1e9) } });
  return true;
};

export function goneAgents(r: Registry): Array<{ id: string; time: number }> {
  return (r.gone?.slaves ?? []).map((s) => ({ id: s.id.value, time: s.timestamp.nanoseconds / 1e9 }));
}

/** quota::UpdateQuota: the role's QuotaInfo replaced or added. */
export const updateQuota = (info: QuotaInfo): Operation => (r) => {
  const quotas = (r.quotas ??= []);
  const i = quotas.findIndex((q) => q.info.role === info.role);
  if (i >= 0) quotas[i] = { info };
  else quotas.push({ info });
  return true;
};

/** quota::RemoveQuota */
export const removeQuota = (role: string): Operation => (r) => {
  const before = r.quotas?.length ?? 0;
  r.quotas = (r.quotas ?? []).filter((q) => q.info.role !== role);
  return r.quotas.length !== before;
};

/** weights::UpdateWeights: each role's weight replaced or added. */
export const updateWeights = (infos: Array<{ weight: number; role: string }>): Operation => (r) => {
  const weights = (r.weights ??= []);
  for (const info of infos) {
    const i = weights.findIndex((w) => w.info.role === info.role);
    if (i >= 0) weights[i] = { info: { weight: info.weight, role: info.role } };
    else weights.push({ info: { weight: info.weight, role: info.role } });
  }
  return true;
};

/** RemoveSlave: out of the admitted agents (machine DOWN), neither unreachable nor gone. */
export const removeAgent = (id: string): Operation => (r) => {
  const i = admittedIndex(r, id);
  if (i < 0) return false;
  r.slaves.slaves.splice(i, 1);
  return true;
};

/** maintenance::UpdateSchedule, StartMaintenance, StopMaintenance: the schedule and the scheduled machines as the master now has them. */
export const storeMaintenance = (schedule: Pb, machines: MachineInfo[]): Operation => (r) => {
  r.schedules = schedule.windows?.length ? [schedule] : [];
  r.machines = { machines: machines.map((info) => ({ info })) };
  return true;
};

export function admittedAgents(r: Registry): AgentInfo[] {
  return r.slaves.slaves.map(({ info: s }) => ({ id: s.id.value, hostname: s.hostname, port: s.port, attributes: s.attributes, resources: s.resources }));
}

export function unreachableAgents(r: Registry): UnreachableAgent[] {
  return r.unreachable.slaves.map((s) => ({ id: s.id.value, time: s.timestamp.nanoseconds / 1e9 }));
}

function parse(data: Buffer | undefined): Registry {
  const r = (data && data.length ? JSON.parse(data.toString('utf8')) : {}) as Partial<Registry>;
  return {
    ...(r.master ? { master: r.master } : {}),
    slaves: { slaves: r.slaves?.slaves ?? [] },
    unreachable: { slaves: r.unreachable?.slaves ?? [] },
    ...(r.gone?.slaves?.length ? { gone: r.gone } : {}),
    ...(r.quotas?.length ? { quotas: r.quotas } : {}),
    ...(r.weights?.length ? { weights: r.weights } : {}),
    ...(r.machines?.machines?.length ? { machines: r.machines } : {}),
    ...(r.schedules?.length ? { schedules: r.schedules } : {}),
  };
}

/** `fn`, failed with the message of libprocess's `after` when it takes longer than the flag allows. */
async function within<T>(what: string, ms: number, text: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ctl.abort();
      reject(new Error(`Failed to perform ${what} within ${text}`));
    }, Math.min(ms, MAX_TIMER_MS));
  });
  try {
    return await Promise.race([fn(ctl.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface RegistrarTimeouts {
  fetchMs: number;
  /** as the flag reads, for messages */
  fetchText: string;
  storeMs: number;
  storeText: string;
}

export class Registrar {
  private registry: Registry | undefined;
  private version = -1;
  /** bytes of the stored document (registrar/registry_size_bytes) */
  sizeBytes = 0;
  private queue: Array<{ op: Operation; done: (changed: boolean) => void }> = [];
  private updating = false;
  private aborted = false;

  constructor(
    readonly storage: RegistryStorage,
    private readonly timeouts: RegistrarTimeouts,
    /** called once when a store fails: the master must not lead on without its registry */
    private readonly onAbort: (message: string) => void,
  ) {}

  /** Fetches the registry and records this master as the leading one in it (Registrar::recover). Throws when it cannot. */
  async recover(info: MasterInfoJson): Promise<Registry> {
    const started = Date.now();
    let fetched: { data: Buffer | undefined; version: number };
    let registry: Registry;
    try {
      fetched = await within('fetch', this.timeouts.fetchMs, this.timeouts.fetchText, (signal) => this.storage.fetch(signal));
      registry = parse(fetched.data);
    } catch (err) {
      throw new Error(`Failed to recover registrar: ${(err as Error).message}`);
    }
    this.sizeBytes = fetched.data?.length ?? 0;
    glog('registrar.cpp:383').info(`Successfully fetched the registry (${this.sizeBytes}B) in ${Date.now() - started}ms`);
    this.version = fetched.version;
    const next: Registry = { ...registry, master: { info } };
    let version: number | undefined;
    try {
      version = await this.store(next);
    } catch (err) {
      throw new Error(`Failed to recover registrar: Failed to persist MasterInfo: ${(err as Error).message}`);
    }
    if (version === undefined) throw new Error('Failed to recover registrar: Failed to persist MasterInfo: version mismatch');
    this.version = version;
    this.registry = next;
    glog('registrar.cpp:416').info('Successfully recovered registrar');
    return structuredClone(next);
  }

  /** Applies `op` with whatever else is queued; resolves once stored, with whether it changed the registry. */
  apply(op: Operation): Promise<boolean> {
    if (!this.registry) return Promise.reject(new Error('Attempted to apply the operation before recovering'));
    return new Promise((done) => {
      this.queue.push({ op, done });
      if (!this.updating) void this.update();
    });
  }

  private async update(): Promise<void> {
    if (this.aborted || this.queue.length === 0) return;
    this.updating = true;
    const batch = this.queue.splice(0);
    const next = structuredClone(this.registry!);
    const changed = batch.map(({ op }) => op(next));
    if (changed.some(Boolean)) {
      glog('registrar.cpp:487').info(`Applied ${batch.length} operations; attempting to update the registry`);
      const started = Date.now();
      let version: number | undefined;
      try {
        version = await this.store(next);
      } catch (err) {
        return this.abort(`Failed to update registry: ${(err as Error).message}`);
      }
      if (version === undefined) return this.abort('Failed to update registry: version mismatch');
      glog('registrar.cpp:544').info(`Successfully updated the registry in ${Date.now() - started}ms`);
      this.version = version;
      this.registry = next;
    }
    this.updating = false;
    batch.forEach(({ done }, i) => done(changed[i]!));
    if (this.queue.length) void this.update();
  }

  private async store(registry: Registry): Promise<number | undefined> {
    const data = Buffer.from(JSON.stringify(registry), 'utf8');
    const version = await within('store', this.timeouts.storeMs, this.timeouts.storeText, (signal) => this.storage.store(data, this.version, signal));
    if (version !== undefined) this.sizeBytes = data.length;
    return version;
  }

  private abort(message: string): void {
    this.aborted = true;
    glog('registrar.cpp:567').error(`Registrar aborting: ${message}`);
    this.onAbort(message);
  }
}
