// The per-cluster bridge network. It is created twice over: first to let the
// engine pick a free subnet, then again with that subnet written down, because
// the engine only honours static container addresses on user-configured subnets.
import type Docker from 'dockerode';
import { MesosUpError } from '../errors.js';
import { engineMessage, statusOf } from './errors.js';

export interface NetworkInfo {
  id: string;
  name: string;
  subnet: string;
}

export async function createNetwork(docker: Docker, name: string, labels: Record<string, string>, subnet?: string): Promise<NetworkInfo> {
  const create = async (ipam?: { Subnet: string; Gateway?: string }) => {
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
      if (/overlap|Pool overlaps/i.test(engineMessage(err))) {
        throw new MesosUpError('CONFIG', `Cannot create network ${name}: subnet ${ipam?.Subnet} overlaps another network (${engineMessage(err)})`, {
          hint: 'choose a free subnet under network.subnet in cluster.yaml (docker network inspect shows the ones in use), or remove network.subnet to let the engine pick one',
        });
      }
      throw err;
    }
  };
  if (subnet) {
    const net = await create({ Subnet: subnet });
    return { id: net.id, name, subnet };
  }
  const probe = await create();
  const info = (await probe.inspect()) as { IPAM?: { Config?: Array<{ Subnet?: string; Gateway?: string }> } };
  const cfg = info.IPAM?.Config?.find((c) => c.Subnet && !c.Subnet.includes(':'));
  await probe.remove();
  if (!cfg?.Subnet) throw new MesosUpError('INTERNAL', `The engine gave network ${name} no IPv4 subnet`);
  const net = await create({ Subnet: cfg.Subnet, ...(cfg.Gateway ? { Gateway: cfg.Gateway } : {}) });
  return { id: net.id, name, subnet: cfg.Subnet };
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
