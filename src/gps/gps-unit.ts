/**
 * The GPS unit the composition root builds: one position source chosen by `gps.source`, the fix
 * store, the trust verdict, the clock check and the status line.
 *
 *   serial port ─bytes─▶ NmeaReader ─┐
 *   replay log ──lines─▶ NmeaReader ─┤
 *   gpsd ──────JSON───▶ GpsdMessages ┼─fix─▶ FixStore ──positionAt(capture time)──▶ detections
 *   configuration ───▶ FixedSource ──┘        │  └────speedMps() ◀── pulled by the cameras' frame scheduler (patrol mode)
 *                                             └─▶ clock check, status registry ('gps')
 *
 * `onFix()` lets an observer hear every fix as it arrives (the tests use it); nothing in the
 * daemon subscribes: detections and the scheduler ask for a position or speed when they need one.
 */
import type { GpsConfig } from '../config/sections/gps.js';
import { AlprError, errorMessage } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import type { Unit } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logger.js';
import { RateMeter } from '../shared/rate-meter.js';
import type { StatusReporter } from '../status/registry.js';
import { ClockSkewMonitor } from './clock-skew.js';
import { GpsErrors } from './errors.js';
import type { FixMode, GpsFix, Position } from './fix.js';
import { FixStore } from './fix-store.js';
import { FixedSource } from './fixed-source.js';
import { gpsHealth } from './gps-health.js';
import { GpsdSource } from './gpsd-source.js';
import { ReplaySource } from './replay-source.js';
import { SerialSource } from './serial-source.js';
import type { GpsCounter, GpsSink, GpsSource, LinkStatus } from './source.js';

export interface GpsUnitDeps {
  config: GpsConfig;
  logger: Logger;
  reporter: StatusReporter;
  clock: Clock;
}

export type FixListener = (fix: GpsFix) => void;

const TICK_MS = 1_000;

