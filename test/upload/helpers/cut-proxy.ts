/**
 * A TCP proxy that cuts the link once in the middle of an upload: after `cutAfter` bytes have
 * gone upstream since the first request line starting with `marker` (e.g. `PUT /v1/images/`),
 * it destroys that connection both ways, as a cellular link dropping mid-transfer does. Before
 * and after, bytes pass untouched.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export class CutProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;
  /** Upstream bytes counted since the marker was first seen; null before. */
  private counted: number | null = null;
  cuts = 0;

  constructor(
    private readonly targetPort: number,
    private readonly marker: string,
    private readonly cutAfter: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    const upstream = connect(this.targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => {
      if (this.counted === null) {
        const at = chunk.indexOf(this.marker);
        if (at >= 0) this.counted = -at;
      }
      if (this.counted !== null && this.cuts === 0) {
        this.counted += chunk.length;
        if (this.counted > this.cutAfter) {
          // Forward only the bytes before the cut point, then drop the connection.
          const keep = chunk.length - (this.counted - this.cutAfter);
          if (keep > 0) upstream.write(chunk.subarray(0, keep));
          this.cuts++;
          setImmediate(() => {
            upstream.destroy();
            client.destroy();
          });
          return;
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }
}
