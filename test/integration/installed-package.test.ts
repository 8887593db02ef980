// The package as a newcomer gets it: `npm pack`, installed into an empty project
// with production dependencies only, then its `mesos-up` binary starts a cluster.
// Catches a runtime import of a devDependency and a file missing from "files".
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterObjects } from '../support/docker.js';
import { npmInstall, packInto } from '../support/pack.js';
const NAME = 'it-installed';
let dir: string;
let bin: string;

const run = (args: string[]) => execa(process.execPath, [bin, ...args], { cwd: dir, reject: false, env: { CI: 'true' } });

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mesos-up-installed-'));
  const tarball = await packInto(dir);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'newcomer', version: '1.0.0', private: true }));
  await npmInstall(dir, ['--omit=dev', '--omit=peer', tarball]);
  bin = path.join(dir, 'node_modules', 'mesos-up', 'bin', 'mesos-up.js');
}, 240_000);

afterAll(async () => {
  if (bin) await run(['down', '--name', NAME]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the installed package (npm pack, production dependencies only)', () => {
  it('prints its help and version', async () => {
    const help = await run(['--help']);
    expect(help.exitCode, help.stderr).toBe(0);
    expect(help.stdout).toContain('mesos-up up');
    const v = await run(['--version']);
    expect(v.stdout.trim()).toBe((await import('../../package.json', { with: { type: 'json' } })).default.version);
  });

  it('starts a cluster with the emulated images it ships, and removes it', async () => {
    const up = await run(['up', '--name', NAME, '--images', 'emulated', '--json']);
    expect(up.exitCode, `${up.stdout}\n${up.stderr}`).toBe(0);
    expect((JSON.parse(up.stdout) as { health: string }).health).toBe('running');
    const down = await run(['down', '--name', NAME]);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(await clusterObjects(NAME)).toEqual([]);
  });
});
