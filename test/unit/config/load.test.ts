import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../../src/config/load.js';
import { MesosUpError } from '../../../src/errors.js';

function withFile(text: string): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mesos-up-cfg-'));
  const file = path.join(dir, 'cluster.yaml');
  writeFileSync(file, text);
  return { dir, file };
}

function configError(text: string): MesosUpError {
  const { file } = withFile(text);
  try {
    loadSpec(file);
  } catch (err) {
    expect(err).toBeInstanceOf(MesosUpError);
    return err as MesosUpError;
  }
  throw new Error('expected a config error');
}

describe('loadSpec', () => {
  it('uses the built-in defaults when there is no cluster.yaml', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mesos-up-empty-'));
    const { spec, file } = loadSpec(undefined, {}, dir);
    expect(file).toBeUndefined();
    expect(spec.name).toBe('demo');
    expect(spec.masters.count).toBe(1);
    expect(spec.agents.count).toBe(1);
    expect(spec.marathon).toMatchObject({ localPortMin: 8000, localPortMax: 8100 });
    // the walkthrough's port 8000 must be offerable
    expect(spec.agents.resources.ports[0]).toEqual({ begin: 8000, end: 8100 });
    expect(spec.timeouts.upMs).toBe(180_000);
  });

  it('reads ./cluster.yaml when present, and CLI flags beat it', () => {
    const { dir } = withFile('name: ci\nmasters: { count: 3 }\nagents:\n  count: 2\n  resources: { cpus: 1.5, mem: 1024 }\ntimeouts: { up: 2m }\n');
    const fromFile = loadSpec(undefined, {}, dir).spec;
    expect(fromFile).toMatchObject({ name: 'ci', masters: { count: 3 }, agents: { count: 2, resources: { cpus: 1.5, mem: 1024, disk: 4096 } }, timeouts: { upMs: 120_000 } });
    const overridden = loadSpec(undefined, { name: 'other', agents: 4, masters: 5, waitMs: 5000, images: 'emulated' }, dir).spec;
    expect(overridden).toMatchObject({ name: 'other', agents: { count: 4 }, masters: { count: 5 }, timeouts: { upMs: 5000 }, images: 'emulated' });
  });

  it('reports an unknown key with file:line:col of the key', () => {
    const err = configError('name: x\nagents:\n  count: 1\n  cpu: 2\n');
    expect(err.code).toBe('CONFIG');
    expect(err.message).toMatch(/cluster\.yaml:4:3: unknown key "agents\.cpu"/);
  });

  it('reports a wrong type at the value', () => {
    const err = configError('agents:\n  count: three\n');
    expect(err.message).toMatch(/cluster\.yaml:2:10: agents\.count must be a number/);
  });

  it('refuses two masters and says why', () => {
    const err = configError('masters:\n  count: 2\n');
    expect(err.message).toMatch(/cluster\.yaml:2:10: masters\.count must be 1, 3 or 5/);
  });

  it('refuses a reversed port range', () => {
    const err = configError('agents:\n  resources:\n    ports: "8100-8000"\n');
    expect(err.message).toMatch(/cluster\.yaml:3:12: agents\.resources\.ports range 8100-8000 is reversed/);
  });

  it('refuses published ports the agents do not offer', () => {
    const err = configError('agents:\n  resources: { ports: "31000-32000" }\n  publishPorts: "8000-8009"\n');
    expect(err.message).toMatch(/cluster\.yaml:3:17: agents\.publishPorts 8000-8009 is not inside/);
  });

  it('reports YAML syntax errors with their position', () => {
    const err = configError('name: demo\nagents: [1, 2\n');
    expect(err.message).toMatch(/cluster\.yaml:\d+:\d+: YAML syntax error/);
  });

  it('lists every problem, not only the first', () => {
    const err = configError('masters: { count: 4 }\nagents: { count: 0 }\nbogus: 1\n');
    expect(err.message.split('\n').filter((l) => /cluster\.yaml:\d+:\d+/.test(l))).toHaveLength(3);
  });

  it('adds public agents on top of the private one, or makes the last of agents.count public', () => {
    expect(loadSpec(withFile('agents: { public: 1 }\n').file).spec.agents).toMatchObject({ count: 2, public: 1 });
    expect(loadSpec(withFile('agents: { count: 3, public: 1 }\n').file).spec.agents).toMatchObject({ count: 3, public: 1 });
    const { dir } = withFile('agents: { count: 3, public: 1 }\n');
    // --public-agents alone keeps the private agents the file has; with --agents, that is the total
    expect(loadSpec(undefined, { publicAgents: 2 }, dir).spec.agents).toMatchObject({ count: 4, public: 2 });
    expect(loadSpec(undefined, { publicAgents: 2, agents: 3 }, dir).spec.agents).toMatchObject({ count: 3, public: 2 });
    expect(() => loadSpec(undefined, { agents: 1 }, dir)).toThrow('--agents 1 leaves no private agent: 1 of them are public (--public-agents or agents.public)');
    expect(configError('agents: { count: 2, public: 2 }\n').message).toMatch(/cluster\.yaml:1:\d+: agents\.public must be below agents\.count \(2\): apps that do not ask for slave_public need a private agent/);
  });

  it('fails clearly for a missing -f file and bad flags', () => {
    expect(() => loadSpec('/nonexistent/cluster.yaml')).toThrow(/config file \/nonexistent\/cluster\.yaml does not exist/);
    expect(() => loadSpec(undefined, { masters: 2 }, os.tmpdir())).toThrow(/--masters 2 is not possible/);
    expect(() => loadSpec(undefined, { name: 'Bad_Name' }, os.tmpdir())).toThrow(/--name "Bad_Name"/);
  });
});

describe('the cluster.yaml shipped in the repository', () => {
  it('is valid and equals the built-in defaults', async () => {
    const { defaultSpec } = await import('../../../src/config/defaults.js');
    const { spec } = loadSpec(path.join(import.meta.dirname, '../../../cluster.yaml'));
    expect(spec).toEqual(defaultSpec());
  });
});
