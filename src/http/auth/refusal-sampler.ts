/**
 * Login attempts refused before any password check (too early, too many in flight, address
 * throttled) are counted, and one in each window per reason and client address is written to
 * the audit log with the number left out since the previous sample. Every refusal as its own
 * permanent row let one client write ~139 rows a second; evaluated attempts (a password was
 * checked) are still recorded one by one.
 */
import type { Clock } from '../../shared/clock.js';

const MAX_KEYS = 4096;

export class RefusalSampler {
  private readonly windows = new Map<string, { start: number; suppressed: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {}

  /** `{ suppressed }` when this refusal is to be recorded (with the count left out before it), else null. */
  sample(key: string): { suppressed: number } | null {
    const now = this.clock.now();
    const w = this.windows.get(key);
    if (w && now - w.start < this.windowMs) {
      w.suppressed++;
      return null;
    }
    this.windows.delete(key);
    this.windows.set(key, { start: now, suppressed: 0 });
    if (this.windows.size > MAX_KEYS) {
      const oldest = this.windows.keys().next().value;
      if (oldest !== undefined) this.windows.delete(oldest);
    }
    return { suppressed: w?.suppressed ?? 0 };
  }
}
