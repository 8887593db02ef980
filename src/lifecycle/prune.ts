// Removes clusters whose owning test process on this machine is gone. Clusters
// started from the CLI have no owner and are never pruned.
import type Docker from 'dockerode';
import os from 'node:os';
import { discoverClusters } from './discover.js';
import { removeCluster, type Removed } from './remove.js';

const OWNER_LABEL = 'io.mesos-up.owner';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function pruneClusters(docker: Docker): Promise<Array<{ name: string; owner: string } & Removed>> {
  const pruned = [];
  for (const view of (await discoverClusters(docker)).values()) {
    const ownerLabel = view.labels[OWNER_LABEL];
    if (!ownerLabel) continue;
    const [host, pid] = [ownerLabel.slice(0, ownerLabel.lastIndexOf(':')), Number(ownerLabel.slice(ownerLabel.lastIndexOf(':') + 1))];
    // Only owners on this machine can be checked; a cluster of another host's process is left alone.
    if (host !== os.hostname() || alive(pid)) continue;
    pruned.push({ name: view.name, owner: ownerLabel, ...(await removeCluster(docker, view.name)) });
  }
  return pruned;
}
