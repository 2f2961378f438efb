/**
 * Plays an NMEA log as if a receiver were attached: the same reader as the serial path, at the
 * recorded pace (times a speed factor), looping, with GPS times shifted to the moment each epoch
 * is played so that trust and clock checks behave as they would live. The demo and tests use it.
 */
import { readFile } from 'node:fs/promises';
import { AlprError, errorMessage } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { GpsErrors } from './errors.js';
import { NmeaReader } from './nmea-reader.js';
import { parseReplayLog, type ReplayLog } from './replay-log.js';
import type { GpsSink, GpsSource } from './source.js';

export interface ReplaySourceOptions {
  file: string;
  speed: number;
  loop: boolean;
}

export class ReplaySource implements GpsSource {
  readonly name = 'gps:replay';
  private log: ReplayLog | null = null;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private index = 0;
  /** Wall time at which offset 0 of the current pass plays. */
  private passStart = 0;
  /** Wall time the epoch being played was due: becomes its GPS time. */
  private due = 0;
  private readonly reader: NmeaReader;

  constructor(
    private readonly opts: ReplaySourceOptions,
    private readonly sink: GpsSink,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    this.reader = new NmeaReader({
      fix: (fix) => sink.fix({ ...fix, gpsTime: fix.gpsTime === null ? null : this.due, receivedAt: this.clock.now() }),
      count: (c, n) => sink.count(c, n),
    });
  }

  /** Reads the log; an unreadable or empty one is a configuration error, thrown at start. */
  async start(): Promise<void> {
    if (this.running) return;
    let text: string;
    try {
      text = await readFile(this.opts.file, 'latin1');
    } catch (err) {
      throw new AlprError(GpsErrors.GPS_REPLAY_UNREADABLE, { file: this.opts.file, detail: errorMessage(err) }, { cause: err });
    }
    const log = parseReplayLog(text);
    if (log.epochs.length === 0) throw new AlprError(GpsErrors.GPS_REPLAY_EMPTY, { file: this.opts.file });
    this.log = log;
    this.running = true;
    this.index = 0;
    this.passStart = this.clock.now();
    const last = log.epochs[log.epochs.length - 1]!.offsetMs;
    this.logger.info({ file: this.opts.file, epochs: log.epochs.length, duration_s: (last + log.periodMs) / 1000, speed: this.opts.speed }, 'replaying NMEA log');
    this.sink.link({ connected: true, device: this.opts.file, message: '' });
    this.schedule();
  }

  stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    return Promise.resolve();
  }

  private schedule(): void {
    const log = this.log!;
    if (this.index >= log.epochs.length) {
      if (!this.opts.loop) {
        this.sink.link({ connected: true, device: this.opts.file, message: 'replay finished' });
        return;
      }
      const last = log.epochs[log.epochs.length - 1]!.offsetMs;
      this.passStart += (last + log.periodMs) / this.opts.speed;
      this.index = 0;
    }
    this.due = this.passStart + log.epochs[this.index]!.offsetMs / this.opts.speed;
    this.timer = setTimeout(() => this.play(), Math.max(0, this.due - this.clock.now()));
  }

  private play(): void {
    if (!this.running) return;
    const epoch = this.log!.epochs[this.index++]!;
    this.reader.push(Buffer.from(epoch.lines.join('\r\n') + '\r\n', 'latin1'), this.clock.now());
    this.reader.flush();
    this.schedule();
  }
}
