import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Watchdog, watchdogVerdict, type TripReason } from '../../src/camera/watchdog.js';
import { ManualClock } from '../../src/shared/clock.js';

describe('watchdogVerdict', () => {
  const o = { connectTimeoutMs: 5_000, stallMs: 3_000 };
  it('waits for the first frame up to the connect timeout', () => {
    expect(watchdogVerdict(4_999, 0, null, o)).toBeNull();
    expect(watchdogVerdict(5_000, 0, null, o)).toEqual({ kind: 'no-first-frame', afterMs: 5_000 });
  });
  it('trips on a stall once frames flowed', () => {
    expect(watchdogVerdict(10_000, 0, 7_001, o)).toBeNull();
    expect(watchdogVerdict(10_000, 0, 7_000, o)).toEqual({ kind: 'stalled', afterMs: 3_000 });
  });
});

describe('Watchdog with fake timers', () => {
  let clock: ManualClock;
  beforeEach(() => {
    vi.useFakeTimers();
    clock = new ManualClock(0);
  });
  afterEach(() => vi.useRealTimers());

  function advance(ms: number): void {
    for (let i = 0; i < ms / 100; i++) {
      clock.advance(100);
      vi.advanceTimersByTime(100);
    }
  }

  it('trips once when no first frame arrives, and ticks every second', () => {
    const trips: TripReason[] = [];
    let ticks = 0;
    const w = new Watchdog({ connectTimeoutMs: 3_000, stallMs: 2_000, tickMs: 1_000 }, clock, (r) => trips.push(r), () => ticks++);
    w.start();
    advance(2_900);
    expect(trips).toEqual([]);
    advance(5_000);
    expect(trips).toEqual([{ kind: 'no-first-frame', afterMs: 3_000 }]);
    expect(ticks).toBe(7);
    w.stop();
  });

  it('does not trip while frames keep coming, trips after they stop', () => {
    const trips: TripReason[] = [];
    const w = new Watchdog({ connectTimeoutMs: 3_000, stallMs: 2_000, tickMs: 1_000 }, clock, (r) => trips.push(r));
    w.start();
    for (let i = 0; i < 50; i++) {
      advance(200);
      w.frame();
    }
    expect(trips).toEqual([]);
    advance(3_000);
    expect(trips).toHaveLength(1);
    expect(trips[0]!.kind).toBe('stalled');
    w.stop();
  });

  it('stops ticking after stop()', () => {
    let ticks = 0;
    const w = new Watchdog({ connectTimeoutMs: 3_000, stallMs: 2_000, tickMs: 1_000 }, clock, () => undefined, () => ticks++);
    w.start();
    advance(2_000);
    w.stop();
    advance(5_000);
    expect(ticks).toBe(2);
  });
});
