// The emulated Marathon-LB's generator: which apps, ports and tasks it serves
// (Marathon-LB 1.15's label and task rules) and the haproxy.cfg it writes
// (section order, names, server ids as Marathon-LB's own tests expect them);
// its arguments; and how the gateway reads service ports back from the config.
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../../emulator/src/marathon-lb/args.js';
import { haproxyConfig } from '../../../emulator/src/marathon-lb/haproxy-config.js';
import type { MarathonApp, MarathonTask } from '../../../emulator/src/marathon-lb/marathon-types.js';
import { servicesOf, type Options } from '../../../emulator/src/marathon-lb/services.js';
import { serviceTargetsOf } from '../../../emulator/src/gateway/routes.js';

const opts: Options = { groups: ['external'], healthCheck: true, strictMode: false };
const resolve = (host: string) => ({ agent1: '1.1.1.1', agent2: '2.2.2.2' })[host] ?? (/^\d+\.\d+\.\d+\.\d+$/.test(host) ? host : undefined);
const task = (id: string, extra: Partial<MarathonTask> = {}): MarathonTask => ({ id, host: 'agent1', ports: [1024], state: 'TASK_RUNNING', ...extra });
const app = (extra: Partial<MarathonApp> = {}): MarathonApp => ({
  id: '/nginx', labels: { HAPROXY_GROUP: 'external' }, portDefinitions: [{ port: 10000 }], tasks: [task('nginx.1')], ...extra,
});
const httpCheck = { path: '/', protocol: 'HTTP', portIndex: 0, gracePeriodSeconds: 10, intervalSeconds: 2, timeoutSeconds: 10, maxConsecutiveFailures: 10 };

