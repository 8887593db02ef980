// Faults on purpose, for users testing their frameworks' resilience: kill the
// leading master, an agent, every agent of one engine (a cluster spanning
// engines), or a task's process (a crash, not a polite kill).
import type Docker from 'dockerode';
import { MesosUpError } from '../errors.js';
import { execIn, killContainer } from '../engine/exec.js';
import { MarathonClient } from '../marathon/client.js';
import { quorum } from '../plan/cluster.js';
import { findLeader } from '../probes/offers.js';
import { getJson } from '../probes/http.js';
import { describeCluster } from './describe.js';
import { discoverClusters, memberClient } from './discover.js';
import { reachOf } from './task-ports.js';

async function view(docker: Docker, cluster: string) {
  const v = (await discoverClusters(docker, cluster)).get(cluster);
  if (!v) throw new MesosUpError('NOT_FOUND', `No cluster named ${cluster}`, { hint: 'mesos-up ls lists the clusters' });
  return v;
}

export async function killLeader(docker: Docker, cluster: string): Promise<{ killed: string }> {
  const info = await describeCluster(docker, cluster, { probe: false });
  const masters = info.masters.filter((m): m is typeof m & { url: string } => !!m.url && m.state === 'running');
  const { leader, detail } = await findLeader(masters);
  if (!leader) throw new MesosUpError('NOT_FOUND', `Cluster ${cluster} has no leading master to kill (${detail})`);
  const v = await view(docker, cluster);
  const member = v.members.find((m) => m.name === leader.name)!;
  await killContainer(await memberClient(docker, v, member), member.id);
  return { killed: leader.name };
}

export async function killAgent(docker: Docker, cluster: string, index: number): Promise<{ killed: string }> {
  const v = await view(docker, cluster);
  const agent = v.members.find((m) => m.role === 'agent' && m.index === index);
  if (!agent) throw new MesosUpError('NOT_FOUND', `Cluster ${cluster} has no agent ${index}`, { hint: `mesos-up status --name ${cluster} lists the agents` });
  if (agent.state !== 'running') throw new MesosUpError('NOT_FOUND', `${agent.name} is not running (${agent.status})`);
  await killContainer(await memberClient(docker, v, agent), agent.id);
  return { killed: agent.name };
}

/**
 * A cluster spanning engines: SIGKILLs every agent on engine `index` (1-based,
 * in the order cluster.yaml lists them) and the task containers there, as if
 * that machine went away; the master then marks its agents unreachable and
 * Marathon starts their tasks elsewhere. Masters placed there (engines[].masters)
 * go too when the masters on the other engines still make a quorum, so a user
 * watches a failover as well; otherwise they are kept (no master could lead,
 * and there would be nothing to watch).
 */
export async function killEngine(docker: Docker, cluster: string, index: number): Promise<{ engine: string; killed: string[] }> {
  const v = await view(docker, cluster);
  if (!v.engines) throw new MesosUpError('NOT_FOUND', `Cluster ${cluster} runs on one engine`, { hint: 'chaos kill-engine is for clusters spread over several engines (engines in cluster.yaml, --engine); use chaos kill-agent' });
  const engine = v.engines[index - 1];
  if (!engine) throw new MesosUpError('NOT_FOUND', `Cluster ${cluster} has no engine ${index}; it has ${v.engines.length}: ${v.engines.map((e, i) => `${i + 1} ${e.endpoint}`).join(', ')}`, { hint: 'engines are numbered from 1 in the order cluster.yaml (or --engine) lists them' });
  if (engine.error) throw new MesosUpError('ENGINE_UNREACHABLE', `Engine ${index} (${engine.endpoint}) of cluster ${cluster} does not answer: ${engine.error}`, { hint: `mesos-up status --name ${cluster} shows which engines answer` });
  const here = (m: (typeof v.members)[number]) => m.engine === engine.endpoint && m.state === 'running';
  const masters = v.members.filter((m) => m.role === 'master');
  const mastersLeft = masters.filter((m) => m.state === 'running' && m.engine !== engine.endpoint).length >= quorum(masters.length);
  const targets = v.members.filter((m) => here(m) && (m.role === 'agent' || m.role === 'task' || (m.role === 'master' && mastersLeft)));
  if (!targets.some((m) => m.role !== 'task')) {
    const kept = masters.some(here) ? `; its masters are kept, as the other engines' alone would not make a quorum of ${quorum(masters.length)}` : '';
    throw new MesosUpError('NOT_FOUND', `Engine ${index} (${engine.endpoint}) runs no running agent of cluster ${cluster}${kept}`, { hint: `mesos-up status --name ${cluster} shows each container's engine` });
  }
  // Agents first, so none of them sees its task die and reports it.
  for (const role of ['agent', 'task', 'master'] as const) {
    await Promise.all(targets.filter((m) => m.role === role).map(async (m) => killContainer(await memberClient(docker, v, m), m.id)));
  }
  return { engine: engine.endpoint, killed: targets.map((m) => m.name) };
}

