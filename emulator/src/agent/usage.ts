// Resource usage of a running task, for /monitor/statistics, as Mesos 1.7.1
// measures it: a command task like the posix/cpu and posix/mem isolators
// (src/usage/usage.cpp: the CPU times and RSS of the executor's process tree,
// from /proc), a Docker task like the docker containerizer (its cgroup's CPU
// times and RSS, here from the engine's stats).
import { readdir, readFile } from 'node:fs/promises';

/** The ResourceStatistics fields a task's usage fills. */
export interface Usage {
  cpus_user_time_secs?: number;
  cpus_system_time_secs?: number;
  mem_rss_bytes?: number;
}

// /proc/<pid>/stat times are in USER_HZ ticks, which Linux fixes at 100 for user space.
const TICKS_PER_SEC = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  utime: number;
  stime: number;
}

/** Fields of /proc/<pid>/stat; the command name (2nd) may hold spaces and parentheses. */
function parseStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  return { pid: Number(text.slice(0, text.indexOf(' '))), ppid: Number(rest[1]), utime: Number(rest[11]), stime: Number(rest[12]) };
}

async function rssBytes(procRoot: string, pid: number): Promise<number | undefined> {
  const status = await readFile(`${procRoot}/${pid}/status`, 'utf8').catch(() => undefined);
  const kb = status && /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : undefined;
}

/** CPU times and RSS summed over `pid` and all its descendants; undefined once it is gone. */
export async function processTreeUsage(pid: number, procRoot = '/proc'): Promise<Usage | undefined> {
  const entries = (await readdir(procRoot)).filter((e) => /^\d+$/.test(e));
  const stats = (await Promise.all(entries.map((e) => readFile(`${procRoot}/${e}/stat`, 'utf8').then(parseStat, () => undefined)))).filter(
    (s): s is ProcStat => s !== undefined,
  );
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const root = stats.find((s) => s.pid === pid);
  if (!root) return undefined;
  const tree: ProcStat[] = [];
  for (const queue = [root]; queue.length; ) {
    const s = queue.shift()!;
    tree.push(s);
    queue.push(...(children.get(s.pid) ?? []));
  }
  const rss = await Promise.all(tree.map((s) => rssBytes(procRoot, s.pid)));
  return {
    cpus_user_time_secs: tree.reduce((a, s) => a + s.utime, 0) / TICKS_PER_SEC,
    cpus_system_time_secs: tree.reduce((a, s) => a + s.stime, 0) / TICKS_PER_SEC,
    mem_rss_bytes: rss.reduce<number>((a, b) => a + (b ?? 0), 0),
  };
}

/** The engine's one-shot stats of a container (GET /containers/<id>/stats). */
export interface EngineStats {
  cpu_stats?: { cpu_usage?: { usage_in_usermode?: number; usage_in_kernelmode?: number } };
  memory_stats?: { stats?: Record<string, number> };
}

/** A Docker task's usage from its cgroup as the engine reports it (rss on cgroup v1, anon on v2). */
export function engineStatsUsage(s: EngineStats): Usage {
  const cpu = s.cpu_stats?.cpu_usage;
  const mem = s.memory_stats?.stats;
  const rss = mem?.rss ?? mem?.anon;
  return {
    ...(cpu?.usage_in_usermode !== undefined && cpu.usage_in_kernelmode !== undefined
      ? { cpus_user_time_secs: cpu.usage_in_usermode / 1e9, cpus_system_time_secs: cpu.usage_in_kernelmode / 1e9 }
      : {}),
    ...(rss !== undefined ? { mem_rss_bytes: rss } : {}),
  };
}
