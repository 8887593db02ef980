// The Mesos project's own Go library (mesos-go api/v1, Debian's
// golang-github-mesos-mesos-go-dev), unchanged, against the cluster: a
// program of ours built on it (test/clients/mesos-go/main.go) makes operator
// calls on /api/v1, follows the operator event stream, and runs a framework
// on /api/v1/scheduler that runs one task to TASK_FINISHED, kills another and
// tears itself down, asking the agent's operator API about the task meanwhile; the operator stream also follows the task of a Marathon
// app the program starts and removes through Marathon's REST API. With protobuf, an operator's reservation and
// persistent volume are used by two tasks in turn and then destroyed and unreserved by the framework.
// Protobuf is the library's default codec; JSON is run too. It runs in a
// container on the cluster's network and talks to the leading master there.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterInfo } from '../../src/lifecycle/describe.js';
import { networkName } from '../../src/plan/labels.js';
import { cli, json } from '../support/cli.js';
import { buildClientImage, runOnNetwork } from '../support/client-container.js';
import { docker } from '../support/docker.js';
import { eventually, officialImagesMissing, TEST_IMAGES } from './harness.js';

const NAME = 'mesos-go';
const SOURCE = fileURLToPath(new URL('../clients/mesos-go/main.go', import.meta.url));
// GOPATH mode: Debian installs the library's sources under /usr/share/gocode.
const DOCKERFILE = `FROM debian:bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends golang-go golang-github-mesos-mesos-go-dev && rm -rf /var/lib/apt/lists/*
COPY main.go /src/main.go
RUN cd /src && GO111MODULE=off GOPATH=/usr/share/gocode CGO_ENABLED=0 go build -o /mesos-go-client main.go
FROM debian:bookworm-slim
COPY --from=build /mesos-go-client /usr/local/bin/mesos-go-client
ENTRYPOINT ["/usr/local/bin/mesos-go-client"]
`;

/* eslint-disable @typescript-eslint/no-explicit-any */
type Step = { step: string; result?: any; error?: string };

let cluster: ClusterInfo;
let image: string;

beforeAll(async () => {
  await cli(['down', '--name', NAME]);
  const [built, up] = await Promise.all([
    buildClientImage('mesos-go-client', DOCKERFILE, { 'main.go': SOURCE }),
    cli(['up', '--name', NAME, '--images', TEST_IMAGES.flavour, '--json']),
  ]);
  image = built;
  expect(up.exitCode, up.stdout + up.stderr).toBe(0);
  cluster = json<ClusterInfo>(up);
});

afterAll(async () => {
  const r = await cli(['down', '--name', NAME]);
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
});

async function run(codec: 'protobuf' | 'json'): Promise<Map<string, Step>> {
  const leader = cluster.masters.find((m) => m.leader)!;
  const r = await runOnNetwork(image, networkName(NAME), [`http://${leader.ip}:5050`, codec, `http://${cluster.marathon!.ip}:8080`]);
  const steps = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Step);
  const failed = steps.find((s) => s.error);
  expect(failed, `${path.basename(SOURCE)} ${codec}:\n${r.stdout}\n${r.stderr}`).toBeUndefined();
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  return new Map(steps.map((s) => [s.step, s]));
}

