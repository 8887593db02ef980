// The agent's side of emulator/PROTOCOL.md: register (and re-register after a
// failover) with the leading master, ping it, and deliver status updates in
// order per task, retrying until a master accepts them.
import { postJson } from '../common/http.js';
import type { LeaderAddress, MasterDetector } from '../common/leader.js';
import { makeLogger } from '../common/log.js';
import * as L from '../common/resource-list.js';
import { checkpointAgentId } from './identity.js';
import type { Agent } from './agent.js';
import { MESOS_VERSION } from './config.js';
import type { TaskStatus } from './types.js';
import { sleep } from './util.js';

const log = makeLogger('slave.cpp:1100');
const PING_INTERVAL_MS = 5000;

interface StatusQueue {
  frameworkId: string;
  taskId: string;
  statuses: TaskStatus[];
  pumping: boolean;
}

const key = (frameworkId: string, taskId: string) => `${frameworkId}\u0000${taskId}`;

/** `//10.0.0.2:5050`, `http://h:5050/...` → `10.0.0.2:5050` */
function hostPortOf(location: string): string | undefined {
  const m = /^(?:[a-z]+:)?\/\/([^/]+)/i.exec(location);
  return m?.[1];
}

export class MasterLink {
  private leader: LeaderAddress | undefined;
  /** a leader named by a 307 from a non-leading master */
  private redirect: string | undefined;
  private registering: Promise<void> | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private pingEvery = PING_INTERVAL_MS;
  private stopped = false;
  private readonly queues = new Map<string, StatusQueue>();
  private waiters: Array<() => void> = [];

  constructor(
    private readonly agent: Agent,
    private readonly detector: MasterDetector,
  ) {}

  start(): void {
    this.agent.onStatus = (frameworkId, status) => this.enqueue(frameworkId, status);
    this.detector.onChange((leader) => this.leaderChanged(leader));
    if (this.detector.leader) this.leaderChanged(this.detector.leader);
    this.pingTimer = setInterval(() => void this.ping(), this.pingEvery);
  }

