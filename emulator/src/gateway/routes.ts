// Which pool port reaches which address: pure bookkeeping over the leading
// master's /master/state, so the gateway's forwarding follows the cluster.
//
// Every agent gets a pool port for its HTTP API, and every port of every task
// that is not yet terminal gets one for as long as the task lives; so does
// every port an executor holds (a task group's: a Marathon pod's endpoints),
// routed under the executor's id. A pool port
// that is freed goes to the back of the queue, so an address a user just read
// is not handed to another task at once.

import { portsOf } from '../common/resources.js';

export { portsOf };

export interface StateTask {
  id: string;
  framework_id: string;
  slave_id: string;
  state: string;
  name?: string;
  resources?: { ports?: string };
  container?: { type?: string; docker?: { network?: string } };
}

export interface StateExecutor {
  executor_id: string;
  framework_id: string;
  slave_id: string;
  resources?: { ports?: string };
}

export interface MasterState {
  slaves?: Array<{ id: string; pid: string; hostname?: string; active?: boolean }>;
  frameworks?: Array<{ id: string; name?: string; tasks?: StateTask[]; executors?: StateExecutor[] }>;
}

export interface Target {
  kind: 'agent' | 'task' | 'service';
  /** (agents and tasks) */
  agentId?: string;
  /** the agent's address, host:port of its HTTP API (agents and tasks) */
  agent?: string;
  /** the task's id, or the executor's for ports an executor holds */
  taskId?: string;
  /** a service port of the Marathon-LB add-on: its frontend's name, `<app>_<port>` */
  service?: string;
  frameworkId?: string;
  /** the task's port (for an agent: its API port) */
  port: number;
  /** where connections go */
  address: string;
}

export interface Route extends Target {
  /** the gateway's own port, published by the engine */
  poolPort: number;
}

export interface Options {
  /**
   * Where a Docker-containerizer task's ports are bound: on the engine's host
   * (a real agent: `docker run -p`), reached at this address from the cluster
   * network; undefined when the agent serves them itself (the emulated agent).
   */
  dockerHost?: string;
  /**
   * The same per agent (its IP → its engine's host address), for a cluster
   * over several engines: a real agent's Docker tasks bind their ports on the
   * host of the engine that runs that agent. Wins over dockerHost.
   */
  dockerHosts?: Map<string, string>;
}

const TERMINAL = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR']);


/** host:port from a libprocess pid, `slave(1)@172.30.0.210:5051`. */
export const pidAddress = (pid: string): string | undefined => /@([^@]+:\d+)$/.exec(pid)?.[1];

/** What should be reachable, in the order pool ports are handed out: agents first. */
export function targetsOf(state: MasterState, opts: Options = {}): Target[] {
  const agents = new Map<string, string>();
  for (const s of state.slaves ?? []) {
    const addr = pidAddress(s.pid);
    if (addr) agents.set(s.id, addr);
  }
  const out: Target[] = [];
  for (const [agentId, agent] of [...agents].sort((a, b) => a[1].localeCompare(b[1], 'en', { numeric: true }))) {
    out.push({ kind: 'agent', agentId, agent, port: Number(agent.split(':')[1]), address: agent });
  }
  for (const f of state.frameworks ?? []) {
    for (const t of f.tasks ?? []) {
      const agent = agents.get(t.slave_id);
      if (!agent || TERMINAL.has(t.state)) continue;
      const ip = agent.split(':')[0]!;
      const docker = t.container?.type === 'DOCKER' && (t.container.docker?.network ?? 'HOST') !== 'USER';
      const host = (docker && (opts.dockerHosts?.get(ip) ?? opts.dockerHost)) || ip;
      for (const port of portsOf(t.resources?.ports)) {
        out.push({ kind: 'task', agentId: t.slave_id, agent, taskId: t.id, frameworkId: t.framework_id, port, address: `${host}:${port}` });
      }
    }
    // (the master lists executors while they live; their ports are on the agent's network)
    for (const e of f.executors ?? []) {
      const agent = agents.get(e.slave_id);
      if (!agent) continue;
      for (const port of portsOf(e.resources?.ports)) {
        out.push({ kind: 'task', agentId: e.slave_id, agent, taskId: e.executor_id, frameworkId: e.framework_id, port, address: `${agent.split(':')[0]!}:${port}` });
      }
    }
  }
  return out;
}

