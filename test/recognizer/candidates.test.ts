import { describe, expect, it } from 'vitest';
import { readPlate } from '../../src/recognizer/candidates.js';
import { CHARSET, frames } from './ctc-helpers.js';

const opts = { charset: CHARSET, topN: 5 };
/** A frame where the network hesitates between two characters. */
const unsure = (a: string, pa: number, b: string, pb: number): Record<string, number> => ({ [a]: pa, [b]: pb });

describe('readPlate', () => {
  it('reads a clear plate with high confidence and its region when only one region fits', () => {
    // ABC1D23 is Mercosur (LLLNLNN): no US or EU format has that shape.
    const r = readPlate(frames(['A', '-', 'B', '-', 'C', '-', '1', '-', 'D', '-', '2', '-', '3']), { ...opts, region: null });
    expect(r.text).toBe('ABC1D23');
    expect(r.region).toBe('br');
    expect(r.confidence).toBeGreaterThan(0.8);
    expect(r.charConfidences).toHaveLength(7);
    expect(r.candidates[0]).toEqual({ text: 'ABC1D23', confidence: r.confidence });
  });

  it('resolves O/0 by the Brazilian format even when the network prefers the wrong one', () => {
    const f = frames(['B', '-', unsure('0', 0.6, 'O', 0.35), '-', 'B', '-', '1', '-', '2', '-', '3', '-', unsure('O', 0.6, '0', 0.35)]);
    const r = readPlate(f, { ...opts, region: 'br' });
    expect(r.text).toBe('BOB1230');
    expect(r.region).toBe('br');
  });

  it('resolves 8/B by an EU format', () => {
    const f = frames(['A', '-', unsure('8', 0.55, 'B', 0.4), '-', '1', '-', '2', '-', '3', '-', 'C', '-', 'D']);
    expect(readPlate(f, { ...opts, region: 'eu' }).text).toBe('AB123CD');
  });

  it('writes the letter O as 0 for US and merges the two spellings', () => {
    const f = frames(['C', '-', unsure('O', 0.5, '0', 0.45), '-', 'U', '-', 'G', '-', 'A', '-', 'R']);
    const r = readPlate(f, { ...opts, region: 'us' });
    expect(r.text).toBe('C0UGAR');
    expect(r.candidates.filter((c) => c.text === 'COUGAR')).toHaveLength(0);
  });

  it('never discards a reading that fits no format: it is still reported, first when nothing better exists', () => {
    const f = frames(['X', '-', 'X', '-', 'X', '-', 'X', '-', '9', '-', '9', '-', '9', '-', '9', '-', '9']);
    const r = readPlate(f, { ...opts, region: 'br' });
    expect(r.text).toBe('XXXX99999');
    expect(r.candidates.length).toBeGreaterThan(0);
  });

  it('ranks a format-fitting second choice above a non-fitting first choice when they are close', () => {
    // ABC12X4 vs ABC1234: the network slightly prefers X, but BR's LLLNNNN needs a digit there.
    const f = frames(['A', '-', 'B', '-', 'C', '-', '1', '-', '2', '-', unsure('X', 0.5, '3', 0.45), '-', '4']);
    const r = readPlate(f, { ...opts, region: 'br' });
    expect(r.text).toBe('ABC1234');
    expect(r.candidates.map((c) => c.text)).toContain('ABC12X4');
  });

  it('keeps the network\'s choice when the format-fitting alternative is far less likely', () => {
    const f = frames(['A', '-', 'B', '-', 'C', '-', '1', '-', '2', '-', unsure('X', 0.97, '3', 0.001), '-', '4']);
    expect(readPlate(f, { ...opts, region: 'br' }).text).toBe('ABC12X4');
  });

  it('reports no region when several regions fit equally', () => {
    const r = readPlate(frames(['A', '-', 'B', '-', 'C', '-', '1', '-', '2', '-', '3', '-', '4']), { ...opts, region: null });
    expect(r.text).toBe('ABC1234');
    expect(r.region).toBeNull();
  });

  it('reports the hinted region', () => {
    const r = readPlate(frames(['A', '-', 'B', '-', 'C', '-', '1', '-', '2', '-', '3', '-', '4']), { ...opts, region: 'us' });
    expect(r.region).toBe('us');
  });

  it('gives candidates best first, each at most once, confidences summing to at most 1', () => {
    const f = frames(['A', unsure('B', 0.5, '8', 0.4), '-', unsure('1', 0.6, 'I', 0.3), '-', '2', '-', '3', '-', '4', '-', '5']);
    const r = readPlate(f, { ...opts, region: null, topN: 10 });
    const texts = r.candidates.map((c) => c.text);
    expect(new Set(texts).size).toBe(texts.length);
    for (let i = 1; i < r.candidates.length; i++) expect(r.candidates[i - 1]!.confidence).toBeGreaterThanOrEqual(r.candidates[i]!.confidence);
    expect(r.candidates.reduce((s, c) => s + c.confidence, 0)).toBeLessThanOrEqual(1 + 1e-9);
  });

  it('returns at most topN candidates', () => {
    const f = frames(['A', unsure('B', 0.5, '8', 0.4), '-', unsure('1', 0.5, 'I', 0.4), '-', unsure('2', 0.5, 'Z', 0.4)]);
    expect(readPlate(f, { ...opts, region: null, topN: 2 }).candidates).toHaveLength(2);
  });

  it('prefers the reading every view agrees on over one view\'s confident outlier', () => {
    const a = frames(['A', '-', 'B', '-', 'C', '-', '1', '-', 'D', '-', '2', '-', unsure('3', 0.45, '8', 0.5)]);
    const b = frames(['A', '-', 'B', '-', 'C', '-', '1', '-', 'D', '-', '2', '-', unsure('3', 0.9, '8', 0.05)]);
    expect(readPlate(a, { ...opts, region: 'br' }).text).toBe('ABC1D28');
    expect(readPlate([a, b], { ...opts, region: 'br' }).text).toBe('ABC1D23');
  });

  it('returns an empty reading from blank frames', () => {
    const r = readPlate(frames(['-', '-', '-']), { ...opts, region: null });
    expect(r.text).toBe('');
  });
});
