import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GpsSection, type GpsConfig } from '../../src/config/sections/gps.js';
import { Value } from '@sinclair/typebox/value';
import type { GpsFix } from '../../src/gps/fix.js';
import { GpsUnit } from '../../src/gps/gps-unit.js';
import { systemClock } from '../../src/shared/clock.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DRIVE_NMEA, driveEpochs, loadTruth, phase } from './helpers/drive.js';
import { captureLogger } from './helpers/log.js';
import { testTempDir } from '../helpers/temp-dir.js';

function config(over: Record<string, unknown>): GpsConfig {
  return Value.Default(GpsSection, structuredClone(over)) as GpsConfig;
}

function build(over: Record<string, unknown>) {
  const registry = new StatusRegistry(systemClock);
  const { logger, lines } = captureLogger();
  const unit = new GpsUnit({ config: config(over), logger, reporter: registry.reporter('gps', 'gps'), clock: systemClock });
  return { unit, registry, lines, status: () => registry.get('gps')! };
}

const truth = loadTruth();
const START = Date.parse(truth.start);

describe('GpsUnit replaying the recorded drive (fake timers, real time scale)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(Date.UTC(2026, 10, 25, 9, 0, 0));
  });
  afterEach(() => vi.useRealTimers());

  it('is green with a trusted fix, amber in the tunnel and the HDOP spike, and reports details', async () => {
    const { unit, status, lines } = build({ source: 'replay', replay: { file: DRIVE_NMEA } });
    const t0 = Date.now();
    const fixes: GpsFix[] = [];
    unit.onFix((f) => fixes.push(f));
    await unit.start();
    /** Advances to just after the epoch that is `sec` seconds into the drive. */
    const at = async (sec: number): Promise<void> => {
      await vi.advanceTimersByTimeAsync(t0 + sec * 1000 + 200 - Date.now());
    };

    await at(40);
    expect(status().state).toBe('ok');
    expect(status().message).toMatch(/^dgps fix, \d+ satellites, HDOP [\d.]+$/);
    const cruise = truth.epochs[40]!;
    expect(unit.speedMps()).toBeCloseTo(cruise.speed_mps!, 3);
    expect(status().details).toMatchObject({ connected: true, device: DRIVE_NMEA, mode: 'dgps', trusted: true, untrusted_reason: null, satellites_in_view: 18, clock_skew_s: 0 });
    expect(status().details.sentences_per_s).toBeGreaterThanOrEqual(5);
    expect(status().details.sentences_per_s).toBeLessThanOrEqual(7);

    const tunnel = phase(truth, 'tunnel');
    await at((tunnel.from - START) / 1000 + 5);
    expect([status().state, status().message]).toEqual(['degraded', 'no fix']);
    expect(unit.speedMps()).toBeNull();
    expect(unit.latest()!.mode).toBe('none');
    const inTunnel = unit.positionAt(Date.now())!;
    expect([inTunnel.trusted, inTunnel.untrusted_reason]).toEqual([false, 'no fix']);
    // Last known position before the tunnel, for a detection that must still be stored.
    const lastBefore = truth.epochs[(tunnel.from - START) / 1000 - 1]!;
    expect(inTunnel.lat).toBeCloseTo(lastBefore.lat!, 9);

    const spike = phase(truth, 'urban canyon (HDOP spike)');
    await at((spike.from - START) / 1000 + 3);
    expect(status().state).toBe('degraded');
    expect(status().message).toMatch(/^hdop [\d.]+ > 5$/);

    await at(599);
    expect(fixes).toHaveLength(600);
    expect(fixes.filter((f) => f.mode === 'none')).toHaveLength(22);
    expect(lines.filter((l) => l.msg === 'GPS fix lost')).toHaveLength(1);
    expect(lines.filter((l) => l.msg === 'GPS fix acquired')).toHaveLength(2);
    expect(status().counters).toEqual({ bytes: statSync(DRIVE_NMEA).size, sentences: 3600, fixes: 600, bad_checksum: 0, malformed: 0, unsupported: 0, garbage_bytes: 0, reconnects: 0 });
    await unit.stop();
  });

  it('places a capture time between two epochs by interpolation, with the age to the nearer fix', async () => {
    const { unit } = build({ source: 'replay', replay: { file: DRIVE_NMEA } });
    const t0 = Date.now();
    await unit.start();
    await vi.advanceTimersByTimeAsync(60_500);
    const p = unit.positionAt(t0 + 50_250)!;
    const a = truth.epochs[50]!;
    const b = truth.epochs[51]!;
    expect(p.interpolated).toBe(true);
    expect(p.age_ms).toBe(250);
    expect(p.lat).toBeCloseTo(a.lat! + (b.lat! - a.lat!) * 0.25, 9);
    expect(p.lon).toBeCloseTo(a.lon! + (b.lon! - a.lon!) * 0.25, 9);
    await unit.stop();
  });

  it('turns amber when the last fix gets older than max_fix_age_s', async () => {
    const { unit, status } = build({ source: 'replay', max_fix_age_s: 3, replay: { file: DRIVE_NMEA, loop: false, speed: 50 } });
    await unit.start();
    await vi.advanceTimersByTimeAsync(12_100);
    expect(status().state).toBe('ok');
    await vi.advanceTimersByTimeAsync(4_000);
    expect(status().state).toBe('degraded');
    expect(status().message).toMatch(/^stale: fix [\d.]+ s old > 3 s$/);
    expect(unit.speedMps()).toBeNull();
    await unit.stop();
  });

  it('logs a clock step once when GPS time and the system clock part, and once when they agree again', async () => {
    const { unit, status, lines } = build({ source: 'replay', clock_skew_limit_s: 2, replay: { file: DRIVE_NMEA } });
    await unit.start();
    await vi.advanceTimersByTimeAsync(30_500);
    // The system clock steps 30 s ahead (a bad NTP step); GPS time does not.
    vi.setSystemTime(Date.now() + 30_000);
    await vi.advanceTimersByTimeAsync(500);
    expect(status().state).toBe('degraded');
    expect(status().message).toMatch(/^clock skew: GPS time and system clock differ by -\d+\.\d s \(limit 2 s\)$/);
    expect(status().lastError?.message).toMatch(/GPS time and the system clock differ/);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(status().state).toBe('ok');
    expect(lines.filter((l) => l.code === 'GPS_CLOCK_SKEW')).toHaveLength(1);
    expect(lines.filter((l) => l.msg === 'GPS time and system clock agree again')).toHaveLength(1);
    await unit.stop();
  });

  it('keeps notifying other listeners when one throws', async () => {
    const { unit, lines } = build({ source: 'replay', replay: { file: DRIVE_NMEA } });
    let calls = 0;
    unit.onFix(() => {
      throw new Error('consumer bug');
    });
    const off = unit.onFix(() => calls++);
    await unit.start();
    await vi.advanceTimersByTimeAsync(2_500);
    off();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls).toBe(3);
    expect(lines.filter((l) => l.msg === 'GPS fix listener failed').length).toBe(5);
    await unit.stop();
  });

  it('starting inside the tunnel is "no fix", not a lost fix, until the first position arrives', async () => {
    const dir = testTempDir('gps-replay-');
    const file = join(dir, 'tunnel.nmea');
    writeFileSync(file, driveEpochs(30, 300), 'latin1');
    const { unit, status, lines } = build({ source: 'replay', replay: { file, loop: false } });
    await unit.start();
    await vi.advanceTimersByTimeAsync(5_500);
    expect([status().state, status().message]).toEqual(['degraded', 'connected, no fix yet']);
    expect(unit.positionAt(Date.now())).toBeNull();
    await vi.advanceTimersByTimeAsync(25_000);
    expect(lines.filter((l) => l.msg === 'GPS fix lost')).toHaveLength(0);
    expect(lines.filter((l) => l.msg === 'GPS fix acquired').map((l) => l.mode)).toEqual(['2d']);
    await unit.stop();
  });

  it('loops the log with GPS times that keep increasing, at the configured speed factor', async () => {
    const dir = testTempDir('gps-replay-');
    const file = join(dir, 'short.nmea');
    writeFileSync(file, driveEpochs(10, 100), 'latin1');
    const { unit, status } = build({ source: 'replay', replay: { file, speed: 10 } });
    const fixes: GpsFix[] = [];
    unit.onFix((f) => fixes.push(f));
    const t0 = Date.now();
    await unit.start();
    // 10 epochs at 1 Hz at ten times speed: one pass (plus the 1 s period) every second.
    await vi.advanceTimersByTimeAsync(3_050);
    expect(fixes).toHaveLength(31);
    const times = fixes.map((f) => f.gpsTime!);
    expect(times.every((t, i) => i === 0 || t - times[i - 1]! === 100)).toBe(true);
    expect(times[0]).toBe(t0);
    expect(fixes[10]!.lat).toBe(fixes[0]!.lat);
    expect(status().state).toBe('ok');
    await unit.stop();
  });

  it('leaves no timer behind after stop, and stop is idempotent', async () => {
    const { unit, status } = build({ source: 'replay', replay: { file: DRIVE_NMEA } });
    await unit.start();
    await vi.advanceTimersByTimeAsync(1_500);
    await unit.stop();
    await unit.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(status().state).toBe('stopped');
  });
});

