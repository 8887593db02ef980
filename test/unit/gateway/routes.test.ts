import { describe, expect, it } from 'vitest';
import { parseDockerHosts, parseForwards, parsePool, portsOf, RouteTable, targetsOf, type MasterState } from '../../../emulator/src/gateway/routes.js';

const agent = (n: number) => ({ id: `S${n}`, pid: `slave(1)@172.20.0.${209 + n}:5051`, hostname: `172.20.0.${209 + n}` });
const task = (id: string, agentN: number, ports: string, state = 'TASK_RUNNING', container?: object) => ({
  id, framework_id: 'F0', slave_id: `S${agentN}`, state, resources: { ports }, ...(container ? { container } : {}),
});

describe('gateway routes', () => {
  it('reads Mesos port ranges as /master/state writes them', () => {
    expect(portsOf('[31000-31002, 31005-31005]')).toEqual([31000, 31001, 31002, 31005]);
    expect(portsOf(undefined)).toEqual([]);
    expect(portsOf('[]')).toEqual([]);
  });

  it('routes agents first, then every port of every live task; finished tasks get none', () => {
    const state: MasterState = {
      slaves: [agent(2), agent(1)],
      frameworks: [{ id: 'F0', tasks: [task('a', 1, '[8000-8000]'), task('b', 2, '[31000-31001]'), task('c', 1, '[8001-8001]', 'TASK_FINISHED')] }],
    };
    const t = targetsOf(state);
    expect(t.map((x) => [x.kind, x.taskId ?? x.agentId, x.address])).toEqual([
      ['agent', 'S1', '172.20.0.210:5051'],
      ['agent', 'S2', '172.20.0.211:5051'],
      ['task', 'a', '172.20.0.210:8000'],
      ['task', 'b', '172.20.0.211:31000'],
      ['task', 'b', '172.20.0.211:31001'],
    ]);
  });

  it("routes the ports a task group's executor holds (a pod's endpoints) under the executor's id", () => {
    const state: MasterState = {
      slaves: [agent(1)],
      frameworks: [{ id: 'F0', tasks: [task('web.instance-1.server', 1, '[]')], executors: [{ executor_id: 'instance-web.1', framework_id: 'F0', slave_id: 'S1', resources: { ports: '[31005-31006]' } }] }],
    };
    expect(targetsOf(state).filter((x) => x.kind === 'task').map((x) => [x.taskId, x.address])).toEqual([
      ['instance-web.1', '172.20.0.210:31005'],
      ['instance-web.1', '172.20.0.210:31006'],
    ]);
  });

  it("sends a real agent's Docker BRIDGE task to the engine's host, and a command task to the agent", () => {
    const state: MasterState = {
      slaves: [agent(1)],
      frameworks: [{ id: 'F0', tasks: [task('d', 1, '[31000-31000]', 'TASK_RUNNING', { type: 'DOCKER', docker: { network: 'BRIDGE' } }), task('m', 1, '[31001-31001]')] }],
    };
    expect(targetsOf(state, { dockerHost: '172.20.0.1' }).filter((x) => x.kind === 'task').map((x) => x.address)).toEqual(['172.20.0.1:31000', '172.20.0.210:31001']);
    expect(targetsOf(state).filter((x) => x.kind === 'task').map((x) => x.address)).toEqual(['172.20.0.210:31000', '172.20.0.210:31001']);
  });

  it("over several engines, sends a real agent's Docker task to the host of that agent's engine; command tasks and agents it does not know stay at the agent", () => {
    const docker = { type: 'DOCKER', docker: { network: 'BRIDGE' } };
    const state: MasterState = {
      slaves: [agent(1), agent(2), agent(3)],
      frameworks: [{ id: 'F0', tasks: [task('a', 1, '[31000-31000]', 'TASK_RUNNING', docker), task('b', 2, '[31001-31001]', 'TASK_RUNNING', docker), task('c', 2, '[31002-31002]'), task('d', 3, '[31003-31003]', 'TASK_RUNNING', docker)] }],
    };
    const dockerHosts = parseDockerHosts('172.20.0.210=10.0.0.4, 172.20.0.211=10.0.0.5');
    expect(targetsOf(state, { dockerHosts }).filter((x) => x.kind === 'task').map((x) => [x.taskId, x.address])).toEqual([
      ['a', '10.0.0.4:31000'],
      ['b', '10.0.0.5:31001'],
      ['c', '172.20.0.211:31002'],
      ['d', '172.20.0.212:31003'],
    ]);
    expect(() => parseDockerHosts('172.20.0.210=<engines[1] swarm address>')).toThrow(/GATEWAY_DOCKER_HOSTS must list agentIp=hostAddress pairs/);
  });

  it('keeps a pool port for as long as its task lives and hands freed ports out last', () => {
    const table = new RouteTable(parsePool('10000-10002'));
    const one: MasterState = { slaves: [agent(1)], frameworks: [{ id: 'F0', tasks: [task('a', 1, '[8000-8000]')] }] };
    table.update(targetsOf(one));
    expect(table.list().map((r) => [r.taskId ?? 'agent', r.poolPort])).toEqual([['agent', 10000], ['a', 10001]]);
    // a ends, b starts: b gets the never-used 10002, not a's 10001
    table.update(targetsOf({ slaves: [agent(1)], frameworks: [{ id: 'F0', tasks: [task('b', 1, '[8001-8001]')] }] }));
    expect(table.byPoolPort(10002)?.taskId).toBe('b');
    expect(table.byPoolPort(10001)).toBeUndefined();
  });

  it('says which task ports found no room when the pool is full', () => {
    const table = new RouteTable(parsePool('10000-10001'));
    table.update(targetsOf({ slaves: [agent(1)], frameworks: [{ id: 'F0', tasks: [task('a', 1, '[8000-8001]')] }] }));
    expect(table.list()).toHaveLength(2);
    expect(table.unrouted.map((u) => `${u.taskId}:${u.port}`)).toEqual(['a:8001']);
  });

  it('refuses a pool that is not a range', () => {
    expect(() => parsePool('10000')).toThrow(/GATEWAY_POOL must be a range/);
  });
});

describe('gateway fixed forwards (GATEWAY_FORWARDS)', () => {
  it('reads port=ip:port pairs, as the plan writes them for components on other engines', () => {
    expect([...parseForwards('20000=10.128.0.3:5050, 20001=10.128.0.2:2181')]).toEqual([[20000, '10.128.0.3:5050'], [20001, '10.128.0.2:2181']]);
    expect(parseForwards('').size).toBe(0);
  });

  it('refuses anything else with the variable and the item named', () => {
    expect(() => parseForwards('20000=box:5050')).toThrow('GATEWAY_FORWARDS must list port=ip:port pairs, not "20000=box:5050"');
    expect(() => parseForwards('20000:10.0.0.1:5050')).toThrow(/GATEWAY_FORWARDS/);
  });
});
