// services → haproxy.cfg, laid out as Marathon-LB v1.15.0 lays it out (the
// section order, frontend/backend/ACL/server names, per-port frontends, the
// :9090 stats listener and its special paths), for Debian's HAProxy 2.6.
// Differences from its templates, and why, are in README.md here.
import { createHash } from 'node:crypto';
import { cleanName, type Service } from './services.js';

export const LUA_DIR = '/marathon-lb';
export const STATS_SOCKET = '/var/run/haproxy/socket';
export const STATE_DIR = '/var/state/haproxy/';
export const DEFAULT_CERT = '/etc/ssl/cert.pem';

// (no `maxconn` in global: 2.6 then sizes it to the container's file limit,
// where Marathon-LB's 50000 makes 2.6 refuse to start under a 20000 limit;
// no `log /dev/log`: a container has no syslog, the lines went nowhere)
const CIPHERS = 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:DHE-RSA-AES128-SHA256:DHE-RSA-AES256-SHA256:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256:AES256-SHA256:!aNULL:!MD5:!DSS';

const HEAD = `global
  spread-checks 5
  max-spread-checks 15000
  tune.ssl.default-dh-param 2048
  ssl-default-bind-ciphers ${CIPHERS}
  ssl-default-bind-options no-sslv3 no-tlsv10 no-tls-tickets
  ssl-default-server-ciphers ${CIPHERS}
  ssl-default-server-options no-sslv3 no-tlsv10 no-tls-tickets
  stats socket ${STATS_SOCKET} expose-fd listeners
  server-state-file global
  server-state-base ${STATE_DIR}
  lua-load ${LUA_DIR}/getpids.lua
  lua-load ${LUA_DIR}/getconfig.lua
  lua-load ${LUA_DIR}/getmaps.lua
  lua-load ${LUA_DIR}/signalmlb.lua
defaults
  load-server-state-from-file global
  log global
  retries 3
  backlog 10000
  maxconn 10000
  timeout connect 3s
  timeout client 30s
  timeout server 30s
  timeout tunnel 3600s
  timeout http-keep-alive 1s
  timeout http-request 15s
  timeout queue 30s
  timeout tarpit 60s
  option dontlognull
  option http-server-close
  option redispatch
listen stats
  bind 0.0.0.0:9090
  balance
  mode http
  stats enable
  http-request use-service prometheus-exporter if { path /metrics }
  monitor-uri /_haproxy_health_check
  acl getpid path /_haproxy_getpids
  http-request use-service lua.getpids if getpid
  acl getvhostmap path /_haproxy_getvhostmap
  http-request use-service lua.getvhostmap if getvhostmap
  acl getappmap path /_haproxy_getappmap
  http-request use-service lua.getappmap if getappmap
  acl getconfig path /_haproxy_getconfig
  http-request use-service lua.getconfig if getconfig
  acl signalmlbhup path /_mlb_signal/hup
  http-request use-service lua.signalmlbhup if signalmlbhup
  acl signalmlbusr1 path /_mlb_signal/usr1
  http-request use-service lua.signalmlbusr1 if signalmlbusr1
`;

export interface ConfigOptions {
  /** --ssl-certs: the certificates of the :443 frontend */
  sslCerts: string[];
  /** --dont-bind-http-https: no :80 and :443 frontends */
  bindHttpHttps: boolean;
}

/** calculate_server_id: a stable id in 1..32767 from the name's SHA-256, rehashed on a clash or 0. */
function serverId(name: string, taken: Set<number>): number {
  const sha = createHash('sha256').update(name).digest('hex');
  const id = Number(BigInt(`0x${sha}`) % 32767n);
  if (id > 0 && !taken.has(id)) {
    taken.add(id);
    return id;
  }
  return serverId(`${name} ${sha}`, taken);
}

const acl = (s: Service) => `${cleanName(s.vhosts[0]!)}_${s.appId.slice(1).replace(/\//g, '_')}`;

/**
 * The :80 rules of a vhost service, in generateHttpVhostAcl's orders: with
 * several vhosts, the path ACL first, one host ACL per vhost (one name), then
 * either the redirect or the routing; with one vhost, host then path ACL, and
 * a redirect replaces the routing only when there is a path.
 */
function httpVhostRules(s: Service): string {
  const name = `host_${acl(s)}`;
  const hostAcls = s.vhosts.map((h) => `  acl ${name} hdr(host) -i ${h}\n`).join('');
  const pathAcl = s.path !== undefined ? `  acl path_${s.backend} path_beg ${s.path}\n` : '';
  const cond = `${name}${s.path !== undefined ? ` path_${s.backend}` : ''}`;
  const route = `  use_backend ${s.backend} if ${cond}\n`;
  const redirect = `  redirect scheme https code 301 if !{ ssl_fc } ${cond}\n`;
  if (s.vhosts.length > 1) return pathAcl + hostAcls + (s.redirectToHttps ? redirect : route);
  if (s.path !== undefined) return hostAcls + pathAcl + (s.redirectToHttps ? redirect : route);
  return hostAcls + route + (s.redirectToHttps ? redirect : '');
}