  /** The master says how often to ping (a third of its agent_ping_timeout); a changed interval restarts the timer. */
  private pingInterval(body: unknown): void {
    const ms = (body as { ping_interval_ms?: unknown } | undefined)?.ping_interval_ms;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || ms === this.pingEvery || this.stopped) return;
    this.pingEvery = Math.max(200, Math.min(ms, PING_INTERVAL_MS));
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => void this.ping(), this.pingEvery);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.pingTimer);
    this.wake();
  }

  /** Waits (bounded) until every queued status update has been accepted. */
  async flush(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && [...this.queues.values()].some((q) => q.statuses.length)) await sleep(100);
  }

  pending(frameworkId: string, taskId: string): boolean {
    return (this.queues.get(key(frameworkId, taskId))?.statuses.length ?? 0) > 0;
  }

  private target(): string | undefined {
    return this.redirect ?? this.leader?.endpoint;
  }

  private leaderChanged(leader: LeaderAddress | undefined): void {
    this.leader = leader;
    this.redirect = undefined;
    if (!leader) {
      log.info('Lost leading master');
      this.agent.registered = false;
      this.agent.masterHostname = undefined;
      return;
    }
    log.info(`New master detected at master@${leader.endpoint}`);
    // /state's master_hostname. The real agent reverse-resolves the master's IP;
    // the stand-in reports the name the master advertises, without DNS traffic.
    this.agent.masterHostname = leader.hostname;
    this.agent.registered = false;
    this.ensureRegistered();
  }

  private markUnregistered(): void {
    if (!this.agent.registered) return;
    this.agent.registered = false;
    this.ensureRegistered();
  }

  private ensureRegistered(): void {
    if (this.registering || this.stopped) return;
    this.registering = this.registerLoop().finally(() => {
      this.registering = undefined;
      if (this.agent.registered) {
        this.wake();
        for (const q of this.queues.values()) if (!q.pumping && q.statuses.length) void this.pump(q);
      } else if (this.leader && !this.stopped) {
        // The leader changed while the last attempt was in flight.
        this.ensureRegistered();
      }
    });
  }

  private async registerLoop(): Promise<void> {
    let backoff = 1000;
    while (!this.stopped && !this.agent.registered) {
      const leader = this.leader;
      const target = this.target();
      if (!leader || !target) return;
      const reregister = this.agent.agentId !== '';
      const cfg = this.agent.cfg;
      try {
        const res = await postJson(
          `http://${target}/mesos-up/agent/register`,
          {
            agent_id: this.agent.agentId,
            hostname: cfg.hostname,
            ip: cfg.ip,
            port: cfg.advertisedPort,
            pid: this.agent.pid,
            resources: L.format(cfg.resources, 'post'),
            checkpointed_resources: L.format(this.agent.checkpointed, 'post'),
            attributes: cfg.attributes,
            version: MESOS_VERSION,
            tasks: this.agent.reportedTasks((f, t) => this.pending(f, t)),
          },
          { timeoutMs: 10_000 },
        );
        if (leader !== this.leader) continue;
        if (res.status === 200) {
          const body = res.body as { agent_id?: string; master_id?: string };
          this.pingInterval(body);
          const id = body.agent_id ?? '';
          if (this.agent.agentId && id && id !== this.agent.agentId) {
            log.warn(`The master gave a new agent ID ${id} (was ${this.agent.agentId})`);
          }
          this.agent.agentId = id || this.agent.agentId;
          this.agent.registered = true;
          try {
            checkpointAgentId(cfg.workDir!, this.agent.agentId);
          } catch (err) {
            log.warn(`Failed to checkpoint the agent ID: ${(err as Error).message}`);
          }
          log.info(
            `${reregister ? 'Re-registered' : 'Registered'} with master master@${target}; ${reregister ? 'agent ID' : 'given agent ID'} ${this.agent.agentId}`,
          );
          return;
        }
        if (res.status === 307) {
          const loc = hostPortOf(res.headers.location ?? '');
          if (loc && loc !== target) {
            this.redirect = loc;
            continue;
          }
        }
        const shutdown = (res.body as { shutdown?: string } | undefined)?.shutdown;
        if (res.status === 403 && shutdown !== undefined) {
          // (a real master answers a gone agent with a ShutdownMessage)
          this.stopped = true;
          this.agent.shutdownRequested(shutdown);
          return;
        }
        log.warn(`Master at ${target} refused the ${reregister ? 're-' : ''}registration: HTTP ${res.status}`);
      } catch (err) {
        log.warn(`Failed to ${reregister ? 're-' : ''}register with master at ${target}: ${(err as Error).message}`);
      }
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 5000);
    }
  }

  private async ping(): Promise<void> {
    if (this.stopped || !this.agent.registered || this.registering) return;
    const target = this.target();
    if (!target) return;
    try {
      const res = await postJson(`http://${target}/mesos-up/agent/ping`, { agent_id: this.agent.agentId }, { timeoutMs: 5000 });
      if (res.status === 200) return this.pingInterval(res.body);
      log.warn(`Master at ${target} answered the ping with HTTP ${res.status}; registering again`);
      this.markUnregistered();
    } catch {
      // Unreachable: the detector reports a new leader when there is one.
    }
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }

  private waitRegistered(): Promise<void> {
    if (this.agent.registered || this.stopped) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  private enqueue(frameworkId: string, status: TaskStatus): void {
    const k = key(frameworkId, status.task_id.value);
    let q = this.queues.get(k);
    if (!q) {
      q = { frameworkId, taskId: status.task_id.value, statuses: [], pumping: false };
      this.queues.set(k, q);
    }
    q.statuses.push(status);
    if (!q.pumping) void this.pump(q);
  }

  /** Sends one task's updates in order, one at a time, until each is accepted. */
  private async pump(q: StatusQueue): Promise<void> {
    q.pumping = true;
    let backoff = 1000;
    try {
      while (q.statuses.length && !this.stopped) {
        if (!this.agent.registered) {
          await this.waitRegistered();
          continue;
        }
        const target = this.target();
        const status = q.statuses[0]!;
        // Updates produced before registration get the id the master gave.
        if (!status.agent_id?.value) status.agent_id = { value: this.agent.agentId };
        let retry = true;
        try {
          const res = await postJson(
            `http://${target}/mesos-up/agent/status`,
            { agent_id: this.agent.agentId, framework_id: q.frameworkId, status },
            { timeoutMs: 10_000 },
          );
          if (res.status >= 200 && res.status < 300) {
            q.statuses.shift();
            backoff = 1000;
            retry = false;
          } else if (res.status === 404) {
            this.markUnregistered();
            retry = false;
          } else if (res.status === 400 || res.status === 409 || res.status === 422) {
            log.warn(`Master rejected status update ${status.state} for task ${q.taskId}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
            q.statuses.shift();
            retry = false;
          }
        } catch {
          /* master unreachable: retry */
        }
        if (retry) {
          await sleep(backoff);
          backoff = Math.min(backoff * 2, 10_000);
        }
      }
    } finally {
      q.pumping = false;
      if (!q.statuses.length) this.queues.delete(key(q.frameworkId, q.taskId));
    }
  }
}
