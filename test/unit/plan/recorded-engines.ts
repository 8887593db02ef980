// The engines of recorded/ (GET /info and /version answers) as the facts mesos-up reads.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { engineFactsFrom, type EngineFacts } from '../../../src/engine/info.js';
import type { AgentDockerCli } from '../../../src/plan/official-docker.js';

export const ENGINES = {
  thisMachine: 'engine-20.10-debian12-cgroup1.json',
  docker29: 'engine-29-ubuntu24-cgroup2.json',
  desktop: 'engine-desktop-28.5-cgroup2.json',
} as const;

export function recordedEngine(file: string): EngineFacts {
  const r = JSON.parse(readFileSync(path.join(import.meta.dirname, 'recorded', file), 'utf8')) as { info: Record<string, unknown>; version: Record<string, unknown> };
  return engineFactsFrom(r.info, r.version);
}

/** The newest docker CLI the 1.x mesosphere images can carry: docker-engine 17.05 (API 1.29), the last on apt.dockerproject.org. */
export const CLI_17_05: AgentDockerCli = { kind: 'found', version: '17.05.0-ce' };
