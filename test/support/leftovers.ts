// Every container, network and volume carrying any io.mesos-up.* label.
import type Docker from 'dockerode';

const ours = (labels: Record<string, string> | undefined | null) =>
  Object.keys(labels ?? {}).some((k) => k.startsWith('io.mesos-up.'));

export async function leftovers(docker: Docker): Promise<string[]> {
  const containers = await docker.listContainers({ all: true });
  const networks = await docker.listNetworks();
  const volumes = (await docker.listVolumes()).Volumes ?? [];
  return [
    ...containers.filter((c) => ours(c.Labels)).map((c) => `container ${c.Names[0]?.slice(1)} (${c.State})`),
    ...networks.filter((n) => ours(n.Labels)).map((n) => `network ${n.Name}`),
    ...volumes.filter((v) => ours(v.Labels)).map((v) => `volume ${v.Name}`),
  ];
}
