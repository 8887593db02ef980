// ZooKeeper's four-letter words over a plain socket (ruok → imok).
import net from 'node:net';

export function fourLetterWord(host: string, port: number, word: 'ruok' | 'srvr' | 'mntr', timeoutMs = 2000, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host, port });
    // A wait that has its answer cuts off the probes still out, so none keeps the process alive.
    const onAbort = () => socket.destroy(new Error('aborted'));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('close', () => signal?.removeEventListener('abort', onAbort));
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer to ${word} within ${timeoutMs} ms`)));
    socket.on('connect', () => socket.write(word));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}

export async function zkReady(host: string, port: number, signal?: AbortSignal): Promise<boolean> {
  try {
    return (await fourLetterWord(host, port, 'ruok', 2000, signal)) === 'imok';
  } catch {
    return false;
  }
}
