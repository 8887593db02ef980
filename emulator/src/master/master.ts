// One mesos-master process: its identity (id, pid, MasterInfo), leadership as
// the election reports it (Master::detected in src/master/master.cpp), the
// recovery of the registry a new leader does before it serves, and the parts a
// leading master runs: the books, the allocator, the scheduler API and the
// agent link.
import { randomUUID } from 'node:crypto';
import { parseDurationMs } from '../common/flags.js';
import { ipToUint32, type MasterInfoJson } from '../common/master-info.js';
import { AgentLink } from './agent-link.js';
import { Allocator } from './allocator.js';
import { Books } from './books.js';
import { MESOS_VERSION, type MasterConfig } from './config.js';
import { LoggingLevel } from '../common/log.js';
import { die, glog } from './log.js';
import { Recovery, recoverySettings } from './recovery.js';
import { Registrar } from './registrar.js';
import { Quotas } from './quota.js';
import { Roles } from './roles.js';
import { registryStorage, type RegistryStorage } from './registry-storage.js';
import { SchedulerApi } from './scheduler-api.js';
import { now } from './types.js';

export class Master {
  readonly id = randomUUID();
  readonly startTime = now();
  /** /files: virtual path → real path (the log, as Master::initialize attaches it) */
  readonly attached = new Map<string, string>();
  readonly info: MasterInfoJson;
  readonly pid: string;
  elected = false;
  electedTime: number | undefined;
  /** the leader's MasterInfo, this master's own when it leads */
  leader: MasterInfoJson | undefined;
  /** elected and done reading the registry: only now does it serve schedulers and agents */
  recovered = false;

  readonly books: Books;
  readonly allocator: Allocator;
  readonly scheduler: SchedulerApi;
  readonly agentLink: AgentLink;
  readonly registrar: Registrar;
  readonly roles: Roles;
  readonly quotas: Quotas;
  readonly logging = new LoggingLevel();
  private readonly recovery: Recovery;

  /** `storage`: where the registry is kept (by default as --registry and --zk say). */
  constructor(readonly cfg: MasterConfig, storage: RegistryStorage = registryStorage(cfg)) {
    this.pid = `master@${cfg.ip}:${cfg.advertisedPort}`;
    // Key order of the JSON Mesos writes (proto field order).
    this.info = {
      id: this.id,
      ip: ipToUint32(cfg.ip),
      port: cfg.advertisedPort,
      pid: this.pid,
      hostname: cfg.hostname,
      version: MESOS_VERSION,
      address: { hostname: cfg.hostname, ip: cfg.ip, port: cfg.advertisedPort },
      capabilities: [{ type: 'AGENT_UPDATE' }],
    };
    this.registrar = new Registrar(
      storage,
      {
        fetchMs: parseDurationMs(cfg.flags.registry_fetch_timeout!),
        fetchText: cfg.flags.registry_fetch_timeout!,
        storeMs: parseDurationMs(cfg.flags.registry_store_timeout!),
        storeText: cfg.flags.registry_store_timeout!,
      },
      // (the callers of a registry operation in master.cpp LOG(FATAL) when it fails)
      (message) => die('master.cpp:1654', message),
    );
    this.books = new Books(this.id, cfg);
    this.recovery = new Recovery(this.books, this.registrar, recoverySettings(cfg.flags));
    this.allocator = new Allocator(this.books, cfg);
    this.scheduler = new SchedulerApi(this.books, this.allocator, cfg, this.info);
    this.agentLink = new AgentLink(this.books, this.allocator, this.registrar, cfg, this.id);
    const rescindAll = () => {
      for (const id of [...this.books.offers.keys()]) this.books.removeOffer(id, true);
      this.allocator.allocateSoon();
    };
    this.roles = new Roles(this.books, this.registrar, rescindAll);
    this.quotas = new Quotas(this.books, this.registrar, rescindAll);
  }

  /** Called by the election (or at start when standalone) with the current leader. */
  setLeader(info: MasterInfoJson | undefined, self: boolean): void {
    const wasElected = this.elected;
    if (self) {
      this.leader = this.info;
      this.electedTime = now();
      if (!wasElected) {
        this.elected = true;
        glog('master.cpp:2107').info('Elected as the leading master!');
        void this.startLeading();
      }
      return;
    }
    if (wasElected) {
      // A leader that sees someone else (or nobody) lead has lost its place in
      // the group; Mesos masters exit rather than risk two leaders.
      glog('master.cpp:2123').error(
        info ? 'Conceded leadership to another master... committing suicide!' : 'Lost leadership after indecisive election... committing suicide!',
      );
      process.exit(1);
    }
    const same = this.leader?.id === info?.id && this.leader !== undefined && info !== undefined;
    this.leader = info;
    if (same) return;
    if (info) glog('master.cpp:2120').info(`The newly elected leader is ${info.pid} with id ${info.id}`);
    else glog('master.cpp:2146').info('No master was elected.');
  }

  /** Master::recover: nothing is served to schedulers and agents until the registry is read. */
  private async startLeading(): Promise<void> {
    glog('master.cpp:1662').info(`Recovering from registrar (the registry is kept in ${this.registrar.storage.where})`);
    try {
      await this.recovery.run(this.info);
    } catch (err) {
      die('master.cpp:1654', `Recovery failed: ${(err as Error).message}`);
    }
    this.recovered = true;
    this.allocator.start();
    this.agentLink.start();
  }

  stop(): void {
    this.recovery.stop();
    this.registrar.storage.close();
    this.allocator.stop();
    this.agentLink.stop();
    this.scheduler.stop();
    this.books.subscribers.stop();
    for (const o of this.books.offers.values()) clearTimeout(o.timer);
  }
}
