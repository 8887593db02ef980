// The classic Marathon walkthrough, step by step, through the mesos-up CLI on a
// real Docker Engine with the emulated images, or with the official ones under
// MESOS_UP_TEST_IMAGES=official (`up --images official`). Host traffic goes to
// 127.0.0.1 only.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterInfo } from '../../src/lifecycle/describe.js';
import { marathonEvents } from '../../src/marathon/events.js';
import type { Task } from '../../src/marathon/types.js';
import { eventually, itEmulatorOnly, officialImagesMissing, TEST_IMAGES } from '../emulator/harness.js';
import { readFrom } from '../support/tcp.js';
import { cli, json, spawnCli } from '../support/cli.js';
import { clusterObjects, docker } from '../support/docker.js';
import { buildTaskImage, TASK_IMAGE } from '../support/task-image.js';

const NAME = 'e2e-walk';
const dir = mkdtempSync(path.join(os.tmpdir(), 'mesos-up-walk-'));
const CMD = 'echo "hello $MESOS_TASK_ID" | nc -l $PORT0';

let cluster: ClusterInfo;
const on = (...args: string[]) => [...args, '--name', NAME];


async function eventuallyRead(port: number, pattern: RegExp): Promise<string> {
  let last = '';
  for (let i = 0; i < 60; i++) {
    try {
      last = await readFrom(port);
      if (pattern.test(last)) return last;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`never read ${pattern} from 127.0.0.1:${port}; last: ${last}`);
}

/**
 * Counts Marathon's event_stream_attached events: Marathon tells every /v2/events
 * client when another attaches, so the count says when a subscriber is really
 * listening (our own attachment is the first).
 */
function watchAttachments(marathonUrl: string): { count(): number; stop(): Promise<void> } {
  const ac = new AbortController();
  let n = 0;
  const loop = (async () => {
    for await (const e of marathonEvents(marathonUrl, { types: ['event_stream_attached'], signal: ac.signal })) if (e.eventType === 'event_stream_attached') n++;
  })().catch(() => undefined);
  return { count: () => n, stop: async () => { ac.abort(); await loop; } };
}


beforeAll(async () => {
  await buildTaskImage();
  const r = await cli(['up', ...on('--images', TEST_IMAGES.flavour, '--json')]);
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  cluster = json<ClusterInfo>(r);
});

afterAll(async () => {
  await cli(on('down'));
});

// (when every test of the file is skipped, vitest runs none of its hooks either: no cluster starts)
describe.skipIf(officialImagesMissing)('the Marathon walkthrough', () => {
  let firstTask: Task;
  let version: string;
  // Where `app tasks` says the host reaches a task's port 8000 (through the gateway).
  const hostPort8000 = async (taskId: string): Promise<number> => {
    const out = json<{ tasks: Array<Task & { endpoints: Array<{ port: number; address: string | null }> }> }>(await cli(['app', 'tasks', ...on('marathon-nc', '--json')]));
    const address = out.tasks.find((t) => t.id === taskId)?.endpoints.find((e) => e.port === 8000)?.address;
    if (!address) throw new Error(`app tasks shows no host address for port 8000 of ${taskId}: ${JSON.stringify(out.tasks)}`);
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    return Number(address.split(':')[1]);
  };

  it('deploys marathon-nc from flags and waits until its task runs on port 8000', async () => {
    const r = await cli(['app', 'deploy', ...on('--id', 'marathon-nc', '--cmd', CMD, '--cpus', '0.1', '--mem', '32', '--instances', '1', '--port', '8000', '--wait', '--json')]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const out = json<{ action: string; tasks: Task[] }>(r);
    expect(out.action).toBe('created');
    expect(out.tasks, JSON.stringify(out.tasks)).toHaveLength(1);
    firstTask = out.tasks[0]!;
    expect(firstTask.state).toBe('TASK_RUNNING');
    expect(firstTask.ports).toEqual([8000]);
    expect(firstTask.id).toMatch(/^marathon-nc\.[0-9a-f-]{36}$/);
  });

  it('lists the versions and prints one as JSON to save as app.json', async () => {
    const v = json<{ versions: string[] }>(await cli(['app', 'versions', ...on('marathon-nc', '--json')]));
    expect(v.versions, JSON.stringify(v)).not.toEqual([]);
    version = v.versions[0]!;
    expect(version).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const show = await cli(['app', 'show', ...on('marathon-nc', '--version', version)]);
    expect(show.exitCode).toBe(0);
    const doc = JSON.parse(show.stdout) as { id: string; cmd: string; version: string };
    expect(doc).toMatchObject({ id: '/marathon-nc', cmd: CMD, version });
    writeFileSync(path.join(dir, 'app.json'), show.stdout);
  });

  it('answers hello <task id> on the host port, then Marathon replaces the task on the same port', async () => {
    const hello = await eventuallyRead(await hostPort8000(firstTask.id), /hello/);
    expect(hello.trim()).toBe(`hello ${firstTask.id}`);
    const w = await cli(['app', 'wait', ...on('marathon-nc', '--replacing', firstTask.id, '--timeout', '60s', '--json')]);
    expect(w.exitCode, w.stderr).toBe(0);
    const next = json<{ tasks: Task[] }>(w).tasks[0]!;
    expect(next.id).not.toBe(firstTask.id);
    expect(next.ports).toEqual([8000]);
    const tasks = json<{ tasks: Task[] }>(await cli(['app', 'tasks', ...on('marathon-nc', '--json')])).tasks;
    expect(tasks.map((t) => t.id)).toEqual(expect.arrayContaining([next.id]));
    expect((await eventuallyRead(await hostPort8000(next.id), /hello/)).trim()).toBe(`hello ${next.id}`);
  });

  it('lists apps, kills a task, restarts the app, and streams status updates', async () => {
    // `events` only sees what happens after it attached: kill the task once Marathon
    // says it has (starting Node can take seconds on a loaded machine).
    const attached = watchAttachments(cluster.marathonUrl!);
    let events: ReturnType<typeof spawnCli> | undefined;
    try {
      // (the 60 s bounds only guard against a hang)
      await eventually('our own /v2/events watcher to attach', async () => attached.count() >= 1, 60_000);
      events = spawnCli(['events', ...on('--type', 'status_update_event', '--count', '1', '--json')]);
      const child = events;
      let exited = '';
      void child.then((r) => (exited = `mesos-up events exited (${r.exitCode ?? r.signal}): ${String(r.stderr)}`));
      await eventually('mesos-up events to attach to /v2/events', async () => {
        if (exited) throw new Error(exited);
        return attached.count() >= 2;
      }, 60_000);
    } catch (err) {
      events?.kill('SIGKILL');
      throw err;
    } finally {
      await attached.stop();
    }
    const list = json<{ apps: Array<{ id: string; instances: number }> }>(await cli(['app', 'list', ...on('--json')]));
    expect(list.apps.map((a) => a.id)).toEqual(expect.arrayContaining(['/marathon-nc']));
    // The previous step's read ended a task; wait for its replacement to run before killing it.
    const before = json<{ tasks: Task[] }>(await cli(['app', 'wait', ...on('marathon-nc', '--timeout', '60s', '--json')])).tasks[0]!;
    const kill = await cli(['app', 'kill-task', ...on(before.id, '--json')]);
    expect(kill.exitCode, kill.stderr).toBe(0);
    const ev = await events!;
    const first = JSON.parse(String(ev.stdout).split('\n')[0]!) as { eventType: string; appId: string; taskStatus: string };
    expect(first).toMatchObject({ eventType: 'status_update_event', appId: '/marathon-nc' });
    const restart = await cli(['app', 'restart', ...on('marathon-nc', '--json')]);
    expect(restart.exitCode, restart.stderr).toBe(0);
    expect(json<{ deploymentId: string }>(restart).deploymentId).toBeTruthy();
    expect((await cli(['app', 'wait', ...on('marathon-nc', '--replacing', before.id, '--timeout', '60s')])).exitCode).toBe(0);
  });

  it("runs commands inside a running task with task exec: its environment and sandbox, stdin, and the command's exit status", async () => {
    const task = json<{ tasks: Task[] }>(await cli(['app', 'wait', ...on('marathon-nc', '--timeout', '60s', '--json')])).tasks[0]!;
    // one word is a shell command line, run in the task's sandbox with its environment
    const exec = (...args: string[]) => ['task', 'exec', '--name', NAME, ...args];
    const sh = await cli(exec(task.id, '--', 'echo "$MESOS_TASK_ID $PORT0"; test "$PWD" = "$MESOS_SANDBOX" && echo in-sandbox; echo to-stderr >&2; exit 7'));
    expect(sh.stdout.split('\n'), `${sh.exitCode} ${sh.stderr}`).toEqual([`${task.id} 8000`, 'in-sandbox']);
    expect(sh.stderr).toBe('to-stderr');
    expect(sh.exitCode).toBe(7);
    // more words are an argv; -i sends stdin; the start of a task id names it
    const cat = await cli(exec('-i', task.id.slice(0, 20), '--', 'sh', '-c', 'tr a-z A-Z'), { input: 'through stdin\n' });
    expect({ code: cat.exitCode, out: cat.stdout, err: cat.stderr }).toEqual({ code: 0, out: 'THROUGH STDIN', err: '' });
    const missing = await cli(exec('no-such-task', '--', 'true'));
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toMatch(/No running task no-such-task in cluster e2e-walk/);
  });

  it('destroys the app and its task process is gone', async () => {
    const r = await cli(['app', 'destroy', ...on('marathon-nc', '--wait')]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const agent = (await docker()).getContainer(`${NAME}-agent1`);
    let last = '';
    // (60 s only guards against a hang; the kill is asynchronous to destroy --wait)
    await eventually('the nc process to be gone after destroy', async () => {
      const exec = await agent.exec({ Cmd: ['sh', '-c', 'ps -eo args | grep "[n]c -l"; true'], AttachStdout: true });
      const out = await new Promise<string>((resolve) => exec.start({}, (_e, s) => { let b = ''; s!.on('data', (c: Buffer) => (b += c.toString())); s!.on('end', () => resolve(b)); }));
      last = out.replace(/[^\x20-\x7e\n]/g, '').trim();
      return last === '';
    }, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}; still running: ${last}`);
    });
  });

  // A real agent's Docker tasks need its work dir shared with the host at the same
  // path, which mesos-up does not set up (README, "What was tried against real images").
  itEmulatorOnly("finds the task's container by the emulated agent's io.mesos-up.role=task label")('runs the same app as a Docker container with BRIDGE networking and port mappings', async () => {
    // Marathon 1.5+ writes `networks` into app.json, so BRIDGE is spelled as its
    // successor, networks mode container/bridge, with container.portMappings.
    writeFileSync(path.join(dir, 'container.json'), JSON.stringify({
      container: { type: 'DOCKER', docker: { image: TASK_IMAGE }, portMappings: [{ hostPort: 8000, containerPort: 8000 }] },
      networks: [{ mode: 'container/bridge' }],
      portDefinitions: [],
    }));
    const r = await cli(['app', 'deploy', path.join(dir, 'app.json'), '--merge', path.join(dir, 'container.json'), ...on('--wait', '--json')]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const task = json<{ tasks: Task[] }>(r).tasks[0]!;
    const running = await (await docker()).listContainers({ filters: { label: [`io.mesos-up.cluster=${NAME}`, 'io.mesos-up.role=task'] } });
    expect(running.map((c) => `${c.Names[0]} ${c.Image}`)).toEqual([expect.stringContaining(` ${TASK_IMAGE}`)]);
    expect(running[0]!.Image).toBe(TASK_IMAGE);
    expect((await eventuallyRead(await hostPort8000(task.id), /hello/)).trim()).toBe(`hello ${task.id}`);
    // Mesos 1.7's Docker containerizer has no nested containers: task exec is refused, and says so.
    // (nc served its one connection and the task ended: the one asked is its replacement, which
    // runs; Marathon may list the ended one as running a moment longer than the master does)
    const now = json<{ tasks: Task[] }>(await cli(['app', 'wait', ...on('marathon-nc', '--replacing', task.id, '--timeout', '60s', '--json')])).tasks[0]!;
    const refused = await cli(['task', 'exec', '--name', NAME, now.id, '--', 'true']);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr, refused.stderr).toMatch(/Nested containers are not supported/);
  });

  it('down removes the cluster, the Docker task container included', async () => {
    const r = await cli(on('down'));
    expect(r.exitCode).toBe(0);
    expect(await clusterObjects(NAME)).toEqual([]);
  });
});