function httpsVhostRules(s: Service): string {
  if (s.path === undefined) return s.vhosts.map((h) => `  use_backend ${s.backend} if { ssl_fc_sni ${h} }\n`).join('');
  return `  acl path_${s.backend} path_beg ${s.path}\n${s.vhosts.map((h) => `  use_backend ${s.backend} if { ssl_fc_sni ${h} } path_${s.backend}\n`).join('')}`;
}

function backendSection(s: Service): string {
  let out = `\nbackend ${s.backend}\n  balance ${s.balance}\n  mode ${s.mode}\n`;
  if (s.mode === 'http') out += '  option forwardfor\n  http-request set-header X-Forwarded-Port %[dst_port]\n  http-request add-header X-Forwarded-Proto https if { ssl_fc }\n';
  if (s.sticky) out += '  cookie mesosphere_server_id insert indirect nocache\n';
  const hc = s.healthCheck;
  const tcpCheck = !!hc && (s.mode === 'tcp' || hc.protocol === 'TCP' || hc.protocol === 'MESOS_TCP');
  if (hc && !tcpCheck) out += `  option  httpchk GET ${hc.path ?? '/'}\n  timeout check ${hc.timeoutSeconds ?? 20}s\n`;
  const check = hc ? ` check inter ${hc.intervalSeconds ?? 60}s fall ${(hc.maxConsecutiveFailures ?? 3) + 1}${hc.port ? ` port ${hc.port}` : ''}` : '';
  const taken = new Set<number>();
  const servers = [...s.backends].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : a.port - b.port));
  for (const b of servers) {
    const name = cleanName(b.host !== b.ip ? `${b.host}_${b.ip}_${b.port}` : `${b.ip}_${b.port}`);
    const cookie = s.sticky ? ` check cookie ${createHash('sha1').update(name).digest('hex').slice(0, 10)}` : '';
    out += `  server ${name} ${b.ip}:${b.port} id ${serverId(name, taken)}${cookie}${check}\n`;
  }
  return out;
}

export function haproxyConfig(services: Service[], opts: ConfigOptions): string {
  let httpFrontends: Array<[number, string]> = [];
  let httpsFrontends: Array<[number, string]> = [];
  let appIdFrontends = '';
  let frontends = '';
  let backends = '';
  const appIdDone = new Set<string>();
  for (const s of services) {
    const ssl = s.sslCert !== undefined ? ` ssl crt ${s.sslCert}` : '';
    frontends += `\nfrontend ${s.backend}\n  bind ${s.bindAddr}:${s.servicePort}${ssl}${s.bindOptions ? ` ${s.bindOptions}` : ''}\n  mode ${s.mode}\n  use_backend ${s.backend}\n`;
    // (a vhost routes only to an http backend: 2.6 refuses an http frontend using a tcp one)
    if (opts.bindHttpHttps && s.vhosts.length && s.mode === 'http') {
      httpFrontends.push([s.weight, httpVhostRules(s)]);
      httpsFrontends.push([s.weight, httpsVhostRules(s)]);
    }
    if (s.mode === 'http' && !appIdDone.has(s.appId)) {
      appIdDone.add(s.appId);
      const id = `app_${cleanName(s.appId)}`;
      appIdFrontends += `  acl ${id} hdr(x-marathon-app-id) -i ${s.appId}\n  use_backend ${s.backend} if ${id}\n`;
    }
    backends += backendSection(s);
  }
  // heavier vhost rules first (HAPROXY_{n}_BACKEND_WEIGHT); a stable sort keeps the app order otherwise
  httpFrontends = httpFrontends.sort((a, b) => b[0] - a[0]);
  httpsFrontends = httpsFrontends.sort((a, b) => b[0] - a[0]);
  let out = HEAD;
  if (opts.bindHttpHttps) out += `\nfrontend marathon_http_in\n  bind *:80\n  mode http\n${httpFrontends.map((f) => f[1]).join('')}`;
  out += `\nfrontend marathon_http_appid_in\n  bind *:9091\n  mode http\n${appIdFrontends}`;
  if (opts.bindHttpHttps) out += `\nfrontend marathon_https_in\n  bind *:443 ssl ${opts.sslCerts.map((c) => `crt ${c}`).join(' ')}\n  mode http\n${httpsFrontends.map((f) => f[1]).join('')}`;
  return out + frontends + backends;
}
