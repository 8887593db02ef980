// What the commands need only when they run. The command modules import this
// lazily (`await import('./deferred.js')`) so `mesos-up --help`, `--version` and
// usage errors load commander and the command definitions, not the engine,
// lifecycle and Marathon modules behind them.
export { connectEngine } from '../engine/connect.js';
export { ALL_ROLES, ensureEmulatedImages, ensureOwnImage } from '../engine/emulated.js';
export { readLogs } from '../engine/logs.js';
export { killAgent, killEngine, killLeader, killTask } from '../lifecycle/chaos.js';
export { clusterView, describeCluster, describeView } from '../lifecycle/describe.js';
export { discoverClusters, memberClient, urlsOf } from '../lifecycle/discover.js';
export { waitForLoadBalancer } from '../probes/marathon-lb.js';
export { reachOf } from '../lifecycle/task-ports.js';
export { runDoctor } from '../lifecycle/doctor.js';
export { pruneClusters } from '../lifecycle/prune.js';
export { removeCluster } from '../lifecycle/remove.js';
export { up } from '../lifecycle/up.js';
export { appFromFlags, readAppDocument, withLoadBalancer } from '../marathon/app-file.js';
export { appIdOfTask, MarathonApiError, MarathonClient } from '../marathon/client.js';
export { marathonEvents } from '../marathon/events.js';
export { deepMerge, shallowMerge } from '../marathon/merge.js';
export { waitForApp, waitForDeployment } from '../marathon/wait.js';
export { placeholderAddresses } from '../plan/addresses.js';
export { planCluster } from '../plan/cluster.js';
export { emulatedImage, emulatedMesosDnsImage, emulatedMarathonLbImage, metronomeImage, gatewayImage, imageSet } from '../plan/images.js';
export { networkName } from '../plan/labels.js';
export { sandboxTail } from '../probes/sandbox.js';
export { pickReporter } from './reporters.js';
export { ask, currentSetupPlan, runSetup } from '../setup/run-setup.js';
export { taskExec } from '../lifecycle/task-exec.js';
export { MetronomeClient } from '../metronome/client.js';
export { jobFromFlags } from '../metronome/job-file.js';
export { sleep } from '../probes/wait.js';