describe.skipIf(officialImagesMissing)('mesos-go (the Mesos project Go library, api/v1)', () => {
  it('speaks protobuf: operator calls, the operator event stream, and a framework whose tasks finish and are killed', async () => {
    const steps = await run('protobuf');
    expect(steps.get('GET_HEALTH')?.result).toBe(true);
    expect(steps.get('GET_VERSION')?.result).toBe('1.7.1');
    expect(steps.get('GET_FLAGS')?.result.quorum).toBe('1');
    expect(steps.get('GET_METRICS')?.result['master/elected']).toBe(1);
    expect(steps.get('GET_MASTER')?.result.port).toBe(5050);
    expect(steps.get('GET_AGENTS')?.result).toEqual([expect.stringMatching(/:5051 cpus=\d+(\.\d+)? active=true$/)]);
    expect(steps.get('GET_FRAMEWORKS')?.result).toContain('marathon');
    expect(steps.get('GET_STATE')?.result).toMatchObject({ agents: 1, frameworks: 1 });
    expect(steps.get('GET_WEIGHTS')?.result).toEqual({ 'mesos-go': 2.5 });
    expect(steps.get('SUBSCRIBED')?.result.agents).toBe(1);
    expect(steps.get('scheduler SUBSCRIBED')?.result.heartbeat).toBe(15);
    expect(steps.get('OFFERS')?.result).toMatchObject({ allocation_info: false, roles: { '*': true } });
    expect(steps.get('task states')?.result).toEqual({
      'finisher-protobuf': ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'],
      'sleeper-protobuf': ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED'],
    });
    expect(steps.get('GET_TASKS')?.result.completed).toEqual({ 'finisher-protobuf': 'TASK_FINISHED', 'sleeper-protobuf': 'TASK_KILLED' });
    // the agent's operator API, on the agent the offer named, while the sleeper runs
    expect(steps.get('agent GET_HEALTH')?.result).toBe(true);
    expect(steps.get('agent GET_AGENT')?.result).toEqual({ port: 5051, hasID: true });
    expect(steps.get('agent GET_TASKS')?.result).toEqual(['sleeper-protobuf TASK_RUNNING']);
    // 32 MiB for the task and the command executor's own 32 MiB
    expect(steps.get('agent GET_CONTAINERS')?.result).toEqual([`sleeper-protobuf mem_limit=${64 * 2 ** 20}`]);
    expect(steps.get('agent GET_EXECUTORS')?.result).toBe(1);
    expect(steps.get('agent GET_FRAMEWORKS')?.result).toEqual(['mesos-go-protobuf']);
    // a nested container session in the sleeper's container: its output streamed, then its wait status (exit 4 << 8)
    expect(steps.get('agent nested session')?.result).toEqual({ stdout: 'nested in sleeper-protobuf\n', stderr: 'oops\n', exit_status: 4 << 8 });
    // an operator's reservation and volume, used by two tasks in turn, then destroyed and unreserved by the framework
    expect(steps.get('reserved after CREATE_VOLUMES')?.result).toEqual(['cpus=0.2', 'disk:gv1=8', 'disk=8', 'mem=64']);
    expect(steps.get('volume task states')?.result).toEqual({ 'volume-writer': 'TASK_FINISHED', 'volume-reader': 'TASK_FINISHED' });
    expect(steps.get('reserved after DESTROY and UNRESERVE')?.result).toEqual([]);
    // the maintenance calls: the agent's machine scheduled, draining, then cleared
    const draining = steps.get('GET_MAINTENANCE_STATUS draining')?.result;
    expect(draining.machines).toEqual([draining.agent]);
    expect(steps.get('GET_MAINTENANCE_SCHEDULE')?.result).toEqual([`${draining.agent} start+0s`]);
    expect(steps.get('GET_MAINTENANCE_STATUS after')?.result).toBe(0);
    const ours: string[] = steps.get('operator events')?.result;
    expect(ours[0]).toBe('FRAMEWORK_ADDED');
    expect(ours.at(-1)).toBe('FRAMEWORK_REMOVED');
    for (const task of ['finisher-protobuf', 'sleeper-protobuf']) {
      const own = ours.filter((e) => e.endsWith(` ${task}`));
      expect(own).toEqual([`TASK_ADDED ${task}`, `TASK_UPDATED TASK_STARTING ${task}`, `TASK_UPDATED TASK_RUNNING ${task}`, expect.stringMatching(/^TASK_UPDATED TASK_(FINISHED|KILLED) /)]);
    }
    // Marathon kills with its KILLING capability or without it, as its version does
    const marathon: string[] = steps.get('operator events of a Marathon task')?.result;
    expect(marathon.slice(0, 2)).toEqual(['TASK_ADDED', 'TASK_UPDATED TASK_STARTING']);
    expect(marathon).toContain('TASK_UPDATED TASK_RUNNING');
    expect(marathon.at(-1)).toBe('TASK_UPDATED TASK_KILLED');
  });

  it('speaks JSON too: the same framework and the operator calls its decoder can read', async () => {
    const steps = await run('json');
    expect(steps.get('GET_VERSION')?.result).toBe('1.7.1');
    expect(steps.get('GET_WEIGHTS')?.result).toEqual({ 'mesos-go': 1.5 });
    expect(steps.get('task states')?.result).toEqual({
      'finisher-json': ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'],
      'sleeper-json': ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED'],
    });
    expect(steps.get('GET_TASKS')?.result.completed).toEqual({ 'finisher-json': 'TASK_FINISHED', 'sleeper-json': 'TASK_KILLED' });
    expect(steps.get('agent GET_TASKS')?.result).toEqual(['sleeper-json TASK_RUNNING']);
    expect(steps.get('agent GET_FRAMEWORKS')?.result).toEqual(['mesos-go-json']);
    expect(steps.get('agent nested session')?.result).toEqual({ stdout: 'nested in sleeper-json\n', stderr: 'oops\n', exit_status: 4 << 8 });
  });
});

// Last on this cluster: it takes the agent away.
describe.skipIf(officialImagesMissing)('MARK_AGENT_GONE over the operator API', () => {
  it('tells the agent to shut down, reports its tasks gone, and keeps it out', async () => {
    const post = async (call: unknown) => {
      const r = await fetch(`${cluster.masterUrl}/api/v1`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(call) });
      return { status: r.status, text: await r.text() };
    };
    const agents = JSON.parse((await post({ type: 'GET_AGENTS' })).text).get_agents.agents;
    const agentId = agents[0].agent_info.id.value;
    expect(await post({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: 'no-such-agent' } } })).toEqual({ status: 404, text: "Agent 'no-such-agent' not found" });
    expect(await post({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: agentId } } })).toEqual({ status: 200, text: '' });
    // the agent got its ShutdownMessage and exited
    const container = (await docker()).getContainer(cluster.agents[0]!.name);
    const state = await eventually('the agent container to exit', async () => {
      const s = (await container.inspect()).State;
      return s.Running ? undefined : s;
    }, 60_000, 500);
    expect(state.ExitCode).toBe(0);
    expect(JSON.parse((await post({ type: 'GET_AGENTS' })).text).get_agents).toEqual({});
    // marking it again is a no-op
    expect((await post({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: agentId } } })).status).toBe(200);
  });
});
