// A cluster over several Docker engines, as cluster.yaml (`engines`) and the
// command line (`--engine ENDPOINT=AGENTS`) describe it: what is accepted, what
// it resolves to, and the message each mistake gets.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../../src/config/defaults.js';
import { loadSpec, type Overrides } from '../../../src/config/load.js';
import { applyOverrides, parseEngineFlag } from '../../../src/config/overrides.js';
import { validEngineEndpoint } from '../../../src/config/engine-endpoint.js';
import { MesosUpError } from '../../../src/errors.js';

function withFile(text: string): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mesos-up-engines-'));
  const file = path.join(dir, 'cluster.yaml');
  writeFileSync(file, text);
  return { dir, file };
}

/** The error loading `text` (and `overrides`) gives; fails the test when there is none. */
function loadError(text: string | undefined, overrides: Overrides = {}): { err: MesosUpError; file: string } {
  const { dir, file } = withFile(text ?? '');
  try {
    loadSpec(text === undefined ? undefined : file, overrides, text === undefined ? mkdtempSync(path.join(os.tmpdir(), 'mesos-up-none-')) : dir);
  } catch (err) {
    expect(err).toBeInstanceOf(MesosUpError);
    return { err: err as MesosUpError, file };
  }
  throw new Error('expected an error');
}

/** The problem lines of a config error that name a position in the file. */
const problemLines = (err: MesosUpError, file: string): string[] => err.message.split('\n').map((l) => l.trim()).filter((l) => l.startsWith(`${file}:`));

const TWO_ENGINES = 'engines:\n  - endpoint: local\n    agents: 1\n  - endpoint: tcp://10.0.0.5:2375\n    agents: 2\n    advertise: 10.0.0.5\n';

