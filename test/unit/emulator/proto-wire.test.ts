// The v1 APIs' two encodings from one schema (emulator/src/common/proto/):
// stout's JSON parser and printer as a real master applies them to calls and
// answers, protobuf both ways, and the HTTP negotiation texts.
import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { fieldEnum, fieldMessage, messageType } from '../../../emulator/src/common/proto/schema.js';
import { parseJson, printJson } from '../../../emulator/src/common/proto/stout-json.js';
import { acceptType, decodeCall, lastHeader, record, serialize } from '../../../emulator/src/common/proto/wire.js';

const CALL = 'mesos.v1.scheduler.Call';
const call = messageType(CALL);
const JSON_CT = 'application/json';
const PB_CT = 'application/x-protobuf';

const launchWith = (resource: object) => ({
  type: 'ACCEPT',
  framework_id: { value: 'f' },
  accept: { offer_ids: [{ value: 'o' }], operations: [{ type: 'LAUNCH', launch: { task_infos: [{ name: 't', task_id: { value: 't' }, agent_id: { value: 'a' }, resources: [resource] }] } }] },
});

describe("JSON calls as stout's parser reads them", () => {
  it('drops what a real master ignores: unknown names, nulls, and unknown values of optional enums', () => {
    const r = parseJson(call, { type: 'NO_SUCH_CALL', framework_id: null, bogus: 1, revive: { roles: ['a', null, 'b'] } });
    expect(r).toEqual({ message: { revive: { roles: ['a', 'b'] } } });
  });

  it('refuses an unknown value of a required enum, naming the value', () => {
    expect(parseJson(call, launchWith({ name: 'cpus', type: 'BOGUS', scalar: { value: 1 } }))).toEqual({ error: "Failed to find enum for 'BOGUS'" });
  });

  it('lists the missing required fields by path, this message first, then sub-messages by field number', () => {
    expect(parseJson(call, { type: 'SUBSCRIBE', subscribe: { framework_info: { id: {} } } })).toEqual({
      error: 'Missing required fields: subscribe.framework_info.user, subscribe.framework_info.name, subscribe.framework_info.id.value',
    });
    expect(parseJson(call, launchWith({ scalar: { value: 1 } }))).toEqual({
      error: 'Missing required fields: accept.operations[0].launch.task_infos[0].resources[0].name, accept.operations[0].launch.task_infos[0].resources[0].type',
    });
  });

  it('names the field a JSON value does not fit', () => {
    expect(parseJson(call, { type: ['SUBSCRIBE'] })).toEqual({ error: "Not expecting a JSON array for field 'type'" });
    expect(parseJson(call, { framework_id: { value: 7 } })).toEqual({ error: "Not expecting a JSON number for field 'value'" });
    expect(parseJson(call, { framework_id: 'f' })).toEqual({ error: "Not expecting a JSON string for field 'framework_id'" });
    expect(parseJson(call, { type: true })).toEqual({ error: "Not expecting a JSON boolean for field 'type'" });
    expect(parseJson(call, [])).toEqual({ error: 'Expecting a JSON object' });
  });

  it('reads numbers and booleans given as strings, and checks base64', () => {
    const ok = parseJson(call, launchWith({ name: 'cpus', type: 'SCALAR', scalar: { value: '1.5' } }));
    expect('message' in ok && ok.message.accept.operations[0].launch.task_infos[0].resources[0].scalar.value).toBe(1.5);
    expect(parseJson(call, launchWith({ name: 'cpus', type: 'SCALAR', scalar: { value: 'x' } }))).toEqual({
      error: expect.stringMatching(/^Failed to parse 'x' as a JSON number for field 'value': /),
    });
    expect(parseJson(call, { acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: 'ab!c' } })).toEqual({
      error: "Failed to base64 decode bytes field 'uuid': Invalid character '!'",
    });
  });
});

describe('numbers as stout converts them', () => {
  it('wraps negative values of unsigned fields, as as<uint64_t>() does', () => {
    const read = parseJson(messageType('mesos.v1.master.Call'), { type: 'READ_FILE', read_file: { path: '/x', offset: -1, length: -5 } });
    expect('message' in read && read.message.read_file).toEqual({ path: '/x', offset: 2 ** 64 - 1, length: 2 ** 64 - 5 });
    const level = parseJson(messageType('mesos.v1.master.Call'), { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: -3, duration: { nanoseconds: 1 } } });
    expect('message' in level && level.message.set_logging_level.level).toBe(2 ** 32 - 3);
  });
});

describe("answers as stout's JSON::Protobuf prints them", () => {
  it('prints fields in declaration order, with explicit non-deprecated defaults, and drops names the schema lacks', () => {
    const info = printJson(messageType('mesos.v1.FrameworkInfo'), { name: 'n', user: 'u', not_a_field: 1 });
    expect(Object.entries(info)).toEqual([['user', 'u'], ['name', 'n'], ['failover_timeout', 0], ['checkpoint', false]]);
  });
});

