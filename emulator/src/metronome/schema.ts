// The request schemas Metronome 0.6 checks bodies against (its jobspec and
// schedulespec JSON schemas, reduced to the keywords they use), and a small
// checker that reports violations with the texts and instance paths of the
// play-json-schema-validator it runs them through.

export interface Schema {
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  properties?: Record<string, Schema>;
  /** false: no other keys; a schema: every other key's value */
  additionalProperties?: boolean | Schema;
  required?: string[];
  items?: Schema;
  pattern?: string;
  minLength?: number;
  minimum?: number;
  enum?: string[];
  oneOf?: Schema[];
}

export const JOB_ID_PATTERN = '^([a-z0-9]+(\\-[a-z0-9]+)*)(\\.([a-z0-9]+(\\-[a-z0-9]+)*))*$';
export const SCHEDULE_ID_PATTERN = '^([a-z0-9][a-z0-9\\-]*[a-z0-9]+)$';

const str: Schema = { type: 'string' };
const bool: Schema = { type: 'boolean' };
const stringMap: Schema = { type: 'object', additionalProperties: str };

export const RUN_SCHEMA: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['cpus', 'mem', 'disk'],
  properties: {
    args: { type: 'array', items: str },
    artifacts: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['uri'], properties: { uri: str, executable: bool, extract: bool, cache: bool } },
    },
    cmd: { type: 'string', minLength: 1 },
    cpus: { type: 'number', minimum: 0.01 },
    gpus: { type: 'integer', minimum: 0 },
    disk: { type: 'number', minimum: 0 },
    networks: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['mode'],
        properties: { name: str, mode: { type: 'string', enum: ['host', 'container/bridge', 'container'] }, labels: stringMap },
      },
    },
    ucr: {
      type: 'object',
      additionalProperties: false,
      required: ['image'],
      properties: {
        image: {
          type: 'object',
          additionalProperties: false,
          required: ['id'],
          properties: { id: str, kind: { type: 'string', enum: ['docker', 'appc'] }, forcePull: bool },
        },
        privileged: bool,
      },
    },
    docker: {
      type: 'object',
      additionalProperties: false,
      required: ['image'],
      properties: {
        image: str,
        forcePullImage: bool,
        privileged: bool,
        parameters: { type: 'array', items: { type: 'object', additionalProperties: false, required: ['key', 'value'], properties: { key: str, value: str } } },
      },
    },
    // patternProperties ".*" in the schema: every key
    env: { type: 'object', additionalProperties: { oneOf: [str, { type: 'object', properties: { secret: str } }] } },
    maxLaunchDelay: { type: 'integer', minimum: 1 },
    mem: { type: 'number', minimum: 32 },
    placement: {
      type: 'object',
      additionalProperties: false,
      properties: {
        constraints: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['attribute', 'operator'],
            properties: { attribute: str, operator: { type: 'string', enum: ['IS', 'EQ', 'LIKE', 'UNLIKE'] }, value: str },
          },
        },
      },
    },
    user: str,
    taskKillGracePeriodSeconds: { type: 'number' },
    restart: {
      type: 'object',
      additionalProperties: false,
      required: ['policy'],
      properties: { policy: { type: 'string', enum: ['NEVER', 'ON_FAILURE'] }, activeDeadlineSeconds: { type: 'integer' } },
    },
    volumes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['containerPath'],
        properties: {
          containerPath: { type: 'string', minLength: 1 },
          hostPath: { type: 'string', minLength: 1 },
          mode: { type: 'string', enum: ['RO', 'RW'] },
          secret: { type: 'string', minLength: 1 },
        },
      },
    },
    secrets: { type: 'object', additionalProperties: { type: 'object', properties: { source: str } } },
  },
};

export const SCHEDULE_SCHEMA: Schema = {
  type: 'object',
  required: ['id', 'cron'],
  properties: {
    id: { type: 'string', pattern: SCHEDULE_ID_PATTERN },
    cron: str,
    timezone: str,
    startingDeadlineSeconds: { type: 'integer', minimum: 1 },
    concurrencyPolicy: { type: 'string', enum: ['ALLOW', 'FORBID'] },
    enabled: bool,
  },
};