describe('GpsUnit without a receiver', () => {
  it('a fixed installation is green with the configured position at any capture time', async () => {
    const { unit, status } = build({ source: 'fixed', fixed: { lat: 38.58, lon: -121.49, heading_deg: 270, altitude_m: 12 } });
    await unit.start();
    expect([status().state, status().message]).toEqual(['ok', 'fixed position 38.58000, -121.49000']);
    const p = unit.positionAt(Date.now() - 3_600_000)!;
    expect(p).toMatchObject({ lat: 38.58, lon: -121.49, heading_deg: 270, altitude_m: 12, mode: 'fixed', trusted: true, age_ms: 0 });
    expect(unit.speedMps()).toBe(0);
    await unit.stop();
  });

  it('source none is disabled and has no position', async () => {
    const { unit, status } = build({ source: 'none' });
    await unit.start();
    expect(status().state).toBe('disabled');
    expect(unit.positionAt(Date.now())).toBeNull();
    expect(unit.speedMps()).toBeNull();
    expect(unit.latest()).toBeNull();
    await unit.stop();
  });

  it('refuses to start replaying a log that does not exist', async () => {
    const { unit } = build({ source: 'replay', replay: { file: '/nonexistent/drive.nmea' } });
    await expect(unit.start()).rejects.toMatchObject({ code: 'GPS_REPLAY_UNREADABLE' });
    await unit.stop();
  });
});
