// The Mesos-DNS add-on: one container serving the cluster's `.mesos` names
// (tasks, agents, masters, frameworks) over DNS and its HTTP API. Its
// config.json is generated from the plan and written into the container
// before it starts, so the official image (FROM scratch, no shell) and ours
// read the same file. Agents use it as their DNS server: Docker's own DNS in
// each container still answers container names and hands every other name to
// it, and it forwards what is not `.mesos` back to Docker's DNS in its own
// container (127.0.0.11).
import type { Addresses } from './addresses.js';
import { base, MASTER_PORT, publish, type PlanContext } from './cluster.js';
import type { ContainerPlan } from './types.js';

export const MESOS_DNS_PORT = 53;
export const MESOS_DNS_HTTP_PORT = 8123;
export const MESOS_DNS_CONFIG = '/config.json';

/** config.json (Mesos-DNS' records/config.go keys): the masters to poll, a short refresh for a cluster that changes by the second. */
export function mesosDnsConfig(addrs: Addresses): Record<string, unknown> {
  return {
    masters: addrs.masters.map((ip) => `${ip}:${MASTER_PORT}`),
    refreshSeconds: 1,
    ttl: 5,
    domain: 'mesos',
    port: MESOS_DNS_PORT,
    resolvers: ['127.0.0.11'],
    timeout: 5,
    listener: '0.0.0.0',
    httpon: true,
    httpport: MESOS_DNS_HTTP_PORT,
    externalon: true,
    recurseon: true,
    IPSources: ['netinfo', 'mesos', 'host'],
  };
}

export function planMesosDns(ctx: PlanContext, addrs: Addresses): ContainerPlan {
  const official = ctx.images.flavour === 'official';
  return {
    ...base(ctx, 'mesos-dns', 1, ctx.images.mesosDns),
    ip: addrs.mesosDns,
    // the official image has no entrypoint, ours starts the emulator
    cmd: official ? ['/usr/bin/mesos-dns', '-v=1', `-config=${MESOS_DNS_CONFIG}`] : [`-config=${MESOS_DNS_CONFIG}`],
    env: {},
    // DNS over UDP and TCP (dig @127.0.0.1 -p <port>; up gives both one host port) and the HTTP API
    ports: [{ ...publish(ctx, MESOS_DNS_PORT), protocol: 'udp' }, publish(ctx, MESOS_DNS_PORT), publish(ctx, MESOS_DNS_HTTP_PORT)],
    binds: [],
    files: [{ path: MESOS_DNS_CONFIG, content: `${JSON.stringify(mesosDnsConfig(addrs), null, 2)}\n` }],
    readiness: 'GET /v1/hosts/leader.mesos names the leading master',
  };
}
