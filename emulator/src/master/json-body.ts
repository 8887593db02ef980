// JSON bodies of the master's form and JSON endpoints (maintenance, the
// reservation and volume endpoints) read into v1 messages with stout's rules.
import { messageType } from '../common/proto/schema.js';
import { parseJson } from '../common/proto/stout-json.js';
import type { Pb } from './types.js';

/**
 * A form field or body as JSON of the expected kind, then as the message (or,
 * for an array, each element as one), as JSON::parse and protobuf::parse read
 * them: the errors the endpoints answer 400 with.
 */
export function parseMessages(body: string, kind: 'object' | 'array', type: string): { value: Pb } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    return { error: (err as Error).message };
  }
  if (kind === 'object' ? !json || typeof json !== 'object' || Array.isArray(json) : !Array.isArray(json)) return { error: 'Unexpected JSON type parsed' };
  if (kind === 'object') {
    const parsed = parseJson(messageType(type), json);
    return 'error' in parsed ? { error: parsed.error } : { value: parsed.message };
  }
  const out: Pb[] = [];
  for (const item of json as unknown[]) {
    if (!item || typeof item !== 'object' || Array.isArray(item)) return { error: 'Expecting a JSON object' };
    const parsed = parseJson(messageType(type), item);
    if ('error' in parsed) return { error: parsed.error };
    out.push(parsed.message);
  }
  return { value: out };
}
