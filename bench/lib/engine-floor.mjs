// The engine's floor for a cluster: the very containers `mesos-up up` would start
// (same images, env, ports, mounts, network; from dist/'s plan and engine code),
// created and started all at once with no readiness wait, timed from the network
// create to the last start returning. No tool can start that cluster on this
// engine faster, so the floor's own 8-agents-to-1 ratio tells how much of the
// scaling figure is the engine's (docker-proxy and iptables per published port,
// container start) rather than mesos-up's.
import { randomBytes } from 'node:crypto';

// dist/ is built by the bench before it runs, so it is loaded on first use.
const load = async () => {
  const [defaults, containers, network, addresses, cluster, images, labels, ver] = await Promise.all(
    ['config/defaults', 'engine/containers', 'engine/network', 'plan/addresses', 'plan/cluster', 'plan/images', 'plan/labels', 'version'].map((m) => import(`../../dist/${m}.js`)),
  );
  return { ...defaults, ...containers, ...network, ...addresses, ...cluster, ...images, ...labels, ...ver };
};

/** Starts the containers of an emulated cluster of `agents` agents under `name`; returns the milliseconds. */
export async function engineFloor(docker, name, agents) {
  const { defaultSpec, createContainer, startContainer, createNetwork, assignAddresses, planCluster, imageSet, baseLabels, networkName, version } = await load();
  const spec = defaultSpec();
  spec.name = name;
  spec.agents.count = agents;
  const runId = randomBytes(6).toString('hex');
  const t0 = performance.now();
  const net = await createNetwork(docker, networkName(name), baseLabels(name, version, runId));
  const addrs = assignAddresses(net.subnet, spec.masters.count, agents);
  const stages = planCluster({ spec, images: imageSet(spec, 'emulated', version), cliVersion: version, runId }, addrs);
  await Promise.all(stages.flat().map(async (plan) => startContainer(docker, await createContainer(docker, plan), plan)));
  return performance.now() - t0;
}
