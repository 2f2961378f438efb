import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/shared/backoff.js';

describe('Backoff', () => {
  it('grows exponentially to the cap and resets after success', () => {
    const b = new Backoff({ initial_ms: 100, max_ms: 1000, jitter: 0 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000]);
    expect(b.failures).toBe(5);
    b.reset();
    expect(b.next()).toBe(100);
  });

  it('applies jitter within [d*(1-j), d]', () => {
    const lo = new Backoff({ initial_ms: 1000, max_ms: 1000, jitter: 0.5 }, () => 1);
    const hi = new Backoff({ initial_ms: 1000, max_ms: 1000, jitter: 0.5 }, () => 0);
    expect(lo.next()).toBe(500);
    expect(hi.next()).toBe(1000);
  });
});
