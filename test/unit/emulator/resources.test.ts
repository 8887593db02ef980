// Resources with roles, reservations and volumes as Mesos 1.7.1 counts,
// prints and converts them (emulator/src/common/resource-list.ts), and the
// operation validation texts a real master answers (master/operation-validation.ts).
import { describe, expect, it } from 'vitest';
import * as L from '../../../emulator/src/common/resource-list.js';
import { parseAgentResources } from '../../../emulator/src/agent/config.js';
import { validateCreate, validateDestroy, validateReserve, validateUnreserve, operationFormatError } from '../../../emulator/src/master/operation-validation.js';

const detected = { cpus: 4, gpus: 0, mem: 8000, disk: 10000, ports: [{ begin: 31000, end: 32000 }] };
const dyn = (role: string, principal?: string, labels?: Array<{ key: string; value?: string }>): L.Reservation => ({
  type: 'DYNAMIC', role, ...(principal ? { principal } : {}), ...(labels ? { labels: { labels } } : {}),
});
const cpus = (n: number, reservations?: L.Reservation[]): L.Res => ({ name: 'cpus', type: 'SCALAR', scalar: { value: n }, ...(reservations ? { reservations } : {}) });
const disk = (n: number, reservations?: L.Reservation[], volume?: { id: string; path: string }): L.Res => ({
  name: 'disk', type: 'SCALAR', scalar: { value: n },
  ...(reservations ? { reservations } : {}),
  ...(volume ? { disk: { persistence: { id: volume.id }, volume: { mode: 'RW' as const, container_path: volume.path } } } : {}),
});

describe("an agent's --resources and --default_role", () => {
  it('reserves `name(role)` statically, keeps `*` unreserved, and detects only the names not given at all', () => {
    const r = parseAgentResources('cpus(slave_public):1;mem(*):512;ports(slave_public):[80-80,443-443]', detected);
    expect(L.text(r)).toBe('cpus(reservations: [(STATIC,slave_public)]):1; mem:512; ports(reservations: [(STATIC,slave_public)]):[80-80, 443-443]; disk:10000');
  });

  it('gives every resource without a role, detected ones included, the default role', () => {
    const r = parseAgentResources('cpus:2;mem:2048;ports:[8000-8100]', detected, 'slave_public');
    expect(L.byReservationRole(r).get('*')).toBeUndefined();
    expect(L.stateJson(L.byReservationRole(r).get('slave_public')!)).toEqual({ disk: 10000, mem: 2048, gpus: 0, cpus: 2, ports: '[8000-8100]' });
  });

  it('refuses what the command line may not give, with the texts of validateCommandLineResources', () => {
    expect(() => parseAgentResources('[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"r","reservation":{"principal":"p"}}]', detected)).toThrow(
      'Failed to determine agent resources: Dynamic reservations cannot be specified at the command line; do not include a reservation with DYNAMIC type in the resources JSON',
    );
    expect(() => parseAgentResources('cpus(foo bar):1', detected)).toThrow("Failed to determine agent resources: Role component 'foo bar' is invalid because it contains backspace or whitespace");
  });

  it('names the bad token as Mesos does', () => {
    expect(() => parseAgentResources('cpus:2;mem', detected)).toThrow("Bad value for resources, missing or extra ':' in mem");
    expect(() => parseAgentResources('cpus(role:2', detected)).toThrow('Bad value for resources, mismatched parentheses in cpus(role:2');
  });
});

