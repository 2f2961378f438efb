/**
 * Starts test/peers/rtsp-server.py (GStreamer's RTSP server) as a real peer for tests and
 * benchmarks, waits for its READY line, and stops it by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const RTSP_SERVER_SCRIPT = fileURLToPath(new URL('./rtsp-server.py', import.meta.url));

export interface RtspPeerOptions {
  /** PATH=SPEC, e.g. `/live=test:320x240@10`. */
  mounts: string[];
  port?: number;
  user?: string;
  password?: string;
}

export class RtspPeer {
  private child: ChildProcess | null = null;
  port = 0;
  stderr = '';

  constructor(private readonly opts: RtspPeerOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  url(path: string): string {
    return `rtsp://127.0.0.1:${this.port}${path}`;
  }

  async start(port = this.opts.port ?? this.port): Promise<number> {
    const args = [RTSP_SERVER_SCRIPT, '--port', String(port)];
    if (this.opts.user) args.push('--user', this.opts.user, '--password', this.opts.password ?? '');
    for (const m of this.opts.mounts) args.push('--mount', m);
    const child = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t: string) => (this.stderr += t));
    let out = '';
    child.stdout.setEncoding('utf8');
    const ready = new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (t: string) => {
        out += t;
        const m = /READY (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`rtsp-server exited with ${code} before READY: ${this.stderr}`)));
      setTimeout(() => reject(new Error(`rtsp-server not READY after 10 s: ${this.stderr}`)), 10_000).unref();
    });
    this.port = await ready;
    return this.port;
  }

  /** SIGKILL by PID (a crashed camera), or SIGTERM for a clean stop. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    process.kill(child.pid!, signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
    this.child = null;
  }
}
