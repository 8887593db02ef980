import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appFromFlags, readAppDocument, withLoadBalancer } from '../../../src/marathon/app-file.js';
import { appIdOfTask } from '../../../src/marathon/client.js';
import { deepMerge, shallowMerge } from '../../../src/marathon/merge.js';

const app = { id: 'marathon-nc', cmd: 'echo hi', cpus: 0.1, container: { type: 'MESOS', volumes: [] }, labels: { a: '1' } };
const container = { container: { type: 'DOCKER', docker: { image: 'img', network: 'BRIDGE' } }, labels: { b: '2' } };

describe('merging app documents', () => {
  it('shallow merge replaces top-level keys, like jq -s add', () => {
    expect(shallowMerge([app, container])).toEqual({ id: 'marathon-nc', cmd: 'echo hi', cpus: 0.1, container: container.container, labels: { b: '2' } });
  });

  it('deep merge merges objects key by key and replaces arrays', () => {
    expect(deepMerge([app, container, { container: { volumes: [1] } }])).toEqual({
      id: 'marathon-nc', cmd: 'echo hi', cpus: 0.1,
      container: { type: 'DOCKER', volumes: [1], docker: { image: 'img', network: 'BRIDGE' } },
      labels: { a: '1', b: '2' },
    });
  });

  it('does not change its inputs', () => {
    const before = structuredClone(app);
    deepMerge([app, container]);
    expect(app).toEqual(before);
  });
});

describe('app documents from files and flags', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mesos-up-app-'));
  it('reads JSON and YAML', () => {
    writeFileSync(path.join(dir, 'a.json'), JSON.stringify(app));
    writeFileSync(path.join(dir, 'a.yaml'), 'id: marathon-nc\ncmd: echo hi\ncpus: 0.1\n');
    expect(readAppDocument(path.join(dir, 'a.json'))).toEqual(app);
    expect(readAppDocument(path.join(dir, 'a.yaml'))).toEqual({ id: 'marathon-nc', cmd: 'echo hi', cpus: 0.1 });
  });

  it('names the file when it is missing or not one object', () => {
    writeFileSync(path.join(dir, 'list.json'), '[1,2]');
    expect(() => readAppDocument(path.join(dir, 'missing.json'))).toThrow(/Cannot read .*missing\.json: ENOENT/);
    expect(() => readAppDocument(path.join(dir, 'list.json'))).toThrow(/list\.json must hold one app definition .* not a list/);
  });

  it('builds the walkthrough app from flags, with --port meaning that exact host port', () => {
    expect(appFromFlags({ id: 'marathon-nc', cmd: 'echo "hello $MESOS_TASK_ID" | nc -l $PORT0', cpus: 0.1, mem: 32, instances: 1, port: [8000] })).toEqual({
      id: 'marathon-nc', cmd: 'echo "hello $MESOS_TASK_ID" | nc -l $PORT0', cpus: 0.1, mem: 32, instances: 1,
      portDefinitions: [{ port: 8000 }], requirePorts: true,
    });
    expect(appFromFlags({ id: 'x', port: [0] })).toMatchObject({ portDefinitions: [{ port: 0 }], requirePorts: false });
  });
});

describe('appIdOfTask', () => {
  it('reads the app id from Marathon task ids of both formats', () => {
    expect(appIdOfTask('marathon-nc.6a0d2c1e-2a5b-11e9-b210-d663bd873d93')).toBe('/marathon-nc');
    expect(appIdOfTask('prod_web.api.0b2c-11e9')).toBe('/prod/web.api');
    expect(appIdOfTask('a_b.instance-3f1c2e00-2a5b-11e9-b210-d663bd873d93._app.1')).toBe('/a/b');
  });
});

describe('app deploy --lb', () => {
  it("adds the group and the vhost, keeps the app's other labels, and gives a portless app one port", () => {
    expect(withLoadBalancer({ id: '/web', cmd: 'x', labels: { team: 'a', HAPROXY_GROUP: 'old' } }, { group: 'external', vhost: 'web.local' })).toEqual({
      id: '/web', cmd: 'x', labels: { team: 'a', HAPROXY_GROUP: 'external', HAPROXY_0_VHOST: 'web.local' }, portDefinitions: [{ port: 0 }],
    });
    // ports the app has stay as they are; no vhost, no vhost label
    expect(withLoadBalancer({ id: '/db', portDefinitions: [{ port: 10000 }] }, { group: 'internal' })).toEqual({ id: '/db', labels: { HAPROXY_GROUP: 'internal' }, portDefinitions: [{ port: 10000 }] });
  });

  it('refuses a vhost that is not a host name', () => {
    expect(() => withLoadBalancer({ id: '/web' }, { group: 'external', vhost: 'http://web.local/' })).toThrow(/--lb http:\/\/web.local\/ is not a host name/);
  });
});
