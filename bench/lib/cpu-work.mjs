// Who did the CPU work of one `up`: every process's CPU time (its own and its
// reaped children's, from /proc/<pid>/stat) between two snapshots, grouped as
// the engine (dockerd with the helpers it runs, containerd, the shims with runc,
// docker-proxy), each cluster role (processes in its container's cgroup), the
// CLI and the bench, and the rest (kernel threads, interrupts, other work).
//
// On a machine with few cores a cluster's start is CPU-bound: the scaling
// figure then follows how much work an extra agent brings, and this says whose
// work it is. Linux only, with the engine on this machine (its processes in
// this /proc); elsewhere `snapshot()` returns undefined and the bench skips it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

const HZ = 100; // USER_HZ: Linux reports /proc times in 1/100 s on every architecture it runs Docker on

// dockerd re-executes itself ("exe": libnetwork's netns set-up, the prestart hook) and runs iptables.
const ENGINE = /^(dockerd|containerd|containerd-shim.*|runc.*|docker-proxy|exe|iptables.*|ip6tables.*)$/;

function readProcesses() {
  const out = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      // fields 14-17 (utime stime cutime cstime), 22 (starttime); f[0] is field 3
      out.set(Number(d), { comm, ppid: Number(f[1]), self: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]), start: f[19] });
    } catch {
      // the process ended while being read
    }
  }
  return out;
}

function busyJiffies() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (steal: time the hypervisor gave elsewhere, not work done here)
  return { busy: f[0] + f[1] + f[2] + f[5] + f[6], total: f.slice(0, 7).reduce((a, b) => a + b, 0) };
}

/** A point in time to measure from; undefined where /proc does not show the engine. */
export function snapshot() {
  if (process.platform !== 'linux' || !existsSync('/proc/stat')) return undefined;
  return { at: performance.now(), stat: busyJiffies(), procs: readProcesses() };
}

/** The 64-hex ID of the container a process runs in (cgroup v1 or v2, either driver), if any. */
function containerOf(pid) {
  try {
    // (the last ID: Docker in Docker nests /docker/<outer>/docker/<inner>)
    return [...readFileSync(`/proc/${pid}/cgroup`, 'utf8').matchAll(/docker[-/]([0-9a-f]{64})/g)].at(-1)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds between `a` and a snapshot taken now, by who did the work: the
 * cluster's containers by ID (see `attribute`), the engine, the bench process
 * (the CLI it ran is its reaped child) and the rest.
 */
export function workSince(a) {
  const b = snapshot();
  if (!a || !b) return undefined;
  const by = {};
  const containers = {};
  const add = (to, k, jiffies) => {
    if (jiffies > 0) to[k] = (to[k] ?? 0) + jiffies / HZ;
  };
  // A process that ran before `a` and was reaped since brings its whole life
  // into its parent's children's time: take off what it had used by `a`.
  const earlier = new Map();
  for (const [pid, p] of a.procs) {
    const now = b.procs.get(pid);
    if (now && now.start === p.start) continue;
    const parent = b.procs.get(p.ppid);
    if (parent && parent.start === a.procs.get(p.ppid)?.start) earlier.set(p.ppid, (earlier.get(p.ppid) ?? 0) + p.self + p.children);
  }
  let attributed = 0;
  for (const [pid, p] of b.procs) {
    const before = a.procs.get(pid);
    const same = before && before.start === p.start;
    const used = p.self + p.children - (same ? before.self + before.children + (earlier.get(pid) ?? 0) : 0);
    if (used <= 0) continue;
    attributed += used;
    const container = containerOf(pid);
    if (container) add(containers, container, used);
    else if (pid === process.pid) add(by, 'CLI and bench', used);
    else if (ENGINE.test(p.comm)) add(by, 'engine', used);
    else add(by, 'other', used);
  }
  const busy = b.stat.busy - a.stat.busy;
  // The rest: interrupts and softirqs, and processes that ended with no live parent to reap them.
  add(by, 'other', busy - attributed);
  return { by, containers, cpuSeconds: busy / HZ, busyShare: busy / (b.stat.total - a.stat.total || 1), cores: os.cpus().length, seconds: (b.at - a.at) / 1000 };
}

/** `work` with its containers folded into their roles (`roles`: container ID → role); other containers' work goes to "other". */
export function attribute(work, roles) {
  const by = { ...work.by };
  for (const [id, s] of Object.entries(work.containers)) {
    const k = roles.get(id) ?? 'other';
    by[k] = (by[k] ?? 0) + s;
  }
  const { containers: _, ...rest } = work;
  return { ...rest, by };
}
