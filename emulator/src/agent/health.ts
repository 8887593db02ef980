// Mesos-native health checks as the 1.7 executors run them
// (src/checks/health_checker.cpp): failures inside the grace period are
// ignored until the first success; every other failure is reported with a
// running count, the first success and the first success after failures are
// reported, and reaching `consecutive_failures` asks the executor to kill.
import http from 'node:http';
import type { RequestOptions } from 'node:https';
import net from 'node:net';
import type { HealthCheck } from './types.js';

export interface HealthTarget {
  /** host for HTTP/TCP checks (the task's network namespace as seen from the agent) */
  host: string;
  /** maps the check's port to the port to dial (e.g. host_port → container_port) */
  port?: (port: number) => number;
  /** runs a COMMAND check; resolves with the exit code */
  command: (check: HealthCheck, timeoutMs: number) => Promise<number>;
}

export interface HealthUpdate {
  healthy: boolean;
  killTask: boolean;
  consecutiveFailures: number;
}

async function httpStatus(url: string, timeoutMs: number, redirects = 0): Promise<number> {
  // https (and tls) load only for an HTTPS check: every agent would pay at start.
  const lib = url.startsWith('https:') ? (await import('node:https')).default : http;
  return new Promise((resolve, reject) => {
    const req = lib.get(url, { rejectUnauthorized: false, agent: false } as RequestOptions, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      // curl -L: follow redirects
      if (status >= 300 && status < 400 && res.headers.location && redirects < 50) {
        resolve(httpStatus(new URL(res.headers.location, url).toString(), timeoutMs, redirects + 1));
      } else resolve(status);
    });
    req.on('error', reject);
    if (timeoutMs > 0) req.setTimeout(timeoutMs, () => req.destroy(new Error(`timed out after ${timeoutMs}ms`)));
  });
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const timer = timeoutMs > 0 ? setTimeout(() => sock.destroy(new Error('timed out')), timeoutMs) : undefined;
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve();
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export class HealthChecker {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private initializing = true;
  private consecutiveFailures = 0;
  private readonly startTime = Date.now();
  private readonly delayMs: number;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly graceMs: number;
  private readonly maxFailures: number;

  constructor(
    private readonly check: HealthCheck,
    private readonly target: HealthTarget,
    private readonly onUpdate: (u: HealthUpdate) => void,
    private readonly log: (msg: string) => void,
  ) {
    this.delayMs = (check.delay_seconds ?? 15) * 1000;
    this.intervalMs = Math.max(0, (check.interval_seconds ?? 10) * 1000);
    this.timeoutMs = Math.max(0, (check.timeout_seconds ?? 20) * 1000);
    this.graceMs = (check.grace_period_seconds ?? 10) * 1000;
    this.maxFailures = check.consecutive_failures ?? 3;
  }

  get typeName(): string {
    return `${this.check.type ?? 'UNKNOWN'} health check`;
  }

  start(): void {
    this.timer = setTimeout(() => void this.run(), this.delayMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    let error: string | undefined;
    try {
      error = await this.perform();
    } catch (err) {
      error = (err as Error).message;
    }
    if (this.stopped) return;
    if (error === undefined) this.success();
    else this.failure(error);
    this.timer = setTimeout(() => void this.run(), this.intervalMs);
  }

  /** undefined when healthy, else why not. */
  private async perform(): Promise<string | undefined> {
    const c = this.check;
    const mapPort = this.target.port ?? ((p: number) => p);
    switch (c.type) {
      case 'HTTP': {
        if (!c.http) return 'HTTP health check is missing the http field';
        const scheme = c.http.scheme ?? 'http';
        let path = c.http.path ?? '';
        if (path && !path.startsWith('/')) path = `/${path}`;
        const url = `${scheme}://${this.target.host}:${mapPort(c.http.port)}${path}`;
        const status = await httpStatus(url, this.timeoutMs);
        if (status < 200 || status >= 400) return `Unexpected HTTP response code: ${status}`;
        return undefined;
      }
      case 'TCP': {
        if (!c.tcp) return 'TCP health check is missing the tcp field';
        try {
          await tcpConnect(this.target.host, mapPort(c.tcp.port), this.timeoutMs);
        } catch {
          return 'TCP connection failed';
        }
        return undefined;
      }
      case 'COMMAND': {
        const code = await this.target.command(c, this.timeoutMs);
        return code === 0 ? undefined : `Command exited with status ${code}`;
      }
      default:
        return undefined;
    }
  }

  private failure(message: string): void {
    if (this.initializing && this.graceMs > 0 && Date.now() - this.startTime <= this.graceMs) {
      this.log(`Ignoring failure of ${this.typeName}: still in grace period (${message})`);
      return;
    }
    this.consecutiveFailures++;
    this.log(`${this.typeName} failed ${this.consecutiveFailures} times consecutively: ${message}`);
    this.onUpdate({ healthy: false, killTask: this.consecutiveFailures >= this.maxFailures, consecutiveFailures: this.consecutiveFailures });
  }

  private success(): void {
    if (this.initializing || this.consecutiveFailures > 0) {
      this.onUpdate({ healthy: true, killTask: false, consecutiveFailures: 0 });
      this.initializing = false;
    }
    this.consecutiveFailures = 0;
  }
}
