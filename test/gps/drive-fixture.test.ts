import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNmea } from '../../src/gps/nmea-parser.js';
import { DRIVE_NMEA, FIXTURES, driveText, loadTruth } from './helpers/drive.js';
import { tempDir } from '../helpers/temp-dir.js';

const root = resolve(import.meta.dirname, '..', '..');

describe('fixtures/gps/drive.nmea', () => {
  const out = tempDir('drive-');

  it('is exactly what the committed seeded generator produces', () => {
    execFileSync(process.execPath, ['--import', 'tsx', join(FIXTURES, 'make-drive.ts'), out], { cwd: root, stdio: 'pipe' });
    expect(readFileSync(join(out, 'drive.nmea')).equals(readFileSync(DRIVE_NMEA))).toBe(true);
    expect(readFileSync(join(out, 'drive.truth.json'), 'utf8')).toBe(readFileSync(join(FIXTURES, 'drive.truth.json'), 'utf8'));
  });

  it('is a 10-minute 1 Hz drive under 1 MB with only valid GN/GP/GL sentences', () => {
    expect(statSync(DRIVE_NMEA).size).toBeLessThan(1 << 20);
    const lines = driveText().split('\r\n').filter(Boolean);
    const kinds = new Set(lines.map((l) => parseNmea(l).kind));
    expect([...kinds]).toEqual(['sentence']);
    expect(new Set(lines.map((l) => l.slice(1, 3)))).toEqual(new Set(['GN', 'GP', 'GL']));
    const truth = loadTruth();
    expect(truth.epochs).toHaveLength(600);
    // Stops, a tunnel of about 20 s and an HDOP spike above the default limit of 5.
    expect(truth.epochs.filter((e) => e.fix === 'none')).toHaveLength(22);
    expect(truth.epochs.filter((e) => e.hdop > 5 && e.fix !== 'none').length).toBeGreaterThanOrEqual(15);
    expect(truth.epochs.filter((e) => e.speed_mps !== null && e.speed_mps < 0.5).length).toBeGreaterThanOrEqual(60);
  });
});
