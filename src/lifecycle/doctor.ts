// `mesos-up doctor`: can a cluster start here, and if not, what to do.
import { existsSync, accessSync, constants } from 'node:fs';
import type { ClusterSpec } from '../config/schema.js';
import { MesosUpError } from '../errors.js';
import { connectEngine, NO_ENGINE_HINT, resolveEndpoint } from '../engine/connect.js';
import { ALL_ROLES } from '../engine/emulated.js';
import { contextHash, emulatedImageFresh, imagePresent } from '../engine/images.js';
import { engineFacts } from '../engine/info.js';
import { newestApiOf } from '../plan/docker-cli.js';
import { emulatedImage, imageSet, OFFICIAL_IMAGES } from '../plan/images.js';
import { LABEL } from '../plan/labels.js';
import { dockerObstacles, type AgentDockerCli } from '../plan/official-docker.js';
import { agentDockerCli } from './preflight.js';
import { portFree } from '../probes/ports.js';
import { version } from '../version.js';

export interface Check {
  check: string;
  ok: boolean;
  /** ok: false but nothing breaks (e.g. images not built yet: up builds them) */
  warning?: boolean;
  detail: string;
  hint?: string;
}


function cliCheck(image: string, cli: Exclude<AgentDockerCli, { kind: 'unchecked' }>): Check {
  if (cli.kind === 'missing') return { check: 'official agent docker CLI', ok: false, warning: true, detail: `none in ${image} (docker --version: ${cli.output || 'no output'})` };
  const api = newestApiOf(cli.version);
  return { check: 'official agent docker CLI', ok: true, detail: `docker ${cli.version} in ${image}${api ? `, speaking API ${api} at most` : ''}` };
}

/** What the engine's cgroups and API versions, and the agent's CLI, mean for the official agent's docker containerizer. */
function officialDockerCheck(spec: ClusterSpec, engine: Parameters<typeof dockerObstacles>[0], cli: AgentDockerCli): Check {
  const check = 'official agents, docker';
  const obstacles = dockerObstacles(engine, cli);
  if (!obstacles.length) {
    return {
      check,
      ok: true,
      detail: `the official agent can use the docker containerizer on this engine${cli.kind === 'unchecked' ? ` (its docker CLI not checked: ${cli.reason}; up checks it)` : ''}`,
    };
  }
  const asked = spec.agents.containerizers.includes('docker');
  return {
    check,
    ok: false,
    warning: true,
    detail: `${obstacles.map((o) => o.fact).join('; ')}: with the docker containerizer the official agent would not start`,
    hint: `${!asked
      ? 'agents.containerizers leaves docker out, so the official agents start as they are'
      : spec.agents.containerizersFrom
        ? `up --images official refuses, since ${spec.agents.containerizersFrom} lists docker in agents.containerizers`
        : 'up drops docker from the official agents\' containerizers (apps with a Docker image cannot run; command tasks still do)'}. To keep docker: ${obstacles.map((o) => o.fix).join(', and ')}. The emulated images are not affected.`,
  };
}