describe('protobuf', () => {
  it('round-trips a call through the wire, enums by name and bytes as base64', () => {
    const subscribe = { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n', capabilities: [{ type: 'MULTI_ROLE' }], roles: ['a'] } } };
    const bytes = serialize(CALL, PB_CT, subscribe);
    const back = decodeCall(CALL, PB_CT, bytes);
    expect(back).toEqual({ call: { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n', capabilities: [{ type: 'MULTI_ROLE' }], roles: ['a'] } } } });
    const ack = { type: 'ACKNOWLEDGE', framework_id: { value: 'f' }, acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: Buffer.alloc(16, 7).toString('base64') } };
    expect(decodeCall(CALL, PB_CT, serialize(CALL, PB_CT, ack))).toEqual({ call: ack });
  });

  it('refuses a body that is not a Call, or lacks a required field', () => {
    expect(decodeCall(CALL, PB_CT, Buffer.from([0xff, 0xff, 0xff]))).toEqual({ status: 400, message: 'Failed to parse body into Call protobuf' });
    // SUBSCRIBE with a FrameworkInfo that has no user: field 3 { field 1 { field 2 "n" } }
    const inner = Buffer.from([0x12, 0x01, 0x6e]);
    const body = Buffer.concat([Buffer.from([0x10, 0x01, 0x1a, inner.length + 2, 0x0a, inner.length]), inner]);
    expect(decodeCall(CALL, PB_CT, body)).toEqual({ status: 400, message: 'Failed to parse body into Call protobuf' });
  });

  it('encodes a bytes field that holds plain text as those bytes rather than failing', () => {
    const status = { task_id: { value: 't' }, state: 'TASK_RUNNING', data: 'not base64!' };
    const bytes = serialize('mesos.v1.TaskStatus', PB_CT, status);
    const back = messageType('mesos.v1.TaskStatus').decode(bytes) as unknown as { data: Uint8Array };
    expect(Buffer.from(back.data).toString()).toBe('not base64!');
  });

  it('frames streamed events as RecordIO, the length in bytes', () => {
    const r = record('mesos.v1.scheduler.Event', JSON_CT, { type: 'HEARTBEAT' });
    expect(r.toString()).toBe('20\n{"type":"HEARTBEAT"}');
    const p = record('mesos.v1.scheduler.Event', PB_CT, { type: 'HEARTBEAT' });
    expect([...p]).toEqual([...Buffer.from('2\n'), 0x08, 0x08]);
  });
});

describe('the HTTP side', () => {
  it("answers 400 and 415 with a real master's texts", () => {
    expect(decodeCall(CALL, undefined, Buffer.alloc(0))).toEqual({ status: 400, message: "Expecting 'Content-Type' to be present" });
    expect(decodeCall(CALL, 'text/plain', Buffer.alloc(0))).toEqual({ status: 415, message: "Expecting 'Content-Type' of application/json or application/x-protobuf" });
    expect(decodeCall(CALL, JSON_CT, Buffer.from('{'))).toMatchObject({ status: 400, message: expect.stringMatching(/^Failed to parse body into JSON: /) });
    expect(decodeCall(CALL, JSON_CT, Buffer.from('{"framework_id":"x"}'))).toEqual({
      status: 400, message: "Failed to convert JSON into Call protobuf: Not expecting a JSON string for field 'framework_id'",
    });
  });

  it('reads a repeated header as libprocess does: the last value wins', () => {
    // Node joins a repeated Accept into one line and keeps the first Content-Type; headersDistinct has them all
    const req = {
      headers: { accept: 'application/x-protobuf, application/recordio', 'content-type': 'application/json' },
      headersDistinct: { accept: ['application/x-protobuf', 'application/recordio'], 'content-type': ['application/json', 'application/x-protobuf'] },
    } as unknown as http.IncomingMessage;
    expect(lastHeader(req, 'accept')).toBe('application/recordio');
    expect(lastHeader(req, 'content-type')).toBe('application/x-protobuf');
    expect(acceptType(req)).toBeUndefined(); // only recordio is left, which the caller handles
  });

  it('answers in JSON when accepted, else protobuf, else nothing', () => {
    const req = (accept?: string) => ({ headers: accept === undefined ? {} : { accept } }) as http.IncomingMessage;
    expect(acceptType(req())).toBe(JSON_CT);
    expect(acceptType(req('application/x-protobuf'))).toBe(PB_CT);
    expect(acceptType(req('application/x-protobuf, application/json;q=0.1'))).toBe(JSON_CT);
    expect(acceptType(req('application/json;q=0, application/*'))).toBe(PB_CT);
    expect(acceptType(req('text/html'))).toBeUndefined();
  });
});

describe('the schema, resolved as it is used', () => {
  it('knows required fields and nested types without resolving every type first', () => {
    const id = messageType('mesos.v1.FrameworkID');
    expect(id.fields.value!.required).toBe(true);
    const info = messageType('mesos.v1.FrameworkInfo');
    expect(info.fields.user!.required).toBe(true);
    expect(info.fields.id!.required).toBe(false);
    expect(fieldMessage(info.fields.id!)).toBe(id);
    expect(fieldEnum(info.fields.capabilities!)).toBeUndefined();
    expect(fieldEnum(fieldMessage(info.fields.capabilities!)!.fields.type!)?.values.MULTI_ROLE).toBe(6);
  });
});
