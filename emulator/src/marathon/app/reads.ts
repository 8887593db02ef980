// A small reader that behaves like the Play-JSON readers Marathon generates from
// its RAML types: the same type checks, defaults, constraints and error keys
// ("error.expected.jsstring", "error.min", …), all errors collected with
// Play's paths ("/portDefinitions(0)/port"). Unknown fields are ignored, as in
// Marathon 1.7.

export type Schema =
  | { t: 'string'; minLength?: number; maxLength?: number; pattern?: RegExp }
  | { t: 'double'; min?: number; max?: number }
  | { t: 'int'; min?: number; max?: number }
  | { t: 'long'; min?: number; max?: number }
  | { t: 'bool' }
  | { t: 'enum'; values: readonly string[] }
  | { t: 'array'; items: Schema; minItems?: number; maxItems?: number; unique?: boolean }
  | { t: 'map'; values: Schema }
  | { t: 'object'; fields: Record<string, Field> }
  | { t: 'any' }
  | { t: 'custom'; read: (value: unknown, path: string, errors: ReadError[]) => unknown };

export interface Field {
  s: Schema;
  /** missing → "error.path.missing" */
  required?: boolean;
  /** value used when the field is missing or null */
  def?: unknown;
}

export interface ReadError {
  path: string;
  error: string;
}

/** Reads `value` against `schema`; returns the read value (defaults filled in), pushing errors. */
export function read(schema: Schema, value: unknown, path: string, errors: ReadError[]): unknown {
  const fail = (error: string) => {
    errors.push({ path, error });
    return undefined;
  };
  switch (schema.t) {
    case 'any':
      return value;
    case 'custom':
      return schema.read(value, path, errors);
    case 'string': {
      if (typeof value !== 'string') return fail('error.expected.jsstring');
      let ok = true;
      if (schema.maxLength !== undefined && value.length > schema.maxLength) ok = !!fail('error.maxLength');
      if (schema.minLength !== undefined && value.length < schema.minLength) ok = !!fail('error.minLength');
      if (schema.pattern && !schema.pattern.test(value)) ok = !!fail('error.pattern');
      return ok ? value : undefined;
    }
    case 'double':
    case 'int':
    case 'long': {
      if (typeof value !== 'number') return fail('error.expected.jsnumber');
      if (schema.t === 'int' && (!Number.isInteger(value) || Math.abs(value) > 2147483647)) return fail('error.expected.int');
      if (schema.t === 'long' && !Number.isInteger(value)) return fail('error.expected.long');
      let ok = true;
      if (schema.max !== undefined && value > schema.max) ok = !!fail('error.max');
      if (schema.min !== undefined && value < schema.min) ok = !!fail('error.min');
      return ok ? value : undefined;
    }
    case 'bool':
      return typeof value === 'boolean' ? value : fail('error.expected.jsboolean');
    case 'enum': {
      // The generated enum readers match case-insensitively.
      const hit = typeof value === 'string' ? schema.values.find((v) => v.toLowerCase() === value.toLowerCase()) : undefined;
      return hit ?? fail('error.unknown.enum.literal');
    }
    case 'array': {
      if (!Array.isArray(value)) return fail('error.expected.jsarray');
      const before = errors.length;
      const out = value.map((item, i) => read(schema.items, item, `${path}(${i})`, errors));
      if (errors.length > before) return undefined;
      let ok = true;
      if (schema.maxItems !== undefined && out.length > schema.maxItems) ok = !!fail('error.maxLength');
      if (schema.minItems !== undefined && out.length < schema.minItems) ok = !!fail('error.minLength');
      if (!ok) return undefined;
      if (!schema.unique) return out;
      const seen = new Set<string>();
      return out.filter((x) => {
        const key = JSON.stringify(x);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    }
    case 'map': {
      if (!isObject(value)) return fail('error.expected.jsobject');
      const before = errors.length;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = read(schema.values, v, `${path}/${k}`, errors);
      return errors.length > before ? undefined : out;
    }
    case 'object': {
      if (!isObject(value)) return fail('error.expected.jsobject');
      const before = errors.length;
      const out = readFields(schema.fields, value, path, errors);
      return errors.length > before ? undefined : out;
    }
  }
}

function readFields(fields: Record<string, Field>, obj: Record<string, unknown>, path: string, errors: ReadError[]) {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields)) {
    const p = `${path}/${name}`;
    const has = Object.prototype.hasOwnProperty.call(obj, name);
    const v = obj[name];
    if (!has || (v === null && !field.required)) {
      if (field.required) errors.push({ path: p, error: 'error.path.missing' });
      else if (field.def !== undefined) out[name] = structuredClone(field.def);
      continue;
    }
    const r = read(field.s, v, p, errors);
    if (r !== undefined) out[name] = r;
  }
  return out;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The same object schema with every top-level field optional and without defaults (RAML `generateUpdateType`). */
export function updateType(schema: { t: 'object'; fields: Record<string, Field> }): Schema {
  const fields: Record<string, Field> = {};
  for (const [k, f] of Object.entries(schema.fields)) fields[k] = { s: f.s };
  return { t: 'object', fields };
}
