// The reaper: removes a test session's clusters when the process that started
// them dies without cleaning up (SIGKILL, crash), like testcontainers' Ryuk.
//
// Protocol (TCP, one line per message): the client sends `label=<key>=<value>`
// lines naming what it owns and gets `ACK` back for each. While any client is
// connected nothing happens. When the last one has been gone for the grace
// period, every container, network and volume matching a registered label is
// removed, and the reaper exits (it runs with AutoRemove, so it goes too).
import http from 'node:http';
import net from 'node:net';

const SOCKET = process.env.DOCKER_SOCKET ?? '/var/run/docker.sock';
const PORT = Number(process.env.REAPER_PORT ?? 8080);
const GRACE_MS = Number(process.env.REAPER_GRACE_MS ?? 5000);
/** exit when nobody connects within this long after start */
const FIRST_CONNECT_MS = Number(process.env.REAPER_FIRST_CONNECT_MS ?? 60_000);

const labels = new Set<string>();
let clients = 0;
let timer: NodeJS.Timeout | undefined;

function docker(method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: SOCKET, method, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const filter = (label: string) => encodeURIComponent(JSON.stringify({ label: [label] }));

async function reap(): Promise<void> {
  for (const label of labels) {
    const containers = JSON.parse((await docker('GET', `/containers/json?all=1&filters=${filter(label)}`)).body) as Array<{ Id: string }>;
    await Promise.all(containers.map((c) => docker('DELETE', `/containers/${c.Id}?force=1&v=1`)));
    // Task containers started by the session's agents carry the cluster label, found through the components.
    const networks = JSON.parse((await docker('GET', `/networks?filters=${filter(label)}`)).body) as Array<{ Id: string; Labels?: Record<string, string> }>;
    for (const n of networks) {
      const cluster = n.Labels?.['io.mesos-up.cluster'];
      if (cluster) {
        const tasks = JSON.parse((await docker('GET', `/containers/json?all=1&filters=${filter(`io.mesos-up.cluster=${cluster}`)}`)).body) as Array<{ Id: string }>;
        await Promise.all(tasks.map((c) => docker('DELETE', `/containers/${c.Id}?force=1&v=1`)));
      }
      await docker('DELETE', `/networks/${n.Id}`);
    }
    const volumes = (JSON.parse((await docker('GET', `/volumes?filters=${filter(label)}`)).body) as { Volumes?: Array<{ Name: string }> }).Volumes ?? [];
    for (const v of volumes) await docker('DELETE', `/volumes/${v.Name}`);
  }
  console.log(`reaped ${[...labels].join(', ') || 'nothing'}`);
}

function schedule(ms: number): void {
  clearTimeout(timer);
  timer = setTimeout(() => {
    if (clients > 0) return;
    reap()
      .catch((err: Error) => console.error(`reaping failed: ${err.message}`))
      .finally(() => process.exit(0));
  }, ms);
}

net
  .createServer((socket) => {
    clients++;
    clearTimeout(timer);
    let buf = '';
    socket.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line.startsWith('label=') && line.length > 6) {
          labels.add(line.slice(6));
          socket.write('ACK\n');
        }
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clients--;
      if (clients === 0) schedule(GRACE_MS);
    });
  })
  .listen(PORT, () => {
    console.log(`reaper listening on ${PORT}, grace ${GRACE_MS} ms`);
    schedule(FIRST_CONNECT_MS);
  });

process.on('SIGTERM', () => process.exit(0));
