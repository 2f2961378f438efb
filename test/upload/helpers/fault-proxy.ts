/**
 * An HTTP proxy in front of the reference receiver that misbehaves on request: one scripted
 * fault per request, in order, then plain forwarding. It can also stop listening for a while
 * (connection refused) and resume on the same port.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { decodeBody } from '../../../src/upload/codec.js';

export type Fault =
  | 'pass'
  /** Connection dropped before any answer. */
  | 'drop'
  /** 400 without forwarding (a request the server will never take). */
  | 'http400'
  /** 500 without forwarding. */
  | 'http500'
  /** 503 without forwarding. */
  | 'http503'
  /** 429 with Retry-After: `retryAfterS` (1 unless set), without forwarding. */
  | 'http429'
  /** 413 without forwarding. */
  | 'http413'
  /** Forwarded, but the answer comes later than the client's timeout. */
  | 'slow'
  /** Forwarded (the receiver stores the batch), then the connection is reset mid-answer. */
  | 'reset'
  /** Forwarded, then a complete HTTP answer whose body is cut in half. */
  | 'truncate';

export interface SeenRequest {
  at: number;
  method: string;
  url: string;
  fault: Fault;
  idempotencyKey: string | undefined;
  /** Items in a batch (detections + hits + audit), or 0. */
  items: number;
}

export class FaultProxy {
  readonly faults: Fault[] = [];
  readonly seen: SeenRequest[] = [];
  /** The Retry-After (seconds) of an `http429`. */
  retryAfterS = 1;
  /** Requests the faults apply to (default all); others pass without taking one (the daemon's heartbeats). */
  faultsFor: (method: string, url: string) => boolean = () => true;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly target: string,
    private readonly slowMs = 1500,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = this.port): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and cuts every open connection: the next connect is refused. */
  async pause(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
  }

  async stop(): Promise<void> {
    await this.pause();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const fault = this.faultsFor(req.method ?? '', req.url ?? '') ? (this.faults.shift() ?? 'pass') : 'pass';
    const body = await readAll(req);
    let items = 0;
    if (req.url === '/v1/batches') {
      try {
        const b = decodeBody(body, req.headers['content-type'], req.headers['content-encoding']) as { detections: unknown[]; hits: unknown[]; audit: unknown[] };
        items = b.detections.length + b.hits.length + b.audit.length;
      } catch {
        items = -1;
      }
    }
    this.seen.push({ at: Date.now(), method: req.method ?? '', url: req.url ?? '', fault, idempotencyKey: req.headers['idempotency-key'] as string | undefined, items });
    switch (fault) {
      case 'drop':
        req.socket.destroy();
        return;
      case 'http400':
      case 'http500':
      case 'http503':
      case 'http413':
        res.writeHead(Number(fault.slice(4)), { 'content-type': 'application/json' }).end('{"message":"injected"}');
        return;
      case 'http429':
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(this.retryAfterS) }).end('{"message":"slow down"}');
        return;
      case 'slow':
        await new Promise((r) => setTimeout(r, this.slowMs));
        break;
      case 'pass':
      case 'reset':
      case 'truncate':
        break;
    }
    const answer = await this.forward(req, body);
    if (fault === 'reset') {
      res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
      res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)));
      setTimeout(() => req.socket.destroy(), 10);
      return;
    }
    if (fault === 'truncate') {
      const half = answer.body.subarray(0, Math.floor(answer.body.length / 2));
      res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': String(half.length) }).end(half);
      return;
    }
    if (res.destroyed || req.socket.destroyed) return;
    res.writeHead(answer.status, answer.headers).end(answer.body);
  }

  private forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers } as Record<string, string>;
      delete headers.connection;
      const out = request(new URL(req.url ?? '/', this.target), { method: req.method, headers }, (res) => {
        void readAll(res).then((b) => {
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string' && k !== 'connection' && k !== 'transfer-encoding' && k !== 'keep-alive') h[k] = v;
          resolve({ status: res.statusCode ?? 502, headers: h, body: b });
        }, reject);
      });
      out.on('error', reject);
      out.end(body);
    });
  }
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
