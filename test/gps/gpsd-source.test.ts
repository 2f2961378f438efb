import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpsSection, type GpsConfig } from '../../src/config/sections/gps.js';
import type { GpsFix } from '../../src/gps/fix.js';
import { GpsUnit } from '../../src/gps/gps-unit.js';
import { NmeaReader } from '../../src/gps/nmea-reader.js';
import { systemClock } from '../../src/shared/clock.js';
import { StatusRegistry, type UnitStatus } from '../../src/status/registry.js';
import { waitFor } from '../helpers/wait-for.js';
import { driveEpochs } from './helpers/drive.js';
import { captureLogger } from './helpers/log.js';
import { tempDir } from '../helpers/temp-dir.js';

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

/** gpsfake runs its own gpsd as a child: start it as a process group, end the group by its id. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = once(child, 'exit');
  process.kill(-child.pid, 'SIGTERM');
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 2_000);
  await exited;
  clearTimeout(timer);
}

/** gpsd emits a TPV when it sees the cycle end, which can be before that epoch's GSA (the only
 *  sentence saying 2D or 3D); its 2D/3D then lags by an epoch. Position, no-fix and DGPS agree. */
function coarse(mode: GpsFix['mode']): string {
  return mode === '2d' || mode === '3d' ? 'autonomous' : mode;
}

// The freeway, the 22 s tunnel, the 2D reacquisition and the start of the HDOP spike.
const FROM = 270;
const COUNT = 72;

describe('gpsd source against gpsd/gpsfake playing the drive', () => {
  const dir = tempDir('gpsfake-');
  let gpsfake: ChildProcess;
  let unit: GpsUnit;
  let registry: StatusRegistry;
  const fixes: GpsFix[] = [];
  const serialPath = new Map<number, GpsFix>();
  /** The status page as it stood at the latest fix that came with the receiver named. Read at a
   *  fix, because gpsfake -1 ends when the log does: afterwards gpsd deactivates the receiver and
   *  the connection drops, so a status read after the playback races that teardown. */
  let whilePlaying: UnitStatus | undefined;

  beforeAll(async () => {
    const log = driveEpochs(COUNT, FROM);
    const file = join(dir, 'segment.nmea');
    writeFileSync(file, log, 'latin1');
    // The serial path's reading of the same bytes, keyed by GPS time.
    const reader = new NmeaReader({ fix: (f) => serialPath.set(f.gpsTime!, f), count: () => undefined });
    reader.push(Buffer.from(log, 'latin1'), 0);
    reader.flush();

    const port = await freePort();
    gpsfake = spawn('gpsfake', ['-q', '-1', '-c', '0.02', '-P', String(port), file], { detached: true, stdio: 'ignore' });
    const config = Value.Default(GpsSection, { source: 'gpsd', gpsd: { port }, reconnect: { initial_s: 0.1, max_s: 0.3 } }) as GpsConfig;
    registry = new StatusRegistry(systemClock);
    unit = new GpsUnit({ config, logger: captureLogger().logger, reporter: registry.reporter('gps', 'gps'), clock: systemClock });
    unit.onFix((f) => {
      fixes.push(f);
      const s = registry.get('gps')!;
      if (/\(\/dev\/pts\/\d+\)$/.test(String(s.details.device))) whilePlaying = structuredClone(s);
    });
    await unit.start();
    const lastTime = Math.max(...serialPath.keys());
    await waitFor(() => fixes.some((f) => f.gpsTime === lastTime) || gpsfake.exitCode !== null, 'gpsd to play the segment', { timeoutMs: 40_000 });
  }, 60_000);

  afterAll(async () => {
    await unit?.stop();
    if (gpsfake) await stopGroup(gpsfake);
  });

  it('gets the same positions, speeds, headings and fix modes as the serial path', () => {
    const timed = fixes.filter((f) => f.gpsTime !== null && serialPath.has(f.gpsTime));
    // gpsd opens the receiver when the first client watches; the first epochs may go unseen.
    expect(timed.length).toBeGreaterThanOrEqual(COUNT / 2);
    for (const f of timed) {
      const s = serialPath.get(f.gpsTime!)!;
      expect(coarse(f.mode), new Date(f.gpsTime!).toISOString()).toBe(coarse(s.mode));
      if (s.mode === 'none') continue;
      expect(f.lat).toBeCloseTo(s.lat, 8);
      expect(f.lon).toBeCloseTo(s.lon, 8);
      expect(f.speed_mps!).toBeCloseTo(s.speed_mps!, 2);
      expect(f.heading_deg).toBeCloseTo(s.heading_deg!, 6);
    }
  });

  it('sees the tunnel as a run of fixes without a position', () => {
    const none = fixes.filter((f) => f.gpsTime !== null && serialPath.get(f.gpsTime)?.mode === 'none');
    expect(none.length).toBeGreaterThanOrEqual(15);
    expect(none.every((f) => f.mode === 'none' && f.speed_mps === null)).toBe(true);
  });

  it('reports the gpsd connection and its receiver on the status page', async () => {
    await waitFor(() => whilePlaying !== undefined, 'gpsd to report its receiver during the playback');
    const s = whilePlaying!;
    expect(s.details.connected).toBe(true);
    expect(String(s.details.device)).toMatch(/^gpsd 127\.0\.0\.1:\d+ \(\/dev\/pts\/\d+\)$/);
    expect(s.counters.sentences).toBeGreaterThan(COUNT / 2);
  });
});

describe('gpsd source without gpsd', () => {
  it('is red with the reason and keeps retrying while nothing listens', async () => {
    const port = await freePort();
    const config = Value.Default(GpsSection, { source: 'gpsd', gpsd: { port }, reconnect: { initial_s: 0.05, max_s: 0.1 } }) as GpsConfig;
    const registry = new StatusRegistry(systemClock);
    const { logger, lines } = captureLogger();
    const unit = new GpsUnit({ config, logger, reporter: registry.reporter('gps', 'gps'), clock: systemClock });
    await unit.start();
    try {
      await waitFor(() => lines.filter((l) => l.code === 'GPS_GPSD_CONNECT_FAILED').length >= 3, 'three failed attempts');
      const s = registry.get('gps')!;
      expect(s.state).toBe('down');
      expect(s.message).toMatch(new RegExp(`^cannot connect to gpsd at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*; out since \\S+; next try at \\S+$`));
      // Loud once, then quiet.
      expect(lines.filter((l) => l.code === 'GPS_GPSD_CONNECT_FAILED' && l.level === 40)).toHaveLength(1);
    } finally {
      await unit.stop();
    }
  });
});
