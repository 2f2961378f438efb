/**
 * Synthetic hot lists for the hot-list benchmark: US-style plate formats weighted roughly by
 * registrations, list categories, 2% partial plates, and OCR-like candidate sets for reads.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { ReadCandidate } from '../src/hotlist/matcher.js';
import { seededRandom as rng } from '../test/helpers/random.js';

export { rng };


export const L = 'ABCDEFGHJKLMNPRSTUVWXYZ'; // plates avoid I, O, Q in most states
const D = '0123456789';
// Serial formats by state (L = letter, D = digit), weighted roughly by registrations.
export const FORMATS: [string, string, number][] = [
  ['CA', 'DLLLDDD', 20], ['TX', 'LLLDDDD', 12], ['FL', 'LLLLDD', 4], ['FL', 'DDDLLL', 3], ['NY', 'LLLDDDD', 8],
  ['PA', 'LLLDDDD', 5], ['IL', 'LLDDDDD', 5], ['OH', 'LLLDDDD', 5], ['GA', 'LLLDDDD', 4], ['NC', 'LLLDDDD', 4],
  ['MI', 'LLLDDDD', 4], ['NJ', 'LDDLLL', 4], ['WA', 'LLLDDDD', 3], ['AZ', 'LLLDLLL', 3], ['NV', 'DLLDDD', 2],
  ['OR', 'DDDLLL', 2], ['CA', 'DLDDDDD', 3], ['TX', 'DDDLLL', 2], ['--', 'LLLLLLL', 1],
];
const LISTS: [string, number, string, number][] = [
  ['stolen_vehicle', 2, 'Stolen vehicle (NCIC SVS)', 45], ['stolen_plate', 3, 'Stolen plate (NCIC SLR)', 20],
  ['felony_vehicle', 2, 'Vehicle used in a felony', 10], ['warrant', 4, 'Registered owner has a felony warrant', 10],
  ['missing_person', 3, 'Missing person (NCIC MUPS)', 5], ['amber', 1, 'AMBER alert', 1], ['sex_offender', 6, 'Registered sex offender vehicle — informational', 5],
  ['gang', 6, 'Gang-associated vehicle — informational', 4],
];

export function pickWeighted<T extends unknown[]>(table: T[], w: (t: T) => number, r: number): T {
  const total = table.reduce((s, t) => s + w(t), 0);
  let x = r * total;
  for (const t of table) if ((x -= w(t)) < 0) return t;
  return table[table.length - 1]!;
}

export function plateOf(format: string, r: () => number): string {
  let s = '';
  for (const f of format) s += f === 'L' ? L[Math.floor(r() * L.length)] : D[Math.floor(r() * 10)];
  return s;
}

/** Writes a CSV list of `n` entries; returns the plain plates (for queries) in order. */
export function generateList(path: string, n: number, seed: number): string[] {
  const r = rng(seed);
  const fd = openSync(path, 'w');
  const plates: string[] = new Array<string>(n);
  let chunk = 'plate,state,list,priority,reason,case_number,source,created\n';
  for (let i = 0; i < n; i++) {
    const [state, format] = pickWeighted(FORMATS, (f) => f[2], r());
    const [list, priority, reason] = pickWeighted(LISTS, (l) => l[3], r());
    let plate = plateOf(format, r);
    plates[i] = plate;
    if (r() < 0.02) {
      // A partial plate from a witness: one unknown character, often an unknown tail.
      const k = 1 + Math.floor(r() * (plate.length - 2));
      plate = `${plate.slice(0, k)}?${plate.slice(k + 1)}`;
      if (r() < 0.5) plate = `${plate.slice(0, plate.length - 1)}*`;
    }
    chunk += `${plate},${state === '--' ? '' : state},${list},${priority},${reason},V${String(100000000 + i)},CA DOJ,2026-11-${String(1 + (i % 24)).padStart(2, '0')}\n`;
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
  return plates;
}

const CONFUSE: Record<string, string> = { '0': 'O', O: '0', '1': 'I', I: '1', '8': 'B', B: '8', '5': 'S', S: '5', '2': 'Z', Z: '2', '6': 'G', G: '6', D: '0' };

/** Ten candidates as an OCR top-N gives them: the plate, confusions, a dropped and an extra character. */
export function candidatesFor(plate: string, r: () => number): ReadCandidate[] {
  const out: ReadCandidate[] = [];
  const confused = (p: string): string => {
    const idx = [...p].map((c, i) => (CONFUSE[c] ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) return p;
    const i = idx[Math.floor(r() * idx.length)]!;
    return p.slice(0, i) + CONFUSE[p[i]!]! + p.slice(i + 1);
  };
  for (let k = 0; k < 10; k++) {
    let t = plate;
    const kind = k % 4;
    if (kind === 1) t = confused(t);
    if (kind === 2) {
      const i = Math.floor(r() * t.length);
      t = t.slice(0, i) + t.slice(i + 1);
    }
    if (kind === 3) {
      const i = Math.floor(r() * t.length);
      t = t.slice(0, i) + L[Math.floor(r() * L.length)] + t.slice(i);
    }
    if (k > 3 && r() < 0.5) t = confused(t);
    out.push({ text: t, confidence: 0.9 - k * 0.05 });
  }
  return out;
}

