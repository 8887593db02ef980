// The Mesos side of Marathon as a v1 HTTP scheduler: SUBSCRIBE to the leading
// master (found through ZooKeeper or a fixed address), read the RecordIO event
// stream, send calls with the stream id, and start over when the master fails
// over, the stream breaks or heartbeats stop.
import http from 'node:http';
import { MasterDetector, type LeaderAddress } from '../../common/leader.js';
import { RecordDecoder } from '../../common/recordio.js';
import { makeLogger } from '../../common/log.js';

const log = makeLogger('MesosClient');

export interface V1Event {
  type: string;
  subscribed?: { framework_id: { value: string }; heartbeat_interval_seconds?: number; master_info?: Record<string, unknown> };
  offers?: { offers: V1Offer[] };
  rescind?: { offer_id: { value: string } };
  update?: { status: V1TaskStatus };
  error?: { message: string };
  message?: unknown;
  failure?: unknown;
}

export interface V1Offer {
  id: { value: string };
  framework_id: { value: string };
  agent_id: { value: string };
  hostname: string;
  resources: Array<Record<string, unknown> & { name: string; type: string }>;
  attributes?: Array<{ name: string; type: string; text?: { value: string }; scalar?: { value: number }; ranges?: unknown; set?: unknown }>;
  allocation_info?: { role: string };
  domain?: unknown;
}

export interface V1TaskStatus {
  task_id: { value: string };
  state: string;
  message?: string;
  source?: string;
  reason?: string;
  agent_id?: { value: string };
  executor_id?: { value: string };
  timestamp?: number;
  uuid?: string;
  healthy?: boolean;
  container_status?: { container_id?: { value: string }; network_infos?: Array<{ ip_addresses?: Array<{ ip_address?: string; protocol?: string }> }> };
}

export interface SchedulerHandler {
  /** FrameworkInfo to subscribe with (includes `id` when one is stored). */
  frameworkInfo(): Promise<Record<string, unknown>>;
  onSubscribed(frameworkId: string, master: LeaderAddress, reregistered: boolean): Promise<void> | void;
  onOffers(offers: V1Offer[]): void;
  onRescind(offerId: string): void;
  onUpdate(status: V1TaskStatus): void;
  /** the master said ERROR (e.g. "Framework has been removed") */
  onError(message: string): Promise<void> | void;
  onDisconnected(): void;
}

export class MesosClient {
  private detector: MasterDetector;
  private running = false;
  private streamId: string | undefined;
  private endpoint: string | undefined;
  private req: http.ClientRequest | undefined;
  /** the master a SUBSCRIBE is being sent to, before it answered */
  private connectingTo: string | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private lastEventAt = 0;
  private heartbeatMs = 15_000;
  private wake: (() => void) | undefined;
  /** the framework id the last SUBSCRIBE carried (re-registration when the master keeps it) */
  private sentFrameworkId: string | undefined;
  frameworkId: string | undefined;
  master: LeaderAddress | undefined;
  subscribed = false;

  constructor(
    masterFlag: string,
    private readonly handler: SchedulerHandler,
  ) {
    this.detector = new MasterDetector(masterFlag);
  }

  /** Starts detecting the master and keeps a subscription open until stop(). */
  async start(): Promise<void> {
    this.running = true;
    this.detector.onChange((leader) => {
      // A new leading master (another address, or a new master id on the same one): the old stream is useless.
      const newId = leader?.info?.id !== undefined && leader.info.id !== this.master?.info?.id;
      if (this.subscribed && (leader?.endpoint !== this.endpoint || newId)) {
        log.info(`Leading master changed to ${leader?.endpoint ?? 'none'}; reconnecting`);
        this.abort();
      } else if (!this.subscribed && this.req && leader?.endpoint !== this.connectingTo) {
        // Still connecting to a master that is no longer the leader (often a dead address): give up on it.
        this.abort();
      }
      this.wake?.();
    });
    await this.detector.start();
    void this.loop();
  }

  stop(): void {
    this.running = false;
    this.abort();
    this.detector.stop();
    this.wake?.();
  }

  get leader(): LeaderAddress | undefined {
    return this.detector.leader;
  }

