import { describe, expect, it } from 'vitest';
import type { App } from '../../../emulator/src/marathon/app/types.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readinessUrl, runReadinessChecks, type ReadinessCheck, type ReadinessResult } from '../../../emulator/src/marathon/readiness.js';
import type { TaskRecord } from '../../../emulator/src/marathon/tasks.js';

const check: ReadinessCheck = {
  name: 'ready', protocol: 'HTTP', path: '/ready', portName: 'api', intervalSeconds: 30, timeoutSeconds: 10, httpStatusCodesForReady: [200], preserveLastResponse: false,
};
const task = { taskId: 't', host: '10.0.0.5', hostPorts: [31001, 31002], ipAddresses: [{ ipAddress: '172.20.0.9', protocol: 'IPv4' }] } as TaskRecord;
const app = (over: Partial<App>) => ({ networks: [{ mode: 'host' }], ...over }) as App;

describe('where Marathon sends a readiness check (the PortAssignment of the named port)', () => {
  it('uses the agent and the host port of the named port definition', () => {
    const a = app({ portDefinitions: [{ port: 0, name: 'admin', protocol: 'tcp', labels: {} }, { port: 0, name: 'api', protocol: 'tcp', labels: {} }] });
    expect(readinessUrl(a, task, check)).toBe('http://10.0.0.5:31002/ready');
    expect(readinessUrl(a, task, { ...check, protocol: 'HTTPS', portName: 'admin' })).toBe('https://10.0.0.5:31001/ready');
  });

  it('counts only the port mappings that have a host port, and uses the container address and port for one without', () => {
    const container = {
      type: 'DOCKER',
      portMappings: [
        { containerPort: 80, name: 'internal', protocol: 'tcp', servicePort: 0, labels: {} },
        { containerPort: 8080, hostPort: 0, name: 'api', protocol: 'tcp', servicePort: 0, labels: {} },
      ],
    } as unknown as App['container'];
    const a = app({ networks: [{ mode: 'container', name: 'dcos' }], container });
    expect(readinessUrl(a, task, check)).toBe('http://10.0.0.5:31001/ready');
    expect(readinessUrl(a, task, { ...check, portName: 'internal' })).toBe('http://172.20.0.9:80/ready');
  });

  it('names the port it cannot find', () => {
    expect(() => readinessUrl(app({ portDefinitions: [] }), task, check)).toThrow("no port definition for port name 'api' was found");
  });
});

describe('a readiness check against a task (ReadinessCheckExecutorImpl)', () => {
  const firstResult = (app: App, t: TaskRecord, c: ReadinessCheck) =>
    new Promise<ReadinessResult>((resolve) => {
      const run = runReadinessChecks({ ...app, readinessChecks: [c] } as unknown as App, t, (r) => {
        run.stop();
        resolve(r);
      });
    });
  const portApp = app({ portDefinitions: [{ port: 0, name: 'api', protocol: 'tcp', labels: {} }] });

  it('keeps the answer it got, with the media type only, and is ready on a listed status', async () => {
    const server = http.createServer((_, res) => res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' }).end('warming'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const t = { ...task, host: '127.0.0.1', hostPorts: [port] } as TaskRecord;
    try {
      expect(await firstResult(portApp, t, { ...check, preserveLastResponse: true })).toEqual({
        name: 'ready', taskId: 't', ready: false, lastResponse: { status: 503, contentType: 'text/plain', body: 'warming' },
      });
      expect(await firstResult(portApp, t, { ...check, httpStatusCodesForReady: [503] })).toEqual({ name: 'ready', taskId: 't', ready: true });
    } finally {
      server.close();
    }
  });

  it('turns a request that fails into a 504 that is never ready, even when 504 is a ready status', async () => {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    server.close(); // nothing listens there now
    const t = { ...task, host: '127.0.0.1', hostPorts: [port] } as TaskRecord;
    const r = await firstResult(portApp, t, { ...check, preserveLastResponse: true, httpStatusCodesForReady: [504] });
    expect(r.ready).toBe(false);
    expect(r.lastResponse).toMatchObject({ status: 504, contentType: 'text/plain' });
    expect(r.lastResponse!.body).toMatch(new RegExp(`^Marathon could not query http://127.0.0.1:${port}/ready: .*ECONNREFUSED`));
    // A path without its slash makes no URL, in Marathon too: a failed check, not a crash.
    const bad = await firstResult(portApp, t, { ...check, path: 'ready', preserveLastResponse: true });
    expect(bad).toMatchObject({ ready: false, lastResponse: { status: 504 } });
    expect(bad.lastResponse!.body).toContain(`Marathon could not query http://127.0.0.1:${port}ready`);
  });
});
