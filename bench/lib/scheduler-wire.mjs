// The part of the master's v1 scheduler path that differs between the two
// encodings, run in one process on the emulator's own code
// (emulator/src/common/proto/wire.ts, bundled by esbuild when the bench
// starts): decoding a scheduler's calls and writing its event records. A
// session's traffic: SUBSCRIBE, then rounds of an OFFERS event (8 agents'
// offers), an ACCEPT launching a task, its three UPDATE events with their
// ACKNOWLEDGE calls, and a HEARTBEAT. Everything else on the path (the books,
// the allocator) is the same code for both encodings.
import { decodeCall, record, serialize } from '../../emulator/src/common/proto/wire.ts';

const CALL = 'mesos.v1.scheduler.Call';
const EVENT = 'mesos.v1.scheduler.Event';
const JSON_CT = 'application/json';
const PB_CT = 'application/x-protobuf';

const scalar = (name, value) => ({ name, type: 'SCALAR', scalar: { value }, role: '*', allocation_info: { role: '*' } });
const offer = (i) => ({
  id: { value: `m-O${i}` }, framework_id: { value: 'm-0000' }, agent_id: { value: `m-S${i}` }, hostname: `172.18.0.${210 + i}`,
  url: { scheme: 'http', address: { hostname: `172.18.0.${210 + i}`, ip: `172.18.0.${210 + i}`, port: 5051 }, path: '/slave(1)' },
  resources: [scalar('cpus', 2), scalar('mem', 2048), scalar('disk', 4096),
    { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 8000, end: 8100 }, { begin: 31000, end: 32000 }] }, role: '*', allocation_info: { role: '*' } }],
  allocation_info: { role: '*' },
});
const uuid = Buffer.alloc(16, 7).toString('base64');
const status = (state) => ({ task_id: { value: 'app.1' }, state, source: 'SOURCE_EXECUTOR', agent_id: { value: 'm-S0' }, executor_id: { value: 'app.1' }, timestamp: 1764626400.5, uuid });

const calls = [
  { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'root', name: 'marathon', failover_timeout: 604800, checkpoint: true, role: '*', capabilities: [{ type: 'PARTITION_AWARE' }] } } },
  { type: 'ACCEPT', framework_id: { value: 'm-0000' }, accept: { offer_ids: [{ value: 'm-O0' }], operations: [{ type: 'LAUNCH', launch: { task_infos: [{
    name: 'app', task_id: { value: 'app.1' }, agent_id: { value: 'm-S0' }, command: { value: 'sleep 300', shell: true, environment: { variables: [{ name: 'PORT0', value: '8000' }] } },
    resources: [scalar('cpus', 0.1), scalar('mem', 32)], labels: { labels: [{ key: 'app', value: 'x' }] } }] } }], filters: { refuse_seconds: 5 } } },
  { type: 'ACKNOWLEDGE', framework_id: { value: 'm-0000' }, acknowledge: { agent_id: { value: 'm-S0' }, task_id: { value: 'app.1' }, uuid } },
];
const events = [
  { type: 'OFFERS', offers: { offers: Array.from({ length: 8 }, (_, i) => offer(i)) } },
  ...['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'].map((s) => ({ type: 'UPDATE', update: { status: status(s) } })),
  { type: 'HEARTBEAT' },
];

/** One session of `rounds` rounds in `ct`; the bodies arrive as bytes, as a scheduler sends them. */
function session(ct, bodies, rounds) {
  let bytes = 0;
  decodeCall(CALL, ct, bodies[0]);
  for (let i = 0; i < rounds; i++) {
    bytes += record(EVENT, ct, events[0]).length;
    decodeCall(CALL, ct, bodies[1]);
    for (const e of events.slice(1, 4)) {
      bytes += record(EVENT, ct, e).length;
      decodeCall(CALL, ct, bodies[2]);
    }
    bytes += record(EVENT, ct, events[4]).length;
  }
  return bytes;
}

/** Alternating JSON and protobuf sessions after a warm-up; milliseconds per session and bytes on the wire. */
export function measure({ sessions = 15, rounds = 200 } = {}) {
  const bodies = Object.fromEntries([JSON_CT, PB_CT].map((ct) => [ct, calls.map((c) => serialize(CALL, ct, c))]));
  for (const ct of [JSON_CT, PB_CT]) session(ct, bodies[ct], rounds);
  const out = { json: [], protobuf: [], bytes: {} };
  for (let s = 0; s < sessions; s++) {
    for (const [key, ct] of s % 2 ? [['protobuf', PB_CT], ['json', JSON_CT]] : [['json', JSON_CT], ['protobuf', PB_CT]]) {
      const t = performance.now();
      out.bytes[key] = session(ct, bodies[ct], rounds);
      out[key].push(performance.now() - t);
    }
  }
  return out;
}
