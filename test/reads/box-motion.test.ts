import { describe, expect, it } from 'vitest';
import { BoxMotion, iou } from '../../src/reads/box-motion.js';
import type { Box } from '../../src/recognizer/types.js';

const box = (x: number, y: number, w: number, h: number): Box => ({ x, y, w, h });

describe('iou', () => {
  it.each([
    [box(0, 0, 10, 10), box(0, 0, 10, 10), 1],
    [box(0, 0, 10, 10), box(20, 20, 10, 10), 0],
    [box(0, 0, 10, 10), box(5, 0, 10, 10), 50 / 150],
    [box(0, 0, 10, 10), box(10, 0, 10, 10), 0], // touching edges
    [box(0, 0, 10, 10), box(2, 2, 5, 5), 25 / 100],
    [box(0, 0, 0, 0), box(0, 0, 0, 0), 0],
  ])('%j and %j: %d', (a, b, expected) => {
    expect(iou(a, b)).toBeCloseTo(expected, 9);
  });
});

/** Observes a box moving by (dx, dy) px and scaling by `growth` per 100 ms, `n` times. */
function moving(n: number, dx: number, dy: number, growth = 0): BoxMotion {
  const m = new BoxMotion();
  for (let i = 0; i < n; i++) {
    const s = (1 + growth) ** i;
    m.observe(1000 + i * 100, box(100 + dx * i - (40 * s - 40) / 2, 100 + dy * i - (20 * s - 20) / 2, 40 * s, 20 * s));
  }
  return m;
}

describe('BoxMotion.predict', () => {
  it('stays put with a single observation', () => {
    const m = moving(1, 0, 0);
    expect(m.hasVelocity).toBe(false);
    expect(m.predict(5000)).toEqual(box(100, 100, 40, 20));
  });

  it('extrapolates a constant velocity', () => {
    const m = moving(4, 10, 5);
    expect(m.hasVelocity).toBe(true);
    const p = m.predict(1000 + 5 * 100);
    expect(p.x).toBeCloseTo(150, 6);
    expect(p.y).toBeCloseTo(125, 6);
    expect(p.w).toBeCloseTo(40, 6);
  });

  it('extrapolates growth of the box', () => {
    const p = moving(3, 0, 0, 0.1).predict(1000 + 3 * 100);
    expect(p.w).toBeGreaterThan(40 * 1.2);
  });

  it('never predicts a box smaller than a pixel', () => {
    const p = moving(4, 0, 0, -0.3).predict(1000 + 60_000);
    expect(p.w).toBeGreaterThanOrEqual(1);
    expect(p.h).toBeGreaterThanOrEqual(1);
  });

  it('has no velocity from two observations at the same time', () => {
    const m = new BoxMotion();
    m.observe(1000, box(0, 0, 10, 10));
    m.observe(1000, box(5, 0, 10, 10));
    expect(m.hasVelocity).toBe(false);
  });

  it('fits observations that arrived out of order', () => {
    const m = new BoxMotion();
    m.observe(1200, box(20, 0, 10, 10));
    m.observe(1000, box(0, 0, 10, 10));
    m.observe(1100, box(10, 0, 10, 10));
    expect(m.predict(1300).x).toBeCloseTo(30, 6);
  });

  it('refuses to predict before any observation', () => {
    expect(() => new BoxMotion().predict(0)).toThrow(/before any observation/);
  });
});

describe('BoxMotion.direction', () => {
  it.each([
    ['growing box', moving(6, 0, 0, 0.08), 'approaching'],
    ['shrinking box', moving(6, 0, 0, -0.08), 'receding'],
    ['growing and moving down', moving(6, 0, 8, 0.08), 'approaching'],
    ['same size, moving down', moving(6, 0, 8), 'approaching'],
    ['same size, moving up', moving(6, 0, -8), 'receding'],
    ['same size, sideways', moving(6, 15, 0), 'unknown'],
    ['one frame', moving(1, 0, 0), 'unknown'],
    ['growing while moving far up', moving(6, 0, -30, 0.08), 'unknown'],
  ])('%s: %s', (_name, m, expected) => {
    expect(m.direction(0.15)).toBe(expected);
  });
});