interface AgentState {
  frameworks: Array<{ executors: Array<{ id: string; directory: string; tasks: Array<{ id: string }> }> }>;
}

/** SIGKILLs a task's processes: the task container for Docker tasks, else the processes in its sandbox. */
export async function killTask(docker: Docker, cluster: string, opts: { taskId?: string; appId?: string }): Promise<{ killed: string; agent: string }> {
  const info = await describeCluster(docker, cluster, { probe: false });
  if (!info.marathonUrl) throw new MesosUpError('NOT_FOUND', `Cluster ${cluster} has no Marathon`);
  const client = new MarathonClient(info.marathonUrl);
  const tasks = (await client.tasks()).filter((t) => t.state === 'TASK_RUNNING' && (!opts.taskId || t.id === opts.taskId) && (!opts.appId || t.appId === `/${opts.appId.replace(/^\//, '')}`));
  const task = tasks[Math.floor(Math.random() * tasks.length)];
  if (!task) throw new MesosUpError('NOT_FOUND', `No running task${opts.taskId ? ` ${opts.taskId}` : ''}${opts.appId ? ` of app ${opts.appId}` : ''} in cluster ${cluster}`, { hint: 'mesos-up app tasks APP lists them' });
  const agent = info.agents.find((a) => a.ip === task.host || a.name === task.host);
  if (!agent) throw new MesosUpError('NOT_FOUND', `Task ${task.id} runs on ${task.host}, which is not an agent of cluster ${cluster}`);
  const members = await view(docker, cluster);
  // Docker tasks: the task container, on whichever engine runs it.
  for (const c of members.members.filter((m) => m.role === 'task' && m.state === 'running')) {
    const client = await memberClient(docker, members, c);
    const env = (await client.getContainer(c.id).inspect()).Config.Env ?? [];
    if (env.includes(`MESOS_TASK_ID=${task.id}`)) {
      await killContainer(client, c.id);
      return { killed: task.id, agent: agent.name };
    }
  }
  // The agent's API from the host: through the gateway (or published with agents.publishPorts).
  const agentUrl = (await reachOf(members, { refresh: true }))?.agentUrls.get(agent.ip) ?? agent.url;
  if (!agentUrl) throw new MesosUpError('NOT_FOUND', `Cannot reach the API of ${agent.name}: the cluster's gateway does not answer`, { hint: `mesos-up status --name ${cluster}` });
  const state = await getJson<AgentState>(`${agentUrl}/state`);
  const dir = state.frameworks.flatMap((f) => f.executors).find((e) => e.id === task.id || e.tasks.some((t) => t.id === task.id))?.directory;
  if (!dir) throw new MesosUpError('NOT_FOUND', `Agent ${agent.name} does not know task ${task.id}`);
  const agentMember = members.members.find((m) => m.name === agent.name)!;
  // Every process whose working directory is the sandbox: the task's shell and its children.
  const script = `for p in /proc/[0-9]*; do [ "$(readlink "$p/cwd")" = "$1" ] && kill -9 "\${p#/proc/}" 2>/dev/null && echo "\${p#/proc/}"; done; true`;
  const r = await execIn(await memberClient(docker, members, agentMember), agentMember.id, ['sh', '-c', script, 'kill-task', dir]);
  if (!r.output.trim()) throw new MesosUpError('NOT_FOUND', `No process of task ${task.id} found in ${dir} on ${agent.name}`);
  return { killed: task.id, agent: agent.name };
}