describe('which apps, ports and tasks Marathon-LB serves', () => {
  it('serves the apps of its groups only, unless it runs with --group "*"', () => {
    const apps = [app(), app({ id: '/internal', labels: { HAPROXY_GROUP: 'internal' } }), app({ id: '/nogroup', labels: {} })];
    expect(servicesOf(apps, opts, resolve).map((s) => s.appId)).toEqual(['/nginx']);
    expect(servicesOf(apps, { ...opts, groups: ['*'] }, resolve).map((s) => s.appId)).toEqual(['/internal', '/nginx', '/nogroup']);
    // a port's own group replaces the app's
    const perPort = app({ labels: { HAPROXY_GROUP: 'internal', HAPROXY_0_GROUP: 'external,other' } });
    expect(servicesOf([perPort], opts, resolve)).toHaveLength(1);
  });

  it('picks the mode: a MODE label, else http for an HTTP health check or a vhost, else tcp', () => {
    const mode = (a: MarathonApp) => servicesOf([a], opts, resolve)[0]!.mode;
    expect(mode(app())).toBe('tcp');
    expect(mode(app({ labels: { HAPROXY_GROUP: 'external', HAPROXY_0_VHOST: 'A.example.com' } }))).toBe('http');
    expect(mode(app({ healthChecks: [httpCheck], tasks: [task('t', { healthCheckResults: [{ alive: true }] })] }))).toBe('http');
    expect(mode(app({ healthChecks: [{ ...httpCheck, protocol: 'MESOS_HTTP' }], tasks: [task('t', { healthCheckResults: [{ alive: true }] })] }))).toBe('tcp');
    expect(mode(app({ labels: { HAPROXY_GROUP: 'external', HAPROXY_0_MODE: 'TCP' }, healthChecks: [httpCheck], tasks: [task('t', { healthCheckResults: [{ alive: true }] })] }))).toBe('tcp');
  });

  it('takes RUNNING, LOST and UNREACHABLE tasks; with health checks only those Marathon saw alive', () => {
    const states = ['TASK_RUNNING', 'TASK_STAGING', 'TASK_STARTING', 'TASK_KILLING', 'TASK_LOST', 'TASK_UNREACHABLE', 'TASK_FINISHED'];
    const a = app({ tasks: states.map((state, i) => task(`t${i}`, { state, ports: [2000 + i] })) });
    expect(servicesOf([a], opts, resolve)[0]!.backends.map((b) => b.port)).toEqual([2000, 2004, 2005]);

    const seen = new Map<string, boolean>();
    const checked = (tasks: MarathonTask[]) => servicesOf([app({ healthChecks: [httpCheck], tasks })], opts, resolve, seen)[0]?.backends.map((b) => b.port) ?? [];
    // any alive result counts; an empty list or a new task without results does not
    expect(checked([task('a', { ports: [1], healthCheckResults: [{ alive: false }, { alive: true }] }), task('b', { ports: [2], healthCheckResults: [] }), task('c', { ports: [3] })])).toEqual([1]);
    // a task listed without results keeps what was last seen of it
    expect(checked([task('a', { ports: [1] }), task('b', { ports: [2] })])).toEqual([1]);
    // without --health-check every running task is taken
    expect(servicesOf([app({ healthChecks: [httpCheck], tasks: [task('c', { ports: [3] })] })], { ...opts, healthCheck: false }, resolve)[0]!.backends).toHaveLength(1);
  });

  it('leaves out a port with no task to send to, and tasks whose host does not resolve', () => {
    expect(servicesOf([app({ tasks: [] })], opts, resolve)).toEqual([]);
    expect(servicesOf([app({ tasks: [task('x', { host: 'nowhere' })] })], opts, resolve)).toEqual([]);
  });

  it('pairs service ports with task ports by index; HAPROXY_{n}_PORT moves the bind and the names', () => {
    const a = app({ portDefinitions: [{ port: 10000 }, { port: 10001 }], labels: { HAPROXY_GROUP: 'external', HAPROXY_1_PORT: '9999' }, tasks: [task('t', { ports: [31000, 31001] })] });
    expect(servicesOf([a], opts, resolve).map((s) => [s.backend, s.servicePort, s.backends[0]!.port])).toEqual([['nginx_9999', 9999, 31001], ['nginx_10000', 10000, 31000]]);
  });

  it('reads bridge apps from their port mappings and IP-per-task apps from the task address', () => {
    const bridge = app({ portDefinitions: [], container: { type: 'DOCKER', docker: { network: 'BRIDGE' }, portMappings: [{ containerPort: 80, hostPort: 0, servicePort: 10005 }] }, tasks: [task('t', { ports: [31555] })] });
    expect(servicesOf([bridge], opts, resolve).map((s) => [s.servicePort, s.backends[0]])).toEqual([[10005, { host: 'agent1', ip: '1.1.1.1', port: 31555 }]]);
    const perTask = app({ portDefinitions: [], networks: [{ mode: 'container' }], container: { type: 'DOCKER', portMappings: [{ containerPort: 8080, servicePort: 10006 }] }, tasks: [task('t', { ports: [], ipAddresses: [{ ipAddress: '9.0.0.7' }] })] });
    expect(servicesOf([perTask], opts, resolve)[0]!.backends).toEqual([{ host: 'agent1', ip: '9.0.0.7', port: 8080 }]);
  });
});

