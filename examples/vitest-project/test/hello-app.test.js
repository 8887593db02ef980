// The app under test: a tiny TCP service Marathon runs on port 8000 of an agent.
// One cluster for this file (useCluster: started before, removed after).
import net from 'node:net';
import { expect, it } from 'vitest';
import { waitForApp } from 'mesos-up';
import { useCluster } from 'mesos-up/vitest';

// Emulated images: built locally, they run wherever a Docker Engine does.
const cluster = useCluster({ agents: 2, images: 'emulated' });

function readGreeting(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('no greeting within 5 s')));
    socket.on('data', (d) => {
      text += d;
      if (text.includes('\n')) {
        socket.destroy();
        resolve(text.trim());
      }
    });
    socket.on('end', () => resolve(text.trim()));
    socket.on('error', reject);
  });
}

it('Marathon runs the app and it answers on its port', async () => {
  const { marathon } = cluster();
  await marathon.createApp({
    id: '/hello',
    cmd: 'while true; do echo "hello from $MESOS_TASK_ID" | nc -q 0 -l $PORT0; done',
    cpus: 0.1,
    mem: 32,
    instances: 1,
    portDefinitions: [{ port: 8000 }],
    requirePorts: true,
  });
  const app = await waitForApp(marathon, '/hello', { deadline: Date.now() + 90_000 });
  expect(app.tasks?.map((t) => t.state)).toEqual(['TASK_RUNNING']);

  // Where the host reaches the task's port 8000 (127.0.0.1:<port>, through the
  // cluster's gateway); the service may need a moment to listen.
  const task = app.tasks[0];
  const endpoint = (await cluster().taskEndpoints('/hello')).find((e) => e.taskId === task.id && e.port === 8000);
  expect(endpoint?.address).toMatch(/^127\.0\.0\.1:\d+$/);
  const hostPort = endpoint.hostPort;
  let greeting = '';
  for (let i = 0; i < 30 && !greeting; i++) {
    greeting = await readGreeting(hostPort).catch(() => '');
    if (!greeting) await new Promise((r) => setTimeout(r, 500));
  }
  expect(greeting).toBe(`hello from ${task.id}`);
});

it('scaled to two instances, it runs once on each agent (both want host port 8000)', async () => {
  const { marathon, agents } = cluster();
  const { deploymentId } = await marathon.updateApp({ id: '/hello', instances: 2 });
  const app = await waitForApp(marathon, '/hello', { deadline: Date.now() + 90_000, deploymentId });
  expect(app.tasks.map((t) => t.state)).toEqual(['TASK_RUNNING', 'TASK_RUNNING']);
  expect(new Set(app.tasks.map((t) => t.host)).size).toBe(agents.length);
});
