import { describe, expect, it } from 'vitest';
import type { App } from '../../../emulator/src/marathon/app/types.js';
import { readinessUrl, type ReadinessCheck } from '../../../emulator/src/marathon/readiness.js';
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
