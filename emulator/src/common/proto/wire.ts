// The v1 HTTP APIs' wire formats (scheduler, executor and operator APIs of
// master and agent): a call's body in application/json or
// application/x-protobuf, the answer in what the caller accepts, and RecordIO
// framing of event streams. Texts and status codes follow the handlers of
// src/master/http.cpp and src/slave/http.cpp (1.7.1).
import type http from 'node:http';
import type protobuf from 'protobufjs/light.js';
import { messageType } from './schema.js';
import { parseJson, plainFromDecoded, printJson, type Plain } from './stout-json.js';

export const APPLICATION_JSON = 'application/json';
export const APPLICATION_PROTOBUF = 'application/x-protobuf';
export type ContentType = typeof APPLICATION_JSON | typeof APPLICATION_PROTOBUF;

export type Decoded = { call: Plain } | { status: 400 | 415; message: string };

/** Why a body is not a message: not protobuf, not JSON, or JSON that does not convert (stout's text). */
export type BodyError = { kind: 'protobuf' } | { kind: 'json'; message: string } | { kind: 'convert'; message: string };

/** A body of one of the two media types as a plain message. */
export function decodeBody(typeName: string, contentType: ContentType, body: Buffer): { call: Plain } | BodyError {
  const type = messageType(typeName);
  if (contentType === APPLICATION_PROTOBUF) {
    try {
      return { call: plainFromDecoded(type, type.decode(body)) };
    } catch {
      // a malformed message or a missing required field: ParseFromString fails
      return { kind: 'protobuf' };
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return { kind: 'json', message: (err as Error).message };
  }
  const parsed = parseJson(type, json);
  return 'error' in parsed ? { kind: 'convert', message: parsed.error } : { call: parsed.message };
}

/**
 * A call as the master's `api` and `scheduler` handlers read one (the agent's
 * texts differ: agent/operator-api.ts). JSON goes through stout's parser.
 */
export function decodeCall(typeName: string, contentType: string | undefined, body: Buffer): Decoded {
  if (contentType === undefined) return { status: 400, message: "Expecting 'Content-Type' to be present" };
  if (contentType !== APPLICATION_JSON && contentType !== APPLICATION_PROTOBUF) {
    return { status: 415, message: `Expecting 'Content-Type' of ${APPLICATION_JSON} or ${APPLICATION_PROTOBUF}` };
  }
  const d = decodeBody(typeName, contentType, body);
  if ('call' in d) return d;
  const name = messageType(typeName).name;
  if (d.kind === 'protobuf') return { status: 400, message: `Failed to parse body into ${name} protobuf` };
  if (d.kind === 'json') return { status: 400, message: `Failed to parse body into JSON: ${d.message}` };
  return { status: 400, message: `Failed to convert JSON into ${name} protobuf: ${d.message}` };
}

/**
 * The checks validation::{master,agent}::call::validate make of every call: a
 * type, and the message its type names (unless that one is `optional`).
 */
export function missingCallField(typeName: string, call: Plain, optional: readonly string[] = []): string | undefined {
  if (call.type === undefined) return "Expecting 'type' to be present";
  const field = String(call.type).toLowerCase();
  if (messageType(typeName).fields[field] && call[field] === undefined && !optional.includes(field)) return `Expecting '${field}' to be present`;
  return undefined;
}

/**
 * Request::_acceptsMediaType of libprocess: the most specific range that names
 * `type` decides (`type/subtype`, then `type/*`, then `*\/*`), and refuses it
 * only with q=0. No header: anything goes.
 */
export function accepts(req: http.IncomingMessage, type: string): boolean {
  return headerAccepts(lastHeader(req, 'accept'), type);
}

/**
 * A request header as libprocess reads it: its decoder keeps one value per
 * name, the last one sent (Node joins or drops repeats).
 */
export function lastHeader(req: http.IncomingMessage, name: string): string | undefined {
  return req.headersDistinct?.[name]?.at(-1) ?? (req.headers[name] as string | undefined);
}

/** The same rule over any header of that form (the agent's Message-Accept). */
export function headerAccepts(header: string | string[] | undefined, type: string): boolean {
  if (Array.isArray(header)) header = header.join(',');
  if (header === undefined) return true;
  const ranges = header.replace(/[ \t\n]/g, '').split(',').filter(Boolean).map((r) => r.split(';'));
  const [major] = type.split('/');
  for (const candidate of [type, `${major}/*`, '*/*']) {
    const range = ranges.find(([name]) => name!.toLowerCase() === candidate.toLowerCase());
    if (!range) continue;
    const q = range.slice(1).filter((p) => /^q=[^=]+$/.test(p));
    if (q.length !== 1) return true; // no q, or a malformed one
    const value = Number(q[0]!.slice(2));
    return Number.isFinite(value) && value > 0;
  }
  return false;
}

/** The answer's media type: JSON when accepted, else protobuf, else none (406). */
export function acceptType(req: http.IncomingMessage): ContentType | undefined {
  if (accepts(req, APPLICATION_JSON)) return APPLICATION_JSON;
  if (accepts(req, APPLICATION_PROTOBUF)) return APPLICATION_PROTOBUF;
  return undefined;
}

export const NOT_ACCEPTABLE = `Expecting 'Accept' to allow '${APPLICATION_PROTOBUF}' or '${APPLICATION_JSON}'`;

/** `serialize(contentType, message)`: a plain message as the bytes of one body. */
export function serialize(typeName: string, contentType: ContentType, message: Plain): Buffer {
  const type = messageType(typeName);
  if (contentType === APPLICATION_JSON) return Buffer.from(JSON.stringify(printJson(type, message)));
  // Straight from the plain message (a reader has the defaults from its schema);
  // one whose shapes protobufjs refuses (a single value for a repeated field)
  // goes through the lenient printer first.
  let pb: protobuf.Message;
  try {
    pb = type.fromObject(message);
  } catch {
    // (the printer normalizes shapes and bytes, so this one does not throw)
    pb = type.fromObject(printJson(type, message));
  }
  return Buffer.from(type.encode(pb).finish());
}

/** One RecordIO record, `<length>\n<bytes>`, of a streamed event. */
export function record(typeName: string, contentType: ContentType, message: Plain): Buffer {
  const bytes = serialize(typeName, contentType, message);
  return Buffer.concat([Buffer.from(`${bytes.length}\n`), bytes]);
}

/** A 200 with one serialized message. */
export function sendMessage(res: http.ServerResponse, typeName: string, contentType: ContentType, message: Plain): void {
  const bytes = serialize(typeName, contentType, message);
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': bytes.length });
  res.end(bytes);
}
