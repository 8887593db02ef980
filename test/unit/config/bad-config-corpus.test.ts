// Every broken cluster.yaml in test/fixtures/bad-config is refused by the real
// CLI with exit status 2 and a file:line:col message, before any engine is contacted.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const DIR = path.resolve(import.meta.dirname, '../../fixtures/bad-config');
const BIN = path.resolve(import.meta.dirname, '../../../bin/mesos-up.js');
const expected = JSON.parse(readFileSync(path.join(DIR, 'expected.json'), 'utf8')) as Record<string, string>;
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

describe.concurrent('bad cluster.yaml corpus', () => {
  it('has at least 40 cases, each with an expected message', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
    expect(files.map((f) => f.replace(/\.yaml$/, '')).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(files)('%s: exit 2 with file:line:col and the expected message', async (file) => {
    const full = path.join(DIR, file);
    // An unreachable engine proves nothing was started: config errors come first.
    const run = await promisify(execFile)(process.execPath, [BIN, 'up', '-f', full], { env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent.sock', CI: 'true' } })
      .then(() => ({ code: 0, stderr: '' }))
      .catch((err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }));
    expect(run.code).toBe(2);
    const escaped = full.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(run.stderr).toMatch(new RegExp(`${escaped}:\\d+:\\d+: `));
    expect(run.stderr).toContain(expected[file.replace(/\.yaml$/, '')]);
    expect(run.stderr).not.toContain('No Docker Engine');
  });
});
