// The conclusive check that a cluster works: a tiny app reaches TASK_RUNNING.
// Offer counters alone can mislead, since Marathon declines or suppresses offers when idle.
import { MarathonClient } from '../marathon/client.js';
import { waitUntil, type FailFast } from '../probes/wait.js';

export const CANARY_ID = '/mesos-up-canary';

export async function runCanary(
  marathonUrl: string,
  opts: { deadline: number; signal: AbortSignal; failFast?: FailFast; onProgress?: (l: string) => void },
): Promise<void> {
  const client = new MarathonClient(marathonUrl);
  await client.createApp({ id: CANARY_ID, cmd: 'sleep 3600', cpus: 0.01, mem: 16, instances: 1 });
  try {
    await waitUntil(
      async () => {
        const app = await client.getApp(CANARY_ID);
        return { ok: app.tasksRunning >= 1, detail: `canary app ${CANARY_ID}: ${app.tasksRunning} running, ${app.tasksStaged} staged` };
      },
      { ...opts, what: 'the canary task to reach TASK_RUNNING' },
    );
  } finally {
    await client.deleteApp(CANARY_ID, true).catch(() => undefined);
  }
}
