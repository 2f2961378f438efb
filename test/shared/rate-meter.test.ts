import { describe, expect, it } from 'vitest';
import { RateMeter } from '../../src/shared/rate-meter.js';

describe('RateMeter', () => {
  it('measures events over the time since reset until the window is full (frames arriving)', () => {
    const m = new RateMeter(10_000);
    m.reset(0);
    for (let t = 100; t <= 2_000; t += 100) m.add(t);
    expect(m.rate(2_000)).toBeCloseTo(10, 5);
  });

  it('counts a lone early event over at least one second, not as a burst', () => {
    const m = new RateMeter(10_000);
    m.reset(0);
    m.add(10);
    expect(m.rate(20)).toBe(1);
  });

  it('forgets events older than the window', () => {
    const m = new RateMeter(10_000);
    m.reset(0);
    for (let t = 0; t < 5_000; t += 100) m.add(t);
    expect(m.rate(20_000)).toBe(0);
    expect(m.sum(20_000)).toBe(0);
  });

  it('sums events within the last hour only (reconnects per hour)', () => {
    const c = new RateMeter(3_600_000);
    c.add(0);
    c.add(1_800_000);
    expect(c.sum(3_500_000)).toBe(2);
    expect(c.sum(3_600_001)).toBe(1);
  });

  it('turns a running total sampled on a tick into a rate (GPS sentences)', () => {
    const r = new RateMeter(5_000);
    for (let s = 0; s <= 10; s++) r.addTotal(s * 1000, s * 6);
    expect(r.rate(10_000)).toBeCloseTo(6, 9);
    // Right after the first samples it averages over the time measured, not the whole window.
    const early = new RateMeter(5_000);
    for (let s = 0; s <= 2; s++) early.addTotal(s * 1000, s * 6);
    expect(early.rate(2_000)).toBeCloseTo(6, 9);
  });

  it('drops to zero when the running total stops growing', () => {
    const r = new RateMeter(5_000);
    for (let s = 0; s <= 5; s++) r.addTotal(s * 1000, s * 6);
    for (let s = 6; s <= 12; s++) r.addTotal(s * 1000, 30);
    expect(r.rate(12_000)).toBe(0);
  });

  it('weighs amounts and keeps only what the window holds', () => {
    const m = new RateMeter(1_000);
    m.reset(0);
    for (let t = 1; t <= 100_000; t++) m.add(t, 2);
    expect(m.sum(100_000)).toBe(2 * 1000);
    expect(m.rate(100_000)).toBe(2000);
  });
});
