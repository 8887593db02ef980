import { inject, expect, it } from 'vitest';
import { MarathonClient } from 'mesos-up';

it('gets the cluster URLs from the global setup and talks to Marathon', async () => {
  const cluster = inject('mesosUp');
  expect(cluster.marathonUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const info = await new MarathonClient(cluster.marathonUrl).info();
  expect(info.frameworkId).toBeTruthy();
  expect(cluster.env.MESOS_MASTER_URL).toBe(cluster.masterUrl);
});