describe('the haproxy.cfg it writes', () => {
  const sslOpts = { sslCerts: ['/etc/ssl/cert.pem'], bindHttpHttps: true };

  it("lays out a vhost app as Marathon-LB's own test expects it (names, ACLs, server id)", () => {
    const a = app({ labels: { HAPROXY_GROUP: 'external', HAPROXY_0_VHOST: 'test.example.com' }, healthChecks: [httpCheck], tasks: [task('t', { healthCheckResults: [{ alive: true }] })] });
    const text = haproxyConfig(servicesOf([a], opts, resolve), sslOpts);
    expect(text.slice(text.indexOf('\nfrontend marathon_http_in'))).toBe(`
frontend marathon_http_in
  bind *:80
  mode http
  acl host_test_example_com_nginx hdr(host) -i test.example.com
  use_backend nginx_10000 if host_test_example_com_nginx

frontend marathon_http_appid_in
  bind *:9091
  mode http
  acl app__nginx hdr(x-marathon-app-id) -i /nginx
  use_backend nginx_10000 if app__nginx

frontend marathon_https_in
  bind *:443 ssl crt /etc/ssl/cert.pem
  mode http
  use_backend nginx_10000 if { ssl_fc_sni test.example.com }

frontend nginx_10000
  bind *:10000
  mode http
  use_backend nginx_10000

backend nginx_10000
  balance roundrobin
  mode http
  option forwardfor
  http-request set-header X-Forwarded-Port %[dst_port]
  http-request add-header X-Forwarded-Proto https if { ssl_fc }
  option  httpchk GET /
  timeout check 10s
  server agent1_1_1_1_1_1024 1.1.1.1:1024 id 28363 check inter 2s fall 11
`);
  });

  it("lays out paths and redirects as Marathon-LB's own tests expect them", () => {
    const frontend80 = (labels: Record<string, string>) => {
      const text = haproxyConfig(servicesOf([app({ labels: { HAPROXY_GROUP: 'external', ...labels } })], opts, resolve), sslOpts);
      return text.slice(text.indexOf('frontend marathon_http_in\n'), text.indexOf('\nfrontend marathon_http_appid_in'));
    };
    // one vhost with a path and a redirect: the redirect takes the place of the routing
    expect(frontend80({ HAPROXY_0_VHOST: 'test.example.com', HAPROXY_0_PATH: '/some/path', HAPROXY_0_REDIRECT_TO_HTTPS: 'true' })).toBe(
      'frontend marathon_http_in\n  bind *:80\n  mode http\n  acl host_test_example_com_nginx hdr(host) -i test.example.com\n  acl path_nginx_10000 path_beg /some/path\n  redirect scheme https code 301 if !{ ssl_fc } host_test_example_com_nginx path_nginx_10000\n',
    );
    // several vhosts: the path ACL first, one host ACL name for all of them
    expect(frontend80({ HAPROXY_0_VHOST: 'test.example.com,test', HAPROXY_0_PATH: '/some/path', HAPROXY_0_REDIRECT_TO_HTTPS: 'true' })).toBe(
      'frontend marathon_http_in\n  bind *:80\n  mode http\n  acl path_nginx_10000 path_beg /some/path\n  acl host_test_example_com_nginx hdr(host) -i test.example.com\n  acl host_test_example_com_nginx hdr(host) -i test\n  redirect scheme https code 301 if !{ ssl_fc } host_test_example_com_nginx path_nginx_10000\n',
    );
    expect(frontend80({ HAPROXY_0_VHOST: 'test.example.com,test' })).toBe(
      'frontend marathon_http_in\n  bind *:80\n  mode http\n  acl host_test_example_com_nginx hdr(host) -i test.example.com\n  acl host_test_example_com_nginx hdr(host) -i test\n  use_backend nginx_10000 if host_test_example_com_nginx\n',
    );
    // one vhost without a path: routing, then the redirect
    expect(frontend80({ HAPROXY_0_VHOST: 'test.example.com', HAPROXY_0_REDIRECT_TO_HTTPS: 'true' })).toContain(
      '  use_backend nginx_10000 if host_test_example_com_nginx\n  redirect scheme https code 301 if !{ ssl_fc } host_test_example_com_nginx\n',
    );
    const text = haproxyConfig(servicesOf([app({ labels: { HAPROXY_GROUP: 'external', HAPROXY_0_VHOST: 'a.example.com,b.example.com', HAPROXY_0_PATH: '/api' } })], opts, resolve), sslOpts);
    expect(text).toContain('  acl path_nginx_10000 path_beg /api\n  use_backend nginx_10000 if { ssl_fc_sni a.example.com } path_nginx_10000\n  use_backend nginx_10000 if { ssl_fc_sni b.example.com } path_nginx_10000\n');
  });

  it('checks a server only with a health check of its port: a COMMAND check (no port, no portIndex) adds none', () => {
    const command = { protocol: 'COMMAND', intervalSeconds: 60, timeoutSeconds: 20, maxConsecutiveFailures: 3 };
    const a = app({ labels: { HAPROXY_GROUP: 'external', HAPROXY_0_VHOST: 'c.example.com' }, healthChecks: [command], tasks: [task('t', { healthCheckResults: [{ alive: true }] })] });
    const text = haproxyConfig(servicesOf([a], opts, resolve), sslOpts);
    expect(text).not.toContain('httpchk');
    expect(text).toMatch(/ {2}server agent1_1_1_1_1_1024 1\.1\.1\.1:1024 id \d+\n/);
  });

  it('never routes the http ports to a tcp backend (HAProxy 2.6 refuses that configuration)', () => {
    const a = app({ labels: { HAPROXY_GROUP: 'external', HAPROXY_0_VHOST: 'x.example.com', HAPROXY_0_MODE: 'tcp' } });
    const text = haproxyConfig(servicesOf([a], opts, resolve), sslOpts);
    expect(text).not.toContain('hdr(host) -i x.example.com');
    expect(text).toContain('frontend nginx_10000\n  bind *:10000\n  mode tcp\n');
  });

  it('keeps server ids distinct and stable, and sorts servers by host and port', () => {
    const a = app({ tasks: [task('b', { host: 'agent2', ports: [5] }), task('a', { ports: [7] }), task('c', { ports: [6] })] });
    const servers = haproxyConfig(servicesOf([a], opts, resolve), sslOpts).split('\n').filter((l) => l.startsWith('  server '));
    expect(servers.map((l) => l.split(' ')[3])).toEqual(['agent1_1_1_1_1_6', 'agent1_1_1_1_1_7', 'agent2_2_2_2_2_5']);
    expect(new Set(servers.map((l) => l.split(' ')[6])).size).toBe(3);
  });

  it('gives the gateway the service ports to route, and not the fixed frontends or the stats listener', () => {
    const apps = [app(), app({ id: '/grp/web', portDefinitions: [{ port: 10001 }], labels: { HAPROXY_GROUP: 'external', HAPROXY_0_VHOST: 'w.local' } })];
    const text = haproxyConfig(servicesOf(apps, opts, resolve), sslOpts);
    expect(serviceTargetsOf(text, '10.0.0.5')).toEqual([
      { kind: 'service', service: 'grp_web_10001', port: 10001, address: '10.0.0.5:10001' },
      { kind: 'service', service: 'nginx_10000', port: 10000, address: '10.0.0.5:10000' },
    ]);
  });
});

describe("the image's arguments", () => {
  it('reads sse mode, the Marathons, groups and switches', () => {
    expect(parseArgs(['sse', '-m', 'http://a:8080', 'http://b:8080', '--health-check', '--group', 'external', '--group', 'x'])).toMatchObject({
      marathon: ['http://a:8080', 'http://b:8080'], groups: ['external', 'x'], healthCheck: true, bindHttpHttps: true,
    });
  });

  it('refuses what it does not emulate, naming it', () => {
    expect(() => parseArgs(['poll', '--group', 'external'])).toThrow(/only `sse` mode/);
    expect(() => parseArgs(['sse', '--haproxy-map', '--group', 'external'])).toThrow(/--haproxy-map is not emulated/);
    expect(() => parseArgs(['sse', '--no-such-option', '--group', 'external'])).toThrow(new UsageError('unrecognized arguments: --no-such-option'));
    // options that only tune marathon_lb.py itself are taken and ignored
    expect(parseArgs(['sse', '--group', 'external', '--reload-interval', '5', '--marathon-auth-credential-file', '/x', '-s']).groups).toEqual(['external']);
    expect(() => parseArgs(['sse', '-m', 'http://a:8080'])).toThrow(/required: --group/);
  });
});
