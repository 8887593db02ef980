// The per-cluster bridge network. Containers get static addresses, which the
// engine honours only on networks created with a subnet, so `up` names one: the
// first of the engine's default pools that is free (src/plan/subnets.ts). When
// the engine does not use the default pools, it lets the engine pick instead:
// create, read the subnet, remove, create again with that subnet written down.
import type Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import { MesosUpError } from '../errors.js';
import { firstFreePool, looksLikeDefaultPools, OVERLAY_POOLS, routesFromProcNetRoute } from '../plan/subnets.js';
import { engineMessage, statusOf } from './errors.js';

export interface NetworkInfo {
  id: string;
  name: string;
  subnet: string;
}

type Ipam = { Subnet: string; Gateway?: string };

const ipv4Subnets = (n: { IPAM?: { Config?: Array<{ Subnet?: string }> } | null }) =>
  (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => !!s && !s.includes(':'));

const isOverlap = (err: unknown) => /overlap/i.test(engineMessage(err));

export async function createNetwork(docker: Docker, name: string, labels: Record<string, string>, subnet?: string): Promise<NetworkInfo> {
  const create = async (ipam?: Ipam) => {
    try {
      return await docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: labels,
        ...(ipam ? { IPAM: { Driver: 'default', Config: [ipam] } } : {}),
      });
    } catch (err) {
      if (statusOf(err) === 409) {
        throw new MesosUpError('NAME_IN_USE', `A Docker network named ${name} already exists`, {
          hint: `remove the cluster that owns it (mesos-up down --name ${name.replace(/^mesos-up-/, '')}) or pick another --name`,
        });
      }
      throw err;
    }
  };
  if (subnet) {
    try {
      const net = await create({ Subnet: subnet });
      return { id: net.id, name, subnet };
    } catch (err) {
      if (!isOverlap(err)) throw err;
      throw new MesosUpError('CONFIG', `Cannot create network ${name}: subnet ${subnet} overlaps another network (${engineMessage(err)})`, {
        hint: 'choose a free subnet under network.subnet in cluster.yaml (docker network inspect shows the ones in use), or remove network.subnet to let mesos-up pick one',
      });
    }
  }
  // A pool another process took between our look and our create is skipped on the next try.
  const lost: string[] = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    const networks = await docker.listNetworks();
    const bridge = networks.find((n) => n.Name === 'bridge' && n.Driver === 'bridge');
    if (!bridge || !looksLikeDefaultPools(ipv4Subnets(bridge))) break;
    const pool = firstFreePool([...networks.flatMap(ipv4Subnets), ...hostRoutes(docker), ...lost]);
    if (!pool) break;
    try {
      const net = await create({ Subnet: pool });
      return { id: net.id, name, subnet: pool };
    } catch (err) {
      if (!isOverlap(err)) throw err;
      lost.push(pool);
    }
  }
  const probe = await create();
  const info = (await probe.inspect()) as { IPAM?: { Config?: Array<{ Subnet?: string; Gateway?: string }> } };
  const cfg = info.IPAM?.Config?.find((c) => c.Subnet && !c.Subnet.includes(':'));
  await probe.remove();
  if (!cfg?.Subnet) throw new MesosUpError('INTERNAL', `The engine gave network ${name} no IPv4 subnet`);
  const net = await create({ Subnet: cfg.Subnet, ...(cfg.Gateway ? { Gateway: cfg.Gateway } : {}) });
  return { id: net.id, name, subnet: cfg.Subnet };
}

/**
 * A subnet for an overlay network over several engines: the first overlay pool
 * (plan/subnets.ts) that no network of any of them, swarm networks included,
 * and no route of this machine covers. The overlay's own check
 * (engine/swarm.ts) still refuses a clash found later.
 */
export async function freeSubnetOn(engines: Docker[]): Promise<string | undefined> {
  const taken = (await Promise.all(engines.map(async (d) => [...(await d.listNetworks()).flatMap(ipv4Subnets), ...hostRoutes(d)]))).flat();
  return firstFreePool(taken, OVERLAY_POOLS);
}

/**
 * This machine's routes when the engine runs on it (a unix socket), so a subnet
 * that a VPN or LAN route already covers is not taken; the engine itself does not
 * check. Remote engines: none known.
 */
function hostRoutes(docker: Docker): string[] {
  if (!(docker.modem as { socketPath?: string }).socketPath) return [];
  try {
    return routesFromProcNetRoute(readFileSync('/proc/net/route', 'utf8'));
  } catch {
    return [];
  }
}

/** Every network of an engine, within `timeoutMs` (an engine that stops answering is an error, not a hang). */
export async function listAllNetworks(docker: Docker, timeoutMs = 10_000): Promise<Docker.NetworkInspectInfo[]> {
  const abortSignal = AbortSignal.timeout(timeoutMs);
  try {
    return await docker.listNetworks({ abortSignal } as Docker.NetworkListOptions);
  } catch (err) {
    if (abortSignal.aborted) throw new MesosUpError('ENGINE_UNREACHABLE', `The engine did not list its networks within ${timeoutMs / 1000}s`, { cause: err });
    throw err;
  }
}

export async function listNetworks(docker: Docker, labelFilter: string[]): Promise<Docker.NetworkInspectInfo[]> {
  return docker.listNetworks({ filters: { label: labelFilter } });
}

/** Removes a network; gone already is fine. */
export async function removeNetwork(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getNetwork(id).remove();
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
}
