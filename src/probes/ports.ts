// Whether a host port is free on 127.0.0.1 (preflight and doctor).
import dgram from 'node:dgram';
import net from 'node:net';

/**
 * A host port free on 127.0.0.1 for TCP and UDP alike (a DNS server answers
 * on both at one port; the engine would pick two different ones), or undefined.
 */
export async function freeTcpUdpPort(tries = 20): Promise<number | undefined> {
  for (let i = 0; i < tries; i++) {
    const srv = net.createServer();
    const port = await new Promise<number | undefined>((resolve) => {
      srv.once('error', () => resolve(undefined));
      srv.listen(0, '127.0.0.1', () => resolve((srv.address() as net.AddressInfo).port));
    });
    if (port === undefined) continue;
    const udp = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    await Promise.all([new Promise((r) => srv.close(r)), new Promise<void>((r) => (ok ? udp.close(() => r()) : r()))]);
    if (ok) return port;
  }
  return undefined;
}

export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}
