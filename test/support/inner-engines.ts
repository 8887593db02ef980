// Docker engines inside containers on the host engine, for tests that need more
// than one engine (swarm, overlay networks, images moved between engines):
// each runs test/fixtures/inner-engine on a user bridge of its own, its API
// published on 127.0.0.1, its data on a named volume. Every object made here is
// labelled io.mesos-up.test=inner-engines and removed by cleanup(); if the test
// process dies first, the session's reaper removes them.
//
// The image is built through the engine API, as the rest of the suite builds
// its images: no docker CLI is needed, the engine is the one every other test
// talks to (DOCKER_HOST, context or socket), and a failed build comes back as
// data. It is tagged by a hash of the fixture, so it is built once per content.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { connectEngine } from '../../src/engine/connect.js';
import { tailLogs } from '../../src/engine/containers.js';
import { engineMessage } from '../../src/engine/errors.js';
import { LABEL } from '../../src/plan/labels.js';
import { ensureReaper, SESSION_LABEL, sessionId } from '../../src/testing/session.js';
import { docker as hostDocker } from './docker.js';
import { closedPort } from './tcp.js';

export const INNER_ENGINE_LABEL = 'io.mesos-up.test';
export const INNER_ENGINE_VALUE = 'inner-engines';
/** One start's objects, so cleanup() removes exactly its own. */
const RUN_LABEL = 'io.mesos-up.test-engines';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'inner-engine');
const FIXTURE_FILES = ['Dockerfile', 'entrypoint.sh'];

export interface InnerEngine {
  /** container name, also the engine's hostname (and so its swarm node name) */
  name: string;
  /** where this process reaches its API: tcp://127.0.0.1:<port> */
  endpoint: string;
  /** its address on the engines' bridge, where the other engines reach it */
  ip: string;
}

export interface InnerEngines {
  engines: InnerEngine[];
  /** the user bridge the engines share */
  network: string;
  /** the host engine's address on that bridge: where the inner engines reach the host (a swarm the host engine manages advertises it) */
  gateway: string;
  /** how the engine containers were run: 'privileged', or the explicit capability set */
  mode: 'privileged' | 'capabilities';
  /** ms: image (0 when cached), engines answering */
  timings: { imageMs: number; imageBuilt: boolean; readyMs: number };
  /** Removes the engine containers, their volumes and the network; safe to call twice. */
  cleanup(): Promise<void>;
}

/** What carries a cluster's name on an engine, sorted: containers, networks, volumes (up's swarm marker too). */
export async function clusterObjects(engine: Docker, name: string): Promise<string[]> {
  const byCluster = { label: [`${LABEL.cluster}=${name}`] };
  const vols = async (filters: Record<string, string[]>) => ((await engine.listVolumes({ filters })).Volumes ?? []).map((v) => `volume ${v.Name}`);
  return [
    ...(await engine.listContainers({ all: true, filters: byCluster })).map((c) => `container ${c.Names[0]}`),
    ...(await engine.listNetworks({ filters: byCluster })).map((n) => `network ${n.Name}`),
    ...new Set([...(await vols(byCluster)), ...(await vols({ label: [`${LABEL.swarmFor}=${name}`] }))]),
  ].sort();
}

/** A client for an inner engine. */
export const innerClient = (e: InnerEngine): Promise<Docker> => connectEngine({ env: { DOCKER_HOST: e.endpoint }, timeoutMs: 5000 });

const fixtureHash = (): string => {
  const h = createHash('sha256');
  for (const f of FIXTURE_FILES) h.update(f).update('\0').update(readFileSync(path.join(FIXTURE, f))).update('\0');
  return h.digest('hex').slice(0, 12);
};

