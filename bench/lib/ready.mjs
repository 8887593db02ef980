// When each component was really ready, from its own log lines (the engine's
// receive timestamps, docker logs --timestamps), independent of how often anyone
// polled it:
//   zookeeper: "binding to port …:2181" (the client port accepts; ruok answers from here)
//   master:    "Elected as the leading master" (leader only)
//   agent:     "Registered with master"
//   marathon:  "Subscribed as framework"
// and when the offers-flowing condition first held: the last of {all agents
// registered, the framework added, the first offers sent} from the leading
// master's log, and Marathon's "Stored framework ID" (its /v2/info reports the
// framework id from then on, as Marathon's does once its repository has it).
import { demux } from './demux.mjs';

const PATTERNS = {
  zookeeper: /binding to port/,
  master: /Elected as the leading master/,
  agent: /Registered with master/,
  marathon: /Subscribed as framework/,
};

export async function readLog(docker, id) {
  try {
    const buf = await docker.getContainer(id).logs({ stdout: true, stderr: true, timestamps: true, follow: false });
    return demux(Buffer.isBuffer(buf) ? buf : Buffer.from(buf))
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const sp = l.indexOf(' ');
        return { t: Date.parse(l.slice(0, sp)) + fracMs(l.slice(0, sp)), line: l.slice(sp + 1) };
      });
  } catch {
    return [];
  }
}

// Date.parse keeps whole milliseconds; add the sub-millisecond digits back.
function fracMs(ts) {
  const m = /\.(\d+)Z$/.exec(ts);
  if (!m) return 0;
  const digits = m[1].padEnd(9, '0');
  return Number(digits.slice(3, 9)) / 1e6;
}

/**
 * members: [{ name, role, id }]. Returns { perContainer: {name: readyMs}, offersFlowing: ms|undefined, agentsExpected }.
 */
export async function readiness(docker, members, agentsExpected) {
  const perContainer = {};
  const logs = {};
  await Promise.all(
    members.map(async (m) => {
      const lines = await readLog(docker, m.id);
      logs[m.name] = lines;
      const hit = lines.find((l) => PATTERNS[m.role]?.test(l.line));
      if (hit) perContainer[m.name] = hit.t;
    }),
  );
  // The leader's log tells when offers first flowed.
  let offersFlowing;
  for (const m of members.filter((x) => x.role === 'master')) {
    const lines = logs[m.name] ?? [];
    if (!lines.some((l) => PATTERNS.master.test(l.line))) continue;
    const registered = lines.filter((l) => /Registered agent/.test(l.line)).map((l) => l.t);
    const fwAdded = lines.find((l) => /Adding framework .*\(marathon\)/.test(l.line))?.t;
    const offered = fwAdded !== undefined ? lines.find((l) => l.t >= fwAdded && /Sending \d+ offers? to framework/.test(l.line))?.t : undefined;
    if (registered.length >= agentsExpected && fwAdded !== undefined && offered !== undefined) {
      offersFlowing = Math.max(registered[agentsExpected - 1], fwAdded, offered);
    }
  }
  const stored = members
    .filter((x) => x.role === 'marathon')
    .map((m) => (logs[m.name] ?? []).find((l) => /Stored framework ID/.test(l.line))?.t)
    .find((t) => t !== undefined);
  if (offersFlowing !== undefined && stored !== undefined) offersFlowing = Math.max(offersFlowing, stored);
  return { perContainer, offersFlowing };
}