export async function runDoctor(spec: ClusterSpec, env: NodeJS.ProcessEnv = process.env): Promise<Check[]> {
  const checks: Check[] = [];
  const ep = resolveEndpoint(env);
  checks.push({ check: 'engine endpoint', ok: true, detail: `${ep.host} (from ${ep.source})` });
  if (ep.host.startsWith('unix://')) {
    const sock = new URL(ep.host).pathname;
    if (!existsSync(sock)) {
      checks.push({ check: 'engine socket', ok: false, detail: `${sock} does not exist`, hint: NO_ENGINE_HINT });
    } else {
      try {
        accessSync(sock, constants.R_OK | constants.W_OK);
        checks.push({ check: 'engine socket', ok: true, detail: `${sock} is readable and writable` });
      } catch {
        checks.push({ check: 'engine socket', ok: false, detail: `no permission on ${sock}`, hint: 'add yourself to the docker group (sudo usermod -aG docker $USER, then log in again) or run as root' });
      }
    }
  }
  let docker;
  try {
    docker = await connectEngine({ env });
  } catch (err) {
    const e = err as MesosUpError;
    checks.push({ check: 'engine answers', ok: false, detail: e.message, ...(e.hint ? { hint: e.hint } : {}) });
    return checks;
  }
  const facts = await engineFacts(docker);
  checks.push({ check: 'engine answers', ok: true, detail: `Docker ${facts.serverVersion} (API ${facts.apiVersion}) on ${facts.os}${facts.rootless ? ', rootless' : ''}` });
  checks.push({ check: 'cgroups', ok: true, detail: `v${facts.cgroupVersion}${facts.cgroupDriver ? ` (${facts.cgroupDriver} driver)` : ''}` });
  checks.push({ check: 'engine API', ok: true, detail: `accepts clients speaking API ${facts.minApiVersion} to ${facts.apiVersion}` });
  const gib = facts.memBytes / 2 ** 30;
  checks.push({ check: 'engine resources', ok: gib >= 2, ...(gib < 2 ? { warning: true } : {}), detail: `${facts.cpus} CPUs, ${gib.toFixed(1)} GiB`, ...(gib < 2 ? { hint: 'a cluster needs about 1 GiB; give the engine more memory' } : {}) });

  const official = await Promise.all(ALL_ROLES.map(async (r) => [OFFICIAL_IMAGES[r], !!(await imagePresent(docker, OFFICIAL_IMAGES[r]))] as const));
  const presentOfficial = official.filter(([, p]) => p).map(([i]) => i);
  checks.push({ check: 'official images', ok: presentOfficial.length === 4, warning: presentOfficial.length !== 4, detail: presentOfficial.length === 4 ? 'all present' : `missing: ${official.filter(([, p]) => !p).map(([i]) => i).join(', ')}`, ...(presentOfficial.length !== 4 ? { hint: 'up pulls them when a registry answers, else uses the emulated images' } : {}) });
  // What this engine means for the official agent's docker containerizer (up's preflight).
  const agentImage = imageSet(spec, 'official', version).agent;
  const cli = await agentDockerCli(docker, agentImage, { [LABEL.version]: version });
  if (cli.kind !== 'unchecked') checks.push(cliCheck(agentImage, cli));
  checks.push(officialDockerCheck(spec, facts, cli));
  const hash = contextHash();
  const fresh = await Promise.all(ALL_ROLES.map(async (r) => [emulatedImage(r, version), await emulatedImageFresh(docker, emulatedImage(r, version), hash)] as const));
  const stale = fresh.filter(([, f]) => !f).map(([i]) => i);
  checks.push({ check: 'emulated images', ok: stale.length === 0, warning: stale.length > 0, detail: stale.length ? `not built or out of date: ${stale.join(', ')}` : 'built and up to date', ...(stale.length ? { hint: 'mesos-up images build (up also builds them when needed)' } : {}) });
  const base = !!(await imagePresent(docker, 'debian:bookworm-slim'));
  checks.push({ check: 'base image', ok: base || stale.length === 0, warning: !base, detail: base ? 'debian:bookworm-slim present' : 'debian:bookworm-slim missing (needed to build the emulated images)', ...(!base ? { hint: 'up pulls it, or makes it with debootstrap where no registry answers (mesos-up doctor --fix sets that up)' } : {}) });
  for (const [key, port] of Object.entries(spec.ports)) {
    if (port === 0) continue;
    const free = await portFree(port);
    checks.push({ check: `port ${port} (ports.${key})`, ok: free, detail: free ? 'free on 127.0.0.1' : 'in use on 127.0.0.1', ...(free ? {} : { hint: `free it, or set ports.${key} to 0 in cluster.yaml` }) });
  }
  return checks;
}
