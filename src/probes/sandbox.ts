// A task's sandbox files through the agent's /files API, as the Mesos web UI reads them.
import { getJson } from './http.js';

interface Executor {
  id: string;
  directory: string;
  tasks?: Array<{ id: string }>;
  completed_tasks?: Array<{ id: string }>;
}

interface AgentState {
  frameworks: Array<{ executors: Executor[]; completed_executors?: Executor[] }>;
  completed_frameworks?: AgentState['frameworks'];
}

/** The last `bytes` of a sandbox file of a task, or undefined when the agent does not know the task. */
export async function sandboxTail(agentUrl: string, taskId: string, file: 'stdout' | 'stderr', bytes = 2048): Promise<string | undefined> {
  const state = await getJson<AgentState>(`${agentUrl}/state`);
  const executors = [...state.frameworks, ...(state.completed_frameworks ?? [])].flatMap((f) => [...f.executors, ...(f.completed_executors ?? [])]);
  const ex = executors.find((e) => e.id === taskId || e.tasks?.some((t) => t.id === taskId) || e.completed_tasks?.some((t) => t.id === taskId));
  if (!ex) return undefined;
  const path = `${ex.directory}/${file}`;
  const size = (await getJson<{ offset: number }>(`${agentUrl}/files/read?path=${encodeURIComponent(path)}&offset=-1`)).offset;
  const offset = Math.max(0, size - bytes);
  const r = await getJson<{ data: string }>(`${agentUrl}/files/read?path=${encodeURIComponent(path)}&offset=${offset}&length=${bytes}`);
  return r.data;
}
