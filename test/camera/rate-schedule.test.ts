import { describe, expect, it } from 'vitest';
import { Decimator, decodeRate, MPS_TO_MPH, rateForSpeed } from '../../src/camera/rate-schedule.js';
import { DEFAULT_SPEED_RATES } from '../../src/config/sections/camera.js';

describe('rateForSpeed (default table: <25 mph 5 fps, <45 mph 10 fps, above 15 fps)', () => {
  const table: [number | null, number | null, number][] = [
    // mph, current fps, expected fps
    [0, null, 5],
    [24.9, null, 5],
    [25, null, 10],
    [44.9, null, 10],
    [45, null, 15],
    [80, null, 15],
    [null, null, 15], // no GPS: the highest rate, a missed plate costs more than CPU
    [-3, null, 5],
    // hysteresis 2 mph: stays up while within 2 mph below the boundary
    [24, 10, 10],
    [23.1, 10, 10],
    [22.9, 10, 5],
    [43.5, 15, 15],
    [42.9, 15, 10],
    [10, 15, 5], // far below: straight down, no stepping through bands
    [30, 5, 10], // going up is immediate
  ];
  for (const [mph, current, want] of table) {
    it(`${mph ?? 'unknown'} mph (now ${current ?? '-'} fps) → ${want} fps`, () => {
      expect(rateForSpeed(DEFAULT_SPEED_RATES, mph, current, 2)).toBe(want);
    });
  }

  it('decodes at the table maximum, or the camera fps without a table', () => {
    expect(decodeRate(DEFAULT_SPEED_RATES, 5)).toBe(15);
    expect(decodeRate([], 7)).toBe(7);
  });

  it('converts m/s to mph', () => {
    expect(20 * MPS_TO_MPH).toBeCloseTo(44.74, 2);
  });
});

describe('Decimator', () => {
  function pattern(source: number, rate: number, n: number): string {
    const d = new Decimator(source, rate);
    return Array.from({ length: n }, () => (d.accept() ? 'x' : '.')).join('');
  }
  it('keeps everything at the source rate', () => expect(pattern(15, 15, 6)).toBe('xxxxxx'));
  it('keeps 2 of 3 for 15 → 10 fps', () => expect(pattern(15, 10, 9)).toBe('x.xx.xx.x'));
  it('keeps 1 of 3 for 15 → 5 fps', () => expect(pattern(15, 5, 9)).toBe('x..x..x..'));
  it('never exceeds the source rate', () => expect(pattern(5, 15, 4)).toBe('xxxx'));
  it('keeps the right share over a long run', () => {
    const kept = [...pattern(15, 10, 1500)].filter((c) => c === 'x').length;
    expect(kept).toBe(1000);
  });
  it('follows a rate change without restarting', () => {
    const d = new Decimator(15, 15);
    const first = Array.from({ length: 3 }, () => d.accept());
    d.setRate(5);
    const kept = Array.from({ length: 30 }, () => d.accept()).filter(Boolean).length;
    expect(first).toEqual([true, true, true]);
    expect(kept).toBe(10);
  });
});