export class GpsUnit implements Unit {
  readonly name = 'gps';
  private readonly store: FixStore;
  private readonly skew: ClockSkewMonitor;
  /** Sentences per second over the last 5 s. */
  private readonly rate = new RateMeter(5_000);
  private readonly listeners = new Set<FixListener>();
  private readonly source: GpsSource | null;
  private link: LinkStatus | null = null;
  private sentences = 0;
  private sentencesPerS = 0;
  private lastMode: FixMode | null = null;
  private tickTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: GpsUnitDeps) {
    const c = deps.config;
    this.store = new FixStore({ maxFixAgeMs: c.max_fix_age_s * 1000, maxHdop: c.max_hdop, clockSkewLimitMs: c.clock_skew_limit_s * 1000 }, c.history_s * 1000);
    this.skew = new ClockSkewMonitor(c.clock_skew_limit_s * 1000);
    this.source = this.createSource();
  }

  async start(): Promise<void> {
    const { reporter } = this.deps;
    reporter.detail('source', this.deps.config.source);
    if (!this.source) {
      this.refresh();
      return;
    }
    // Zeros up front, so the status page shows "bad checksum 0" rather than nothing.
    for (const c of ['bytes', 'sentences', 'bad_checksum', 'malformed', 'unsupported', 'garbage_bytes', 'fixes', 'reconnects']) reporter.count(c, 0);
    reporter.set('starting', `starting ${this.deps.config.source} source`);
    await this.source.start();
    this.tickTimer = setInterval(() => this.tick(), TICK_MS);
    this.refresh();
  }

  async stop(): Promise<void> {
    clearInterval(this.tickTimer);
    this.tickTimer = undefined;
    await this.source?.stop();
    if (this.source) this.deps.reporter.set('stopped');
  }

  /** Where the device was at a capture time (local ms since epoch), with age and trust; null
   *  without a source or before the first position. */
  positionAt(captureTimeMs: number): Position | null {
    return this.store.positionAt(captureTimeMs);
  }

  latest(): GpsFix | null {
    return this.store.latest();
  }

  /** Speed now in m/s for the camera frame scheduler; null when the position is not trusted. */
  speedMps(): number | null {
    const p = this.store.positionAt(this.deps.clock.now());
    return p?.trusted ? p.speed_mps : null;
  }

  /** Called with every new fix (once per receiver epoch). Returns an unsubscribe function. */
  onFix(listener: FixListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private createSource(): GpsSource | null {
    const { config: c, logger, clock } = this.deps;
    const sink: GpsSink = {
      fix: (f) => this.fix(f),
      link: (l) => this.setLink(l),
      count: (counter, by) => this.count(counter, by),
      error: (err) => this.deps.reporter.error(err),
    };
    const backoff = { initial_ms: c.reconnect.initial_s * 1000, max_ms: c.reconnect.max_s * 1000 };
    const log = logger.child({ source: c.source });
    switch (c.source) {
      case 'serial':
        return new SerialSource({ path: c.serial.path, baud: c.serial.baud, probeMs: c.serial.probe_s * 1000, idleTimeoutMs: c.idle_timeout_s * 1000, backoff }, sink, log, clock);
      case 'gpsd':
        return new GpsdSource({ host: c.gpsd.host, port: c.gpsd.port, idleTimeoutMs: c.idle_timeout_s * 1000, backoff }, sink, log, clock);
      case 'replay':
        return new ReplaySource({ file: c.replay.file, speed: c.replay.speed, loop: c.replay.loop }, sink, log, clock);
      case 'fixed':
        return new FixedSource(c.fixed, sink, clock);
      case 'none':
        return null;
    }
  }

  private fix(fix: GpsFix): void {
    const { logger, reporter } = this.deps;
    this.store.add(fix);
    reporter.count('fixes');
    const had = this.lastMode !== null && this.lastMode !== 'none';
    if (fix.mode === 'none' && had) logger.warn({ satellites: fix.satellites }, 'GPS fix lost');
    else if (fix.mode !== 'none' && !had) logger.info({ mode: fix.mode, satellites: fix.satellites, hdop: fix.hdop }, 'GPS fix acquired');
    this.lastMode = fix.mode;
    if (fix.gpsTime !== null && fix.mode !== 'none' && fix.mode !== 'fixed') this.checkClock(fix.gpsTime - fix.receivedAt);
    for (const l of this.listeners) {
      try {
        l(fix);
      } catch (err) {
        // A consumer's bug must not stop positions reaching the others.
        logger.error({ err: errorMessage(err) }, 'GPS fix listener failed');
      }
    }
    this.refresh();
  }

  private checkClock(skewMs: number): void {
    const limit = this.deps.config.clock_skew_limit_s;
    const event = this.skew.update(skewMs);
    if (event === 'entered') {
      const err = new AlprError(GpsErrors.GPS_CLOCK_SKEW, { skew_s: (skewMs / 1000).toFixed(1), limit_s: limit });
      this.deps.logger.warn({ code: err.code, skew_ms: skewMs }, err.message);
      this.deps.reporter.error(err);
    } else if (event === 'cleared') {
      this.deps.logger.info({ skew_ms: skewMs }, 'GPS time and system clock agree again');
    }
  }

  private setLink(link: LinkStatus): void {
    this.link = link;
    this.refresh();
  }

  private count(counter: GpsCounter, by = 1): void {
    this.deps.reporter.count(counter, by);
    if (counter === 'sentences') this.sentences += by;
  }

  private tick(): void {
    const now = this.deps.clock.now();
    this.rate.addTotal(now, this.sentences);
    this.sentencesPerS = this.rate.rate(now);
    this.refresh();
  }

  private refresh(): void {
    const { reporter, config } = this.deps;
    const now = this.deps.clock.now();
    const p = this.store.positionAt(now);
    const health = gpsHealth({
      source: config.source,
      link: this.link,
      position: p,
      skew: { active: this.skew.active, skewMs: this.skew.skewMs, limitMs: config.clock_skew_limit_s * 1000 },
    });
    // An outage is dated from its start, not from the latest retry.
    reporter.set(health.state, health.message, this.link && !this.link.connected ? this.link.since : undefined);
    const latest = this.store.latest();
    const skewMs = this.skew.skewMs;
    const details: Record<string, unknown> = {
      connected: this.link?.connected ?? false,
      device: this.link?.device ?? null,
      outage_since: this.link && !this.link.connected && this.link.since !== undefined ? new Date(this.link.since).toISOString() : null,
      baud: this.link?.baud ?? null,
      mode: latest?.mode ?? null,
      satellites: latest?.satellites ?? null,
      satellites_in_view: latest?.satellitesInView ?? null,
      hdop: latest?.hdop ?? null,
      age_s: p ? Math.round(p.age_ms / 100) / 10 : null,
      lat: p ? round(p.lat, 6) : null,
      lon: p ? round(p.lon, 6) : null,
      speed_mps: p?.speed_mps == null ? null : round(p.speed_mps, 3),
      heading_deg: p?.heading_deg == null ? null : round(p.heading_deg, 2),
      trusted: p?.trusted ?? false,
      untrusted_reason: p?.untrusted_reason ?? null,
      clock_skew_s: skewMs === null ? null : Math.round(skewMs / 100) / 10,
      sentences_per_s: Math.round(this.sentencesPerS * 10) / 10,
    };
    for (const [k, v] of Object.entries(details)) reporter.detail(k, v);
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
