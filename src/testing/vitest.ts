// vitest helpers: one cluster for a whole run (globalSetup + inject), or one
// per test file (useCluster). Import from 'mesos-up/vitest'.
import { afterAll, beforeAll } from 'vitest';
import type { TestProject } from 'vitest/node';
import type { ClusterHandle } from './cluster-handle.js';
import { startCluster, type StartClusterOptions } from './start-cluster.js';

/** What `inject('mesosUp')` gives tests in a run whose globalSetup is clusterGlobalSetup(). */
export interface ProvidedCluster {
  name: string;
  masterUrl: string;
  marathonUrl: string;
  zkUrl: string;
  env: Record<string, string>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    mesosUp: ProvidedCluster;
  }
}

/**
 * A vitest globalSetup that starts one cluster before the run and removes it after:
 * `export default clusterGlobalSetup({ agents: 2 })` in the file named by `globalSetup`.
 */
export function clusterGlobalSetup(options: StartClusterOptions = {}) {
  return async (project: TestProject): Promise<() => Promise<void>> => {
    const cluster = await startCluster(options);
    project.provide('mesosUp', { name: cluster.name, masterUrl: cluster.masterUrl, marathonUrl: cluster.marathonUrl, zkUrl: cluster.zkUrl, env: cluster.env });
    return () => cluster.stop();
  };
}

/**
 * A cluster for the tests of one file: started in beforeAll, removed in afterAll.
 * Call the returned function inside tests to get the handle.
 */
export function useCluster(options: StartClusterOptions = {}, timeoutMs = 300_000): () => ClusterHandle {
  let cluster: ClusterHandle | undefined;
  beforeAll(async () => {
    cluster = await startCluster(options);
  }, timeoutMs);
  afterAll(async () => {
    await cluster?.stop();
  }, timeoutMs);
  return () => {
    if (!cluster) throw new Error('useCluster(): the cluster is not started yet (use it inside tests or hooks)');
    return cluster;
  };
}
