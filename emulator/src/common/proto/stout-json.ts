// Mesos' own JSON mapping of protobuf messages (stout's protobuf.hpp), driven
// by the schema. Handlers work on "plain" messages: objects keyed by the
// .proto field names, enums as their names, 64-bit integers as numbers, bytes
// as base64 strings, repeated fields as arrays; what a real master would
// ignore (unknown names, unknown optional enum values, nulls) is already gone.
//
// - parseJson follows stout's JSON -> protobuf Parser and its error texts;
// - printJson follows JSON::Protobuf: fields in declaration order, set fields
//   plus unset ones with an explicit non-deprecated default;
// - plainFromDecoded turns what protobufjs decoded into the same plain shape.
import type protobuf from 'protobufjs/light.js';
import { explicitDefault, fieldEnum, fieldMessage, type FieldInfo, type MessageType } from './schema.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Plain = Record<string, any>;

const INTEGER = new Set(['int32', 'sint32', 'sfixed32', 'uint32', 'fixed32', 'int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);
const FLOATING = new Set(['double', 'float']);
const UNSIGNED = new Set(['uint32', 'fixed32', 'uint64', 'fixed64']);

class ParseError extends Error {}

/** stout's base64::decode: stops at padding, skips whitespace, refuses other characters. */
function checkBase64(s: string, field: string): string {
  for (const c of s) {
    if (c === '=') break;
    if (/\s/.test(c)) continue;
    if (!/[A-Za-z0-9+/]/.test(c)) throw new ParseError(`Failed to base64 decode bytes field '${field}': Invalid character '${c}'`);
  }
  return Buffer.from(s, 'base64').toString('base64');
}

function parseValue(f: FieldInfo, v: unknown, into: Plain): void {
  const put = (x: unknown) => {
    if (f.repeated) (into[f.name] ??= []).push(x);
    else into[f.name] = x;
  };
  if (v === null) return; // an unset field; required ones are checked at the end
  if (Array.isArray(v)) {
    if (!f.repeated) throw new ParseError(`Not expecting a JSON array for field '${f.name}'`);
    for (const x of v) parseValue(f, x, into);
    return;
  }
  const msg = fieldMessage(f);
  switch (typeof v) {
    case 'object': {
      if (!msg) throw new ParseError(`Not expecting a JSON object for field '${f.name}'`);
      if (f.repeated) put(parseObject(msg, v as Plain, {}));
      else into[f.name] = parseObject(msg, v as Plain, into[f.name] ?? {});
      return;
    }
    case 'string': {
      if (f.type === 'string') return put(v);
      if (f.type === 'bytes') return put(checkBase64(v, f.name));
      const en = fieldEnum(f);
      if (en) {
        // proto2: an unknown value of an optional enum is dropped; only a required one fails
        if (en.values[v] !== undefined) put(v);
        else if (f.required) throw new ParseError(`Failed to find enum for '${v}'`);
        return;
      }
      if (INTEGER.has(f.type) || FLOATING.has(f.type)) {
        let n: unknown;
        try {
          n = JSON.parse(v);
        } catch (err) {
          throw new ParseError(`Failed to parse '${v}' as a JSON number for field '${f.name}': ${(err as Error).message}`);
        }
        if (typeof n !== 'number') throw new ParseError(`Failed to parse '${v}' as a JSON number for field '${f.name}': not a number`);
        return parseValue(f, n, into);
      }
      if (f.type === 'bool') {
        if (v !== 'true' && v !== 'false') throw new ParseError(`Failed to parse '${v}' as a JSON boolean for field '${f.name}': not a boolean`);
        return put(v === 'true');
      }
      throw new ParseError(`Not expecting a JSON string for field '${f.name}'`);
    }
    case 'number':
      if (FLOATING.has(f.type)) return put(v);
      if (UNSIGNED.has(f.type) && v < 0) {
        // as<uint32_t>/as<uint64_t> of a negative number wraps around
        return put(f.type.endsWith('32') ? Math.trunc(v) >>> 0 : 2 ** 64 + Math.trunc(v));
      }
      if (INTEGER.has(f.type)) return put(Math.trunc(v));
      throw new ParseError(`Not expecting a JSON number for field '${f.name}'`);
    case 'boolean':
      if (f.type === 'bool') return put(v);
      throw new ParseError(`Not expecting a JSON boolean for field '${f.name}'`);
    default:
      return;
  }
}

function parseObject(type: MessageType, obj: Plain, into: Plain): Plain {
  for (const [name, v] of Object.entries(obj)) {
    const f = Object.prototype.hasOwnProperty.call(type.fields, name) ? type.fields[name] : undefined;
    if (f) parseValue(f, v, into); // unknown names are ignored, as FindFieldByName misses them
  }
  return into;
}

/** protobuf's InitializationErrorString: this message's missing required fields, then its sub-messages' (by field number). */
export function missingRequired(type: MessageType, msg: Plain, prefix = ''): string[] {
  const out: string[] = [];
  for (const f of type.fieldsArray) if (f.required && msg[f.name] === undefined) out.push(prefix + f.name);
  const subs = type.fieldsArray.filter((f) => fieldMessage(f) && msg[f.name] !== undefined).sort((a, b) => a.id - b.id);
  for (const f of subs) {
    const t = fieldMessage(f)!;
    if (f.repeated) (msg[f.name] as Plain[]).forEach((m, i) => out.push(...missingRequired(t, m, `${prefix}${f.name}[${i}].`)));
    else out.push(...missingRequired(t, msg[f.name], `${prefix}${f.name}.`));
  }
  return out;
}

/** `::protobuf::parse<T>(json)`: a plain message, or the error text after "Failed to convert JSON into Call protobuf: ". */
export function parseJson(type: MessageType, json: unknown): { message: Plain } | { error: string } {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return { error: 'Expecting a JSON object' };
  let message: Plain;
  try {
    message = parseObject(type, json as Plain, {});
  } catch (err) {
    if (err instanceof ParseError) return { error: err.message };
    throw err;
  }
  const missing = missingRequired(type, message);
  if (missing.length) return { error: `Missing required fields: ${missing.join(', ')}` };
  return { message };
}

function printValue(f: FieldInfo, v: any): unknown {
  const msg = fieldMessage(f);
  if (msg) return printJson(msg, v);
  const en = fieldEnum(f);
  if (en) return typeof v === 'number' ? en.valuesById[v] : v;
  if (f.type === 'bytes') {
    // base64 as Mesos prints bytes; a plain string that is not base64 is taken as the bytes themselves
    if (typeof v !== 'string') return Buffer.from(v as Uint8Array).toString('base64');
    return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v) ? v : Buffer.from(v).toString('base64');
  }
  if (f.type === 'string') return String(v);
  if (f.type === 'bool') return Boolean(v);
  return Number(v);
}

/** JSON::Protobuf of a plain message: what a real master writes for it. */
export function printJson(type: MessageType, msg: Plain): Plain {
  const out: Plain = {};
  for (const f of type.fieldsArray) {
    const v = msg?.[f.name];
    if (f.repeated) {
      const list = v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
      const printed = list.map((x: unknown) => printValue(f, x)).filter((x: unknown) => x !== undefined);
      if (printed.length) out[f.name] = printed;
    } else if (v !== undefined && v !== null) {
      const printed = printValue(f, v);
      if (printed !== undefined) out[f.name] = printed;
    } else {
      const d = explicitDefault(f);
      if (d !== undefined) out[f.name] = d;
    }
  }
  return out;
}

/** What protobufjs decoded, as a plain message; unknown enum numbers are dropped as proto2 does. */
export function plainFromDecoded(type: MessageType, decoded: protobuf.Message): Plain {
  const obj = type.toObject(decoded, { enums: String, longs: Number, bytes: String, defaults: false, arrays: false });
  const clean = (t: MessageType, o: Plain): Plain => {
    for (const f of t.fieldsArray) {
      const v = o[f.name];
      if (v === undefined) continue;
      const sub = fieldMessage(f);
      if (sub) {
        if (f.repeated) (v as Plain[]).forEach((m) => clean(sub, m));
        else clean(sub, v);
      } else if (fieldEnum(f)) {
        if (f.repeated) o[f.name] = (v as unknown[]).filter((x) => typeof x === 'string');
        else if (typeof v !== 'string') delete o[f.name];
      }
    }
    return o;
  };
  return clean(type, obj);
}
