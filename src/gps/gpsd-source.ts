/**
 * Position from a running gpsd over TCP: `?WATCH={"enable":true,"json":true};` then one JSON
 * report per line. Installs that already share the receiver through gpsd (navigation, AVL)
 * use this instead of opening the serial port a second time.
 */
import { Socket } from 'node:net';
import { AlprError, errorMessage } from '../shared/errors.js';
import { Backoff, type BackoffOptions } from '../shared/backoff.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { GpsErrors } from './errors.js';
import { GpsdMessages } from './gpsd-messages.js';
import type { GpsSink, GpsSource } from './source.js';

const WATCH = '?WATCH={"enable":true,"json":true};\n';
/** A SKY report with 60+ satellites is a few kB; anything far beyond is not gpsd. */
const MAX_LINE_BYTES = 64 * 1024;
const TICK_MS = 500;

export interface GpsdSourceOptions {
  host: string;
  port: number;
  idleTimeoutMs: number;
  backoff: BackoffOptions;
}

export class GpsdSource implements GpsSource {
  readonly name = 'gps:gpsd';
  private socket: Socket | null = null;
  private running = false;
  private connected = false;
  private everConnected = false;
  private failureLogged = false;
  /** When the current outage began (first failure since reports last flowed), or null. */
  private outageSince: number | null = null;
  private pending = '';
  private lastDataAt = 0;
  private gpsdDevice = '';
  private retryTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private readonly messages = new GpsdMessages();
  private readonly address: string;

  constructor(
    private readonly opts: GpsdSourceOptions,
    private readonly sink: GpsSink,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    this.backoff = new Backoff(opts.backoff);
    this.address = `${opts.host}:${opts.port}`;
  }

  start(): Promise<void> {
    if (this.running) return Promise.resolve();
    this.running = true;
    this.tickTimer = setInterval(() => this.tick(), TICK_MS);
    this.connect();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.running = false;
    clearInterval(this.tickTimer);
    clearTimeout(this.retryTimer);
    const s = this.socket;
    this.socket = null;
    this.connected = false;
    if (!s || s.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      s.once('close', () => resolve());
      s.destroy();
    });
  }

  private connect(): void {
    if (!this.running) return;
    const s = new Socket();
    this.socket = s;
    this.pending = '';
    s.setEncoding('utf8');
    s.on('connect', () => {
      this.connected = true;
      this.lastDataAt = this.clock.now();
      if (this.everConnected) this.sink.count('reconnects');
      this.everConnected = true;
      this.failureLogged = false;
      this.logger.info({ address: this.address }, 'connected to gpsd');
      this.sink.link({ connected: true, device: this.describe(), message: 'waiting for reports' });
      s.write(WATCH);
    });
    s.on('data', (text: string) => this.data(text));
    let socketError = '';
    s.on('error', (err) => {
      socketError = errorMessage(err);
      this.sink.error(err);
    });
    s.on('close', () => {
      if (this.socket !== s) return;
      this.socket = null;
      const code = this.connected ? GpsErrors.GPS_GPSD_DISCONNECTED : GpsErrors.GPS_GPSD_CONNECT_FAILED;
      this.failed(new AlprError(code, { address: this.address, detail: socketError || 'connection closed' }));
    });
    s.connect({ host: this.opts.host, port: this.opts.port });
  }

  private data(text: string): void {
    const now = this.clock.now();
    this.lastDataAt = now;
    this.pending += text;
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl).trim();
      this.pending = this.pending.slice(nl + 1);
      if (line) this.line(line, now);
    }
    if (this.pending.length > MAX_LINE_BYTES) {
      this.sink.count('garbage_bytes', this.pending.length);
      this.pending = '';
    }
  }

  private line(line: string, now: number): void {
    this.sink.count('bytes', line.length + 1);
    const ev = this.messages.handleLine(line, now);
    switch (ev.kind) {
      case 'fix':
        this.backoff.reset();
        this.sink.count('sentences');
        this.outageSince = null;
        this.sink.link({ connected: true, device: this.describe(), message: '' });
        this.sink.fix(ev.fix);
        break;
      case 'device':
        this.gpsdDevice = ev.activated ? ev.path : '';
        this.sink.link({ connected: true, device: this.describe(), message: ev.activated ? '' : `gpsd lost its receiver ${ev.path}` });
        break;
      case 'error': {
        const err = new AlprError(GpsErrors.GPS_GPSD_ERROR, { address: this.address, detail: ev.message });
        this.logger.warn({ code: err.code }, err.message);
        this.sink.error(err);
        break;
      }
      case 'malformed':
        this.sink.count('malformed');
        break;
      case 'other':
        this.sink.count('sentences');
        break;
    }
  }

  private tick(): void {
    if (!this.connected || !this.socket) return;
    if (this.clock.now() - this.lastDataAt < this.opts.idleTimeoutMs) return;
    const err = new AlprError(GpsErrors.GPS_IDLE_TIMEOUT, { device: this.address, seconds: Math.round(this.opts.idleTimeoutMs / 1000) });
    const s = this.socket;
    this.socket = null;
    s.destroy();
    this.failed(err);
  }

  private failed(err: AlprError): void {
    this.connected = false;
    if (!this.running) return;
    const delay = this.backoff.next();
    if (!this.failureLogged) this.logger.warn({ code: err.code, retry_ms: delay }, err.message);
    else this.logger.debug({ code: err.code, retry_ms: delay }, err.message);
    this.failureLogged = true;
    this.sink.error(err);
    // The outage start is kept across retries; the next try is a time, not a countdown that freezes.
    this.outageSince ??= this.clock.now();
    const since = new Date(this.outageSince).toISOString();
    const next = new Date(this.clock.now() + delay).toISOString();
    this.sink.link({ connected: false, device: this.describe(), since: this.outageSince, message: `${err.message}; out since ${since}; next try at ${next}` });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private describe(): string {
    return this.gpsdDevice ? `gpsd ${this.address} (${this.gpsdDevice})` : `gpsd ${this.address}`;
  }
}