/** The inner engine image, built when no image of this fixture's content exists. */
export async function ensureInnerEngineImage(progress: (line: string) => void = () => undefined): Promise<{ ref: string; built: boolean; ms: number }> {
  const t0 = Date.now();
  const ref = `mesos-up-test/inner-engine:${fixtureHash()}`;
  const d = await hostDocker();
  if (await d.getImage(ref).inspect().then(() => true, () => false)) return { ref, built: false, ms: Date.now() - t0 };
  const stream = await d.buildImage({ context: FIXTURE, src: FIXTURE_FILES }, { t: ref, labels: { [INNER_ENGINE_LABEL]: INNER_ENGINE_VALUE }, rm: true, forcerm: true });
  const tail: string[] = [];
  await new Promise<void>((resolve, reject) =>
    d.modem.followProgress(
      stream,
      (err: Error | null, out: Array<{ error?: string }>) => {
        const failed = out?.find((o) => o.error);
        if (err || failed) reject(new Error(`building ${ref}: ${err?.message ?? failed?.error}\n${tail.join('\n')}`));
        else resolve();
      },
      (e: { stream?: string }) => {
        for (const line of (e.stream ?? '').split('\n').filter((l) => l.trim())) {
          tail.push(line);
          if (tail.length > 20) tail.shift();
          progress(line);
        }
      },
    ),
  );
  return { ref, built: true, ms: Date.now() - t0 };
}

// What --privileged gives, spelled out without asking for capabilities the host
// may not have: hosts whose bounding set lacks CAP_SYS_RESOURCE refuse
// --privileged ("unable to apply caps"), and --cap-drop does not apply to it.
// capabilities.json: HostConfig fields (the API's form of --security-opt
// systempaths=unconfined is empty MaskedPaths and ReadonlyPaths). Kept as JSON
// so the bench (bench/lib/engines.mjs) runs engines the same way.
const CAPABILITY_SET = JSON.parse(readFileSync(path.join(FIXTURE, 'capabilities.json'), 'utf8')) as Docker.HostConfig;

/** The refusal --privileged meets on such a host, at start (the create succeeds). */
const privilegedRefused = (err: unknown) => /apply caps|operation not permitted/i.test(engineMessage(err));

/** Remembered for the process: the answer does not change while the host engine runs. */
let privilegedWorks: boolean | undefined;

