import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { engineStatsUsage, processTreeUsage } from '../../../emulator/src/agent/usage.js';

// A /proc of five processes: the agent (1), a task's shell (10) with a child
// whose name holds a space and a parenthesis (11) and a grandchild (12), and
// another task (20).
const proc = mkdtempSync(path.join(tmpdir(), 'mesos-up-proc-'));
const processes: Array<[pid: number, comm: string, ppid: number, utime: number, stime: number, rssKb: number]> = [
  [1, 'node', 0, 500, 100, 60000],
  [10, 'sh', 1, 3, 1, 1000],
  [11, 'python3 (x)', 10, 250, 20, 20480],
  [12, 'sleep', 11, 0, 0, 512],
  [20, 'sh', 1, 7, 7, 999],
];
for (const [pid, comm, ppid, utime, stime, rss] of processes) {
  mkdirSync(path.join(proc, String(pid)));
  // Fields 3 to 15 of /proc/<pid>/stat, then a tail of more fields.
  writeFileSync(path.join(proc, String(pid), 'stat'), `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194560 100 0 0 0 ${utime} ${stime} 0 0 20 0 1 0 100 1000 ${rss / 4} 0\n`);
  writeFileSync(path.join(proc, String(pid), 'status'), `Name:\t${comm}\nPid:\t${pid}\nVmRSS:\t    ${rss} kB\nThreads:\t1\n`);
}
mkdirSync(path.join(proc, 'self'));
afterAll(() => rmSync(proc, { recursive: true, force: true }));

describe("a command task's usage (Mesos' posix/cpu and posix/mem isolators)", () => {
  it("sums CPU times and RSS over the task's whole process tree, and nothing outside it", async () => {
    expect(await processTreeUsage(10, proc)).toEqual({
      cpus_user_time_secs: 2.53, // (3 + 250 + 0) ticks of 1/100 s
      cpus_system_time_secs: 0.21,
      mem_rss_bytes: (1000 + 20480 + 512) * 1024,
    });
  });

  it('has nothing to say of a process that is gone', async () => {
    expect(await processTreeUsage(99, proc)).toBeUndefined();
  });
});

describe("a Docker task's usage (the docker containerizer's cgroup statistics)", () => {
  it('takes the CPU times and RSS of cgroup v1 stats, and anonymous memory on cgroup v2', () => {
    expect(engineStatsUsage({ cpu_stats: { cpu_usage: { usage_in_usermode: 1_500_000_000, usage_in_kernelmode: 250_000_000 } }, memory_stats: { stats: { rss: 4096, cache: 8192 } } })).toEqual({
      cpus_user_time_secs: 1.5,
      cpus_system_time_secs: 0.25,
      mem_rss_bytes: 4096,
    });
    expect(engineStatsUsage({ memory_stats: { stats: { anon: 123 } } })).toEqual({ mem_rss_bytes: 123 });
  });

  it('reports no CPU times when the engine gives only one of them', () => {
    expect(engineStatsUsage({ cpu_stats: { cpu_usage: { usage_in_usermode: 1 } } })).toEqual({});
  });
});
