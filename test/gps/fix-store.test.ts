import { describe, expect, it } from 'vitest';
import type { GpsFix } from '../../src/gps/fix.js';
import { FixStore, interpolateHeading } from '../../src/gps/fix-store.js';

const T0 = Date.UTC(2026, 2, 14, 17, 0, 0);
const LIMITS = { maxFixAgeMs: 3_000, maxHdop: 5, clockSkewLimitMs: 2_000 };

function fix(sec: number, over: Partial<GpsFix> = {}): GpsFix {
  return {
    lat: 38.5 + sec * 1e-4,
    lon: -121.5 + sec * 1e-4,
    altitude_m: 10 + sec,
    speed_mps: 10 + sec,
    heading_deg: 90,
    mode: '3d',
    satellites: 10,
    hdop: 0.9,
    gpsTime: T0 + sec * 1000,
    receivedAt: T0 + sec * 1000 + 300,
    ...over,
  };
}

describe('FixStore.positionAt', () => {
  it('is null before any position is known, even after "no fix" reports', () => {
    const s = new FixStore(LIMITS, 60_000);
    expect(s.positionAt(T0)).toBeNull();
    s.add(fix(0, { mode: 'none', lat: 0, lon: 0 }));
    expect(s.latest()?.mode).toBe('none');
    expect(s.positionAt(T0)).toBeNull();
  });

  it('interpolates linearly between the two fixes around the capture time, dated by GPS time', () => {
    const s = new FixStore(LIMITS, 60_000);
    s.add(fix(0));
    s.add(fix(1));
    const p = s.positionAt(T0 + 250)!;
    expect(p.interpolated).toBe(true);
    expect(p.lat).toBeCloseTo(38.5 + 0.25e-4, 10);
    expect(p.lon).toBeCloseTo(-121.5 + 0.25e-4, 10);
    expect(p.speed_mps).toBeCloseTo(10.25, 9);
    expect(p.altitude_m).toBeCloseTo(10.25, 9);
    expect(p.age_ms).toBe(250);
    expect(p.trusted).toBe(true);
    expect(p.untrusted_reason).toBeNull();
  });

  it.each([
    // [a, b, k, expected]: along the shorter arc, also across north
    [350, 10, 0.5, 0],
    [10, 350, 0.25, 5],
    [60, 350, 0.5, 25],
    [90, 260, 0.5, 175],
    [260, 90, 0.5, 175],
    [0, 0, 0.7, 0],
    [359, 1, 0.75, 0.5],
  ])('heading from %s° to %s° at %s is %s°', (a, b, k, want) => {
    expect(interpolateHeading(a, b, k)).toBeCloseTo(want, 9);
  });

  it('interpolates the heading along the shorter arc across north', () => {
    const s = new FixStore(LIMITS, 60_000);
    s.add(fix(0, { heading_deg: 350 }));
    s.add(fix(1, { heading_deg: 20 }));
    expect(s.positionAt(T0 + 500)!.heading_deg).toBeCloseTo(5, 9);
  });

  it('takes the worse quality of the two fixes it interpolates between', () => {
    const s = new FixStore(LIMITS, 60_000);
    s.add(fix(0, { mode: 'dgps', hdop: 0.8, satellites: 12 }));
    s.add(fix(1, { mode: '2d', hdop: 6.1, satellites: 4 }));
    const p = s.positionAt(T0 + 100)!;
    expect([p.mode, p.hdop, p.satellites]).toEqual(['2d', 6.1, 4]);
    expect(p.trusted).toBe(false);
    expect(p.untrusted_reason).toBe('hdop 6.1 > 5');
  });

  it.each([
    ['fresh', T0 + 1_000 + 2_000, true, null, 2_000],
    ['stale', T0 + 1_000 + 3_500, false, 'stale: fix 3.5 s old > 3 s', 3_500],
  ])('after the newest fix it returns that fix with its age (%s), never extrapolated', (_n, t, trusted, reason, age) => {
    const s = new FixStore(LIMITS, 60_000);
    s.add(fix(0));
    s.add(fix(1));
    const p = s.positionAt(t)!;
    expect([p.trusted, p.untrusted_reason, p.age_ms, p.interpolated]).toEqual([trusted, reason, age, false]);
    expect(p.lat).toBe(fix(1).lat);
  });

  it('does not interpolate into a loss of fix: the last report before the capture time rules', () => {
    const s = new FixStore(LIMITS, 60_000);
    s.add(fix(0));
    s.add(fix(1, { mode: 'none', lat: 0, lon: 0, speed_mps: null }));
    s.add(fix(2, { mode: 'none', lat: 0, lon: 0, speed_mps: null }));
    s.add(fix(3));
    const before = s.positionAt(T0 + 500)!;
    expect([before.trusted, before.interpolated, before.age_ms]).toEqual([true, false, 500]);
    const during = s.positionAt(T0 + 1_500)!;
    expect([during.trusted, during.untrusted_reason]).toEqual([false, 'no fix']);
    // The last known position, not the receiver's empty fields.
    expect([during.lat, during.lon]).toEqual([fix(0).lat, fix(0).lon]);
  });

  it('marks a long gap between two fixes stale by the distance to the nearer one', () => {
    const s = new FixStore(LIMITS, 60_000);
    s.add(fix(0));
    s.add(fix(20));
    const p = s.positionAt(T0 + 9_000)!;
    expect(p.interpolated).toBe(true);
    expect(p.age_ms).toBe(9_000);
    expect(p.untrusted_reason).toBe('stale: fix 9.0 s old > 3 s');
  });

  it('dates fixes by receive time when GPS time disagrees with the clock beyond the skew limit', () => {
    const s = new FixStore(LIMITS, 60_000);
    const skewed = (sec: number): GpsFix => fix(sec, { gpsTime: T0 - 3_600_000 + sec * 1000 });
    s.add(skewed(0));
    s.add(skewed(1));
    const p = s.positionAt(T0 + 800)!;
    expect(p.interpolated).toBe(true);
    expect(p.lat).toBeCloseTo(38.5 + 0.5e-4, 10);
  });

  it('answers a capture time older than the history with the oldest fix and its age', () => {
    const s = new FixStore(LIMITS, 5_000);
    for (let i = 0; i <= 10; i++) s.add(fix(i));
    const p = s.positionAt(T0)!;
    expect(p.lat).toBe(fix(5).lat);
    expect(p.age_ms).toBe(5_000);
    expect(p.trusted).toBe(false);
  });

  it('treats a configured fixed position as trusted and ageless at any time', () => {
    const s = new FixStore(LIMITS, 5_000);
    s.add({ lat: 38.6, lon: -121.4, altitude_m: null, speed_mps: 0, heading_deg: 45, mode: 'fixed', satellites: null, hdop: null, gpsTime: null, receivedAt: T0 });
    for (const t of [T0 - 86_400_000, T0, T0 + 86_400_000]) {
      const p = s.positionAt(t)!;
      expect([p.trusted, p.age_ms, p.lat, p.lon, p.heading_deg]).toEqual([true, 0, 38.6, -121.4, 45]);
    }
  });

  it('replaces a fix reported twice for the same time', () => {
    const s = new FixStore(LIMITS, 60_000);
    s.add(fix(0));
    s.add(fix(0, { lat: 40 }));
    s.add(fix(1));
    expect(s.positionAt(T0)!.lat).toBe(40);
  });

  it('interpolates across the antimeridian the short way', () => {
    const s = new FixStore(LIMITS, 60_000);
    s.add(fix(0, { lon: 179.9999 }));
    s.add(fix(1, { lon: -179.9999 }));
    expect(Math.abs(s.positionAt(T0 + 500)!.lon)).toBeCloseTo(180, 6);
  });
});
