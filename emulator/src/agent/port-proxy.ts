// A Docker task's host port served by the agent itself: the task container
// joins the cluster network, and each connection to the agent's port is
// forwarded to it (README: "Docker tasks").
import net from 'node:net';

/** Serves one host port on the agent and forwards each connection to the task container. */
export class PortProxy {
  private target: { host: string; port: number } | undefined;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    readonly port: number,
    private readonly server: net.Server,
  ) {
    server.on('connection', (client) => this.forward(client));
  }

  static listen(port: number): Promise<PortProxy> {
    return new Promise((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(port, '0.0.0.0', () => {
        server.removeListener('error', reject);
        resolve(new PortProxy(port, server));
      });
    });
  }

  setTarget(host: string, port: number): void {
    this.target = { host, port };
  }

  private forward(client: net.Socket): void {
    if (!this.target) {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.target);
    this.sockets.add(client).add(upstream);
    const done = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', done).on('close', done);
    upstream.on('error', done).on('close', done);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  close(): void {
    for (const s of this.sockets) s.destroy();
    this.server.close();
  }
}
