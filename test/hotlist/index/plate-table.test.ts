import { describe, expect, it } from 'vitest';
import { encodePlate } from '../../../src/plate/alphabet.js';
import { ConfusionTable, DEFAULT_CONFUSION_CLASSES } from '../../../src/plate/confusion-table.js';
import { PlateTableBuilder } from '../../../src/hotlist/index/plate-table-builder.js';
import { PlateTable } from '../../../src/hotlist/index/plate-table.js';
import { EDIT_IN_HALF_EDITS, costWithin } from '../../../src/hotlist/index/row-cost.js';
import { seededRandom } from '../../helpers/random.js';

const table = ConfusionTable.of(DEFAULT_CONFUSION_CLASSES);

/** Reference: full edit-distance table with the same half-edit costs, no shortcuts. */
function referenceCost(read: string, plate: string, cc: number): number {
  const cost = (a: string, b: string): number => (a === b ? 0 : table.confusableChars(a, b) ? cc : EDIT_IN_HALF_EDITS);
  const w = read.length + 1;
  const d = new Int32Array((plate.length + 1) * w);
  for (let j = 0; j < w; j++) d[j] = j * EDIT_IN_HALF_EDITS;
  for (let i = 1; i <= plate.length; i++) {
    d[i * w] = i * EDIT_IN_HALF_EDITS;
    for (let j = 1; j < w; j++) {
      d[i * w + j] = Math.min(d[(i - 1) * w + j - 1]! + cost(plate[i - 1]!, read[j - 1]!), d[(i - 1) * w + j]! + EDIT_IN_HALF_EDITS, d[i * w + j - 1]! + EDIT_IN_HALF_EDITS);
    }
  }
  return d[plate.length * w + read.length]!;
}

function tableOf(plates: readonly string[], classOf = table.classOf, maxEdits?: number): PlateTable {
  const builder = new PlateTableBuilder(plates.length, classOf, maxEdits);
  const key = new Uint8Array(16);
  plates.forEach((p, i) => builder.add(key, encodePlate(p, key), i));
  const next = new Int32Array(plates.length).fill(-1);
  return new PlateTable(builder.build(next, () => false).parts);
}

function search(t: PlateTable, read: string, budget: number, cc: number): Map<string, number> {
  const key = new Uint8Array(16);
  t.setCandidate(0, key, encodePlate(read, key), budget);
  const found = new Map<string, number>();
  t.search(1, cc, table.classOf, (_c, row, cost) => {
    const text = t.textOf(row);
    expect(found.has(text)).toBe(false);
    found.set(text, cost);
  });
  return found;
}

