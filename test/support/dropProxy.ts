import * as net from 'node:net';

/**
 * A loopback TCP proxy whose forwarding of client data can be switched off, to make
 * heartbeats vanish without closing connections (a partition, not a refusal).
 */
export class DropProxy {
  dropping = false;
  private targetPort = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly server = net.createServer((client) => {
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    this.sockets.add(client).add(upstream);
    client.on('data', (data) => {
      if (!this.dropping) upstream.write(data);
    });
    upstream.on('data', (data) => client.write(data));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  /** Points the proxy at `url`'s port and returns the same URL through the proxy. */
  rewrite(url: string): string {
    const parsed = new URL(url);
    this.targetPort = Number(parsed.port);
    parsed.port = String((this.server.address() as net.AddressInfo).port);
    return parsed.toString();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
