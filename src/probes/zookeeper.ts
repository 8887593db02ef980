// ZooKeeper's four-letter words over a plain socket (ruok → imok).
import net from 'node:net';

export function fourLetterWord(host: string, port: number, word: 'ruok' | 'srvr' | 'mntr', timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer to ${word} within ${timeoutMs} ms`)));
    socket.on('connect', () => socket.write(word));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}

export async function zkReady(host: string, port: number): Promise<boolean> {
  try {
    return (await fourLetterWord(host, port, 'ruok')) === 'imok';
  } catch {
    return false;
  }
}
