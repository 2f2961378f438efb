import { describe, expect, it } from 'vitest';
import { BaudDetector, type BaudEvent } from '../../src/gps/baud-detector.js';
import { ClockSkewMonitor } from '../../src/gps/clock-skew.js';

const OPTS = { rates: [9600, 4800, 38400], probeMs: 2_500, probeBytes: 600, lockSentences: 2, relockBytes: 4_000 };

describe('BaudDetector', () => {
  it('moves to the next rate after enough bytes without a valid sentence', () => {
    const d = new BaudDetector(OPTS);
    d.begin(0);
    expect(d.onData(599, 0, 10)).toBeNull();
    expect(d.onData(1, 0, 20)).toEqual({ kind: 'switch', rate: 4800, exhausted: false });
    expect(d.rate).toBe(4800);
  });

  it('moves on after probeMs of silence, and says when every rate was tried', () => {
    const d = new BaudDetector(OPTS);
    d.begin(0);
    const events: BaudEvent[] = [];
    for (let t = 0; t <= 10_000; t += 250) {
      const e = d.onTick(t);
      if (e) events.push(e);
    }
    expect(events.map((e) => e && e.kind === 'switch' && [e.rate, e.exhausted])).toEqual([
      [4800, false],
      [38400, false],
      [9600, true],
      [4800, false],
    ]);
  });

  it('locks after two valid sentences and then ignores ticks', () => {
    const d = new BaudDetector(OPTS);
    d.begin(0);
    d.onData(600, 0, 0);
    expect(d.onData(80, 1, 100)).toBeNull();
    expect(d.onData(80, 1, 200)).toEqual({ kind: 'locked', rate: 4800 });
    expect(d.isLocked).toBe(true);
    expect(d.onTick(1e9)).toBeNull();
    expect(d.onData(3_000, 0, 300)).toBeNull();
  });

  it('starts probing again when a locked rate turns into garbage (receiver reconfigured)', () => {
    const d = new BaudDetector(OPTS);
    d.begin(0);
    d.onData(100, 2, 0);
    expect(d.onData(4_000, 0, 10)).toEqual({ kind: 'switch', rate: 4800, exhausted: false });
    expect(d.isLocked).toBe(false);
  });

  it('restarts at the last locked rate after a reconnect', () => {
    const d = new BaudDetector(OPTS);
    d.begin(0);
    d.onTick(3_000);
    d.onTick(6_000);
    d.onData(100, 2, 6_100);
    expect(d.rate).toBe(38400);
    d.begin(10_000);
    expect([d.rate, d.isLocked]).toEqual([38400, false]);
  });
});

describe('ClockSkewMonitor', () => {
  it('reports the start and the end of an episode once, not every sample', () => {
    const m = new ClockSkewMonitor(2_000, 3);
    const events = [100, 2_500, 3_000, 2_600, 100, 50, 2_100, 10, 20, 30, 40].map((s) => m.update(s));
    expect(events).toEqual([null, 'entered', null, null, null, null, null, null, null, 'cleared', null]);
    expect(m.active).toBe(false);
    expect(m.skewMs).toBe(40);
  });

  it('counts a negative skew (clock ahead of GPS) the same', () => {
    const m = new ClockSkewMonitor(2_000);
    expect(m.update(-5_000)).toBe('entered');
    expect(m.active).toBe(true);
  });
});
