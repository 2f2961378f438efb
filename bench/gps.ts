/**
 * GPS path costs: NMEA parsing and reading (drive log and pure noise), fix-store lookups, and the
 * latency from the receiver's last byte to the fix through a real pty and serialport.
 *
 *   npx tsx bench/gps.ts
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { pino } from 'pino';
import { GpsSection, type GpsConfig } from '../src/config/sections/gps.js';
import type { GpsFix } from '../src/gps/fix.js';
import { FixStore } from '../src/gps/fix-store.js';
import { GpsUnit } from '../src/gps/gps-unit.js';
import { parseNmea } from '../src/gps/nmea-parser.js';
import { NmeaReader } from '../src/gps/nmea-reader.js';
import { systemClock } from '../src/shared/clock.js';
import { StatusRegistry } from '../src/status/registry.js';
import { seededRandom } from '../test/helpers/random.js';
import { percentileOfSorted } from './stats.js';

const DRIVE = resolve(import.meta.dirname, '..', 'fixtures', 'gps', 'drive.nmea');
const text = readFileSync(DRIVE, 'latin1');
const bytes = Buffer.from(text, 'latin1');
const lines = text.split('\r\n').filter(Boolean);
const rows: [string, string][] = [];

function time(fn: () => void, minMs = 1500): { ms: number; runs: number } {
  fn();
  const t0 = performance.now();
  let runs = 0;
  while (performance.now() - t0 < minMs) {
    fn();
    runs++;
  }
  return { ms: (performance.now() - t0) / runs, runs };
}

// 1. parseNmea alone.
const parse = time(() => {
  for (const l of lines) parseNmea(l);
});
const parsePerS = lines.length / (parse.ms / 1000);
rows.push(['parseNmea, drive sentences', `${(parsePerS / 1e6).toFixed(2)} M sentences/s (${((parse.ms * 1000) / lines.length).toFixed(2)} µs each)`]);

// 2. Reader end to end on the drive (split, parse, assemble).
const read = time(() => {
  const r = new NmeaReader({ fix: () => undefined, count: () => undefined });
  for (let i = 0; i < bytes.length; i += 256) r.push(bytes.subarray(i, i + 256), 0);
  r.flush();
});
const readMBps = bytes.length / 1e6 / (read.ms / 1000);
const epochUs = (read.ms * 1000) / 600;
rows.push(['NmeaReader, drive log (256 B chunks)', `${readMBps.toFixed(1)} MB/s, ${epochUs.toFixed(1)} µs per 1 Hz epoch`]);

// 3. Reader on noise (what a wrong baud rate or a broken cable delivers).
const noise = Buffer.alloc(4 << 20);
const random = seededRandom(1);
for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(random() * 256);
const junk = time(() => {
  const r = new NmeaReader({ fix: () => undefined, count: () => undefined });
  for (let i = 0; i < noise.length; i += 65536) r.push(noise.subarray(i, i + 65536), 0);
});
const junkMBps = noise.length / 1e6 / (junk.ms / 1000);
rows.push(['NmeaReader, random bytes (64 kB chunks)', `${junkMBps.toFixed(1)} MB/s`]);

// 4. positionAt over a full history.
function storeWith(n: number): FixStore {
  const s = new FixStore({ maxFixAgeMs: 3000, maxHdop: 5, clockSkewLimitMs: 2000 }, n * 1000);
  for (let i = 0; i < n; i++) {
    s.add({ lat: 38 + i * 1e-5, lon: -121 + i * 1e-5, altitude_m: 10, speed_mps: 10, heading_deg: (i * 7) % 360, mode: '3d', satellites: 10, hdop: 1, gpsTime: i * 1000, receivedAt: i * 1000 + 200 });
  }
  return s;
}
const lookups: Record<string, number> = {};
for (const n of [120, 4096]) {
  const s = storeWith(n);
  let k = 0;
  const q = time(() => {
    for (let i = 0; i < 10_000; i++) s.positionAt(((k++ * 7919) % n) * 1000 + 321);
  }, 800);
  lookups[n] = (q.ms * 1e6) / 10_000;
  rows.push([`FixStore.positionAt, ${n} fixes`, `${lookups[n].toFixed(0)} ns per lookup`]);
}

// 5. Latency: last byte of an epoch written into a socat pty → fix out of GpsUnit (serialport).
async function ptyLatency(epochs: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gps-bench-'));
  const a = join(dir, 'ttyA');
  const b = join(dir, 'ttyB');
  const socat = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  try {
    while (!existsSync(a) || !existsSync(b)) await new Promise((r) => setTimeout(r, 20));
    const config = Value.Default(GpsSection, { source: 'serial', serial: { path: b, baud: 9600 } }) as GpsConfig;
    const registry = new StatusRegistry();
    const unit = new GpsUnit({ config, logger: pino({ level: 'silent' }), reporter: registry.reporter('gps', 'gps'), clock: systemClock });
    let resolveFix: ((f: GpsFix) => void) | null = null;
    unit.onFix((f) => resolveFix?.(f));
    await unit.start();
    while (registry.get('gps')!.details.connected !== true) await new Promise((r) => setTimeout(r, 20));
    const fh = await open(a, constants.O_WRONLY | constants.O_NOCTTY);
    const perEpoch = text.split(/(?=\$GNRMC)/).filter(Boolean);
    const out: number[] = [];
    for (let i = 0; i < epochs; i++) {
      const got = new Promise<GpsFix>((r) => (resolveFix = r));
      await fh.write(perEpoch[i]!);
      const t0 = performance.now();
      await got;
      out.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
    await fh.close();
    await unit.stop();
    return out;
  } finally {
    const exited = once(socat, 'exit');
    socat.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

const lat = (await ptyLatency(100)).sort((x, y) => x - y);
rows.push(['pty → fix latency, fixed baud (100 epochs)', `p50 ${percentileOfSorted(lat, 0.5).toFixed(1)} ms, p90 ${percentileOfSorted(lat, 0.9).toFixed(1)} ms, max ${lat[lat.length - 1]!.toFixed(1)} ms`]);

const w = Math.max(...rows.map(([k]) => k.length));
console.log('GPS benchmark (node ' + process.version + ')');
for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
console.log(
  JSON.stringify({
    parse_sentences_per_s: Math.round(parsePerS),
    reader_drive_mb_per_s: Number(readMBps.toFixed(2)),
    reader_us_per_epoch: Number(epochUs.toFixed(2)),
    reader_noise_mb_per_s: Number(junkMBps.toFixed(2)),
    position_at_ns_120: Math.round(lookups[120]!),
    position_at_ns_4096: Math.round(lookups[4096]!),
    pty_fix_latency_ms_p50: Number(percentileOfSorted(lat, 0.5).toFixed(2)),
    pty_fix_latency_ms_p90: Number(percentileOfSorted(lat, 0.9).toFixed(2)),
  }),
);
