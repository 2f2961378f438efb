/**
 * Latest fix plus a short history, so that a frame is placed where the car was when the frame
 * was captured, not where it is when recognition finishes. Pure; the clock is the caller's.
 *
 * Time base: a fix is dated by the receiver's GPS time when that agrees with the local clock
 * within the skew limit (it is exact, serial latency is not), otherwise by when it was
 * received; frame capture times are local wall-clock times either way.
 */
import type { FixMode, GpsFix, Position } from './fix.js';

export interface TrustLimits {
  maxFixAgeMs: number;
  maxHdop: number;
  clockSkewLimitMs: number;
}

interface Entry {
  t: number;
  fix: GpsFix;
}

const MODE_RANK: Record<FixMode, number> = { none: 0, '2d': 1, '3d': 2, dgps: 3, rtk: 4, fixed: 5 };
/** Hard cap on history length, whatever the receiver's rate (20 Hz × history would be large). */
const MAX_ENTRIES = 4096;

export class FixStore {
  private readonly history: Entry[] = [];
  private last: GpsFix | null = null;
  private known: { lat: number; lon: number } | null = null;

  constructor(
    private readonly limits: TrustLimits,
    private readonly historyMs: number,
  ) {}

  add(fix: GpsFix): void {
    this.last = fix;
    if (fix.mode !== 'none') this.known = { lat: fix.lat, lon: fix.lon };
    // A "no fix" report before any position has nothing to place a frame at: latest() shows it,
    // positionAt() stays null.
    else if (!this.known) return;
    else fix = { ...fix, lat: this.known.lat, lon: this.known.lon };
    const entry = { t: this.timeOf(fix), fix };
    const h = this.history;
    let i = h.length;
    while (i > 0 && h[i - 1]!.t > entry.t) i--;
    if (i > 0 && h[i - 1]!.t === entry.t) h[i - 1] = entry;
    else h.splice(i, 0, entry);
    const newest = h[h.length - 1]!.t;
    let drop = 0;
    while (drop < h.length - 1 && (h[drop]!.t < newest - this.historyMs || h.length - drop > MAX_ENTRIES)) drop++;
    if (drop > 0) h.splice(0, drop);
  }

  latest(): GpsFix | null {
    return this.last;
  }

  /** Position at a capture time (local ms): interpolated between the fixes around it, else the
   *  nearest one, with its age and trust verdict; null before any position was known. */
  positionAt(t: number): Position | null {
    const h = this.history;
    if (h.length === 0) return null;
    // First entry strictly after t.
    let lo = 0;
    let hi = h.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (h[mid]!.t <= t) lo = mid + 1;
      else hi = mid;
    }
    const a = lo > 0 ? h[lo - 1]! : null;
    const b = lo < h.length ? h[lo]! : null;
    if (!a) return this.verdict(b!.fix, b!.t - t, false);
    if (!b || a.fix.mode === 'none' || b.fix.mode === 'none' || a.t === t) return this.verdict(a.fix, t - a.t, false);
    return this.verdict(interpolate(a, b, t), Math.min(t - a.t, b.t - t), true);
  }

  /** Why a fix of this quality and age is not evidence-grade, or null when it is. */
  untrustedReason(mode: FixMode, ageMs: number, hdop: number | null): string | null {
    if (mode === 'fixed') return null;
    if (mode === 'none') return 'no fix';
    if (ageMs > this.limits.maxFixAgeMs) return `stale: fix ${(ageMs / 1000).toFixed(1)} s old > ${this.limits.maxFixAgeMs / 1000} s`;
    if (hdop !== null && hdop > this.limits.maxHdop) return `hdop ${hdop} > ${this.limits.maxHdop}`;
    return null;
  }

  private verdict(fix: GpsFix, ageMs: number, interpolated: boolean): Position {
    const age = fix.mode === 'fixed' ? 0 : Math.max(0, Math.round(ageMs));
    const reason = this.untrustedReason(fix.mode, age, fix.hdop);
    return {
      lat: fix.lat,
      lon: fix.lon,
      altitude_m: fix.altitude_m,
      speed_mps: fix.speed_mps,
      heading_deg: fix.heading_deg,
      mode: fix.mode,
      satellites: fix.satellites,
      hdop: fix.hdop,
      age_ms: age,
      trusted: reason === null,
      untrusted_reason: reason,
      interpolated,
    };
  }

  private timeOf(fix: GpsFix): number {
    const g = fix.gpsTime;
    return g !== null && Math.abs(g - fix.receivedAt) <= this.limits.clockSkewLimitMs ? g : fix.receivedAt;
  }
}

/** Linear in lat/lon (fixes are a second apart: metres, where the earth is flat enough), the
 *  heading along the shorter arc, the worse of the two qualities. */
function interpolate(a: Entry, b: Entry, t: number): GpsFix {
  const k = (t - a.t) / (b.t - a.t);
  const fa = a.fix;
  const fb = b.fix;
  return {
    lat: lerp(fa.lat, fb.lat, k),
    lon: wrapLon(fa.lon + wrapLon(fb.lon - fa.lon) * k),
    altitude_m: fa.altitude_m !== null && fb.altitude_m !== null ? lerp(fa.altitude_m, fb.altitude_m, k) : k < 0.5 ? fa.altitude_m : fb.altitude_m,
    speed_mps: fa.speed_mps !== null && fb.speed_mps !== null ? lerp(fa.speed_mps, fb.speed_mps, k) : k < 0.5 ? fa.speed_mps : fb.speed_mps,
    heading_deg: fa.heading_deg !== null && fb.heading_deg !== null ? interpolateHeading(fa.heading_deg, fb.heading_deg, k) : k < 0.5 ? fa.heading_deg : fb.heading_deg,
    mode: MODE_RANK[fa.mode] <= MODE_RANK[fb.mode] ? fa.mode : fb.mode,
    satellites: fa.satellites !== null && fb.satellites !== null ? Math.min(fa.satellites, fb.satellites) : (fa.satellites ?? fb.satellites),
    hdop: fa.hdop !== null && fb.hdop !== null ? Math.max(fa.hdop, fb.hdop) : (fa.hdop ?? fb.hdop),
    satellitesInView: fa.satellitesInView ?? fb.satellitesInView ?? null,
    gpsTime: fa.gpsTime !== null && fb.gpsTime !== null ? Math.round(lerp(fa.gpsTime, fb.gpsTime, k)) : null,
    receivedAt: Math.round(lerp(fa.receivedAt, fb.receivedAt, k)),
  };
}

function lerp(x: number, y: number, k: number): number {
  return x + (y - x) * k;
}

/** Into [-180, 180). */
function wrapLon(lon: number): number {
  return ((((lon + 180) % 360) + 360) % 360) - 180;
}

/** Heading from a to b along the shorter way round, in [0, 360). */
export function interpolateHeading(a: number, b: number, k: number): number {
  const d = ((((b - a) % 360) + 540) % 360) - 180;
  const h = (a + d * k) % 360;
  return h < 0 ? h + 360 : h;
}
