/**
 * NMEA receiver on a serial port. Opens the port (retrying with backoff while the device is
 * missing), feeds bytes to the NMEA reader, finds the baud rate when configured `auto`, and
 * turns a silent or vanished device into a reconnect. USB receivers disappear on every
 * unplug, brown-out or hub reset; the device path coming back is the normal way out.
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { SerialPort } from 'serialport';
import { AlprError, errorMessage } from '../shared/errors.js';
import { Backoff, type BackoffOptions } from '../shared/backoff.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { BaudDetector } from './baud-detector.js';
import { GpsErrors } from './errors.js';
import { NmeaReader } from './nmea-reader.js';
import type { GpsSink, GpsSource } from './source.js';

/** Rates tried by `auto`, most common GPS defaults first. */
export const AUTO_BAUD_RATES = [9600, 4800, 38400, 115200, 19200, 57600] as const;
/** Fallback end of an epoch when its learned last sentence does not come: the line was quiet
 *  this long (a 10 Hz receiver's epochs are 100 ms apart, but those end on the next one's time). */
const EPOCH_QUIET_MS = 80;
const TICK_MS = 250;
/** A device-directory event opens the port at once, but not more often than this (/dev is busy). */
const WATCH_MIN_GAP_MS = 200;
/** After the device appears, a failed open is retried this soon, for this long. */
const APPEARED_RETRY_MS = 150;
const APPEARED_RETRY_WINDOW_MS = 2000;

export interface SerialSourceOptions {
  path: string;
  baud: 'auto' | number;
  probeMs: number;
  idleTimeoutMs: number;
  backoff: BackoffOptions;
}

export class SerialSource implements GpsSource {
  readonly name = 'gps:serial';
  private port: SerialPort | null = null;
  private running = false;
  private connected = false;
  private everConnected = false;
  private lastDataAt = 0;
  /** Valid sentences arrived since the port opened (the status stops saying "waiting"). */
  private delivering = false;
  private failureLogged = false;
  private notDetectedLogged = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private readonly detector: BaudDetector | null;
  private readonly reader: NmeaReader;
  private watcher: FSWatcher | null = null;
  private watchedDir = '';
  private lastOpenAt = 0;
  private appearedAt = 0;
  /** Whether the device path existed at the last poll while the port was closed (`pollDevice`). */
  private devicePresent = true;
  /** When the current outage began (first failure since data last flowed), or null. */
  private outageSince: number | null = null;

  constructor(
    private readonly opts: SerialSourceOptions,
    private readonly sink: GpsSink,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    this.backoff = new Backoff(opts.backoff);
    this.detector =
      opts.baud === 'auto'
        ? new BaudDetector({ rates: AUTO_BAUD_RATES, probeMs: opts.probeMs, probeBytes: 600, lockSentences: 2, relockBytes: 4_000 })
        : null;
    this.reader = new NmeaReader({ fix: (f) => sink.fix(f), count: (c, n) => sink.count(c, n) });
  }

  start(): Promise<void> {
    if (this.running) return Promise.resolve();
    this.running = true;
    this.tickTimer = setInterval(() => this.tick(), TICK_MS);
    this.watchDevice();
    this.open();
    return Promise.resolve();
  }

