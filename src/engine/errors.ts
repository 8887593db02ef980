// Docker Engine errors turned into MesosUpErrors a user can act on.
import { MesosUpError } from '../errors.js';

export function engineMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string; reason?: string };
  return e.json?.message ?? e.message ?? String(err);
}

export const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number }).statusCode;

/** Maps a failed container start to PORT_IN_USE when a published port is taken. */
export function startError(name: string, err: unknown): MesosUpError {
  const msg = engineMessage(err);
  if (/port is already allocated|address already in use/i.test(msg)) {
    const port = /:(\d+)(?: failed|\))/.exec(msg)?.[1];
    return new MesosUpError('PORT_IN_USE', `Cannot start ${name}: host port ${port ?? ''} is already in use (${msg})`, {
      hint: 'free that port, or set another one (or 0 for a free one) under ports: in cluster.yaml',
      cause: err,
    });
  }
  return new MesosUpError('INTERNAL', `Cannot start ${name}: ${msg}`, { cause: err });
}
