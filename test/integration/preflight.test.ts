// The preflight of the official images against this machine's engine: what the
// engine says about itself, and the docker CLI of an agent image, found by
// running the image once. No registry answers here, so the "agent images" are
// local ones: Debian without a docker CLI, and Debian with a stand-in `docker`
// that prints what docker-engine 17.05 prints for --version.
import { execa } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultSpec } from '../../src/config/defaults.js';
import { MesosUpError } from '../../src/errors.js';
import { engineFacts, type EngineFacts } from '../../src/engine/info.js';
import { imagePresent } from '../../src/engine/images.js';
import { agentDockerCli, preflight, PROBE_LABEL } from '../../src/lifecycle/preflight.js';
import { compareVersions } from '../../src/plan/docker-cli.js';
import { imageSet } from '../../src/plan/images.js';
import { cli } from '../support/cli.js';
import { docker } from '../support/docker.js';

const NO_CLI = 'debian:bookworm-slim';
const OLD_CLI = 'mesos-up-test/docker-cli-17.05:1';

async function buildOldCliImage(): Promise<void> {
  const d = await docker();
  const ctx = mkdtempSync(path.join(os.tmpdir(), 'mesos-up-cli-image-'));
  writeFileSync(path.join(ctx, 'docker'), '#!/bin/sh\necho "Docker version 17.05.0-ce, build 89658be"\n', { mode: 0o755 });
  writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${NO_CLI}\nCOPY docker /usr/local/bin/docker\n`);
  const stream = await d.buildImage({ context: ctx, src: ['Dockerfile', 'docker'] }, { t: OLD_CLI });
  await new Promise<void>((resolve, reject) =>
    d.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => (err ? reject(err) : out.find((o) => o.error) ? reject(new Error(out.find((o) => o.error)!.error)) : resolve())),
  );
}

/** What this engine means for a 1.7 agent with docker-engine 17.05 (API 1.29), from its own facts. */
const agentStartsHere = (f: EngineFacts) => f.cgroupVersion === '1' && compareVersions(f.minApiVersion, '1.29') <= 0;

function officialWithAgent(image: string, patch: (s: ReturnType<typeof defaultSpec>) => void = () => undefined) {
  const spec = defaultSpec();
  spec.name = 'preflight-it';
  spec.imageOverrides.agent = image;
  patch(spec);
  return { spec, images: imageSet(spec, 'official', '0.1.0') };
}

const probeLabels = { 'io.mesos-up.cluster': 'preflight-it' };

async function leftoverProbes(): Promise<string[]> {
  const d = await docker();
  return (await d.listContainers({ all: true, filters: { label: [PROBE_LABEL] } })).map((c) => c.Names[0]!);
}

describe("preflight against this machine's engine", () => {
  beforeAll(buildOldCliImage, 120_000);

  it('reads the cgroup version and the API range the docker CLI reports for the same engine', async () => {
    const facts = await engineFacts(await docker());
    const version = await execa('docker', ['version', '--format', '{{.Server.MinAPIVersion}} {{.Server.APIVersion}}']);
    const info = await execa('docker', ['info', '--format', '{{.CgroupVersion}}']);
    expect(`${facts.minApiVersion} ${facts.apiVersion}`).toBe(version.stdout.trim());
    expect(facts.cgroupVersion).toBe(info.stdout.trim() || '1');
  });

  it("asks an agent image for its docker CLI by running it once, and leaves no container behind", async () => {
    const d = await docker();
    expect(await agentDockerCli(d, OLD_CLI, probeLabels)).toEqual({ kind: 'found', version: '17.05.0-ce' });
    const none = await agentDockerCli(d, NO_CLI, probeLabels);
    expect(none.kind).toBe('missing');
    if (none.kind === 'missing') expect(none.output).toMatch(/docker: (command )?not found/);
    expect(await leftoverProbes()).toEqual([]);
  });

  it('does not pull an agent image that is not here to look inside it', async () => {
    const d = await docker();
    const absent = 'mesos-up-test/never-built:0';
    expect(await agentDockerCli(d, absent, probeLabels)).toEqual({ kind: 'unchecked', reason: `${absent} is not on this engine` });
    expect(await imagePresent(d, absent)).toBeUndefined();
  });

  it("keeps or drops docker for the official agents as this engine's cgroups and API versions say", async () => {
    const d = await docker();
    const facts = await engineFacts(d);
    const { spec, images } = officialWithAgent(OLD_CLI);
    const checked = await preflight(d, spec, images, probeLabels);
    if (agentStartsHere(facts)) {
      expect(checked.verdict).toEqual({ kind: 'keep' });
      expect(checked.spec.agents.containerizers).toEqual(['mesos', 'docker']);
      expect(checked.note).toBeUndefined();
    } else {
      expect(checked.verdict.kind).toBe('drop');
      expect(checked.spec.agents.containerizers).toEqual(['mesos']);
    }
  });

  it('drops docker for an agent image without a docker CLI, and refuses when the cluster file asks for docker', async () => {
    const d = await docker();
    const { spec, images } = officialWithAgent(NO_CLI);
    const checked = await preflight(d, spec, images, probeLabels);
    expect(checked.spec.agents.containerizers).toEqual(['mesos']);
    expect(checked.note).toContain('the agent image has no docker CLI');
    const asked = officialWithAgent(NO_CLI, (s) => { s.agents.containerizersFrom = 'cluster.yaml'; });
    const err = await preflight(d, asked.spec, asked.images, probeLabels).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MesosUpError);
    expect((err as MesosUpError).code).toBe('CONFIG');
    expect(await leftoverProbes()).toEqual([]);
  });

  it('up --dry-run shows the adapted plan; with docker in the cluster file it exits 2 and says why', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mesos-up-preflight-'));
    writeFileSync(path.join(dir, 'cluster.yaml'), `name: pf-dry\nagents:\n  count: 2\n  image: ${NO_CLI}\n`);
    const r = await cli(['up', '--dry-run', '--images', 'official'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Official agents run without the docker containerizer: the agent image has no docker CLI');
    expect(r.stdout).toContain('env MESOS_CONTAINERIZERS=mesos\n');
    // without docker the agents do not share host ports, so both offer the full ranges
    expect(r.stdout.match(/MESOS_RESOURCES=cpus:2;mem:2048;disk:4096;ports:\[8000-8100,31000-32000\]/g)).toHaveLength(2);

    const file = path.join(dir, 'asked.yaml');
    writeFileSync(file, `name: pf-dry\nagents:\n  image: ${NO_CLI}\n  containerizers: [mesos, docker]\n`);
    const refused = await cli(['up', '--dry-run', '--images', 'official', '-f', file], { cwd: dir });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(`agents.containerizers in ${file} asks for docker`);
    expect(refused.stderr).toContain('the agent image has no docker CLI');
    expect(refused.stderr).toContain('remove docker from agents.containerizers');
    expect(await leftoverProbes()).toEqual([]);
  });
});
