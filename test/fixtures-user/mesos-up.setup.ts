import { clusterGlobalSetup } from 'mesos-up/vitest';

export default clusterGlobalSetup({ images: 'emulated', name: process.env.FIXTURE_CLUSTER_NAME });
