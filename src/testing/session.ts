// One test session per process: its id labels every cluster it starts, and a
// reaper container removes them if the process dies without cleaning up.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type net from 'node:net';
import type Docker from 'dockerode';
import { ensureReaperImage, registerWithReaper, startReaper } from '../engine/reaper.js';
import { version } from '../version.js';

export const SESSION_LABEL = 'io.mesos-up.session';
export const OWNER_LABEL = 'io.mesos-up.owner';

export const sessionId = randomBytes(6).toString('hex');

/** `<hostname>:<pid>`, so `mesos-up prune` can tell whether the owner still runs. */
export const owner = `${os.hostname()}:${process.pid}`;

let reaper: Promise<net.Socket> | undefined;

/** Starts (once) the reaper for this session and stays connected to it. */
export function ensureReaper(docker: Docker): Promise<net.Socket> {
  reaper ??= (async () => {
    const image = await ensureReaperImage(docker, version, () => undefined);
    const { port } = await startReaper(docker, image, { 'io.mesos-up.reaper': sessionId });
    return registerWithReaper(port, `${SESSION_LABEL}=${sessionId}`);
  })();
  reaper.catch(() => (reaper = undefined));
  return reaper;
}
