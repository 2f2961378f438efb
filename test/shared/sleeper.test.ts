import { afterEach, describe, expect, it, vi } from 'vitest';
import { Sleeper } from '../../src/shared/sleeper.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('Sleeper', () => {
  it('resolves after the time, or at once when woken', async () => {
    vi.useFakeTimers();
    const s = new Sleeper();
    let slept = false;
    const first = s.sleep(1_000).then(() => (slept = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(slept).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await first;
    expect(slept).toBe(true);

    let woken = false;
    const second = s.sleep(60_000).then(() => (woken = true));
    s.wake();
    await second;
    expect(woken).toBe(true);
    expect(vi.getTimerCount()).toBe(0); // the woken sleep's timer is cleared
  });

  it('does nothing when woken with no sleep running', () => {
    expect(() => new Sleeper().wake()).not.toThrow();
  });
});
