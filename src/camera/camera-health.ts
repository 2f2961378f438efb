/**
 * Picture health of one camera, wired to the daemon: frames in from the camera source, the verdict
 * out to the camera's status-registry entry (each fault's state and since, gauges for /metrics),
 * one log line per raised or cleared fault, and the memory (reference view, baselines) kept in
 * the data dir across restarts. The judging itself is pure (picture-health.ts).
 */
import type { CameraHealthConfig } from '../config/sections/camera-health.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { StatusReporter } from '../status/registry.js';
import { isoSeconds } from './camera-outage.js';
import type { PixelFormat, RawPicture } from './frame.js';
import { thumbnail, type HealthStore } from './health-store.js';
import { PICTURE_FAULTS, PictureHealth, type FaultView } from './picture-health.js';

export interface CameraHealthDeps {
  config: CameraHealthConfig;
  status: StatusReporter;
  logger: Logger;
  /** null = keep nothing across restarts (tests, no data dir). */
  store: HealthStore | null;
  /** Vehicle speed in mph, or null for a fixed camera (no speed source). */
  speedMph: () => number | null;
}

export interface HealthVerdict {
  level: 'ok' | 'amber' | 'red';
  /** The raised faults, e.g. `covered since 2026-12-07T01:02:03Z (mean 3, spread 0.4)`. */
  message: string;
}

/** Above this speed (mph) the vehicle counts as moving: the moved check pauses. */
const MOVING_MPH = 3;
/** The learned baselines are written this often (and at stop, and when a reference is taken). */
const SAVE_INTERVAL_MS = 10 * 60_000;

export class CameraHealth {
  private readonly health: PictureHealth;
  private lastSave: number | null = null;
  private saving: Promise<void> | null = null;

  constructor(private readonly deps: CameraHealthDeps) {
    this.health = new PictureHealth(deps.config, deps.store?.load() ?? null);
  }

  get enabled(): boolean {
    return this.deps.config.enabled;
  }

  /** Every decoded frame, before anyone else may take its buffer; most are passed over (analysis_fps). */
  frame(data: Buffer, w: number, h: number, format: PixelFormat, now: number): void {
    if (!this.health.due(now)) return;
    const mph = this.deps.speedMph();
    this.health.analyze(data, w, h, format, now, mph !== null && mph >= MOVING_MPH);
    if (this.health.takeReferenceReady()) {
      // The thumbnail is cut now, while the buffer is still this camera's; encoding waits.
      const thumb = thumbnail(data, w, h, format);
      this.saving = this.storeReference(thumb, now);
    }
  }

  plates(found: number, readable: number, now: number): void {
    this.health.plates(found, readable, now);
  }

  /** Starts taking a new reference view from the next pictures (an administrator re-aimed the camera). */
  retakeReference(now: number): void {
    this.health.retakeReference(now);
    this.deps.logger.info({ at: isoSeconds(now) }, 'camera reference view is being re-taken');
  }

  referenceImage(): Buffer | null {
    return this.deps.store?.referenceImage() ?? null;
  }

  /** Once a second: time-based verdicts, log lines, status details; returns what the camera's state should show. */
  tick(now: number): HealthVerdict {
    this.health.tick(now, this.deps.speedMph());
    const log = this.deps.logger;
    for (const e of this.health.drainEvents()) {
      const fields = { fault: e.kind, since: isoSeconds(e.since), severity: e.severity, detail: e.detail };
      if (e.change === 'raised') {
        log.warn(fields, `camera picture ${e.kind.replace('_', ' ')} since ${isoSeconds(e.since)}`);
        this.deps.status.count('picture_faults_total');
        this.deps.status.count(`picture_${e.kind}_total`);
      } else {
        log.info(fields, `camera picture ${e.kind.replace('_', ' ')} cleared`);
      }
    }
    const views = this.health.views();
    this.report(views);
    if (this.lastSave === null) this.lastSave = now;
    else if (now - this.lastSave >= SAVE_INTERVAL_MS) this.save(now);
    return verdictOf(views);
  }

  /** Writes the memory (and waits for a reference picture being written). */
  async stop(now: number): Promise<void> {
    await this.saving;
    this.save(now);
  }

  private report(views: FaultView[]): void {
    const s = this.deps.status;
    const h = this.health;
    for (const v of views) s.detail(`picture_${v.kind}`, v.state === 'raised' ? 1 : 0);
    if (h.align) s.detail('picture_view_match', Math.round(h.align.score * 100) / 100);
    s.detail('picture', {
      faults: views.map((v) => ({ ...v, since: v.since === null ? null : new Date(v.since).toISOString() })),
      reference: { taken_at: h.referenceTakenAt === null ? null : new Date(h.referenceTakenAt).toISOString(), taking: h.collectingReference },
      measures: h.stats
        ? {
            mean: Math.round(h.stats.mean),
            spread: Math.round(h.stats.spread * 10) / 10,
            saturated_pct: Math.round(h.stats.saturatedPct * 10) / 10,
            sharpness: h.sharpness === null ? null : Math.round(h.sharpness * 1000) / 1000,
            frozen_diff: h.frozenDiff === null ? null : Math.round(h.frozenDiff * 100) / 100,
          }
        : null,
    });
  }

  private async storeReference(thumb: RawPicture, now: number): Promise<void> {
    const store = this.deps.store;
    this.deps.logger.info({ at: isoSeconds(now) }, 'camera reference view taken');
    if (!store) return;
    try {
      await store.saveReferencePicture(thumb);
      this.save(now);
    } catch (err) {
      this.deps.logger.warn({ err: errorMessage(err) }, 'cannot store the camera reference view');
      this.deps.status.error(err);
    }
  }

  private save(now: number): void {
    this.lastSave = now;
    const store = this.deps.store;
    if (!store) return;
    try {
      store.save(this.health.memory());
    } catch (err) {
      this.deps.logger.warn({ err: errorMessage(err) }, 'cannot store the camera picture-health memory');
    }
  }
}

/** Red when any raised fault is red, amber when any is raised; the message lists them in a fixed order. */
export function verdictOf(views: readonly FaultView[]): HealthVerdict {
  const raised = views.filter((v) => v.state === 'raised').sort((a, b) => PICTURE_FAULTS.indexOf(a.kind) - PICTURE_FAULTS.indexOf(b.kind));
  if (raised.length === 0) return { level: 'ok', message: '' };
  const level = raised.some((v) => v.severity === 'red') ? 'red' : 'amber';
  const message = raised.map((v) => `${v.kind.replace('_', ' ')} since ${v.since === null ? '?' : isoSeconds(v.since)}${v.detail ? ` (${v.detail})` : ''}`).join('; ');
  return { level, message: `picture ${message}` };
}
