/**
 * Picture health from what recognition makes of the pictures: plates found but none readable for
 * a long time (a likely focus or exposure problem the pixels alone do not show), and, on a patrol
 * car, no plates at all while it drives in traffic. Both are soft warnings (amber by default).
 */
import type { CameraHealthConfig } from '../config/sections/camera-health.js';
import type { FaultView, HealthEvent } from './picture-health.js';

/** Longest gap between ticks counted as driving time (a stalled timer must not add an hour). */
const MAX_TICK_MS = 5_000;

export class PlateWatch {
  /** Plates found since the last readable one, and when the first of them was found. */
  private unreadableCount = 0;
  private unreadableSince: number | null = null;
  private unreadableRaised = false;
  /** Driving time since the last plate found, and when that driving began. */
  private drivingMs = 0;
  private drivingSince: number | null = null;
  private noPlatesRaised = false;
  private lastTick: number | null = null;
  private patrol = false;

  constructor(private readonly config: CameraHealthConfig) {}

  plates(found: number, readable: number, now: number): void {
    if (found > 0) {
      this.drivingMs = 0;
      this.drivingSince = null;
    }
    if (readable > 0) {
      this.unreadableCount = 0;
      this.unreadableSince = null;
    } else if (found > 0) {
      this.unreadableCount += found;
      this.unreadableSince ??= now;
    }
  }

  /** `speedMph` null = fixed camera (no speed source): the no-plates check does not apply. */
  tick(now: number, speedMph: number | null): HealthEvent[] {
    const events: HealthEvent[] = [];
    const c = this.config;
    this.patrol = speedMph !== null;
    const dt = this.lastTick === null ? 0 : Math.min(MAX_TICK_MS, Math.max(0, now - this.lastTick));
    this.lastTick = now;
    if (speedMph !== null && speedMph >= c.no_plates.min_speed_mph) {
      this.drivingSince ??= now;
      this.drivingMs += dt;
    }

    const unreadable = c.enabled && c.unreadable.enabled && this.unreadableSince !== null && this.unreadableCount >= c.unreadable.min_plates && now - this.unreadableSince >= c.unreadable.after_min * 60_000;
    if (unreadable !== this.unreadableRaised) {
      this.unreadableRaised = unreadable;
      events.push({ kind: 'unreadable', change: unreadable ? 'raised' : 'cleared', at: now, since: unreadable ? this.unreadableSince! : now, severity: c.unreadable.severity, detail: this.unreadableDetail() });
    }
    const noPlates = c.enabled && c.no_plates.enabled && this.drivingSince !== null && this.drivingMs >= c.no_plates.after_min * 60_000;
    if (noPlates !== this.noPlatesRaised) {
      this.noPlatesRaised = noPlates;
      events.push({ kind: 'no_plates', change: noPlates ? 'raised' : 'cleared', at: now, since: noPlates ? this.drivingSince! : now, severity: c.no_plates.severity, detail: this.noPlatesDetail() });
    }
    return events;
  }

  views(healthEnabled: boolean): FaultView[] {
    const c = this.config;
    const state = (enabled: boolean, raised: boolean, pending: boolean): FaultView['state'] => (!healthEnabled || !enabled ? 'off' : raised ? 'raised' : pending ? 'pending' : 'ok');
    const u = state(c.unreadable.enabled, this.unreadableRaised, this.unreadableSince !== null);
    const n = state(c.no_plates.enabled && this.patrol, this.noPlatesRaised, this.drivingSince !== null && this.drivingMs > 0);
    return [
      { kind: 'unreadable', state: u, since: u === 'raised' || u === 'pending' ? this.unreadableSince : null, severity: c.unreadable.severity, value: this.unreadableCount, detail: this.unreadableDetail() },
      { kind: 'no_plates', state: n, since: n === 'raised' || n === 'pending' ? this.drivingSince : null, severity: c.no_plates.severity, value: Math.round(this.drivingMs / 60_000), detail: this.noPlatesDetail() },
    ];
  }

  private unreadableDetail(): string {
    return `${this.unreadableCount} plate(s) found since the last readable one`;
  }

  private noPlatesDetail(): string {
    return this.patrol ? `${Math.round(this.drivingMs / 60_000)} min driving without a plate` : 'fixed camera';
  }
}

