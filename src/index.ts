// The public API of the mesos-up package.
export { loadSpec, parseClusterFile, type Overrides } from './config/load.js';
export { defaultSpec } from './config/defaults.js';
export type { ClusterSpec, Role } from './config/schema.js';
export { MesosUpError, exitCodeFor, type ErrorCode } from './errors.js';
export { connectEngine, resolveEndpoint } from './engine/connect.js';
export { ensureEmulatedImages } from './engine/emulated.js';
export { up, type UpOptions, type UpResult } from './lifecycle/up.js';
export { removeCluster, type Removed } from './lifecycle/remove.js';
export { describeCluster, type ClusterInfo } from './lifecycle/describe.js';
export { discoverClusters, type ClusterView } from './lifecycle/discover.js';
export { silentReporter, type Action, type Reporter, type Timing } from './lifecycle/actions.js';
export { planCluster } from './plan/cluster.js';
export { MarathonClient, MarathonApiError, appIdOfTask } from './marathon/client.js';
export type * from './marathon/types.js';
