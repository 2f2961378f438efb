/**
 * A slow uplink on loopback: a TCP proxy that carries bytes in each direction at a set rate
 * with a one-way delay, as a patrol car's cellular link at the edge of coverage does. The
 * sender feels it through back-pressure (the proxy stops reading when its queue is full), so
 * a request takes as long as its bytes need at that rate.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ThrottleOptions {
  /** Link rate in bits per second (each direction). */
  bitsPerS: number;
  /** One-way delay added to every byte (ms). */
  delayMs?: number;
}

/** Bytes queued per direction before the proxy stops reading from the sender. */
const QUEUE_HIGH = 64 * 1024;
const CHUNK = 4 * 1024;

export class ThrottleProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;
  /** Client-to-server bytes carried, for bytes-per-detection figures. */
  upBytes = 0;
  connections = 0;

  constructor(
    private readonly targetPort: number,
    readonly opts: ThrottleOptions,
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
    this.connections++;
    const upstream = connect(this.targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
    }
    this.pipe(client, upstream, (n) => (this.upBytes += n));
    this.pipe(upstream, client, () => undefined);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  /**
   * Carries `from` → `to` at the link rate: each chunk is due when the link is free plus the
   * delay, and one queue per direction releases chunks strictly in order (separate timers per
   * chunk could fire out of order and reorder the bytes).
   */
  private pipe(from: Socket, to: Socket, count: (n: number) => void): void {
    const bytesPerMs = this.opts.bitsPerS / 8 / 1000;
    const delay = this.opts.delayMs ?? 0;
    const queue: { at: number; chunk: Buffer }[] = [];
    let linkFreeAt = 0;
    let queued = 0;
    let ended = false;
    let timer: NodeJS.Timeout | undefined;
    const pump = (): void => {
      timer = undefined;
      const now = performance.now();
      while (queue.length > 0 && queue[0]!.at <= now) {
        const { chunk } = queue.shift()!;
        queued -= chunk.length;
        count(chunk.length);
        if (!to.destroyed) to.write(chunk);
      }
      if (queued < QUEUE_HIGH / 2 && from.isPaused()) from.resume();
      if (queue.length > 0) timer = setTimeout(pump, Math.max(0, queue[0]!.at - now));
      else if (ended && !to.destroyed) to.end();
    };
    from.on('data', (data: Buffer) => {
      for (let off = 0; off < data.length; off += CHUNK) {
        const chunk = data.subarray(off, off + CHUNK);
        linkFreeAt = Math.max(linkFreeAt, performance.now()) + chunk.length / bytesPerMs;
        queue.push({ at: linkFreeAt + delay, chunk });
        queued += chunk.length;
      }
      if (queued >= QUEUE_HIGH) from.pause();
      timer ??= setTimeout(pump, Math.max(0, queue[0]!.at - performance.now()));
    });
    from.on('end', () => {
      ended = true;
      if (queue.length === 0 && !to.destroyed) to.end();
    });
    from.on('close', () => clearTimeout(timer));
  }
}