describe('plate table', () => {
  // Letters and digits that confuse a lot, so reads land near many plates.
  const A = '0ODQ1IL2Z5S6G8BAC7X';
  const r = seededRandom(11);
  const randomPlate = (min: number, max: number): string => Array.from({ length: min + Math.floor(r() * (max - min + 1)) }, () => A[Math.floor(r() * A.length)]).join('');
  // 6,000 plates of 1–9 characters: large groups use prefix tables and binary
  // search, small ones are scanned.
  const plates = [...new Set(Array.from({ length: 6000 }, () => randomPlate(5, 8)).concat(Array.from({ length: 60 }, () => randomPlate(2, 4)), ['X', 'ABCDEFGHJ']))];
  const t = tableOf(plates);
  const mutate = (p: string): string => {
    const i = Math.floor(r() * p.length);
    const c = A[Math.floor(r() * A.length)]!;
    const k = Math.floor(r() * 3);
    return k === 0 ? p.slice(0, i) + c + p.slice(i + 1) : k === 1 ? p.slice(0, i) + p.slice(i + 1) : p.slice(0, i) + c + p.slice(i);
  };

  it('finds every plate exactly', () => {
    const key = new Uint8Array(16);
    for (const p of plates) expect(t.textOf(t.find(key, encodePlate(p, key)))).toBe(p);
    expect(t.find(key, encodePlate('ZZZZZZZZZZ', key))).toBe(-1);
    expect(t.rowCount).toBe(plates.length);
  });

  it.each([
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
    [1, 2],
    [2, 0],
    [2, 1],
  ])('with %i edits and confusions at %i half-edits finds exactly what a full scan finds', (edits, cc) => {
    const budget = edits * EDIT_IN_HALF_EDITS;
    let hits = 0;
    for (let q = 0; q < 30; q++) {
      let read = plates[Math.floor(r() * plates.length)]!;
      const changes = Math.floor(r() * (edits + 2));
      for (let i = 0; i < changes && read.length > 2; i++) read = mutate(read);
      const expected = new Map<string, number>();
      for (const p of plates) {
        const c = referenceCost(read, p, cc);
        if (c <= budget) expected.set(p, c);
      }
      expect(search(t, read, budget, cc)).toEqual(expected);
      hits += expected.size;
    }
    expect(hits).toBeGreaterThanOrEqual(10);
  });

  it('finds the same in a group large enough for three-symbol prefix tables', () => {
    const big = [...new Set(Array.from({ length: 40_000 }, () => randomPlate(7, 7)))];
    const bt = tableOf(big);
    let hits = 0;
    for (let q = 0; q < 12; q++) {
      const read = q % 2 === 0 ? mutate(big[Math.floor(r() * big.length)]!) : big[Math.floor(r() * big.length)]!;
      const expected = new Map<string, number>();
      for (const p of big) {
        const c = referenceCost(read, p, 0);
        if (c <= EDIT_IN_HALF_EDITS) expected.set(p, c);
      }
      expect(search(bt, read, EDIT_IN_HALF_EDITS, 0)).toEqual(expected);
      hits += expected.size;
    }
    expect(hits).toBeGreaterThanOrEqual(12);
    // A 40,000-plate full-scan oracle: 15-18 s on a free core, twice that beside other work.
  }, 180_000);

  it('finds the same when the read is matched under other confusion classes than the list was built with', () => {
    const other = tableOf(plates, ConfusionTable.of(['0O', '8B', 'CG']).classOf);
    for (const [edits, cc] of [[0, 0], [1, 0], [1, 1], [2, 0]] as const) {
      for (let q = 0; q < 8; q++) {
        let read = plates[Math.floor(r() * plates.length)]!;
        if (q % 2 === 1) read = mutate(read);
        const expected = new Map<string, number>();
        for (const p of plates) {
          const c = referenceCost(read, p, cc);
          if (c <= edits * EDIT_IN_HALF_EDITS) expected.set(p, c);
        }
        expect(search(other, read, edits * EDIT_IN_HALF_EDITS, cc)).toEqual(expected);
      }
    }
  });

  it('finds the same with an edit tolerance the table was not built for', () => {
    for (const [built, edits] of [[0, 1], [1, 2], [2, 1], [1, 0]] as const) {
      const t2 = tableOf(plates, table.classOf, built);
      for (let q = 0; q < 6; q++) {
        const read = mutate(plates[Math.floor(r() * plates.length)]!);
        const expected = new Map<string, number>();
        for (const p of plates) {
          const c = referenceCost(read, p, 0);
          if (c <= edits * EDIT_IN_HALF_EDITS) expected.set(p, c);
        }
        expect(search(t2, read, edits * EDIT_IN_HALF_EDITS, 0)).toEqual(expected);
      }
    }
  });

  it('costs a row as the full edit-distance table does', () => {
    const dp = new Int32Array(32);
    const a = new Uint8Array(16);
    const b = new Uint8Array(16);
    for (let i = 0; i < 3000; i++) {
      const p = randomPlate(1, 9);
      const q = r() < 0.5 ? mutate(mutate(p)) : randomPlate(1, 9);
      const m = encodePlate(q, a);
      const L = encodePlate(p, b);
      for (const [budget, cc] of [[0, 0], [2, 0], [2, 1], [4, 1], [4, 2]] as const) {
        const ref = referenceCost(q, p, cc);
        expect(costWithin(a, 0, m, b, 0, L, budget, cc, table.classOf, dp)).toBe(ref <= budget ? ref : -1);
      }
    }
  });
});
