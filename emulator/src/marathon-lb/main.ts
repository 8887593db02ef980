// The emulated Marathon-LB: Debian's HAProxy, configured from Marathon as
// Marathon-LB v1.15.0 does in `sse` mode. It reads every app with its tasks
// (GET /v2/apps?embed=apps.tasks), writes haproxy.cfg and reloads HAProxy when
// the text changed, and does it again after each relevant event on
// /v2/events (events that arrive meanwhile make one more pass) and every 300 s.
// Arguments are the image's (`sse -m <marathon> --group external …`).
import dns from 'node:dns';
import http from 'node:http';
import { createParser } from 'eventsource-parser';
import { makeLogger } from '../common/log.js';
import { DEFAULT_CERT, haproxyConfig } from './haproxy-config.js';
import { ensureCertificate, HAProxy } from './haproxy.js';
import type { MarathonApp } from './marathon-types.js';
import { servicesOf, type Service } from './services.js';
import { parseArgs, UsageError, type Args } from './args.js';

const log = makeLogger('marathon_lb');
const CONFIG = '/marathon-lb/haproxy.cfg';
const RELEVANT = ['api_post_event', 'health_status_changed_event', 'status_update_event'];
const RESYNC_MS = 300_000;

/** GET on each Marathon in turn, sticking to the one that answered (marathon_lb.py's Marathon.api_req). */
class Marathon {
  private current = 0;
  constructor(private readonly urls: string[]) {}

  url(): string {
    return this.urls[this.current]!.replace(/\/$/, '');
  }

  async apps(): Promise<MarathonApp[]> {
    let last: Error = new Error('no Marathon given (-m)');
    for (let i = 0; i < this.urls.length; i++) {
      const at = (this.current + i) % this.urls.length;
      try {
        const res = await fetch(`${this.urls[at]!.replace(/\/$/, '')}/v2/apps?embed=apps.tasks`, {
          headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'User-Agent': 'marathon-lb' },
          signal: AbortSignal.timeout(46_000),
        });
        if (res.status !== 200) throw new Error(`GET /v2/apps answered ${res.status}`);
        this.current = at;
        return ((await res.json()) as { apps: MarathonApp[] }).apps;
      } catch (err) {
        last = err as Error;
      }
    }
    throw last;
  }
}

/** Host names resolved once per pass (utils.py resolve_ip); a name that does not resolve leaves its task out. */
async function resolver(apps: MarathonApp[]): Promise<(host: string) => string | undefined> {
  const hosts = new Set(apps.flatMap((a) => (a.tasks ?? []).map((t) => t.host)).filter(Boolean));
  const found = new Map<string, string>();
  await Promise.all(
    [...hosts].map(async (h) => {
      try {
        found.set(h, (await dns.promises.lookup(h, { family: 4 })).address);
      } catch {
        log.warn(`Could not resolve ${h}; its tasks are left out`);
      }
    }),
  );
  return (h) => found.get(h);
}

/** One pass at a time; asking during a pass queues exactly one more. */
class Regenerator {
  private pending = true;
  private wake: (() => void) | undefined;
  private readonly seenAlive = new Map<string, boolean>();

  constructor(private readonly args: Args, private readonly marathon: Marathon, private readonly haproxy: HAProxy) {}

  request(): void {
    this.pending = true;
    this.wake?.();
  }

  async loop(): Promise<never> {
    for (;;) {
      if (!this.pending) await new Promise<void>((r) => ((this.wake = r), setTimeout(r, RESYNC_MS)));
      this.pending = false;
      try {
        await this.pass();
      } catch (err) {
        log.error(`Could not regenerate the configuration: ${(err as Error).message}`);
      }
    }
  }

  private async pass(): Promise<void> {
    const apps = await this.marathon.apps();
    const services = servicesOf(apps, this.args, await resolver(apps), this.seenAlive);
    const text = this.config(services);
    if (text === this.haproxy.current() && this.haproxy.running()) return;
    log.info(`Writing ${CONFIG}: ${services.length} service(s) of ${apps.length} app(s)`);
    if (await this.haproxy.apply(text)) return;
    // make_config_valid_and_regenerate: the apps HAProxy accepts, added one at a time; the others left out
    const kept: Service[] = [];
    for (const s of services) {
      const refused = await this.haproxy.check(this.config([...kept, s]));
      if (refused === undefined) kept.push(s);
      else log.error(`Leaving out ${s.appId} (service port ${s.servicePort}): HAProxy refuses its configuration: ${refused.split('\n').find((l) => /ALERT|error/i.test(l)) ?? refused}`);
    }
    await this.haproxy.apply(this.config(kept));
  }

  private config(services: Service[]): string {
    return haproxyConfig(services, { sslCerts: this.args.sslCerts, bindHttpHttps: this.args.bindHttpHttps });
  }
}

/** /v2/events, reconnecting with Marathon-LB's growing random wait (from 1 s here, see README.md). */
async function followEvents(marathon: Marathon, onEvent: (type: string) => void): Promise<never> {
  let waitMs = 1000;
  for (;;) {
    const started = Date.now();
    const url = `${marathon.url()}/v2/events?plan-format=light&${RELEVANT.map((t) => `event_type=${t}`).join('&')}`;
    try {
      await new Promise<void>((resolve, reject) => {
        const req = http.get(url, { headers: { Accept: 'text/event-stream', 'Cache-Control': 'no-cache' } }, (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            return reject(new Error(`GET ${url} answered ${res.statusCode}`));
          }
          log.info(`Connected to ${url}`);
          onEvent('(connected)');
          const parser = createParser({
            onEvent: (e) => {
              // (Marathon may put several JSON documents in one event, separated by CRLF)
              for (const part of e.data.split('\r\n')) {
                try {
                  const type = (JSON.parse(part) as { eventType?: string }).eventType;
                  if (type) onEvent(type);
                } catch {
                  /* an empty or partial line */
                }
              }
            },
          });
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => parser.feed(chunk));
          res.on('end', () => reject(new Error('the event stream ended')));
          res.on('error', reject);
          // (no byte in 300 s: the connection may have died silently; reconnect at once)
          res.setTimeout(RESYNC_MS, () => req.destroy(new Error('no event for 300 s')));
        });
        req.on('error', reject);
      });
    } catch (err) {
      const wait = Math.random() * waitMs;
      log.warn(`${(err as Error).message}; reconnecting in ${(wait / 1000).toFixed(1)} s`);
      waitMs = Date.now() - started > 600_000 ? 1000 : Math.min(waitMs * 1.5, 30_000);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`marathon-lb: error: ${err.message}\n`);
    process.exit(2);
  }
  const certs = args.sslCerts.length ? args.sslCerts : [DEFAULT_CERT];
  if (args.bindHttpHttps && !args.sslCerts.length) await ensureCertificate(DEFAULT_CERT, process.env.HAPROXY_SSL_CERT);
  args = { ...args, sslCerts: certs, frameworkName: process.env.FRAMEWORK_NAME };
  const haproxy = new HAProxy(CONFIG);
  const marathon = new Marathon(args.marathon);
  const regen = new Regenerator(args, marathon, haproxy);
  // SIGHUP: read Marathon again; SIGUSR1: reload the file as it is (the :9090 /_mlb_signal/ paths send these)
  process.on('SIGHUP', () => regen.request());
  process.on('SIGUSR1', () => void haproxy.reload());
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      haproxy.stop();
      process.exit(0);
    });
  }
  void regen.loop();
  await followEvents(marathon, (type) => {
    if (type === '(connected)' || RELEVANT.includes(type)) regen.request();
  });
}

void main();