/**
 * The service ports Marathon-LB binds, from its haproxy.cfg (its
 * /_haproxy_getconfig): every frontend's port but those of its fixed
 * frontends (80, 9091, 443) and of the stats listener (a `listen` section).
 */
export function serviceTargetsOf(config: string, lbIp: string): Target[] {
  const fixed = new Set(['marathon_http_in', 'marathon_http_appid_in', 'marathon_https_in']);
  const out: Target[] = [];
  let frontend: string | undefined;
  for (const line of config.split('\n')) {
    const section = /^(\S+)\s+(\S+)/.exec(line);
    if (section) frontend = section[1] === 'frontend' && !fixed.has(section[2]!) ? section[2] : undefined;
    const bind = frontend ? /^\s+bind\s+\S*:(\d+)(\s|$)/.exec(line) : null;
    if (frontend && bind) out.push({ kind: 'service', service: frontend, port: Number(bind[1]), address: `${lbIp}:${bind[1]}` });
  }
  return out;
}

const keyOf = (t: Target): string =>
  t.kind === 'agent' ? `agent ${t.agentId}` : t.kind === 'service' ? `service ${t.service}:${t.port}` : `task ${t.frameworkId}/${t.taskId}:${t.port}`;

export class RouteTable {
  private readonly routes = new Map<string, Route>();
  private readonly free: number[];
  /** targets that found no free pool port, as of the last update */
  unrouted: Target[] = [];

  constructor(pool: number[]) {
    this.free = [...pool];
  }

  /** Brings the table in line with what should be reachable now. */
  update(targets: Target[]): void {
    const wanted = new Map(targets.map((t) => [keyOf(t), t]));
    for (const [key, route] of this.routes) {
      if (wanted.has(key)) continue;
      this.routes.delete(key);
      this.free.push(route.poolPort);
    }
    this.unrouted = [];
    for (const [key, target] of wanted) {
      const existing = this.routes.get(key);
      if (existing) {
        // Same task and port, but an agent may come back at another address.
        existing.address = target.address;
        if (target.agent !== undefined) existing.agent = target.agent;
        continue;
      }
      const poolPort = this.free.shift();
      if (poolPort === undefined) this.unrouted.push(target);
      else this.routes.set(key, { ...target, poolPort });
    }
  }

  byPoolPort(port: number): Route | undefined {
    for (const r of this.routes.values()) if (r.poolPort === port) return r;
    return undefined;
  }

  list(): Route[] {
    return [...this.routes.values()].sort((a, b) => a.poolPort - b.poolPort);
  }
}

/** "10000-10031" → [10000 … 10031] */
export function parsePool(text: string): number[] {
  const m = /^(\d+)-(\d+)$/.exec(text.trim());
  if (!m || Number(m[2]) < Number(m[1])) throw new Error(`GATEWAY_POOL must be a range like 10000-10031, not "${text}"`);
  return Array.from({ length: Number(m[2]) - Number(m[1]) + 1 }, (_, i) => Number(m[1]) + i);
}

/**
 * A comma-separated list of `key=value` items, each matching `item` (two
 * groups); anything else is refused with the variable and the item named.
 */
function parsePairs<K>(variable: string, shape: string, text: string, item: RegExp, key: (k: string) => K): Map<K, string> {
  const out = new Map<K, string>();
  for (const each of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = item.exec(each);
    if (!m) throw new Error(`${variable} must list ${shape} pairs, not "${each}"`);
    out.set(key(m[1]!), m[2]!);
  }
  return out;
}

/**
 * GATEWAY_FORWARDS: `20000=10.128.0.3:5050,…`, fixed forwards to a cluster's
 * ZooKeeper, masters or Marathon placed on another engine than the gateway's
 * (their own engine's published ports are another machine's).
 */
export const parseForwards = (text: string): Map<number, string> => parsePairs('GATEWAY_FORWARDS', 'port=ip:port', text, /^(\d+)=([\d.]+:\d+)$/, Number);

/** GATEWAY_DOCKER_HOSTS: `10.128.0.210=192.168.1.5,…`, each agent's IP and its engine's host address (see Options.dockerHosts). */
export const parseDockerHosts = (text: string): Map<string, string> => parsePairs('GATEWAY_DOCKER_HOSTS', 'agentIp=hostAddress', text, /^([\d.]+)=([\w.:-]+)$/, String);
