// The master's calls to an agent (emulator/PROTOCOL.md, "master → agent").
import { postJson } from '../common/http.js';
import { describeAgent, glog } from './log.js';
import type { Agent } from './types.js';

export type AgentCall = (agent: Agent, path: string, body: unknown) => Promise<boolean>;

/** POST to an agent; resolves false when the agent could not be reached. */
async function post(agent: Agent, path: string, body: unknown): Promise<boolean> {
  try {
    const res = await postJson(`http://${agent.ip}:${agent.port}${path}`, body, { timeoutMs: 10_000 });
    if (res.status >= 400) glog('master.cpp:6151').warn(`Agent ${describeAgent(agent)} answered ${res.status} to ${path}`);
    return true;
  } catch (err) {
    glog('master.cpp:6151').warn(`Failed to reach agent ${describeAgent(agent)} for ${path}: ${(err as Error).message}`);
    return false;
  }
}

/** the last call queued per agent: calls reach an agent in the order they were made, as on libprocess' one connection */
const queues = new Map<string, Promise<boolean>>();

export const postToAgent: AgentCall = (agent, path, body) => {
  const call = (queues.get(agent.id) ?? Promise.resolve(true)).then(() => post(agent, path, body));
  queues.set(agent.id, call);
  void call.then(() => {
    if (queues.get(agent.id) === call) queues.delete(agent.id);
  });
  return call;
};
