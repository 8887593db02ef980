// The agent's HTTP endpoints: the public ones of a 1.7 agent (libprocess
// delegate `slave(1)`, so `/state` ≡ `/slave(1)/state`), and the master-facing
// `/mesos-up/…` calls of emulator/PROTOCOL.md.
import { Router, sendJsonOk, sendText, type Request } from '../common/http.js';
import type { Agent } from './agent.js';
import { BUILD_DATE, BUILD_TIME, BUILD_USER, MESOS_VERSION, sortedFlags } from './config.js';
import { filesRoutes } from '../common/files.js';
import type { FrameworkInfo, KillPolicy, TaskInfo } from './types.js';
import type { Usage } from './usage.js';

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
    r.res.writeHead(200, { 'Content-Length': 0 }).end();
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

  // ---- master → agent (PROTOCOL.md) ----
  router.on('POST', '/mesos-up/launch', async (r) => {
    const body = await jsonBody<{ framework_id?: string; framework_info?: FrameworkInfo; task?: TaskInfo }>(r);
    if (!body?.framework_id || !body.task?.task_id?.value) return sendText(r.res, 400, 'Expecting framework_id and task\n');
    r.res.writeHead(202, { 'Content-Length': 0 }).end();
    agent.launch(body.framework_id, body.framework_info ?? {}, body.task);
  });
  router.on('POST', '/mesos-up/kill', async (r) => {
    const body = await jsonBody<{ framework_id?: string; task_id?: { value?: string }; kill_policy?: KillPolicy }>(r);
    if (!body?.framework_id || !body.task_id?.value) return sendText(r.res, 400, 'Expecting framework_id and task_id\n');
    r.res.writeHead(202, { 'Content-Length': 0 }).end();
    const ns = body.kill_policy?.grace_period?.nanoseconds;
    agent.kill(body.framework_id, body.task_id.value, ns !== undefined ? ns / 1e6 : undefined);
  });
  router.on('POST', '/mesos-up/shutdown-framework', async (r) => {
    const body = await jsonBody<{ framework_id?: string }>(r);
    if (!body?.framework_id) return sendText(r.res, 400, 'Expecting framework_id\n');
    r.res.writeHead(202, { 'Content-Length': 0 }).end();
    agent.shutdownFramework(body.framework_id);
  });
  return router;
}

/**
 * Every executor's ResourceStatistics, as the containerizer merges them: the
 * task's usage (usage.ts), then the limits from its resources; fields in
 * field-number order, as Mesos' JSON of a protobuf has them.
 */
async function monitorStatistics(agent: Agent): Promise<unknown[]> {
  const execs = [...agent.frameworks.values()].flatMap((fw) => [...fw.executors.values()].map((exec) => ({ fw, exec })));
  return Promise.all(
    execs.map(async ({ fw, exec }) => {
      const timestamp = Date.now() / 1000;
      const u: Usage = (await exec.runner?.usage().catch((): Usage => ({}))) ?? {};
      return {
        executor_id: exec.id,
        executor_name: exec.name,
        framework_id: fw.id,
        source: exec.source,
        statistics: {
          timestamp,
          ...(u.cpus_user_time_secs !== undefined ? { cpus_user_time_secs: u.cpus_user_time_secs, cpus_system_time_secs: u.cpus_system_time_secs } : {}),
          cpus_limit: exec.resources.cpus,
          ...(u.mem_rss_bytes !== undefined ? { mem_rss_bytes: u.mem_rss_bytes } : {}),
          mem_limit_bytes: exec.resources.mem * 1024 * 1024,
        },
      };
    }),
  );
}
