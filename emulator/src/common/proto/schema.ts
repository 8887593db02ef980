// The Mesos v1 API's protobuf types, built once from the generated schema
// (mesos-v1-schema.ts) on first use: one schema drives both the protobuf and
// the JSON encodings, so neither keeps its own field list.
import protobuf from 'protobufjs/light.js';
import { MESOS_V1_SCHEMA_JSON } from './mesos-v1-schema.js';

export type MessageType = protobuf.Type;
export type FieldInfo = protobuf.Field;

let root: protobuf.Root | undefined;

/** A message type by its full name, e.g. `mesos.v1.master.Call`. */
export function messageType(name: string): MessageType {
  if (!root) {
    // Types are resolved as they are used (fieldMessage/fieldEnum, and
    // protobufjs' own setup on first encode or decode): resolving all of them
    // up front generated a constructor for each of its 634 message types, about 50 ms
    // of CPU on the master's first call (Marathon's SUBSCRIBE) while the
    // cluster boots.
    root = new protobuf.Root();
    root.addJSON((JSON.parse(MESOS_V1_SCHEMA_JSON) as protobuf.INamespace).nested!);
    // The editions features (which fields are required, packed) are resolved
    // top-down by resolveAll; this is that part of it alone. A protobufjs
    // without it resolves everything, as before.
    const r = root as unknown as { _resolveFeaturesRecursive?: (edition: string) => void; _edition: string };
    if (typeof r._resolveFeaturesRecursive === 'function') r._resolveFeaturesRecursive(r._edition);
    else root.resolveAll();
  }
  return root.lookupType(name);
}

/** The names of an enum nested in a message, in declaration order (e.g. Call.Type). */
export function enumNames(typeName: string, enumName = 'Type'): string[] {
  const e = messageType(typeName).lookupEnum(enumName);
  return Object.keys(e.values);
}

/** Field `f`'s message type, when it holds messages. */
export function fieldMessage(f: FieldInfo): MessageType | undefined {
  const t = f.resolve().resolvedType;
  return t instanceof protobuf.Type ? t : undefined;
}

/** Field `f`'s enum, when it holds enum values. */
export function fieldEnum(f: FieldInfo): protobuf.Enum | undefined {
  const t = f.resolve().resolvedType;
  return t instanceof protobuf.Enum ? t : undefined;
}

/** The field's explicit `[default = …]`, the only unset value Mesos' JSON prints. */
export function explicitDefault(f: FieldInfo): unknown {
  const o = f.options as Record<string, unknown> | undefined;
  return o && !o.deprecated && 'default' in o ? o.default : undefined;
}
