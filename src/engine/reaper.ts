// Starts the reaper container for a test session and keeps a connection to it
// open for as long as this process lives; the engine side of crash-safe cleanup.
import type Docker from 'dockerode';
import net from 'node:net';
import { buildTarget, contextHash, emulatedImageFresh, type Progress } from './images.js';
import { describe as describeContainer } from './containers.js';

export const reaperImage = (version: string): string => `mesos-up/reaper:${version}`;

export async function ensureReaperImage(docker: Docker, version: string, progress: Progress): Promise<string> {
  const ref = reaperImage(version);
  const hash = contextHash();
  if (!(await emulatedImageFresh(docker, ref, hash))) await buildTarget(docker, 'reaper', ref, hash, progress);
  return ref;
}

/** Starts a reaper that removes everything labelled `label` once this process has gone. */
export async function startReaper(docker: Docker, image: string, labels: Record<string, string>): Promise<{ port: number; id: string }> {
  const container = await docker.createContainer({
    Image: image,
    Labels: labels,
    Env: ['REAPER_GRACE_MS=3000'],
    ExposedPorts: { '8080/tcp': {} },
    HostConfig: {
      AutoRemove: true,
      // The one container that gets the Docker socket besides docker-containerizer agents.
      Binds: ['/var/run/docker.sock:/var/run/docker.sock'],
      PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
    },
  });
  await container.start();
  const d = describeContainer(await container.inspect());
  return { port: d.ports.get(8080)!, id: d.id };
}

/** Connects and registers a label; resolves once the reaper acknowledged. The socket stays open, unref'd. */
export function registerWithReaper(port: number, label: string, timeoutMs = 10_000): Promise<net.Socket> {
  const deadline = Date.now() + timeoutMs;
  const attempt = (): Promise<net.Socket> =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      let buf = '';
      socket.on('connect', () => socket.write(`label=${label}\n`));
      socket.on('data', (c: Buffer) => {
        buf += c.toString();
        if (buf.includes('ACK')) {
          socket.removeAllListeners('data');
          socket.unref();
          resolve(socket);
        }
      });
      socket.on('error', reject);
      socket.on('close', () => reject(new Error('reaper closed the connection')));
    });
  const loop = async (): Promise<net.Socket> => {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
      return loop();
    }
  };
  return loop();
}