describe('engines in cluster.yaml', () => {
  it('derives agents.count from the engines and keeps each engine as written, advertise included', () => {
    const { spec } = loadSpec(withFile(TWO_ENGINES).file);
    expect(spec.agents.count).toBe(3);
    expect(spec.engines).toEqual([
      { endpoint: 'local', agents: 1 },
      { endpoint: 'tcp://10.0.0.5:2375', agents: 2, advertise: '10.0.0.5' },
    ]);
  });

  it('accepts an agents.count that agrees with the engines, public agents among them, and engines with no agent', () => {
    const { spec } = loadSpec(withFile('agents: { count: 3, public: 1 }\nengines:\n  - { endpoint: local, agents: 0 }\n  - { endpoint: other-box, agents: 3 }\n').file);
    expect(spec.agents).toMatchObject({ count: 3, public: 1 });
    expect(spec.engines.map((e) => [e.endpoint, e.agents])).toEqual([['local', 0], ['other-box', 3]]);
  });

  it('takes every endpoint form: local, a context name, unix, tcp, ssh and http(s) URLs', () => {
    const endpoints = ['local', 'desktop-linux', 'ctx_2.b+c', 'unix:///var/run/docker.sock', 'tcp://10.0.0.5:2375', 'ssh://me@box', 'https://box:2376', 'http://box:2375'];
    const text = `engines:\n${endpoints.map((e) => `  - { endpoint: "${e}", agents: 1 }\n`).join('')}`;
    expect(loadSpec(withFile(text).file).spec.engines.map((e) => e.endpoint)).toEqual(endpoints);
  });

  it('leaves engines empty (one engine, the CLI’s) when the file does not list any', () => {
    const { spec } = loadSpec(withFile('agents: { count: 2 }\n').file);
    expect(spec.engines).toEqual([]);
    expect(spec.agents.count).toBe(2);
  });

  it('refuses endpoint text that is neither local, a context name nor a known URL scheme, at the value', () => {
    const { err, file } = loadError('engines:\n  - endpoint: local\n    agents: 1\n  - endpoint: "not an engine"\n    agents: 2\n');
    expect(err.code).toBe('CONFIG');
    expect(problemLines(err, file)).toEqual([`${file}:4:15: engines.1.endpoint must be local, a docker context name or a URL (unix://, tcp://, ssh://)`]);
    for (const bad of ['ftp://box', 'tcp://', '-ctx', 'TCP://box:2375']) {
      const r = loadError(`engines:\n  - endpoint: "${bad}"\n    agents: 1\n`);
      expect(problemLines(r.err, r.file), bad).toEqual([`${r.file}:2:15: engines.0.endpoint must be local, a docker context name or a URL (unix://, tcp://, ssh://)`]);
    }
  });

  it('refuses a negative, fractional, too large or missing number of agents', () => {
    const negative = loadError('engines:\n  - endpoint: local\n    agents: 1\n  - endpoint: box\n    agents: -1\n');
    expect(problemLines(negative.err, negative.file)).toEqual([`${negative.file}:5:13: engines.1.agents must not be negative`]);
    const fraction = loadError('engines:\n  - { endpoint: local, agents: 1.5 }\n');
    expect(fraction.err.message).toMatch(/cluster\.yaml:2:\d+: engines\.0\.agents must be a whole number/);
    const big = loadError('engines:\n  - { endpoint: local, agents: 33 }\n');
    expect(big.err.message).toMatch(/cluster\.yaml:2:\d+: engines\.0\.agents must be at most 32/);
    const missing = loadError('engines:\n  - endpoint: local\n');
    expect(missing.err.message).toMatch(/cluster\.yaml:2:\d+: engines\.0\.agents must be a number of agents/);
  });

  it('refuses an engine listed twice, at the second one, naming the first', () => {
    const { err, file } = loadError('engines:\n  - endpoint: local\n    agents: 1\n  - endpoint: box\n    agents: 1\n  - endpoint: box\n    agents: 2\n');
    expect(err.code).toBe('CONFIG');
    expect(problemLines(err, file)).toEqual([`${file}:6:15: engines.2.endpoint box is listed twice (also engines.1): give each engine once, with all its agents`]);
  });

  it('refuses engines whose agents do not add up to agents.count, at engines', () => {
    const { err, file } = loadError('agents:\n  count: 2\nengines:\n  - endpoint: local\n    agents: 1\n  - endpoint: box\n    agents: 2\n');
    const lines = problemLines(err, file);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:3: engines `));
    expect(lines[0]).toContain('run 3 agents in all, but agents.count is 2');
  });

  it('refuses engines that run no agent at all', () => {
    const { err, file } = loadError('engines:\n  - endpoint: local\n    agents: 0\n');
    expect(problemLines(err, file)).toContain(`${file}:2:3: engines run no agent: Marathon needs one to run tasks`);
  });

  it('refuses an unknown key in an engine entry, at the key', () => {
    const { err, file } = loadError('engines:\n  - endpoint: local\n    agents: 1\n  - endpoint: box\n    agents: 1\n    adress: 10.0.0.5\n');
    expect(problemLines(err, file)).toEqual([`${file}:6:5: unknown key "engines.1.adress"`]);
  });

  it('refuses an empty list, an entry that is not a mapping and an empty advertise', () => {
    expect(loadError('engines: []\n').err.message).toMatch(/cluster\.yaml:1:10: engines must list at least one engine/);
    expect(loadError('engines:\n  - local\n').err.message).toMatch(/cluster\.yaml:2:5: engines\.0 must be a mapping with endpoint and agents/);
    expect(loadError('engines: local\n').err.message).toMatch(/cluster\.yaml:1:10: engines must be a list of engines/);
    expect(loadError('engines:\n  - { endpoint: local, agents: 1, advertise: "" }\n').err.message).toMatch(/cluster\.yaml:2:\d+: engines\.0\.advertise must be an address/);
  });

  it('places masters, ZooKeeper and Marathon where engines say, deriving masters.count from the engines', () => {
    const { file } = withFile('engines:\n  - endpoint: local\n    agents: 1\n    masters: 1\n  - endpoint: box\n    agents: 1\n    masters: 2\n    zookeeper: true\n    marathon: true\n');
    const spec = loadSpec(file).spec;
    expect(spec.masters.count).toBe(3);
    expect(spec.engines).toEqual([{ endpoint: 'local', agents: 1, masters: 1 }, { endpoint: 'box', agents: 1, masters: 2, zookeeper: true, marathon: true }]);
  });

  it('refuses placed masters that disagree with masters.count, or are not 1, 3 or 5, at engines', () => {
    const two = 'engines:\n  - endpoint: local\n    agents: 1\n    masters: 1\n  - endpoint: box\n    agents: 1\n    masters: 1\n';
    const even = loadError(two);
    expect(problemLines(even.err, even.file)).toEqual([expect.stringMatching(/:2:3: engines place 2 masters in all: a cluster runs 1, 3 or 5/)]);
    const { err, file } = loadError(`masters:\n  count: 3\n${two.replace('masters: 1\n  - endpoint: box', 'masters: 0\n  - endpoint: box')}`);
    expect(problemLines(err, file)).toEqual([expect.stringMatching(/:4:3: engines place 1 master in all, but masters.count is 3: make them agree, or leave masters.count out$/)]);
  });

  it('refuses ZooKeeper or Marathon on two engines, and a placement key that is not true, at the key', () => {
    const { err, file } = loadError('engines:\n  - endpoint: local\n    agents: 1\n    marathon: true\n  - endpoint: box\n    agents: 1\n    marathon: true\n    zookeeper: false\n');
    const lines = problemLines(err, file);
    expect(lines).toContain(`${file}:8:16: engines.1.zookeeper must be true (ZooKeeper runs on this engine) or left out`);
    expect(loadError('engines:\n  - endpoint: local\n    agents: 1\n    zookeeper: true\n  - endpoint: box\n    agents: 1\n    zookeeper: true\n').err.message).toMatch(
      /:7:16: engines\.1\.zookeeper is also set on engines\.0: one ZooKeeper runs, on one engine/,
    );
  });

  it('ignores placement with one engine listed (it runs everything), so masters.count and --masters stand', () => {
    const { file } = withFile('masters:\n  count: 3\nengines:\n  - endpoint: local\n    agents: 2\n    masters: 1\n');
    expect(loadSpec(file).spec.masters.count).toBe(3);
    expect(loadSpec(file, { masters: 5 }).spec.masters.count).toBe(5);
  });

  it('refuses --masters that disagrees with the masters the file places; --engine drops the placement', () => {
    const { file } = withFile('engines:\n  - endpoint: local\n    agents: 1\n  - endpoint: box\n    agents: 1\n    masters: 1\n');
    expect(() => loadSpec(file, { masters: 3 })).toThrow(/--masters 3 disagrees with the engines in the cluster file, which place 1 master/);
    expect(loadSpec(file, { masters: 1 }).spec.masters.count).toBe(1);
    const replaced = loadSpec(file, { masters: 3, engines: ['local=1', 'box=1'] }).spec;
    expect([replaced.masters.count, replaced.engines.some((e) => e.masters !== undefined)]).toEqual([3, false]);
  });

  it('lists every engine problem, not only the first', () => {
    const { err, file } = loadError('engines:\n  - endpoint: "bad endpoint"\n    agents: -1\n  - endpoint: local\n    agents: 1\n    extra: true\n');
    expect(problemLines(err, file)).toHaveLength(3);
  });
});

describe('--engine ENDPOINT=AGENTS', () => {
  it('splits at the last =, so URLs keep theirs', () => {
    expect(parseEngineFlag('local=2')).toEqual({ endpoint: 'local', agents: 2 });
    expect(parseEngineFlag('tcp://10.0.0.5:2375=3')).toEqual({ endpoint: 'tcp://10.0.0.5:2375', agents: 3 });
    expect(parseEngineFlag('ssh://me@box?x=1=0')).toEqual({ endpoint: 'ssh://me@box?x=1', agents: 0 });
    expect(parseEngineFlag('my-context=32')).toEqual({ endpoint: 'my-context', agents: 32 });
  });

  it('refuses a missing or bad count, and a bad endpoint, as usage errors naming the value', () => {
    for (const text of ['local', 'local=', '=2', 'local=two', 'local=-1', 'local=1.5', 'local=33']) {
      let thrown: unknown;
      try {
        parseEngineFlag(text);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, text).toBeInstanceOf(MesosUpError);
      expect((thrown as MesosUpError).code).toBe('USAGE');
      expect((thrown as MesosUpError).message, text).toContain(`--engine ${text}: say how many agents it runs, as ENDPOINT=AGENTS`);
    }
    expect(() => parseEngineFlag('ftp://box=2')).toThrow('--engine ftp://box=2: ftp://box is not local, a docker context name or a URL');
    expect(() => parseEngineFlag('two words=2')).toThrow('two words is not local');
  });

  it('replaces the file’s engines and sets agents.count to their sum', () => {
    const { dir } = withFile(TWO_ENGINES);
    const { spec } = loadSpec(undefined, { engines: ['local=2', 'ssh://me@box=3'] }, dir);
    expect(spec.engines).toEqual([{ endpoint: 'local', agents: 2 }, { endpoint: 'ssh://me@box', agents: 3 }]);
    expect(spec.agents.count).toBe(5);
  });

  it('works without a cluster.yaml', () => {
    const { spec, file } = loadSpec(undefined, { engines: ['local=1', 'tcp://10.0.0.5:2375=2'] }, mkdtempSync(path.join(os.tmpdir(), 'mesos-up-none-')));
    expect(spec.engines.map((e) => e.endpoint)).toEqual(['local', 'tcp://10.0.0.5:2375']);
    expect(spec.agents.count).toBe(3);
    expect(file).toBeUndefined();
  });

  it('keeps the advertise address the file gives the same endpoint, and only that one', () => {
    const { dir } = withFile(TWO_ENGINES);
    const { spec } = loadSpec(undefined, { engines: ['tcp://10.0.0.5:2375=1', 'local=1', 'tcp://10.0.0.6:2375=1'] }, dir);
    expect(spec.engines).toEqual([
      { endpoint: 'tcp://10.0.0.5:2375', agents: 1, advertise: '10.0.0.5' },
      { endpoint: 'local', agents: 1 },
      { endpoint: 'tcp://10.0.0.6:2375', agents: 1 },
    ]);
  });

  it('refuses an engine given twice', () => {
    expect(() => applyOverrides(defaultSpec(), { engines: ['local=1', 'box=1', 'box=2'] })).toThrow('--engine box is given twice');
  });

  it('refuses --agents that disagrees with the engines, and accepts one that agrees', () => {
    const { err } = loadError(undefined, { agents: 2, engines: ['local=1', 'box=2'] });
    expect(err.code).toBe('USAGE');
    expect(err.message).toBe('--agents 2 disagrees with --engine, whose agents add up to 3');
    expect(applyOverrides(defaultSpec(), { agents: 3, engines: ['local=1', 'box=2'] }).agents.count).toBe(3);
  });

  // applyOverrides checks --agents and --public-agents against --engine only: with
  // the engines from cluster.yaml they change agents.count past the engines' sum.
  it('refuses --agents that disagrees with the engines cluster.yaml lists, and keeps their count with --public-agents', () => {
    const { file } = withFile('engines:\n  - endpoint: local\n    agents: 1\n  - endpoint: box\n    agents: 2\n');
    expect(() => loadSpec(file, { agents: 5 })).toThrow(/--agents 5 disagrees with the engines in the cluster file, whose agents add up to 3/);
    expect(loadSpec(file, { agents: 3 }).spec.agents.count).toBe(3);
    const pub = loadSpec(file, { publicAgents: 1 }).spec;
    expect([pub.agents.count, pub.agents.public]).toEqual([3, 1]);
    expect(() => loadSpec(file, { publicAgents: 3 })).toThrow(/--public-agents 3 leaves no private agent/);
  });

  it('refuses engines with no agent, more than 32 agents, or no private agent', () => {
    expect(() => applyOverrides(defaultSpec(), { engines: ['local=0', 'box=0'] })).toThrow('the engines run no agent');
    expect(() => applyOverrides(defaultSpec(), { engines: ['local=20', 'box=13'] })).toThrow('--engine: 33 agents in all; at most 32 are possible');
    expect(() => applyOverrides(defaultSpec(), { publicAgents: 2, engines: ['local=1', 'box=1'] })).toThrow('--engine: 2 agents leave no private agent');
    expect(applyOverrides(defaultSpec(), { publicAgents: 1, engines: ['local=1', 'box=1'] }).agents).toMatchObject({ count: 2, public: 1 });
  });

  it('leaves the spec alone when no --engine is given, and does not change the spec it was given', () => {
    const { file } = withFile(TWO_ENGINES);
    const fromFile = loadSpec(file).spec;
    expect(applyOverrides(fromFile, {}).engines).toEqual(fromFile.engines);
    expect(applyOverrides(fromFile, { engines: [] }).engines).toEqual(fromFile.engines);
    const before = structuredClone(fromFile);
    applyOverrides(fromFile, { engines: ['local=4'] });
    expect(fromFile).toEqual(before);
  });
});

describe('validEngineEndpoint', () => {
  it('accepts the forms the README names and nothing with spaces or unknown schemes', () => {
    for (const ok of ['local', 'default', 'ctx.1', 'unix:///run/docker.sock', 'tcp://h:2375', 'ssh://u@h', 'http://h', 'https://h:2376']) expect(validEngineEndpoint(ok), ok).toBe(true);
    for (const bad of ['', ' local', 'a b', 'ftp://h', 'tcp://', 'npipe:////./pipe/docker_engine', '.hidden', 'tcp://a b']) expect(validEngineEndpoint(bad), bad).toBe(false);
  });
});