describe('resource arithmetic', () => {
  it('merges equal resources, keeps different reservations apart and never merges volumes', () => {
    const a = L.add([cpus(1), cpus(2, [dyn('r', 'p')])], [cpus(0.5), cpus(1, [dyn('r', 'p')]), disk(10, [dyn('r')], { id: 'v1', path: 'data' })]);
    expect(L.text(a)).toBe('cpus:1.5; cpus(reservations: [(DYNAMIC,r,p)]):3; disk(reservations: [(DYNAMIC,r)])[v1:data]:10');
    const twice = L.add(a, [disk(10, [dyn('r')], { id: 'v1', path: 'data' })]);
    expect(twice.filter((r) => r.disk).length).toBe(2);
  });

  it('contains only what matches in reservation, not just in amount', () => {
    const have = [cpus(2), cpus(1, [dyn('r')])];
    expect(L.contains(have, [cpus(2)])).toBe(true);
    expect(L.contains(have, [cpus(3)])).toBe(false);
    expect(L.contains(have, [cpus(1, [dyn('r')])])).toBe(true);
    expect(L.contains(have, [cpus(1, [dyn('r', 'someone')])])).toBe(false);
  });

  it('applies RESERVE, CREATE, DESTROY and UNRESERVE as conversions, and says what is missing', () => {
    const total = [cpus(4), disk(100)];
    const reserved = L.apply(total, { type: 'RESERVE', resources: [cpus(1, [dyn('r', 'p')]), disk(50, [dyn('r', 'p')])] }) as L.ResList;
    expect(L.text(reserved)).toBe('cpus:3; disk:50; cpus(reservations: [(DYNAMIC,r,p)]):1; disk(reservations: [(DYNAMIC,r,p)]):50');
    const volume = disk(20, [dyn('r', 'p')], { id: 'db', path: 'data' });
    const created = L.apply(reserved, { type: 'CREATE', volumes: [volume] }) as L.ResList;
    expect(L.quantities(created)).toEqual(L.quantities(total));
    expect(created.filter(L.needsCheckpointing).map((r) => L.text([r]))).toEqual([
      'cpus(reservations: [(DYNAMIC,r,p)]):1', 'disk(reservations: [(DYNAMIC,r,p)]):30', 'disk(reservations: [(DYNAMIC,r,p)])[db:data]:20',
    ]);
    const destroyed = L.apply(created, { type: 'DESTROY', volumes: [volume] }) as L.ResList;
    expect(L.same(destroyed, reserved)).toBe(true);
    expect(L.apply(total, { type: 'UNRESERVE', resources: [cpus(1, [dyn('r', 'p')])] }, 'r')).toBe(
      'cpus(allocated: r):4; disk(allocated: r):100 does not contain cpus(allocated: r)(reservations: [(DYNAMIC,r,p)]):1',
    );
  });

  it('takes empty reservation labels, as protobuf marshalers write them, for none', () => {
    const withEmpty = L.upgrade([{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'r', reservation: { principal: 'p', labels: {} } }]);
    expect(L.same(withEmpty, [cpus(1, [dyn('r', 'p')])])).toBe(true);
    expect(L.text([{ ...cpus(1), reservations: [{ type: 'DYNAMIC', role: 'r', labels: {} as { labels: [] } }] }])).toBe('cpus(reservations: [(DYNAMIC,r,{})]):1');
  });

  it('keeps refined reservations and shared volumes on an agent (a static base stays, sharing goes)', () => {
    const refined = cpus(1, [{ type: 'STATIC', role: 'a' }, dyn('a/b')]);
    expect(L.quantities(L.applyCheckpointed([cpus(2, [{ type: 'STATIC', role: 'a' }])], [refined]) as L.ResList).cpus).toBe(2);
    const shared = { ...disk(10, [dyn('r')], { id: 'v', path: 'd' }), shared: {} };
    const created = L.apply([disk(100, [dyn('r')])], { type: 'CREATE', volumes: [shared] });
    expect(typeof created).not.toBe('string');
    expect(L.quantities(L.applyCheckpointed([disk(100)], [disk(90, [dyn('r')]), shared]) as L.ResList).disk).toBe(100);
  });

  it("an agent's total is its own resources with the kept reservations swapped in, or why they no longer fit", () => {
    const own = [cpus(4), disk(100)];
    const kept = [cpus(1, [dyn('r')]), disk(20, [dyn('r')], { id: 'db', path: 'data' })];
    expect(L.quantities(L.applyCheckpointed(own, kept) as L.ResList)).toEqual(L.quantities(own));
    expect(L.applyCheckpointed([cpus(0.5)], kept)).toBe('Incompatible agent resources: cpus:0.5 does not contain cpus:1');
  });
});

describe('resource formats at the edges (convertResourceFormat)', () => {
  const list = [cpus(1), cpus(2, [{ type: 'STATIC', role: 'pub' }]), cpus(3, [dyn('r', 'p', [{ key: 'k', value: 'v' }])])];

  it('pre-refinement: a role on every resource and a reservation for a dynamic one', () => {
    expect(L.format(list, 'pre').map((r) => [r.role, r.reservation, r.reservations])).toEqual([
      ['*', undefined, undefined], ['pub', undefined, undefined], ['r', { principal: 'p', labels: { labels: [{ key: 'k', value: 'v' }] } }, undefined],
    ]);
  });

  it('endpoint: both forms; post-refinement: reservations only', () => {
    expect(L.format(list, 'endpoint')[2]).toMatchObject({ role: 'r', reservation: { principal: 'p' }, reservations: [{ type: 'DYNAMIC', role: 'r', principal: 'p' }] });
    expect(L.format(list, 'post').map((r) => r.role)).toEqual([undefined, undefined, undefined]);
  });

  it('reads any of them back to the same resources', () => {
    for (const form of ['pre', 'endpoint', 'post'] as const) expect(L.same(L.upgrade(L.format(list, form, 'x')), list)).toBe(true);
  });
});

