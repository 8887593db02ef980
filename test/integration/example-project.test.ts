// What a user's repository does with mesos-up: examples/vitest-project (a vitest
// suite on the fixture, and a GitHub Actions workflow), and the README's fixture
// example, both run as written on this Node (20 in CI) against the packed package.
import { execa } from 'execa';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { connectEngine } from '../../src/engine/connect.js';
import { OWNER_LABEL } from '../../src/testing/session.js';
import { npmInstall, packInto, ROOT } from '../support/pack.js';

const EXAMPLE = path.join(ROOT, 'examples', 'vitest-project');
let dir: string;

/**
 * Containers whose owner process has ended and was started by the command under
 * test (a pid above the command's own, a container made after it began): what
 * its fixture left behind. Other test files' clusters have owners that live, or
 * began before. Checked as soon as the command ends, before a reaper would act.
 */
async function orphaned(since: number, commandPid: number | undefined): Promise<string[]> {
  const containers = await (await connectEngine()).listContainers({ all: true, filters: { label: [OWNER_LABEL] } });
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  return containers
    .filter((c) => {
      const [host, pid] = (c.Labels[OWNER_LABEL] ?? '').split(':');
      return c.Created * 1000 >= since - 1000 && host === os.hostname() && Number(pid) >= (commandPid ?? 0) && !alive(Number(pid));
    })
    .map((c) => `${c.Names[0]} (owner ${c.Labels[OWNER_LABEL]}, ${c.State})`);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mesos-up-example-'));
  cpSync(EXAMPLE, dir, { recursive: true });
  const tarball = await packInto(dir);
  // The example depends on mesos-up from the registry; here, on this checkout's package.
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  pkg.devDependencies['mesos-up'] = `file:${tarball}`;
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  await npmInstall(dir);
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a user project (examples/vitest-project)', () => {
  it('its npm test passes: a cluster per file, an app deployed, reached on its port, scaled, and removed', async () => {
    const t0 = Date.now();
    const proc = execa('npm', ['test'], { cwd: dir, reject: false, env: { CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' } });
    const r = await proc;
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/Tests\s+2 passed/);
    // useCluster removed its cluster when the file ended
    expect(await orphaned(t0, proc.pid)).toEqual([]);
  });

  it('its GitHub Actions workflow installs, checks the engine and runs that same npm test', () => {
    const wf = parse(readFileSync(path.join(EXAMPLE, '.github', 'workflows', 'test.yml'), 'utf8')) as { jobs: { test: { steps: Array<{ run?: string }> } } };
    const runs = wf.jobs.test.steps.map((s) => s.run).filter(Boolean);
    expect(runs).toEqual(['npm install', 'npx mesos-up doctor', 'npm test', 'npx mesos-up down --all']);
  });
});

describe("the README's fixture example", () => {
  it('runs as written with plain node (no await using), and removes its cluster', async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## In tests'));
    const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    expect(code, 'README.md "## In tests" has a ```js block').toBeTruthy();
    writeFileSync(path.join(dir, 'example.mjs'), code!);
    const t0 = Date.now();
    const proc = execa(process.execPath, ['example.mjs'], { cwd: dir, reject: false });
    const r = await proc;
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/^\/web runs on \S+-agent\d, port \d+, reached at 127\.0\.0\.1:\d+; Marathon at http:\/\/127\.0\.0\.1:\d+$/m);
    expect(await orphaned(t0, proc.pid)).toEqual([]);
  });
});
