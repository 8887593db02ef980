// Can the official agent use the docker containerizer on this engine? The
// mesosphere/mesos-slave 1.7.1 agent validates Docker when it starts and exits
// when that fails, so a cluster whose agents ask for docker on the wrong engine
// never gets an agent. This decides, from the engine's answers and the agent
// image's docker CLI, whether to keep docker, drop it with a warning, or refuse.
import type { ClusterSpec } from '../config/schema.js';
import { MesosUpError } from '../errors.js';
import { compareVersions, newestApiOf } from './docker-cli.js';
import type { ImageSet } from './types.js';

/** What the engine says about itself (info.CgroupVersion, version.MinAPIVersion/ApiVersion). */
export interface EngineDockerFacts {
  cgroupVersion: string;
  apiVersion: string;
  minApiVersion: string;
}

/** The docker CLI in the agent image, as `docker --version` inside it showed. */
export type AgentDockerCli =
  /** not asked: the image is not on the engine, or has no shell to ask with */
  | { kind: 'unchecked'; reason: string }
  | { kind: 'missing'; output: string }
  | { kind: 'found'; version: string };

export interface Obstacle {
  /** the fact, e.g. "the engine uses cgroup v2" */
  fact: string;
  /** what the agent does because of it */
  effect: string;
  /** what a user can change on their side */
  fix: string;
}

/** Why an official agent with the docker containerizer would not start on this engine; empty when it would. */
export function dockerObstacles(engine: EngineDockerFacts, cli: AgentDockerCli): Obstacle[] {
  const found: Obstacle[] = [];
  // src/docker/docker.cpp Docker::create: only cgroup v1 mounts count as a 'cpu' hierarchy.
  if (engine.cgroupVersion === '2') {
    found.push({
      fact: 'the engine uses cgroup v2',
      effect: "the 1.7 agent exits at start (\"Failed to find a mounted cgroups hierarchy for the 'cpu' subsystem\": it knows only cgroup v1)",
      fix: 'run the engine on a host booted with cgroup v1 (systemd.unified_cgroup_hierarchy=0)',
    });
  }
  // Docker::create then runs `docker --version`; without a CLI the agent exits there.
  if (cli.kind === 'missing') {
    found.push({
      fact: 'the agent image has no docker CLI',
      effect: 'the agent exits at start ("Failed to create docker: Failed to get docker version")',
      fix: 'use an agent image with a docker CLI (agents.image)',
    });
  }
  if (cli.kind === 'found') {
    const newest = newestApiOf(cli.version);
    if (newest && compareVersions(newest, engine.minApiVersion) < 0) {
      // The containerizer's recovery runs `docker ps -a` at every start (src/slave/containerizer/docker.cpp).
      found.push({
        fact: `the engine accepts Docker API ${engine.minApiVersion} and newer, and the agent image's docker CLI ${cli.version} speaks API ${newest} at most`,
        effect: "the engine refuses the agent's `docker ps -a` during its start-up recovery, and the agent exits",
        fix: `lower the engine's minimum (DOCKER_MIN_API_VERSION=${newest} or lower, down to 1.24, in dockerd's environment)`,
      });
    }
  }
  return found;
}

export type DockerVerdict =
  /** emulated images, or no docker containerizer asked for: nothing to say */
  | { kind: 'unaffected' }
  /** official agents with docker, and nothing in the way */
  | { kind: 'keep' }
  /** docker dropped from the default containerizers; `note` says why and what is lost */
  | { kind: 'drop'; spec: ClusterSpec; note: string; obstacles: Obstacle[] }
  /** the user asked for docker explicitly: a config error saying why and what to do */
  | { kind: 'refuse'; error: MesosUpError; obstacles: Obstacle[] };

const because = (obstacles: Obstacle[]): string => obstacles.map((o) => `${o.fact}, so ${o.effect}`).join('; and ');

export function decideDockerContainerizer(spec: ClusterSpec, images: ImageSet, engine: EngineDockerFacts, cli: AgentDockerCli): DockerVerdict {
  if (images.flavour !== 'official' || !spec.agents.containerizers.includes('docker')) return { kind: 'unaffected' };
  const obstacles = dockerObstacles(engine, cli);
  if (!obstacles.length) return { kind: 'keep' };
  const without = spec.agents.containerizers.filter((c) => c !== 'docker');
  // Asked for by name (or docker alone): the user meant it, so say why it cannot be.
  if (spec.agents.containerizersFrom || !without.length) {
    return {
      kind: 'refuse',
      obstacles,
      error: new MesosUpError(
        'CONFIG',
        `agents.containerizers${spec.agents.containerizersFrom ? ` in ${spec.agents.containerizersFrom}` : ''} asks for docker, which the official agent (${images.agent}) cannot use on this engine: ${because(obstacles)}`,
        { hint: `${obstacles.map((o) => o.fix).join(', and ')}; or remove docker from agents.containerizers (apps with a Docker image then cannot run), or use --images emulated` },
      ),
    };
  }
  const adapted = structuredClone(spec);
  adapted.agents.containerizers = without;
  return {
    kind: 'drop',
    spec: adapted,
    obstacles,
    note: `Official agents run without the docker containerizer: ${because(obstacles)}. Apps with a Docker image cannot run; command tasks still do.`,
  };
}
