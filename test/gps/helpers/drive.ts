import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'vitest';
import type { GpsFix } from '../../../src/gps/fix.js';

export const FIXTURES = resolve(import.meta.dirname, '..', '..', '..', 'fixtures', 'gps');
export const DRIVE_NMEA = resolve(FIXTURES, 'drive.nmea');

export interface TruthEpoch {
  t: string;
  phase: string;
  fix: 'none' | '2d' | '3d' | 'dgps';
  lat: number | null;
  lon: number | null;
  speed_mps: number | null;
  heading_deg: number | null;
  hdop: number;
  satellites: number;
  altitude_m: number | null;
}

export interface Truth {
  seed: number;
  start: string;
  events: { phase: string; from: string; to: string }[];
  epochs: TruthEpoch[];
}

export function loadTruth(): Truth {
  return JSON.parse(readFileSync(resolve(FIXTURES, 'drive.truth.json'), 'utf8')) as Truth;
}

export function driveText(): string {
  return readFileSync(DRIVE_NMEA, 'latin1');
}

/** The first n epochs of the drive log as text (an epoch starts at each RMC). */
export function driveEpochs(n: number, from = 0): string {
  const lines = driveText().split('\r\n');
  const out: string[] = [];
  let epoch = -1;
  for (const l of lines) {
    if (l.startsWith('$GNRMC')) epoch++;
    if (epoch >= from && epoch < from + n && l) out.push(l);
  }
  return out.map((l) => `${l}\r\n`).join('');
}

export function phase(truth: Truth, name: string): { from: number; to: number } {
  const e = truth.events.find((x) => x.phase === name);
  if (!e) throw new Error(`no phase ${name}`);
  return { from: Date.parse(e.from), to: Date.parse(e.to) };
}

/** A fix as the NMEA path must report the generator's epoch. */
export function expectFixMatches(fix: GpsFix, e: TruthEpoch): void {
  expect(fix.gpsTime).toBe(Date.parse(e.t));
  expect(fix.mode).toBe(e.fix);
  if (e.fix === 'none') {
    expect(fix.speed_mps).toBeNull();
    return;
  }
  expect(fix.lat).toBeCloseTo(e.lat!, 9);
  expect(fix.lon).toBeCloseTo(e.lon!, 9);
  expect(fix.speed_mps).toBeCloseTo(e.speed_mps!, 3);
  expect(fix.heading_deg).toBe(e.heading_deg);
  expect(fix.hdop).toBe(e.hdop);
  expect(fix.satellites).toBe(e.satellites);
  expect(fix.altitude_m).toBe(e.altitude_m);
}