async function waitReady(host: Docker, id: string, endpoint: string, name: string, deadline: number): Promise<void> {
  let last = '';
  for (;;) {
    const state = (await host.getContainer(id).inspect()).State;
    if (!state.Running) {
      throw new Error(`inner engine ${name} exited (${state.Status}, code ${state.ExitCode}) before it answered:\n${await tailLogs(host, id, 30)}`);
    }
    try {
      const d = await connectEngine({ env: { DOCKER_HOST: endpoint }, timeoutMs: 1000 });
      // Answers /_ping (connectEngine) and /info: the daemon has finished starting.
      // (/info with a deadline: an engine that hangs must not hold the hook)
      const info = (await (d.info as unknown as (o: { abortSignal: AbortSignal }) => Promise<unknown>)({ abortSignal: AbortSignal.timeout(2000) })) as { ServerVersion?: string };
      if (info.ServerVersion) return;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`inner engine ${name} at ${endpoint} did not answer in time (${last}):\n${await tailLogs(host, id, 30)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Starts `count` inner engines: `<prefix>-engine1` … on the bridge
 * `mesos-up-test-engines-<id>`, and waits until each answers /_ping and /info.
 * On failure everything made so far is removed before the error is thrown.
 */
export async function startInnerEngines(
  count: number,
  opts: { prefix?: string; readyTimeoutMs?: number; dockerdArgs?: string[]; progress?: (line: string) => void } = {},
): Promise<InnerEngines> {
  const host = await hostDocker();
  const id = randomBytes(4).toString('hex');
  const prefix = opts.prefix ?? `mesos-up-test-${id}`;
  const network = `mesos-up-test-engines-${id}`;
  const labels = { [INNER_ENGINE_LABEL]: INNER_ENGINE_VALUE, [RUN_LABEL]: id, [SESSION_LABEL]: sessionId };
  const byRun = { label: [`${RUN_LABEL}=${id}`] };

  let cleaned = false;
  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    await removeRun(host, byRun);
    cleaned = true;
  };

  const image = await ensureInnerEngineImage(opts.progress);
  try {
    // Should this process die before cleanup(), the reaper removes what carries the session label.
    await ensureReaper(host);
    await host.createNetwork({ Name: network, Driver: 'bridge', CheckDuplicate: true, Labels: labels });
    const t0 = Date.now();
    const deadline = t0 + (opts.readyTimeoutMs ?? 120_000);

    const start = async (i: number, privileged: boolean): Promise<{ name: string; container: Docker.Container }> => {
      const name = `${prefix}-engine${i}`;
      const volume = `${name}-data`;
      await host.createVolume({ Name: volume, Labels: labels });
      const container = await host.createContainer({
        name,
        Hostname: name,
        Image: image.ref,
        Labels: labels,
        Env: ['INNER_ENGINE_TCP=1'],
        Cmd: opts.dockerdArgs ?? [],
        ExposedPorts: { '2375/tcp': {} },
        HostConfig: {
          ...(privileged ? { Privileged: true } : CAPABILITY_SET),
          Binds: [`${volume}:/var/lib/docker`],
          // A port chosen here rather than by the engine: it stays the same when the engine's container is restarted (a machine that comes back).
          PortBindings: { '2375/tcp': [{ HostIp: '127.0.0.1', HostPort: String(await closedPort()) }] },
          NetworkMode: network,
        },
      });
      try {
        await container.start();
      } catch (err) {
        await container.remove({ force: true }).catch(() => undefined);
        throw err;
      }
      return { name, container };
    };

    // The first engine finds out whether --privileged works here; the rest follow its answer.
    const first = await (async () => {
      if (privilegedWorks !== false) {
        try {
          const c = await start(1, true);
          privilegedWorks = true;
          return c;
        } catch (err) {
          if (!privilegedRefused(err)) throw err;
          privilegedWorks = false;
          opts.progress?.(`--privileged refused by the host engine (${engineMessage(err).trim()}); using the explicit capability set`);
        }
      }
      return start(1, false);
    })();
    // (allSettled: when one start fails, the others have finished creating what they create before cleanup runs)
    const settled = await Promise.allSettled(Array.from({ length: count - 1 }, (_, k) => start(k + 2, privilegedWorks === true)));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const rest = settled.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof start>>>).value);

    const engines = await Promise.all(
      [first, ...rest].map(async ({ name, container }) => {
        const info = await container.inspect();
        const port = info.NetworkSettings.Ports?.['2375/tcp']?.[0]?.HostPort;
        const ip = info.NetworkSettings.Networks?.[network]?.IPAddress;
        if (!port || !ip) throw new Error(`inner engine ${name}: no published API port or bridge address (${port}, ${ip})`);
        const endpoint = `tcp://127.0.0.1:${port}`;
        await waitReady(host, info.Id, endpoint, name, deadline);
        return { name, endpoint, ip };
      }),
    );
    const gateway = ((await host.getNetwork(network).inspect()) as { IPAM?: { Config?: Array<{ Gateway?: string }> } }).IPAM?.Config?.find((c) => c.Gateway)?.Gateway;
    if (!gateway) throw new Error(`inner engines: bridge ${network} has no gateway address`);
    return {
      engines,
      network,
      gateway,
      mode: privilegedWorks ? 'privileged' : 'capabilities',
      timings: { imageMs: image.ms, imageBuilt: image.built, readyMs: Date.now() - t0 },
      cleanup,
    };
  } catch (err) {
    await cleanup().catch(() => undefined);
    throw err;
  }
}

/** Removes one start's containers, then its volumes and network, found by label. */
async function removeRun(host: Docker, filters: { label: string[] }): Promise<void> {
  const problems: string[] = [];
  const containers = await host.listContainers({ all: true, filters });
  await Promise.all(
    containers.map((c) =>
      host
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch((err: unknown) => {
          if ((err as { statusCode?: number }).statusCode !== 404) problems.push(`container ${c.Names[0]}: ${engineMessage(err)}`);
        }),
    ),
  );
  // A volume can stay busy for a moment after its container went: try a few times.
  for (const v of (await host.listVolumes({ filters })).Volumes ?? []) {
    for (let attempt = 0; ; attempt++) {
      try {
        await host.getVolume(v.Name).remove();
        break;
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) break;
        if (attempt >= 20) {
          problems.push(`volume ${v.Name}: ${engineMessage(err)}`);
          break;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }
  for (const n of await host.listNetworks({ filters })) {
    await host
      .getNetwork(n.Id)
      .remove()
      .catch((err: unknown) => {
        if ((err as { statusCode?: number }).statusCode !== 404) problems.push(`network ${n.Name}: ${engineMessage(err)}`);
      });
  }
  if (problems.length) throw new Error(`inner engines: could not remove\n  ${problems.join('\n  ')}`);
}
