// The agent's HTTP endpoints: the public ones of a 1.7 agent (libprocess
// delegate `slave(1)`, so `/state` ≡ `/slave(1)/state`), and the master-facing
// `/mesos-up/…` calls of emulator/PROTOCOL.md.
import { Router, sendEmpty, sendJsonOk, sendText, type Request } from '../common/http.js';
import { makeLogger } from '../common/log.js';
import { upgrade } from '../common/resource-list.js';
import type { Agent } from './agent.js';
import { BUILD_DATE, BUILD_TIME, BUILD_USER, MESOS_VERSION, sortedFlags } from './config.js';
import { filesRoutes } from '../common/files.js';
import type { ExecutorInfo, FrameworkInfo, KillPolicy, TaskInfo } from './types.js';

const log = makeLogger('slave.cpp:4123');
import { executorStatistics } from './statistics.js';

async function jsonBody<T>(r: Request): Promise<T | undefined> {
  try {
    return JSON.parse(await r.body()) as T;
  } catch {
    return undefined;
  }
}

export function agentRouter(agent: Agent): Router {
  const router = new Router();
  const both = (method: string, path: string, h: (r: Request) => void | Promise<void>) => {
    router.on(method, path, h);
    router.on(method, `/slave(1)${path}`, h);
  };

  both('*', '/health', (r) => {
    sendEmpty(r.res, 200);
  });
  for (const p of ['/state', '/state.json']) both('*', p, (r) => sendJsonOk(r, agent.state()));
  for (const p of ['/flags', '/flags.json']) both('*', p, (r) => sendJsonOk(r, { flags: sortedFlags(agent.cfg) }));
  for (const p of ['/monitor/statistics', '/monitor/statistics.json']) {
    both('*', p, async (r) => sendJsonOk(r, await monitorStatistics(agent)));
  }
  router.on('*', '/metrics/snapshot', (r) => sendJsonOk(r, agent.metrics()));
  router.on('*', '/version', (r) =>
    sendJsonOk(r, { build_date: BUILD_DATE, build_time: BUILD_TIME, build_user: BUILD_USER, git_tag: MESOS_VERSION, version: MESOS_VERSION }),
  );
  filesRoutes(router, agent.attached);
  // The operator API, loaded on its first call: protobufjs and the schema stay out of the agent's start-up.
  both('*', '/api/v1', async (r) => (await import('./operator-api.js')).agentOperatorApi(agent, r));

  // ---- master → agent (PROTOCOL.md) ----
  router.on('POST', '/mesos-up/launch', async (r) => {
    const body = await jsonBody<{ framework_id?: string; framework_info?: FrameworkInfo; task?: TaskInfo }>(r);
    if (!body?.framework_id || !body.task?.task_id?.value) return sendText(r.res, 400, 'Expecting framework_id and task\n');
    sendEmpty(r.res, 202);
    agent.launch(body.framework_id, body.framework_info ?? {}, body.task);
  });
  router.on('POST', '/mesos-up/launch-group', async (r) => {
    const body = await jsonBody<{ framework_id?: string; framework_info?: FrameworkInfo; executor?: ExecutorInfo; task_group?: { tasks?: TaskInfo[] } }>(r);
    const tasks = body?.task_group?.tasks;
    if (!body?.framework_id || !body.executor?.executor_id?.value) return sendText(r.res, 400, 'Expecting framework_id and executor\n');
    if (!Array.isArray(tasks) || !tasks.every((t) => typeof t?.task_id?.value === 'string')) return sendText(r.res, 400, 'Expecting task_group.tasks with task ids\n');
    sendEmpty(r.res, 202);
    agent.launchGroup(body.framework_id, body.framework_info ?? {}, body.executor, tasks);
  });
  router.on('POST', '/mesos-up/kill', async (r) => {
    const body = await jsonBody<{ framework_id?: string; task_id?: { value?: string }; kill_policy?: KillPolicy }>(r);
    if (!body?.framework_id || !body.task_id?.value) return sendText(r.res, 400, 'Expecting framework_id and task_id\n');
    sendEmpty(r.res, 202);
    const ns = body.kill_policy?.grace_period?.nanoseconds;
    agent.kill(body.framework_id, body.task_id.value, ns !== undefined ? ns / 1e6 : undefined);
  });
  router.on('POST', '/mesos-up/shutdown', async (r) => {
    const body = await jsonBody<{ message?: string }>(r);
    sendEmpty(r.res, 202);
    agent.shutdownRequested(body?.message ?? '');
  });
  router.on('POST', '/mesos-up/checkpoint-resources', async (r) => {
    const body = await jsonBody<{ resources?: Array<Record<string, unknown>> }>(r);
    if (!Array.isArray(body?.resources)) return sendText(r.res, 400, 'Expecting resources\n');
    try {
      agent.checkpointResources(upgrade(body.resources));
    } catch (err) {
      // Slave::checkpointResources: failing to make or remove a volume is fatal
      log.error(`Failed to sync checkpointed resources: ${(err as Error).message}`);
      sendEmpty(r.res, 500);
      process.exit(1);
    }
    sendEmpty(r.res, 202);
  });
  router.on('POST', '/mesos-up/shutdown-framework', async (r) => {
    const body = await jsonBody<{ framework_id?: string }>(r);
    if (!body?.framework_id) return sendText(r.res, 400, 'Expecting framework_id\n');
    sendEmpty(r.res, 202);
    agent.shutdownFramework(body.framework_id);
  });
  return router;
}

/** /monitor/statistics: each executor with its ResourceStatistics. */
async function monitorStatistics(agent: Agent): Promise<unknown[]> {
  return (await executorStatistics(agent)).map(({ fw, exec, statistics }) => ({
    executor_id: exec.id,
    executor_name: exec.name,
    framework_id: fw.id,
    source: exec.source,
    statistics,
  }));
}
