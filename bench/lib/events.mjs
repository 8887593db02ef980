// The engine's event stream (GET /events), recorded live while a cluster comes
// up: container create/start/health_status and network create/connect, with the
// engine's own nanosecond timestamps. Recorded live rather than read back with
// since/until because the engine keeps only its last 256 events and other
// clients share this engine.

export async function recordEvents(docker, { cluster }) {
  const events = [];
  const stream = await docker.getEvents({ filters: { type: ['container', 'network'] } });
  let buf = '';
  stream.on('data', (chunk) => {
    buf += chunk.toString('utf8');
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      try {
        const e = JSON.parse(line);
        const name = e.Actor?.Attributes?.name ?? '';
        const container = e.Actor?.Attributes?.container;
        // The cluster's containers are <cluster>-…, its network mesos-up-<cluster>.
        if (name.startsWith(`${cluster}-`) || name === `mesos-up-${cluster}`) {
          events.push({ type: e.Type, action: e.Action, name, id: e.Actor?.ID, container, t: Number(BigInt(e.timeNano) / 1000n) / 1000 });
        }
      } catch {
        /* a partial line; the rest comes with the next chunk */
      }
    }
  });
  stream.on('error', () => undefined);
  return {
    events,
    async stop() {
      // Events arrive asynchronously; give the last ones a moment.
      await new Promise((r) => setTimeout(r, 150));
      stream.destroy?.();
      return events;
    },
  };
}

/** First event of `action` (prefix match, e.g. "health_status: healthy") for container `name`. */
export function eventTime(events, name, action) {
  const e = events.find((x) => x.type === 'container' && x.name === name && x.action.startsWith(action));
  return e?.t;
}