  private async loop(): Promise<void> {
    let delay = 500;
    while (this.running) {
      const leader = this.detector.leader;
      if (!leader) {
        await new Promise<void>((r) => {
          this.wake = r;
          setTimeout(r, 2000);
        });
        continue;
      }
      try {
        await this.subscribe(leader.endpoint, leader);
        delay = 500;
      } catch (err) {
        log.warn(`Subscription to ${leader.endpoint} ended: ${(err as Error).message}`);
      }
      if (this.subscribed) {
        this.subscribed = false;
        this.handler.onDisconnected();
      }
      if (!this.running) break;
      // Back off, but retry at once when the detector reports a new leader.
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, delay);
      });
      delay = Math.min(delay * 2, 5000);
    }
  }

  /** One SUBSCRIBE: resolves when the stream ends. */
  private async subscribe(endpoint: string, leader: LeaderAddress): Promise<void> {
    const frameworkInfo = await this.handler.frameworkInfo();
    this.sentFrameworkId = (frameworkInfo.id as { value?: string } | undefined)?.value;
    // Re-subscribing carries the id twice: in the call and in the FrameworkInfo.
    const call: Record<string, unknown> = { type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo } };
    if (frameworkInfo.id) call.framework_id = frameworkInfo.id;
    const body = JSON.stringify(call);
    const [host, port] = endpoint.split(':') as [string, string];
    await new Promise<void>((resolve, reject) => {
      const req = http.request(
        {
          host,
          port: Number(port),
          method: 'POST',
          path: '/api/v1/scheduler',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': Buffer.byteLength(body), Connection: 'close' },
        },
        (res) => {
          if (res.statusCode === 307 || res.statusCode === 503) {
            res.resume();
            return reject(new Error(`master answered ${res.statusCode}${res.headers.location ? ` (Location: ${res.headers.location})` : ''}`));
          }
          if (res.statusCode !== 200) {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => reject(new Error(`SUBSCRIBE answered ${res.statusCode}: ${text.trim()}`)));
            return;
          }
          this.streamId = String(res.headers['mesos-stream-id'] ?? '');
          this.endpoint = endpoint;
          const decoder = new RecordDecoder();
          res.on('data', (chunk: Buffer) => {
            let events: unknown[];
            try {
              events = decoder.push(chunk);
            } catch (err) {
              req.destroy(err as Error);
              return;
            }
            for (const e of events) this.onEvent(e as V1Event, leader);
          });
          res.on('end', () => resolve());
          res.on('close', () => resolve());
          res.on('error', reject);
        },
      );
      this.req = req;
      this.connectingTo = endpoint;
      req.on('error', reject);
      // The connect and headers phase only (req.setTimeout starts after connecting, and a
      // dead master's address just swallows SYNs); the stream is watched by the heartbeat watchdog.
      const connectTimer = setTimeout(() => req.destroy(new Error('SUBSCRIBE timed out')), 5000);
      req.on('response', () => clearTimeout(connectTimer));
      req.on('close', () => {
        clearTimeout(connectTimer);
        // destroyed before any response (abort()): settle, or the loop would wait forever
        reject(new Error('connection closed'));
      });
      req.end(body);
    }).finally(() => {
      this.connectingTo = undefined;
      this.stopWatchdog();
      this.req = undefined;
      this.streamId = undefined;
    });
  }

  private onEvent(e: V1Event, leader: LeaderAddress): void {
    this.lastEventAt = Date.now();
    switch (e.type) {
      case 'SUBSCRIBED': {
        const id = e.subscribed!.framework_id.value;
        const reregistered = this.sentFrameworkId === id;
        this.frameworkId = id;
        this.subscribed = true;
        this.master = leader;
        this.heartbeatMs = (e.subscribed!.heartbeat_interval_seconds ?? 15) * 1000;
        this.startWatchdog();
        log.info(`Subscribed as framework ${id} to ${leader.endpoint}`);
        void Promise.resolve(this.handler.onSubscribed(id, leader, reregistered)).catch((err) =>
          log.error(`After SUBSCRIBED: ${(err as Error).stack ?? err}`),
        );
        break;
      }
      case 'OFFERS':
        this.handler.onOffers(e.offers?.offers ?? []);
        break;
      case 'RESCIND':
        if (e.rescind) this.handler.onRescind(e.rescind.offer_id.value);
        break;
      case 'UPDATE':
        if (e.update) this.handler.onUpdate(e.update.status);
        break;
      case 'ERROR':
        log.warn(`Error from master: ${e.error?.message}`);
        void Promise.resolve(this.handler.onError(e.error?.message ?? '')).finally(() => this.abort());
        break;
      case 'HEARTBEAT':
      default:
        break;
    }
  }

  private startWatchdog(): void {
    this.stopWatchdog();
    // No event (heartbeats included) for two intervals: the stream is dead even if TCP says otherwise.
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastEventAt > this.heartbeatMs * 2 + 1000) {
        log.warn('No heartbeat from the master; reconnecting');
        this.abort();
      }
    }, 1000);
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  private abort(): void {
    this.req?.destroy();
  }

  /** A non-SUBSCRIBE call on the current stream; resolves with the HTTP status (0 when not connected). */
  async call(type: string, payload: Record<string, unknown> = {}): Promise<number> {
    if (!this.subscribed || !this.streamId || !this.endpoint || !this.frameworkId) return 0;
    const body: Record<string, unknown> = { framework_id: { value: this.frameworkId }, type };
    const key = type.toLowerCase();
    if (Object.keys(payload).length) body[key] = payload;
    try {
      const res = await post(`http://${this.endpoint}/api/v1/scheduler`, { 'Content-Type': 'application/json', Accept: 'application/json', 'Mesos-Stream-Id': this.streamId }, JSON.stringify(body), 10_000);
      const text = res.text;
      if (res.status !== 202 && res.status !== 200) {
        log.warn(`${type} answered ${res.status}: ${text.trim()}`);
        // The master no longer knows this subscription: start over.
        if (res.status === 403 || res.status === 400 || res.status === 307) this.abort();
      }
      return res.status;
    } catch (err) {
      log.warn(`${type} failed: ${(err as Error).message}`);
      return 0;
    }
  }
}

// Calls go over node:http rather than fetch: Node 18 loads and compiles its
// fetch (undici) on first use, about 55 ms of CPU in the emulated image, and
// the first call (declining the first offers) comes while the agents boot.
// A connection per call, as Node 18's default agent does: no idle socket for
// the master to close under a reuse.

/** POSTs `body`; resolves with the status and the answer's text, or rejects after `timeoutMs` in all. */
function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}