const jobProperties = (run: Schema): Record<string, Schema> => ({
  id: { type: 'string', pattern: JOB_ID_PATTERN, minLength: 1 },
  description: str,
  labels: stringMap,
  run,
});

export const JOB_SCHEMA: Schema = { type: 'object', additionalProperties: false, required: ['id', 'run'], properties: jobProperties(RUN_SCHEMA) };

/** v0: the v1 job plus `schedules`, without taskKillGracePeriodSeconds. */
export const JOB_V0_SCHEMA: Schema = (() => {
  const { taskKillGracePeriodSeconds: _dropped, ...runProps } = RUN_SCHEMA.properties!;
  return {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'run'],
    properties: { ...jobProperties({ ...RUN_SCHEMA, properties: runProps }), schedules: { type: 'array', items: SCHEDULE_SCHEMA } },
  };
})();

export interface Violation {
  path: string;
  message: string;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v === 'string' ? 'string' : typeof v === 'number' ? 'number' : 'boolean';
}

/** How play-json prints a number (BigDecimal): integers without a fraction. */
const num = (n: number) => String(n);

/** Checks `value` against `schema`; paths are play-json JsPath strings (`/a/b`, `(0)` for an index, `""` for the root). */
export function check(schema: Schema, value: unknown, path = ''): Violation[] {
  const out: Violation[] = [];
  if (schema.oneOf) {
    const matching = schema.oneOf.filter((s) => check(s, value, path).length === 0).length;
    if (matching === 0) out.push({ path, message: 'Instance does not match any schema.' });
    else if (matching > 1) out.push({ path, message: 'Instance matches more than one schema.' });
    return out;
  }
  const actual = typeName(value);
  if (schema.type) {
    const ok = schema.type === actual || (schema.type === 'integer' && actual === 'number' && Number.isInteger(value));
    if (!ok) return [{ path, message: `Wrong type. Expected ${schema.type}, was ${actual}.` }];
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) out.push({ path, message: `'${value}' does not match minimum length of ${schema.minLength}.` });
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) out.push({ path, message: `'${value}' does not match pattern '${schema.pattern}'.` });
    if (schema.enum && !schema.enum.includes(value)) out.push({ path, message: 'Instance is invalid enum value.' });
  }
  if (typeof value === 'number' && schema.minimum !== undefined && value < schema.minimum) {
    out.push({ path, message: `${num(value)} is smaller than required minimum value of ${num(schema.minimum)}.` });
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => out.push(...check(schema.items!, item, `${path}(${i})`)));
  }
  if (actual === 'object' && (schema.properties || schema.additionalProperties !== undefined || schema.required)) {
    const obj = value as Record<string, unknown>;
    const props = schema.properties ?? {};
    for (const [key, sub] of Object.entries(props)) {
      if (obj[key] !== undefined) out.push(...check(sub, obj[key], `${path}/${key}`));
    }
    for (const req of schema.required ?? []) {
      if (obj[req] === undefined) out.push({ path, message: `Property ${req} missing.` });
    }
    const extra = Object.keys(obj).filter((k) => !(k in props));
    if (schema.additionalProperties === false && extra.length) {
      out.push({ path, message: `Additional properties are not allowed, but found properties ${extra.map((k) => `'${k}'`).join(' and ')}.` });
    } else if (typeof schema.additionalProperties === 'object') {
      for (const k of extra) out.push(...check(schema.additionalProperties, obj[k], `${path}/${k}`));
    }
  }
  return out;
}

/** Violations grouped by path, in first-seen order: the `details` of a 422. */
export function details(violations: Violation[]): Array<{ path: string; errors: string[] }> {
  const byPath = new Map<string, string[]>();
  for (const v of violations) {
    const list = byPath.get(v.path) ?? [];
    list.push(v.message);
    byPath.set(v.path, list);
  }
  return [...byPath].map(([path, errors]) => ({ path, errors }));
}