describe('operation validation (validation::operation::validate, 1.7.1 texts)', () => {
  const allocated = (r: object) => ({ ...L.format([r as L.Res], 'pre')[0], allocation_info: { role: 'r' } });

  it('RESERVE: only dynamic reservations, to the framework role the resources are allocated to', () => {
    const who = { frameworkRoles: ['r'], frameworkId: 'f' };
    expect(validateReserve([allocated(cpus(1))], who)).toBe('Resource cpus(allocated: r):1 is not dynamically reserved');
    expect(validateReserve([allocated(cpus(1, [dyn('other')]))], who)).toBe(
      "A reserve operation was attempted for a resource with role 'other', but the resource was allocated to role 'r'",
    );
    expect(validateReserve([allocated(cpus(1, [dyn('r', 'p')]))], { ...who, principal: 'q' })).toBe(
      "A reserve operation was attempted by authenticated principal 'q', which does not match a reserved resource in the request with principal 'p'",
    );
    expect(validateReserve([allocated(cpus(1, [dyn('r')]))], who)).toBeUndefined();
    expect(validateReserve([allocated(cpus(1, [dyn('r')]))], {})).toBe(
      'A reserve operation was attempted with an allocated resource, but the operator API only allows reservations to be made to unallocated resources',
    );
    expect(validateReserve([], {})).toBe('Invalid resources: The resources have multiple resource providers: ');
  });

  it('UNRESERVE refuses static reservations and volumes', () => {
    expect(validateUnreserve([{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'pub' }])).toBe('Resource cpus(reservations: [(STATIC,pub)]):1 is not dynamically reserved');
    expect(validateUnreserve(L.format([disk(5, [dyn('r')], { id: 'v', path: 'd' })], 'pre'))).toBe(
      'A dynamically reserved persistent volume disk(reservations: [(DYNAMIC,r)])[v:d]:5 cannot be unreserved directly. Please destroy the persistent volume first then unreserve the resource',
    );
  });

  it('CREATE needs reserved disk, a volume, and a persistence id unique on the agent', () => {
    expect(validateCreate(L.format([disk(5, undefined, { id: 'v', path: 'd' })], 'pre'), [], {})).toBe(
      'Invalid resources: Invalid DiskInfo: Persistent volumes cannot be created from unreserved resources',
    );
    expect(validateCreate(L.format([disk(5, [dyn('r')])], 'pre'), [], {})).toBe('Not a persistent volume: Resource disk(reservations: [(DYNAMIC,r)]):5 does not have DiskInfo');
    const v = disk(5, [dyn('r')], { id: 'v', path: 'd' });
    expect(validateCreate(L.format([v], 'pre'), [v], {})).toBe("Persistence ID 'v' is not unique");
    expect(validateCreate(L.format([v], 'pre'), [], {})).toBeUndefined();
  });

  it('DESTROY: only volumes the agent has, and none in use', () => {
    const v = disk(5, [dyn('r')], { id: 'v', path: 'd' });
    expect(validateDestroy(L.format([v], 'pre'), [], [])).toBe('Persistent volumes not found');
    expect(validateDestroy(L.format([v], 'pre'), [v], [[cpus(1), v]])).toBe('Persistent volumes in use');
    expect(validateDestroy(L.format([v], 'pre'), [v], [[cpus(1)]])).toBeUndefined();
  });

  it('resources in a bad format are named with the reason (Resources::validate)', () => {
    const op = { type: 'RESERVE', reserve: { resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: '*', reservation: { principal: 'p' } }] } };
    expect(operationFormatError(op, op.reserve.resources)).toBe("Resource 'cpus:1' is invalid: Invalid reservation: role \"*\" cannot be dynamically reserved");
    expect(operationFormatError({ type: 'CREATE' }, [])).toBe('A CREATE offer operation must have the Offer.Operation.create field set.');
  });
});
