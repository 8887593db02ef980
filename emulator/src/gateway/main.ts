// The cluster's gateway: a pool of ports the engine publishes on 127.0.0.1,
// each forwarded to an agent's API or to a running task's port, assigned as
// agents register and tasks start (read from the leading master's state).
// The host then reaches every task port through one container's published
// ports, on Linux and on Docker Desktop alike, whatever the number of agents.
//
// Environment: GATEWAY_MASTERS (ip:port list), GATEWAY_POOL (10000-10031),
// GATEWAY_CONTROL_PORT (7000), GATEWAY_DOCKER_HOST and GATEWAY_DOCKER_HOSTS (see routes.ts),
// GATEWAY_POLL_MS (1000), GATEWAY_FORWARDS (fixed forwards, see routes.ts).
import http from 'node:http';
import net from 'node:net';
import { parseDockerHosts, parseForwards, parsePool, RouteTable, serviceTargetsOf, targetsOf, type MasterState, type Target } from './routes.js';

const masters = (process.env.GATEWAY_MASTERS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const pool = parsePool(process.env.GATEWAY_POOL ?? '10000-10031');
const controlPort = Number(process.env.GATEWAY_CONTROL_PORT ?? 7000);
const dockerHost = process.env.GATEWAY_DOCKER_HOST || undefined;
const dockerHosts = parseDockerHosts(process.env.GATEWAY_DOCKER_HOSTS ?? '');
const pollMs = Number(process.env.GATEWAY_POLL_MS ?? 1000);
/** the Marathon-LB add-on's address: its service ports get pool ports too */
const lbIp = process.env.GATEWAY_LB || undefined;

const forwards = parseForwards(process.env.GATEWAY_FORWARDS ?? '');

const table = new RouteTable(pool);
let leader: string | undefined;
let lastError = '';
let updated = 0;

/** GET with node:http (fetch's undici would double this process's memory). Follows one redirect: a standby names the leader. */
function getText(url: string, hops = 1): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 3000 }, (res) => {
      const location = res.headers.location;
      if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && location && hops > 0) {
        res.resume();
        resolve(getText(new URL(location, url).toString(), hops - 1));
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`${url} answered ${res.statusCode}`));
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer within 3 s`)));
    req.on('error', reject);
  });
}

/** The leading master's state, from the last master that answered first. */
async function readState(): Promise<MasterState> {
  const order = leader ? [leader, ...masters.filter((m) => m !== leader)] : masters;
  let err: unknown;
  for (const m of order) {
    try {
      const state = JSON.parse(await getText(`http://${m}/master/state`)) as MasterState;
      leader = m;
      return state;
    } catch (e) {
      err = e;
    }
  }
  throw err ?? new Error('no masters given (GATEWAY_MASTERS)');
}

let services: Target[] = [];
let lbAnswered = true;
let lbReading: Promise<void> | undefined;
/**
 * Marathon-LB's service ports; the last ones read while it does not answer (it
 * has no configuration yet, or is stopped). A load balancer that did not answer
 * last time is not waited for, so it never holds up the routes of tasks.
 */
function readServices(): Promise<Target[]> {
  if (!lbIp) return Promise.resolve([]);
  lbReading ??= getText(`http://${lbIp}:9090/_haproxy_getconfig`)
    .then((text) => {
      services = serviceTargetsOf(text, lbIp);
      lbAnswered = true;
    })
    .catch(() => {
      lbAnswered = false;
    })
    .finally(() => (lbReading = undefined));
  return lbAnswered ? lbReading.then(() => services) : Promise.resolve(services);
}

let polling: Promise<void> | undefined;
let queued: Promise<void> | undefined;
/**
 * One read at a time. `fresh` callers need a read that starts after they asked
 * (a poll already under way may have read the state before their task was in
 * it): they share the next one, queued behind the current.
 */
function refresh(fresh = false): Promise<void> {
  if (fresh && polling) {
    queued ??= polling.then(() => {
      queued = undefined;
      return refresh();
    });
    return queued;
  }
  polling ??= Promise.all([readState(), readServices()])
    .then(([state, services]) => {
      table.update([...targetsOf(state, { dockerHost, dockerHosts }), ...services]);
      lastError = '';
      updated = Date.now();
    })
    .catch((e: unknown) => {
      // Keep the routes we have: a master failover should not cut connections.
      lastError = (e as Error).message;
    })
    .finally(() => (polling = undefined));
  return polling;
}

function forward(poolPort: number, client: net.Socket): void {
  const address = forwards.get(poolPort) ?? table.byPoolPort(poolPort)?.address;
  if (!address) {
    client.destroy();
    return;
  }
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const upstream = net.connect({ host, port });
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.pipe(upstream);
  upstream.pipe(client);
}

for (const port of [...pool, ...forwards.keys()]) {
  net.createServer({ allowHalfOpen: true }, (c) => forward(port, c)).listen(port, '0.0.0.0');
}

const routesBody = () =>
  JSON.stringify({ routes: table.list(), unrouted: table.unrouted, pool: { first: pool[0], size: pool.length }, leader: leader ?? null, updated, error: lastError || null });

http
  .createServer((req, res) => {
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(body);
    };
    const url = new URL(req.url ?? '/', 'http://gateway');
    if (url.pathname === '/health') return send(200, '{"ok":true}');
    if (url.pathname === '/routes' && req.method === 'GET') return send(200, routesBody());
    // Reads the master now, so a caller sees a task that just started.
    if (url.pathname === '/routes' && req.method === 'POST') return void refresh(true).then(() => send(200, routesBody()));
    send(404, '{"message":"not found"}');
  })
  .listen(controlPort, '0.0.0.0');

const loop = () => void refresh().finally(() => setTimeout(loop, pollMs).unref());
loop();
// Keeps the process alive between polls (the servers do too); exits on SIGTERM.
process.on('SIGTERM', () => process.exit(0));
