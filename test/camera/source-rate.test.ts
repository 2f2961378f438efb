import { describe, expect, it } from 'vitest';
import { SourceRate } from '../../src/camera/source-rate.js';

describe('SourceRate', () => {
  it('decodes at the configured rate until the camera reports a slower one', () => {
    const rate = new SourceRate(10);
    expect(rate.begin()).toBe(10);
    expect(rate.capTo(null)).toBeNull();
    expect(rate.capTo(9.6)).toBeNull(); // within half a frame per second: not worth a restart
    expect(rate.restarting).toBe(false);
    expect(rate.takeRestart()).toBe(false);
  });

  it('restarts once at a slower camera\'s own rate, and later connections keep it', () => {
    const rate = new SourceRate(10);
    rate.begin();
    expect(rate.capTo(5.004)).toBe(5);
    expect(rate.restarting).toBe(true);
    expect(rate.takeRestart()).toBe(true);
    expect(rate.takeRestart()).toBe(false);
    expect(rate.begin()).toBe(5);
    expect(rate.capTo(5)).toBeNull();
  });

  it('ignores rates no camera sends', () => {
    const rate = new SourceRate(10);
    rate.begin();
    expect(rate.capTo(0.5)).toBeNull();
    expect(rate.capTo(1000)).toBeNull();
  });

  it('expects what ffmpeg can deliver: the camera\'s own rate caps the filter\'s', () => {
    const rate = new SourceRate(10);
    rate.begin();
    expect(rate.expected(undefined)).toBe(10);
    expect(rate.expected(0)).toBe(10);
    expect(rate.expected(25)).toBe(10);
    expect(rate.expected(4)).toBe(4);
  });
});
