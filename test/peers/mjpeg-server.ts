/**
 * An MJPEG-over-HTTP camera for tests: multipart/x-mixed-replace of JPEG frames at a fixed rate,
 * behind HTTP Basic authentication like most IP cameras' /video.mjpg endpoints.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class MjpegServer {
  private server: Server | null = null;
  port = 0;
  /** Authorization outcomes seen, for assertions. */
  readonly auth: ('ok' | 'rejected')[] = [];

  constructor(
    private readonly frames: Buffer[],
    private readonly opts: { fps: number; user: string; password: string },
  ) {}

  url(path = '/video.mjpg'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async start(): Promise<number> {
    const expected = `Basic ${Buffer.from(`${this.opts.user}:${this.opts.password}`).toString('base64')}`;
    const server = createServer((req, res) => {
      if (req.headers.authorization !== expected) {
        this.auth.push('rejected');
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="camera"' }).end();
        return;
      }
      this.auth.push('ok');
      res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=frame', 'Cache-Control': 'no-cache' });
      let i = 0;
      const timer = setInterval(() => {
        const f = this.frames[i++ % this.frames.length]!;
        res.write(`--frame\r\nContent-Type: image/jpeg\r\nContent-Length: ${f.length}\r\n\r\n`);
        res.write(f);
        res.write('\r\n');
      }, 1000 / this.opts.fps);
      req.on('close', () => clearInterval(timer));
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
