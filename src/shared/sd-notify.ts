/**
 * systemd notification protocol (Type=notify): READY=1 once started, WATCHDOG=1 pings at half
 * the WatchdogSec interval, STOPPING=1 on shutdown. Node has no unix datagram sockets, so this
 * uses the optional `unix-dgram` addon; without NOTIFY_SOCKET (not under systemd) it does nothing.
 */
import { createRequire } from 'node:module';

interface UnixDgramSocket {
  send(buf: Buffer, offset: number, length: number, path: string, cb?: (err?: Error) => void): void;
  close(): void;
  on(event: 'error', cb: (err: Error) => void): void;
}
type UnixDgram = { createSocket(type: 'unix_dgram'): UnixDgramSocket };

export class SdNotify {
  private socket: UnixDgramSocket | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly onError: (err: Error) => void,
  ) {}

  get enabled(): boolean {
    return Boolean(this.env.NOTIFY_SOCKET);
  }

  private send(message: string): void {
    const path = this.env.NOTIFY_SOCKET;
    if (!path) return;
    if (!this.socket) {
      try {
        const require = createRequire(import.meta.url);
        const mod = require('unix-dgram') as UnixDgram;
        this.socket = mod.createSocket('unix_dgram');
        this.socket.on('error', this.onError);
      } catch (err) {
        this.onError(new Error(`NOTIFY_SOCKET is set but unix-dgram is unavailable: ${String(err)}`));
        return;
      }
    }
    // A leading '@' names a socket in the abstract namespace.
    const target = path.startsWith('@') ? `\0${path.slice(1)}` : path;
    const buf = Buffer.from(message);
    this.socket.send(buf, 0, buf.length, target, (err) => {
      if (err) this.onError(err);
    });
  }

  ready(status = 'running'): void {
    this.send(`READY=1\nSTATUS=${status}\nMAINPID=${process.pid}`);
    const usec = Number(this.env.WATCHDOG_USEC);
    const pidOk = !this.env.WATCHDOG_PID || Number(this.env.WATCHDOG_PID) === process.pid;
    if (usec > 0 && pidOk) {
      this.timer = setInterval(() => this.send('WATCHDOG=1'), Math.max(1000, usec / 2000));
      this.timer.unref();
    }
  }

  status(text: string): void {
    this.send(`STATUS=${text}`);
  }

  stopping(): void {
    clearInterval(this.timer);
    this.send('STOPPING=1');
  }

  close(): void {
    clearInterval(this.timer);
    this.socket?.close();
    this.socket = null;
  }
}
