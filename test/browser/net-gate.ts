/**
 * A TCP relay between the browser and the station, standing in for the car's network link:
 * `cut()` drops every open connection and refuses new ones (the link is gone), `restore()`
 * accepts again on the same port. The daemon keeps running and keeps its sessions meanwhile.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class NetGate {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  constructor(private readonly targetPort: number) {}

  /** Listens on 127.0.0.1 (port 0 the first time, the same port afterwards); returns the base URL. */
  async open(): Promise<string> {
    const server = createServer((client) => {
      const upstream = createConnection({ host: '127.0.0.1', port: this.targetPort });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('relay has no TCP address');
    this.port = address.port;
    return `http://127.0.0.1:${this.port}`;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async restore(): Promise<void> {
    if (!this.server) await this.open();
  }

  async close(): Promise<void> {
    await this.cut();
  }
}