  /**
   * Watches the directory the device appears in (/dev, /dev/serial/by-id, or a test's symlink
   * directory): a receiver plugged back in is opened within a fraction of a second instead of
   * at the next backoff retry (25 s after a 30 s unplug, issue 17 item 5). The backoff retries
   * stay as the fallback where watching is not possible. When the directory itself is missing
   * (by-id vanishes with the last USB serial device), the nearest existing parent is watched.
   */
  private watchDevice(): void {
    if (!this.running) return;
    let dir = dirname(this.opts.path);
    while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
    if (dir === this.watchedDir && this.watcher) return;
    this.watcher?.close();
    this.watcher = null;
    this.watchedDir = dir;
    try {
      this.watcher = watch(dir, { persistent: false }, () => this.deviceEvent());
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = null;
        this.watchedDir = '';
      });
    } catch (err) {
      this.logger.debug({ dir, err: errorMessage(err) }, 'cannot watch the GPS device directory; relying on retries');
    }
  }

  /**
   * The watch's fallback, once a tick while the port is closed: a directory event that was
   * missed or arrived before the path could be seen must not leave a replugged receiver waiting
   * for the backoff retry. Only an absent → present change counts, so a receiver that is there
   * but silent keeps to the backoff.
   */
  private pollDevice(): void {
    if (this.port) return;
    const present = existsSync(this.opts.path);
    const appeared = present && !this.devicePresent;
    this.devicePresent = present;
    if (appeared) this.deviceEvent();
  }

  private deviceEvent(): void {
    if (!this.running) return;
    // The watched directory may have been a parent; the device's own may exist now.
    if (this.watchedDir !== dirname(this.opts.path)) this.watchDevice();
    if (this.connected || this.port || !existsSync(this.opts.path)) return;
    const now = this.clock.now();
    this.appearedAt = now;
    clearTimeout(this.retryTimer);
    // Not sooner than WATCH_MIN_GAP_MS after the last attempt, but never dropped: an event
    // skipped here may be the last one there is.
    const wait = this.lastOpenAt + WATCH_MIN_GAP_MS - now;
    if (wait > 0) this.retryTimer = setTimeout(() => this.open(), wait);
    else this.open();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.watcher?.close();
    this.watcher = null;
    this.watchedDir = '';
    clearInterval(this.tickTimer);
    clearTimeout(this.retryTimer);
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await this.closePort();
    this.connected = false;
  }

  private get baud(): number {
    return this.detector ? this.detector.rate : (this.opts.baud as number);
  }

  private open(): void {
    if (!this.running) return;
    this.lastOpenAt = this.clock.now();
    const baudRate = this.baud;
    const port = new SerialPort({ path: this.opts.path, baudRate, autoOpen: false });
    // Read errors on Linux are followed by 'close'; keep them as the last error only. The
    // listener stays for the port's life, so a late error can never go unhandled.
    port.on('error', (err) => this.sink.error(err));
    this.port = port;
    port.open((err) => {
      if (!this.running || this.port !== port) {
        if (!err) port.close(() => undefined);
        return;
      }
      if (err) {
        this.port = null;
        this.failed(new AlprError(GpsErrors.GPS_SERIAL_OPEN_FAILED, { path: this.opts.path, detail: errorMessage(err) }));
        return;
      }
      this.opened(port, baudRate);
    });
  }

  private opened(port: SerialPort, baudRate: number): void {
    this.connected = true;
    this.delivering = false;
    this.lastDataAt = this.clock.now();
    if (this.everConnected) this.sink.count('reconnects');
    this.everConnected = true;
    this.failureLogged = false;
    this.reader.reset();
    this.detector?.begin(this.lastDataAt);
    this.logger.info({ path: this.opts.path, baud: baudRate, auto: this.detector !== null }, 'GPS serial port open');
    this.sink.link({ connected: true, device: this.opts.path, baud: baudRate, detecting: this.detector !== null, message: this.detector ? `detecting baud rate, trying ${baudRate}` : 'waiting for NMEA' });
    port.on('data', (chunk: Buffer) => this.data(chunk));
    port.on('close', (err?: Error | null) => {
      if (this.port !== port) return;
      this.port = null;
      this.lost(new AlprError(GpsErrors.GPS_SERIAL_DISCONNECTED, { path: this.opts.path, detail: err ? errorMessage(err) : 'closed' }));
    });
  }

  private data(chunk: Buffer): void {
    const now = this.clock.now();
    this.lastDataAt = now;
    const summary = this.reader.push(chunk, now);
    if (summary.valid > 0 && this.backoff.failures > 0) this.backoff.reset();
    if (this.flushTimer) this.flushTimer.refresh();
    else this.flushTimer = setTimeout(() => this.reader.flush(), EPOCH_QUIET_MS);
    if (!this.detector) {
      if (summary.valid > 0 && !this.delivering) {
        this.delivering = true;
        this.outageSince = null;
        this.sink.link({ connected: true, device: this.opts.path, baud: this.baud, message: '' });
      }
      return;
    }
    this.onBaudEvent(this.detector.onData(summary.bytes, summary.valid, now));
  }

  private tick(): void {
    if (!this.connected) {
      this.pollDevice();
      return;
    }
    const now = this.clock.now();
    if (this.detector && !this.detector.isLocked) {
      this.onBaudEvent(this.detector.onTick(now));
      return;
    }
    if (now - this.lastDataAt >= this.opts.idleTimeoutMs) {
      const err = new AlprError(GpsErrors.GPS_IDLE_TIMEOUT, { device: this.opts.path, seconds: Math.round(this.opts.idleTimeoutMs / 1000) });
      this.connected = false;
      void this.closePort().then(() => this.lost(err));
    }
  }

  private onBaudEvent(ev: ReturnType<BaudDetector['onData']>): void {
    const port = this.port;
    if (!ev || !port) return;
    if (ev.kind === 'locked') {
      this.notDetectedLogged = false;
      this.outageSince = null;
      this.logger.info({ path: this.opts.path, baud: ev.rate }, 'GPS baud rate detected');
      this.sink.link({ connected: true, device: this.opts.path, baud: ev.rate, detecting: false, message: '' });
      return;
    }
    if (ev.exhausted && !this.notDetectedLogged) {
      this.notDetectedLogged = true;
      const err = new AlprError(GpsErrors.GPS_BAUD_NOT_DETECTED, { path: this.opts.path, rates: AUTO_BAUD_RATES.join(', ') });
      this.logger.warn({ code: err.code, path: this.opts.path }, err.message);
      this.sink.error(err);
    }
    this.reader.reset();
    const message = this.notDetectedLogged ? `no valid NMEA at any baud rate yet, trying ${ev.rate}` : `detecting baud rate, trying ${ev.rate}`;
    this.sink.link({ connected: true, device: this.opts.path, baud: ev.rate, detecting: true, message });
    port.update({ baudRate: ev.rate }, (err) => {
      if (err && this.port === port) {
        this.sink.error(err);
        this.connected = false;
        void this.closePort().then(() => this.lost(new AlprError(GpsErrors.GPS_SERIAL_DISCONNECTED, { path: this.opts.path, detail: errorMessage(err) })));
      }
    });
  }

  /** The port went away after being open: report, then reopen with backoff. */
  private lost(err: AlprError): void {
    if (!this.running) return;
    this.connected = false;
    this.reader.reset();
    this.failed(err);
  }

  private failed(err: AlprError): void {
    if (!this.running) return;
    this.connected = false;
    // A device that has just appeared may not be ready for a moment (udev, socat still setting
    // up): try again shortly for a while instead of waiting out the backoff.
    const delay = this.clock.now() - this.appearedAt < APPEARED_RETRY_WINDOW_MS ? APPEARED_RETRY_MS : this.backoff.next();
    // The first failure is news; the hundredth retry of an unplugged receiver is not.
    if (!this.failureLogged) this.logger.warn({ code: err.code, path: this.opts.path, retry_ms: delay }, err.message);
    else this.logger.debug({ code: err.code, retry_ms: delay }, err.message);
    this.failureLogged = true;
    this.sink.error(err);
    // The outage start is kept across retries; the next try is a time, not a countdown that freezes.
    this.outageSince ??= this.clock.now();
    const since = new Date(this.outageSince).toISOString();
    const next = new Date(this.clock.now() + delay).toISOString();
    this.sink.link({ connected: false, device: this.opts.path, baud: this.baud, since: this.outageSince, message: `${err.message}; out since ${since}; next try at ${next} or when the device appears` });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  private closePort(): Promise<void> {
    const port = this.port;
    this.port = null;
    if (!port) return Promise.resolve();
    port.removeAllListeners('data');
    port.removeAllListeners('close');
    return new Promise((resolve) => {
      if (!port.isOpen) return resolve();
      port.close(() => resolve());
    });
  }
}
