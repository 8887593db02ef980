// Mesos-DNS' HTTP API (resolver.go's configureHTTP, served by go-restful):
// /v1/version, /v1/config, /v1/hosts/{host}, /v1/services/{service},
// /v1/enumerate and /v1/axfr; JSON indented as Go's MarshalIndent(" ", " ")
// writes it, without a trailing newline.
import http from 'node:http';
import net from 'node:net';
import type { DnsConfig } from './config.js';
import type { Records } from './records.js';

export const VERSION = 'v0.7.0-rc2';

/** json.MarshalIndent(v, " ", " "): one space of prefix on every line but the first, one per level. */
export function goJson(v: unknown): string {
  return JSON.stringify(v, null, ' ').split('\n').map((l, i) => (i ? ` ${l}` : l)).join('\n');
}

const normal = (name: string) => {
  const n = name.split('.*').join('').toLowerCase();
  return n.endsWith('.') ? n : `${n}.`;
};

export function createHttpApi(cfg: DnsConfig, records: () => Records, serial: () => number): http.Server {
  const send = (res: http.ServerResponse, status: number, body: string, type = 'application/json') => {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  return http.createServer((req, res) => {
    let p: string;
    try {
      p = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return send(res, 404, '404: Page Not Found', 'text/plain; charset=utf-8');
    }
    let m: RegExpExecArray | null;
    const route = (() => {
      if (p === '/v1/version') return () => goJson({ Service: 'Mesos-DNS', URL: 'https://github.com/mesosphere/mesos-dns', Version: VERSION });
      if (p === '/v1/config') return () => goJson({ ...cfg, SOASerial: serial() });
      if ((m = /^\/v1\/hosts\/([^/]+)\/ports$/.exec(p))) return 'ports';
      if ((m = /^\/v1\/hosts\/([^/]+)$/.exec(p))) {
        const host = normal(m[1]!);
        return () => {
          const r = records();
          const list = [...(r.as.get(host) ?? []), ...(r.aaaas.get(host) ?? [])].filter((ip) => net.isIP(ip)).map((ip) => ({ host, ip }));
          return goJson(list.length ? list : [{ host: '', ip: '' }]);
        };
      }
      if ((m = /^\/v1\/services\/([^/]+)$/.exec(p))) {
        const given = m[1]!;
        return () => {
          const r = records();
          const out: Array<{ service: string; host: string; ip: string; port: string }> = [];
          for (const value of r.srvs.get(normal(given)) ?? []) {
            const i = value.lastIndexOf(':');
            const target = value.slice(0, i);
            for (const ip of [[...(r.as.get(target) ?? [])][0], [...(r.aaaas.get(target) ?? [])][0]]) {
              if (ip && net.isIP(ip)) out.push({ service: given, host: target, ip, port: value.slice(i + 1) });
            }
          }
          return goJson(out.length ? out : [{ service: '', host: '', ip: '', port: '' }]);
        };
      }
      if (cfg.EnumerationOn && p === '/v1/enumerate') {
        return () => {
          const f = records().enumerate;
          return goJson({ frameworks: f.length ? f.map((x) => ({ tasks: x.tasks, name: x.name })) : null });
        };
      }
      if (cfg.EnumerationOn && p === '/v1/axfr') {
        return () => {
          const r = records();
          // (Go writes map keys sorted by their bytes)
          const obj = (map: Map<string, Set<string>>) => Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, [...v]]));
          return goJson({ TTL: cfg.TTL, Serial: serial(), RefreshSeconds: cfg.RefreshSeconds, Mname: cfg.SOAMname, Rname: cfg.SOARname, Domain: cfg.Domain, Records: { As: obj(r.as), AAAAs: obj(r.aaaas), SRVs: obj(r.srvs) } });
        };
      }
      return undefined;
    })();
    if (!route) return send(res, 404, '404: Page Not Found', 'text/plain; charset=utf-8');
    if (req.method !== 'GET') return send(res, 405, '405: Method Not Allowed', 'text/plain; charset=utf-8');
    if (route === 'ports') return send(res, 501, 'To be implemented...', 'text/plain; charset=utf-8');
    send(res, 200, route());
  });
}
