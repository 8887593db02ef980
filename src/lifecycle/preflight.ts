// Preflight of the official images against this engine: reads the engine's
// cgroup version and minimum API version and the agent image's docker CLI, then
// keeps, drops (with one line saying why) or refuses the docker containerizer
// (plan/official-docker.ts decides). The emulated images need none of it.
import type Docker from 'dockerode';
import type { ClusterSpec } from '../config/schema.js';
import { imagePresent } from '../engine/images.js';
import { engineFacts, type EngineFacts } from '../engine/info.js';
import { runOnce } from '../engine/run-once.js';
import { agentPortRanges } from '../plan/agent-ports.js';
import { LABEL } from '../plan/labels.js';
import { parseDockerVersionLine } from '../plan/docker-cli.js';
import { decideDockerContainerizer, type AgentDockerCli, type DockerVerdict } from '../plan/official-docker.js';
import type { ImageSet } from '../plan/types.js';
import { version } from '../version.js';

/** Marks the throwaway container that asks an image for its docker CLI. */
export const PROBE_LABEL = 'io.mesos-up.probe';

/**
 * The docker CLI in `image`, by running `docker --version` in it once. Only an
 * image already on the engine is asked: nothing is pulled for a look.
 */
export async function agentDockerCli(docker: Docker, image: string, labels: Record<string, string>): Promise<AgentDockerCli> {
  if (!(await imagePresent(docker, image))) return { kind: 'unchecked', reason: `${image} is not on this engine` };
  let result;
  try {
    result = await runOnce(docker, image, { entrypoint: ['sh'], cmd: ['-c', 'docker --version'], labels: { ...labels, [PROBE_LABEL]: 'docker-cli' } });
  } catch (err) {
    return { kind: 'unchecked', reason: `could not run sh in ${image}: ${(err as Error).message.split('\n')[0]}` };
  }
  const version = result.exitCode === 0 ? parseDockerVersionLine(result.output) : undefined;
  return version ? { kind: 'found', version } : { kind: 'missing', output: result.output };
}

export interface OfficialFacts {
  engine: EngineFacts;
  cli: AgentDockerCli;
}

export async function officialFacts(docker: Docker, agentImage: string, labels: Record<string, string>): Promise<OfficialFacts> {
  const [engine, cli] = await Promise.all([engineFacts(docker), agentDockerCli(docker, agentImage, labels)]);
  return { engine, cli };
}

export interface Preflight {
  /** the spec to plan with: docker dropped from the agents' containerizers when it cannot work */
  spec: ClusterSpec;
  verdict: DockerVerdict;
  /** the one line to show when the plan was changed */
  note?: string;
  facts?: OfficialFacts;
}

/**
 * The spec adapted to this engine; throws the config error when the user asked
 * for docker and it cannot work, or when the agents' port ranges cannot be split.
 */
export async function preflight(docker: Docker, spec: ClusterSpec, images: ImageSet, labels: Record<string, string>): Promise<Preflight> {
  let out: Preflight = { spec, verdict: { kind: 'unaffected' } };
  if (images.flavour === 'official' && spec.agents.containerizers.includes('docker')) {
    const facts = await officialFacts(docker, images.agent, labels);
    const verdict = decideDockerContainerizer(spec, images, facts.engine, facts.cli);
    if (verdict.kind === 'refuse') throw verdict.error;
    out = verdict.kind === 'drop' ? { spec: verdict.spec, verdict, note: verdict.note, facts } : { spec, verdict, facts };
  }
  // Before anything is created: every agent must get its ports.
  for (let i = 1; i <= out.spec.agents.count; i++) agentPortRanges(out.spec, images.flavour, i);
  return out;
}

/**
 * For `up --dry-run`: the plan's spec as `up` would adapt it when an engine
 * answers, with lines saying what could not be checked. Only official agents
 * with docker need the engine; everything else is planned as written.
 */
export async function dryRunPreflight(spec: ClusterSpec, images: ImageSet, connect: () => Promise<Docker>): Promise<{ spec: ClusterSpec; notes: string[] }> {
  if (images.flavour !== 'official' || !spec.agents.containerizers.includes('docker')) return { spec, notes: [] };
  let docker: Docker;
  try {
    docker = await connect();
  } catch (err) {
    return { spec, notes: [`Not checked against an engine (${(err as Error).message}): up drops docker from the official agents' containerizers where the engine cannot run it.`] };
  }
  const checked = await preflight(docker, spec, images, { [LABEL.version]: version });
  const cli = checked.facts?.cli;
  return {
    spec: checked.spec,
    notes: [
      ...(checked.note ? [checked.note] : []),
      ...(cli?.kind === 'unchecked' ? [`The agent image's docker CLI was not checked (${cli.reason}); up checks it once the image is here.`] : []),
    ],
  };
}
