// Reading a task's answer over TCP from a port published on 127.0.0.1, and a
// port on 127.0.0.1 that nothing listens on.
import net from 'node:net';

/** What a TCP server on 127.0.0.1 sends until its first line (or until it closes). */
export function readFrom(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect({ host: '127.0.0.1', port });
    s.setTimeout(10_000, () => s.destroy(new Error('no answer within 10 s')));
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      if (Buffer.concat(chunks).includes('\n')) s.end();
    });
    s.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    s.on('error', reject);
  });
}

/** A port on 127.0.0.1 that was free a moment ago: nothing answers there. */
export async function closedPort(): Promise<number> {
  const srv = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}
