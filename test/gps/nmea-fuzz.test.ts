import { describe, expect, it } from 'vitest';
import type { GpsFix } from '../../src/gps/fix.js';
import { parseNmea } from '../../src/gps/nmea-parser.js';
import { NmeaReader } from '../../src/gps/nmea-reader.js';
import { driveText } from './helpers/drive.js';
import { seededRandom } from '../helpers/random.js';

function withChecksum(body: string): string {
  let x = 0;
  for (let i = 0; i < body.length; i++) x ^= body.charCodeAt(i);
  return `$${body}*${x.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** 100k lines: real sentences, mutated ones (many re-checksummed so the field decoders see
 *  them), truncations, binary noise. Seeded: a failure reproduces. */
function corpus(n: number, seed: number): string[] {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const char = (s: string): string => s[Math.floor(rand() * s.length)]!;
  const real = driveText().split('\r\n').filter(Boolean);
  const alphabet = '0123456789.,-+NSEWAVMTKDRFPx*$ ';
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const base = pick(real);
    const body = base.slice(1, base.length - 3);
    const op = Math.floor(rand() * 8);
    switch (op) {
      case 0:
        lines.push(base);
        break;
      case 1: {
        const at = Math.floor(rand() * base.length);
        lines.push(base.slice(0, at) + char(alphabet) + base.slice(at + 1));
        break;
      }
      case 2: {
        // Same mutation, checksum recomputed: only the field decoders can refuse it.
        const at = Math.floor(rand() * body.length);
        lines.push(withChecksum(body.slice(0, at) + char(alphabet.replace(/[*$]/g, '')) + body.slice(at + 1)));
        break;
      }
      case 3: {
        const fields = body.split(',');
        fields[Math.floor(rand() * fields.length)] = Array.from({ length: Math.floor(rand() * 12) }, () => char(alphabet.replace(/[*$,]/g, ''))).join('');
        lines.push(withChecksum(fields.join(',')));
        break;
      }
      case 4:
        lines.push(base.slice(0, Math.floor(rand() * base.length)));
        break;
      case 5:
        lines.push(String.fromCharCode(...Array.from({ length: Math.floor(rand() * 120) }, () => Math.floor(rand() * 256))));
        break;
      case 6: {
        const fields = body.split(',');
        fields.splice(Math.floor(rand() * fields.length), 1 + Math.floor(rand() * 3));
        lines.push(withChecksum(fields.join(',')));
        break;
      }
      default:
        lines.push(withChecksum(`GN${pick(['GGA', 'RMC', 'VTG', 'GSA', 'GNS', 'GSV'])},${Array.from({ length: Math.floor(rand() * 20) }, () => String(Math.floor(rand() * 100_000) / pick([1, 10, 100]))).join(',')}`));
    }
  }
  return lines;
}

describe('NMEA fuzz: 100k random and mutated lines', () => {
  const lines = corpus(100_000, 6006);

  it('parseNmea returns a verdict for every line and never throws', () => {
    const tally: Record<string, number> = {};
    for (const line of lines) {
      const r = parseNmea(line);
      tally[r.kind] = (tally[r.kind] ?? 0) + 1;
    }
    expect(Object.values(tally).reduce((a, b) => a + b, 0)).toBe(lines.length);
    // The corpus reaches every outcome, so the sum above is not trivially one bucket.
    expect(Object.keys(tally).sort()).toEqual(['bad_checksum', 'malformed', 'sentence', 'unsupported']);
  });

  it('the byte-stream reader accounts for every $ and every byte, and every fix it emits is a real position', () => {
    const rand = seededRandom(17);
    const bytes = Buffer.from(lines.join('\r\n') + '\r\n', 'latin1');
    const counts: Record<string, number> = {};
    const fixes: GpsFix[] = [];
    const reader = new NmeaReader({ fix: (f) => fixes.push(f), count: (c, n) => (counts[c] = (counts[c] ?? 0) + n) });
    for (let i = 0; i < bytes.length; ) {
      const size = 1 + Math.floor(rand() * 512);
      reader.push(bytes.subarray(i, i + size), i);
      i += size;
    }
    reader.flush();

    const dollars = bytes.reduce((n, b) => n + (b === 0x24 ? 1 : 0), 0);
    const outcomes = (counts.sentences ?? 0) + (counts.bad_checksum ?? 0) + (counts.malformed ?? 0) + (counts.unsupported ?? 0);
    expect(outcomes).toBe(dollars);
    expect(counts.bytes).toBe(bytes.length);
    expect(counts.garbage_bytes).toBeGreaterThan(0);
    expect(counts.garbage_bytes).toBeLessThan(bytes.length);
    expect(fixes.length).toBeGreaterThan(1000);
    const impossible = fixes.filter(
      (f) =>
        !(Number.isFinite(f.lat) && Math.abs(f.lat) <= 90) ||
        !(Number.isFinite(f.lon) && Math.abs(f.lon) <= 180) ||
        (f.speed_mps !== null && !(f.speed_mps >= 0)) ||
        (f.heading_deg !== null && !(f.heading_deg >= 0 && f.heading_deg <= 360)),
    );
    expect(impossible).toEqual([]);
  });
});
