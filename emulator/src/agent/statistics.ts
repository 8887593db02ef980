// Every live executor's ResourceStatistics, as the containerizer merges them
// for /monitor/statistics and GET_CONTAINERS: the task's usage (usage.ts),
// then the limits from its resources; fields in field-number order, as Mesos'
// JSON of a protobuf has them.
import { quantities } from '../common/resource-list.js';
import type { Agent, ExecutorRecord, FrameworkRecord } from './agent.js';
import type { Usage } from './usage.js';

export async function executorStatistics(agent: Agent): Promise<Array<{ fw: FrameworkRecord; exec: ExecutorRecord; statistics: Record<string, number> }>> {
  const execs = [...agent.frameworks.values()].flatMap((fw) => [...fw.executors.values()].map((exec) => ({ fw, exec })));
  return Promise.all(
    execs.map(async ({ fw, exec }) => {
      const timestamp = Date.now() / 1000;
      const u: Usage = (await exec.runner?.usage().catch((): Usage => ({}))) ?? {};
      return {
        fw,
        exec,
        statistics: {
          timestamp,
          ...(u.cpus_user_time_secs !== undefined ? { cpus_user_time_secs: u.cpus_user_time_secs, cpus_system_time_secs: u.cpus_system_time_secs! } : {}),
          cpus_limit: quantities(exec.resources).cpus,
          ...(u.mem_rss_bytes !== undefined ? { mem_rss_bytes: u.mem_rss_bytes } : {}),
          mem_limit_bytes: quantities(exec.resources).mem * 1024 * 1024,
        },
      };
    }),
  );
}
